// CreateTopics over a real KafkaServer (node id 3) and LogManager: manual replica assignments
// (accepted when they name only this broker, INVALID_REQUEST / INVALID_REPLICA_ASSIGNMENT
// otherwise), compression.type (INVALID_CONFIG for a bad value or an unknown key), the parser's
// assignment structure, and a Kafka produce to a zstd topic stored as zstd.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "log-store/kafka/kafka_codec.h"
#include "log-store/kafka/kafka_protocol.h"
#include "log-store/kafka/kafka_requests.h"
#include "log-store/kafka/kafka_server.h"
#include "log-store/kafka/request_dispatcher.h"
#include "log-store/storage/log_manager.h"
#include "log-store/storage/record_batch.h"
#include "log-store/storage/record_batch_builder.h"
#include "tests/kafka/raw_kafka_client.h"
#include "tests/kafka/unit/test_data_dir.h"

namespace eddy::kafka {
namespace {

constexpr int32_t kNodeId = 3;

struct NewTopic {
  std::string name;
  int32_t num_partitions = -1;
  int16_t replication_factor = -1;
  std::vector<std::pair<int32_t, std::vector<int32_t>>> assignments;
  std::vector<std::pair<std::string, std::string>> configs;
};

// CreateTopics v1..4 body (v0 has no validate_only).
std::string CreateTopicsBody(const std::vector<NewTopic>& topics, int16_t v,
                             bool validate_only = false) {
  Writer w;
  w.ArrayCount(static_cast<int32_t>(topics.size()));
  for (const auto& t : topics) {
    w.String(t.name);
    w.Int32(t.num_partitions);
    w.Int16(t.replication_factor);
    w.ArrayCount(static_cast<int32_t>(t.assignments.size()));
    for (const auto& [p, brokers] : t.assignments) {
      w.Int32(p);
      w.ArrayCount(static_cast<int32_t>(brokers.size()));
      for (int32_t b : brokers) w.Int32(b);
    }
    w.ArrayCount(static_cast<int32_t>(t.configs.size()));
    for (const auto& [k, val] : t.configs) {
      w.String(k);
      w.NullableString(val);
    }
  }
  w.Int32(5000);
  if (v >= 1) w.Bool(validate_only);
  return w.buffer();
}

struct TopicAnswer {
  std::string name;
  int16_t error = -2;
  std::string message;
};

class CreateTopicsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTestDataDir("eddy-kafka-create-topics");
    auto logs = OpenTestLogManager(dir_);
    ASSERT_TRUE(logs.ok()) << logs.status();
    logs_ = std::move(*logs);
    KafkaServerOptions ko;
    ko.listen = "127.0.0.1:0";
    ko.node_id = kNodeId;
    ko.default_partitions = 2;
    auto server = KafkaServer::Start(logs_.get(), ko);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }
  void TearDown() override {
    if (server_) server_->Stop();
    server_.reset();
    logs_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Sends CreateTopics v`v` and parses the per-topic answers.
  std::vector<TopicAnswer> Create(const std::vector<NewTopic>& topics, int16_t v = 4,
                                  bool validate_only = false) {
    RawKafkaClient c(server_->port());
    EXPECT_TRUE(c.connected());
    EXPECT_TRUE(c.Send(kCreateTopics, v, 7, CreateTopicsBody(topics, v, validate_only)));
    auto resp = c.Receive();
    EXPECT_TRUE(resp.has_value());
    std::vector<TopicAnswer> out;
    if (!resp) return out;
    Reader r(*resp);
    EXPECT_EQ(r.Int32(), 7);
    if (v >= 2) r.Int32();  // throttle
    const int32_t n = r.ArrayCount();
    for (int32_t i = 0; i < n && r.ok(); ++i) {
      TopicAnswer a;
      a.name = std::string(r.String());
      a.error = r.Int16();
      if (v >= 1) {
        auto m = r.NullableString();
        if (m) a.message = std::string(*m);
      }
      out.push_back(a);
    }
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.remaining(), 0u);
    return out;
  }
  TopicAnswer CreateOne(const NewTopic& t, int16_t v = 4) {
    auto all = Create({t}, v);
    EXPECT_EQ(all.size(), 1u);
    return all.empty() ? TopicAnswer{} : all[0];
  }
  int Partitions(const std::string& topic) {
    auto d = logs_->DescribeTopic(topic);
    return d.ok() ? static_cast<int>(d->partitions.size()) : -1;
  }

  std::filesystem::path dir_;
  std::unique_ptr<logstore::LogManager> logs_;
  std::unique_ptr<KafkaServer> server_;
};

TEST(CreateTopicsParser, AssignmentsAreParsedIntoPartitionsAndBrokers) {
  Writer w;
  w.Int16(kCreateTopics);
  w.Int16(3);
  w.Int32(1);
  w.String("client");
  w.Raw(CreateTopicsBody({{"t", -1, -1, {{0, {3}}, {1, {3, 4}}, {2, {}}}, {}}}, 3));
  const std::string full = w.buffer();
  Reader r(full);
  ASSERT_TRUE(ParseRequestHeader(r).ok());
  auto c = ParseCreateTopics(r, 3);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->topics.size(), 1u);
  const auto& a = c->topics[0].assignments;
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].partition_index, 0);
  EXPECT_EQ(a[0].broker_ids, std::vector<int32_t>{3});
  EXPECT_EQ(a[1].partition_index, 1);
  EXPECT_EQ(a[1].broker_ids, (std::vector<int32_t>{3, 4}));
  EXPECT_EQ(a[2].partition_index, 2);
  EXPECT_TRUE(a[2].broker_ids.empty());
  EXPECT_TRUE(DecodeRequest(full).ok());
  // Every truncation of it is an error, never a crash.
  for (size_t n = 0; n < full.size(); ++n) {
    EXPECT_FALSE(DecodeRequest(std::string_view(full).substr(0, n)).ok())
        << "prefix of " << n << " bytes";
  }
}

TEST_F(CreateTopicsTest, AssignmentToThisBrokerCreatesThatManyPartitions) {
  for (int16_t v = 0; v <= 4; ++v) {
    const std::string name = "assigned-v" + std::to_string(v);
    auto a = CreateOne({name, -1, -1, {{0, {kNodeId}}, {2, {kNodeId}}, {1, {kNodeId}}}, {}}, v);
    EXPECT_EQ(a.name, name);
    EXPECT_EQ(a.error, error::kNone) << "v" << v << ": " << a.message;
    EXPECT_EQ(Partitions(name), 3) << "v" << v;
  }
  // validate_only checks but creates nothing.
  auto a = Create({{"only-checked", -1, -1, {{0, {kNodeId}}}, {}}}, 4, /*validate_only=*/true);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].error, error::kNone) << a[0].message;
  EXPECT_EQ(Partitions("only-checked"), -1);
}

// Before the limit the create opened partitions until the descriptors ran out, answered
// UNKNOWN_SERVER_ERROR and left thousands of directories; validate_only said yes.
TEST_F(CreateTopicsTest, KafkaMillionPartitionsAreInvalidPartitionsWithAndWithoutValidateOnly) {
  const int32_t limit = logstore::LogManagerOptions{}.max_partitions_per_topic;
  for (bool validate_only : {true, false}) {
    auto a = Create({{"million", 1000000, -1, {}, {}}}, 4, validate_only);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].error, error::kInvalidPartitions) << validate_only << ": " << a[0].message;
    for (const std::string& part :
         {std::string("million"), std::string("1000000"), "limit of " + std::to_string(limit)}) {
      EXPECT_NE(a[0].message.find(part), std::string::npos) << a[0].message;
    }
  }
  EXPECT_EQ(Partitions("million"), -1);
  for (const auto& e : std::filesystem::directory_iterator(dir_)) {
    EXPECT_EQ(e.path().filename().string().rfind("million", 0), std::string::npos) << e.path();
  }
  // At the limit's side of the line it still works (a small count, the same path).
  auto ok = CreateOne({"million", 3, -1, {}, {}});
  EXPECT_EQ(ok.error, error::kNone) << ok.message;
  EXPECT_EQ(Partitions("million"), 3);
}

TEST_F(CreateTopicsTest, AssignmentWithPartitionCountOrReplicationFactorIsInvalidRequest) {
  auto a = CreateOne({"both", 2, -1, {{0, {kNodeId}}, {1, {kNodeId}}}, {}});
  EXPECT_EQ(a.error, error::kInvalidRequest);
  EXPECT_NE(a.message.find("num_partitions"), std::string::npos) << a.message;
  a = CreateOne({"rf", -1, 1, {{0, {kNodeId}}}, {}});
  EXPECT_EQ(a.error, error::kInvalidRequest);
  EXPECT_NE(a.message.find("replication_factor"), std::string::npos) << a.message;
  EXPECT_EQ(Partitions("both"), -1);
  EXPECT_EQ(Partitions("rf"), -1);
}

TEST_F(CreateTopicsTest, BadAssignmentsAreInvalidReplicaAssignmentNamingPartitionAndBroker) {
  struct Case {
    std::string topic;
    std::vector<std::pair<int32_t, std::vector<int32_t>>> assignments;
    std::vector<std::string> message_has;
  };
  const std::vector<Case> cases = {
      {"other-broker", {{0, {kNodeId}}, {1, {0}}}, {"partition 1", "broker 0"}},
      {"two-brokers", {{0, {kNodeId, 4}}}, {"partition 0", "broker 4"}},
      {"same-broker-twice", {{0, {kNodeId, kNodeId}}}, {"partition 0", "more than once"}},
      {"duplicate", {{0, {kNodeId}}, {0, {kNodeId}}}, {"partition 0", "more than once"}},
      {"gap", {{0, {kNodeId}}, {2, {kNodeId}}}, {"partition 2", "0..1"}},
      {"negative", {{-1, {kNodeId}}}, {"partition -1"}},
      {"empty-list", {{0, {}}}, {"partition 0", "empty"}},
  };
  for (const auto& c : cases) {
    auto a = CreateOne({c.topic, -1, -1, c.assignments, {}});
    EXPECT_EQ(a.error, error::kInvalidReplicaAssignment) << c.topic << ": " << a.message;
    for (const auto& part : c.message_has) {
      EXPECT_NE(a.message.find(part), std::string::npos) << c.topic << ": " << a.message;
    }
    EXPECT_EQ(Partitions(c.topic), -1) << c.topic;
  }
}

TEST_F(CreateTopicsTest, CompressionTypeIsAcceptedAndBadValuesAndUnknownKeysAreInvalidConfig) {
  auto a = CreateOne({"zstd-topic", -1, -1, {{0, {kNodeId}}}, {{"compression.type", "zstd"}}});
  EXPECT_EQ(a.error, error::kNone) << a.message;
  auto d = logs_->DescribeTopic("zstd-topic");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->config.compression_type, logstore::CompressionType::kZstd);

  a = CreateOne({"bogus", 1, 1, {}, {{"compression.type", "bogus"}}});
  EXPECT_EQ(a.error, error::kInvalidConfig);
  EXPECT_NE(a.message.find("compression.type=\"bogus\""), std::string::npos) << a.message;
  a = CreateOne({"unknown-key", 1, 1, {}, {{"no.such.setting", "1"}}});
  EXPECT_EQ(a.error, error::kInvalidConfig);
  EXPECT_NE(a.message.find("no.such.setting"), std::string::npos) << a.message;
  EXPECT_EQ(Partitions("bogus"), -1);
  EXPECT_EQ(Partitions("unknown-key"), -1);

  // Without an assignment the old rules still hold.
  a = CreateOne({"defaults", -1, -1, {}, {{"compression.type", "producer"}}});
  EXPECT_EQ(a.error, error::kNone) << a.message;
  EXPECT_EQ(Partitions("defaults"), 2);
  a = CreateOne({"rf3", 1, 3, {}, {}});
  EXPECT_EQ(a.error, error::kInvalidReplicationFactor);
}

TEST_F(CreateTopicsTest, KafkaProduceToZstdTopicIsStoredAsZstdAndItsRetryIsADuplicate) {
  ASSERT_EQ(CreateOne({"z", 1, 1, {}, {{"compression.type", "zstd"}}}).error, error::kNone);
  // An idempotent producer: InitProducerId, then one uncompressed batch with sequence 0.
  RawKafkaClient c(server_->port());
  Writer init;
  init.NullableString(std::nullopt);
  init.Int32(60000);
  ASSERT_TRUE(c.Send(kInitProducerId, 0, 1, init.buffer()));
  auto ir = c.Receive();
  ASSERT_TRUE(ir);
  Reader irr(*ir);
  irr.Int32();
  irr.Int32();
  ASSERT_EQ(irr.Int16(), 0);
  const int64_t pid = irr.Int64();
  const int16_t epoch = irr.Int16();
  logstore::RecordBatchBuilder b;
  b.SetProducer(pid, epoch, 0);
  for (int i = 0; i < 20; ++i) b.Add("k" + std::to_string(i), std::string(100, 'v'), 1700000000000);
  const std::string idempotent = b.Finish();

  auto produce = [&](int32_t correlation) {
    Writer w;
    w.NullableString(std::nullopt);
    w.Int16(-1);
    w.Int32(5000);
    w.ArrayCount(1);
    w.String("z");
    w.ArrayCount(1);
    w.Int32(0);
    w.Bytes(idempotent);
    EXPECT_TRUE(c.Send(kProduce, 7, correlation, w.buffer()));
    auto resp = c.Receive();
    EXPECT_TRUE(resp);
    Reader r(*resp);
    EXPECT_EQ(r.Int32(), correlation);
    r.ArrayCount();
    r.String();
    r.ArrayCount();
    r.Int32();
    const int16_t err = r.Int16();
    const int64_t base = r.Int64();
    return std::make_pair(err, base);
  };
  EXPECT_EQ(produce(2), std::make_pair(error::kNone, int64_t{0}));
  // A retry of the same batch (same producer id, epoch, sequence) is answered as a duplicate
  // with the first offset and not stored again: the sequence fields survived re-encoding.
  EXPECT_EQ(produce(3), std::make_pair(error::kNone, int64_t{0}));

  auto log = logs_->GetPartition("z", 0);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ((*log)->LogEndOffset(), 20);
  auto read = (*log)->Read(0, 1 << 20);
  ASSERT_TRUE(read.ok());
  logstore::BatchIterator it(read->batches);
  std::string_view bv;
  logstore::BatchHeader h;
  ASSERT_TRUE(it.Next(&bv, &h));
  EXPECT_EQ(h.compression(), logstore::Compression::kZstd);
  EXPECT_EQ(h.producer_id, pid);
  EXPECT_EQ(h.producer_epoch, epoch);
  EXPECT_EQ(h.base_sequence, 0);
  EXPECT_TRUE(logstore::ValidateBatch(bv).ok());
  logstore::RecordIterator ri(bv);
  logstore::Record rec;
  int n = 0;
  while (ri.Next(&rec)) {
    EXPECT_EQ(rec.key.value_or(""), "k" + std::to_string(n));
    ++n;
  }
  EXPECT_TRUE(ri.status().ok()) << ri.status();
  EXPECT_EQ(n, 20);
  EXPECT_FALSE(it.Next(&bv, &h)) << "the retry was not stored";
}

}  // namespace
}  // namespace eddy::kafka
