// The topic and config admin APIs over a real KafkaServer (node id 3) and LogManager, with exact
// bytes: DeleteTopics, CreatePartitions, DeleteRecords, DescribeConfigs, AlterConfigs,
// IncrementalAlterConfigs and DescribeCluster (flexible), their error codes and messages, and
// what each leaves in storage.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "log-store/kafka/kafka_codec.h"
#include "log-store/kafka/kafka_protocol.h"
#include "log-store/kafka/kafka_requests.h"
#include "log-store/kafka/kafka_server.h"
#include "log-store/storage/log_manager.h"
#include "log-store/storage/record_batch_builder.h"
#include "tests/kafka/raw_kafka_client.h"
#include "tests/kafka/unit/test_data_dir.h"

namespace eddy::kafka {
namespace {

constexpr int32_t kNodeId = 3;

struct ConfigEntry {
  std::string value;
  bool read_only = false;
  bool is_default = false;
  int8_t source = -1;  // v1+
  int synonyms = 0;
};

struct ConfigAnswer {
  int16_t error = -2;
  std::string message;
  std::map<std::string, ConfigEntry> configs;
};

class KafkaAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTestDataDir("eddy-kafka-admin");
    auto logs = OpenTestLogManager(
        dir_, [](logstore::LogManagerOptions& o) { o.max_partitions_per_topic = 16; });
    ASSERT_TRUE(logs.ok()) << logs.status();
    logs_ = std::move(*logs);
    KafkaServerOptions ko;
    ko.listen = "127.0.0.1:0";
    ko.node_id = kNodeId;
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

  void CreateTopic(const std::string& name, int32_t partitions,
                   std::map<std::string, std::string> kv = {}) {
    kv["partitions"] = std::to_string(partitions);
    auto c = logstore::TopicConfig::FromMap(kv, logs_->options().default_topic_config);
    ASSERT_TRUE(c.ok()) << c.status();
    ASSERT_TRUE(logs_->CreateTopic(name, *c).ok());
  }
  void Append(const std::string& topic, int32_t p, int n) {
    logstore::RecordBatchBuilder b;
    for (int i = 0; i < n; ++i) b.Add(std::nullopt, "v" + std::to_string(i), 1000 + i);
    ASSERT_TRUE((*logs_->GetPartition(topic, p))->Append(b.Finish()).ok());
  }
  // The response payload after the correlation id (and the tagged fields of a flexible header).
  std::string Call(int16_t key, int16_t v, const std::string& body) {
    RawKafkaClient c(server_->port());
    EXPECT_TRUE(c.connected());
    EXPECT_TRUE(c.Send(key, v, 42, body));
    auto resp = c.Receive();
    EXPECT_TRUE(resp.has_value()) << ApiName(key) << " v" << v << ": connection closed";
    if (!resp) return "";
    Reader r(*resp);
    EXPECT_EQ(r.Int32(), 42);
    if (HasFlexibleResponseHeader(key, v)) r.SkipTaggedFields();
    EXPECT_TRUE(r.ok());
    return resp->substr(r.position());
  }
  int Partitions(const std::string& topic) {
    auto d = logs_->DescribeTopic(topic);
    return d.ok() ? static_cast<int>(d->partitions.size()) : -1;
  }

  // DeleteTopics v`v`: name -> error.
  std::map<std::string, int16_t> DeleteTopics(const std::vector<std::string>& topics, int16_t v) {
    Writer w;
    w.ArrayCount(static_cast<int32_t>(topics.size()));
    for (const auto& t : topics) w.String(t);
    w.Int32(5000);
    const std::string resp = Call(kDeleteTopics, v, w.buffer());
    Reader r(resp);
    if (v >= 1) r.Int32();
    std::map<std::string, int16_t> out;
    const int32_t n = r.ArrayCount();
    for (int32_t i = 0; i < n && r.ok(); ++i) {
      std::string name(r.String());
      out[name] = r.Int16();
    }
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.remaining(), 0u);
    return out;
  }

  // CreatePartitions v0 for one topic: {error, message}.
  std::pair<int16_t, std::string> CreatePartitions(
      const std::string& topic, int32_t count, bool validate_only = false,
      const std::optional<std::vector<std::vector<int32_t>>>& assignments = std::nullopt) {
    Writer w;
    w.ArrayCount(1);
    w.String(topic);
    w.Int32(count);
    if (!assignments) {
      w.ArrayCount(-1);
    } else {
      w.ArrayCount(static_cast<int32_t>(assignments->size()));
      for (const auto& brokers : *assignments) {
        w.ArrayCount(static_cast<int32_t>(brokers.size()));
        for (int32_t b : brokers) w.Int32(b);
      }
    }
    w.Int32(5000);
    w.Bool(validate_only);
    const std::string resp = Call(kCreatePartitions, 0, w.buffer());
    Reader r(resp);
    r.Int32();
    EXPECT_EQ(r.ArrayCount(), 1);
    EXPECT_EQ(r.String(), topic);
    const int16_t err = r.Int16();
    auto msg = r.NullableString();
    EXPECT_TRUE(r.ok());
    return {err, msg ? std::string(*msg) : ""};
  }

  // DeleteRecords v`v` for one partition: {low watermark, error}.
  std::pair<int64_t, int16_t> DeleteRecords(const std::string& topic, int32_t p, int64_t offset,
                                            int16_t v = 0) {
    Writer w;
    w.ArrayCount(1);
    w.String(topic);
    w.ArrayCount(1);
    w.Int32(p);
    w.Int64(offset);
    w.Int32(5000);
    const std::string resp = Call(kDeleteRecords, v, w.buffer());
    Reader r(resp);
    r.Int32();
    EXPECT_EQ(r.ArrayCount(), 1);
    EXPECT_EQ(r.String(), topic);
    EXPECT_EQ(r.ArrayCount(), 1);
    EXPECT_EQ(r.Int32(), p);
    const int64_t low = r.Int64();
    const int16_t err = r.Int16();
    EXPECT_TRUE(r.ok());
    return {low, err};
  }

  ConfigAnswer DescribeConfigs(int8_t type, const std::string& name, int16_t v,
                               const std::optional<std::vector<std::string>>& keys = std::nullopt,
                               bool synonyms = false) {
    Writer w;
    w.ArrayCount(1);
    w.Int8(type);
    w.String(name);
    if (!keys) {
      w.ArrayCount(-1);
    } else {
      w.ArrayCount(static_cast<int32_t>(keys->size()));
      for (const auto& k : *keys) w.String(k);
    }
    if (v >= 1) w.Bool(synonyms);
    const std::string resp = Call(kDescribeConfigs, v, w.buffer());
    Reader r(resp);
    r.Int32();
    ConfigAnswer a;
    EXPECT_EQ(r.ArrayCount(), 1);
    a.error = r.Int16();
    auto msg = r.NullableString();
    if (msg) a.message = std::string(*msg);
    EXPECT_EQ(r.Int8(), type);
    EXPECT_EQ(r.String(), name);
    const int32_t n = r.ArrayCount();
    for (int32_t i = 0; i < n && r.ok(); ++i) {
      std::string key(r.String());
      ConfigEntry e;
      e.value = std::string(r.NullableString().value_or("<null>"));
      e.read_only = r.Bool();
      if (v == 0) {
        e.is_default = r.Bool();
      } else {
        e.source = r.Int8();
      }
      EXPECT_FALSE(r.Bool());  // is_sensitive
      if (v >= 1) {
        e.synonyms = r.ArrayCount();
        for (int s = 0; s < e.synonyms && r.ok(); ++s) {
          r.String();
          r.NullableString();
          r.Int8();
        }
      }
      a.configs[key] = e;
    }
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.remaining(), 0u);
    return a;
  }

  struct Alter {
    std::string key;
    int8_t op;  // IncrementalAlterConfigs only
    std::optional<std::string> value;
  };
  // AlterConfigs v0 (incremental=false) or IncrementalAlterConfigs v0: {error, message}.
  std::pair<int16_t, std::string> AlterConfigs(int8_t type, const std::string& name,
                                               const std::vector<Alter>& entries, bool incremental,
                                               bool validate_only = false) {
    Writer w;
    w.ArrayCount(1);
    w.Int8(type);
    w.String(name);
    w.ArrayCount(static_cast<int32_t>(entries.size()));
    for (const auto& e : entries) {
      w.String(e.key);
      if (incremental) w.Int8(e.op);
      w.NullableString(e.value);
    }
    w.Bool(validate_only);
    const std::string resp =
        Call(incremental ? kIncrementalAlterConfigs : kAlterConfigs, 0, w.buffer());
    Reader r(resp);
    r.Int32();
    EXPECT_EQ(r.ArrayCount(), 1);
    const int16_t err = r.Int16();
    auto msg = r.NullableString();
    EXPECT_EQ(r.Int8(), type);
    EXPECT_EQ(r.String(), name);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.remaining(), 0u);
    return {err, msg ? std::string(*msg) : ""};
  }
  logstore::TopicConfig Config(const std::string& topic) {
    return logs_->DescribeTopic(topic)->config;
  }

  std::filesystem::path dir_;
  std::unique_ptr<logstore::LogManager> logs_;
  std::unique_ptr<KafkaServer> server_;
};

TEST_F(KafkaAdminTest, ApiVersionsAdvertisesTheAdminApis) {
  const std::string resp = Call(kApiVersions, 0, "");
  Reader r(resp);
  EXPECT_EQ(r.Int16(), error::kNone);
  std::map<int16_t, std::pair<int16_t, int16_t>> got;
  const int32_t n = r.ArrayCount();
  for (int32_t i = 0; i < n && r.ok(); ++i) {
    const int16_t key = r.Int16();
    const int16_t min = r.Int16();
    got[key] = {min, r.Int16()};
  }
  const std::map<int16_t, std::pair<int16_t, int16_t>> want = {
      {kDeleteTopics, {0, 3}},    {kDeleteRecords, {0, 1}},    {kDescribeConfigs, {0, 2}},
      {kAlterConfigs, {0, 1}},    {kCreatePartitions, {0, 1}}, {kIncrementalAlterConfigs, {0, 0}},
      {kDescribeCluster, {0, 0}},
  };
  for (const auto& [key, range] : want) {
    ASSERT_TRUE(got.count(key)) << ApiName(key);
    EXPECT_EQ(got[key], range) << ApiName(key);
  }
}

TEST_F(KafkaAdminTest, DeleteTopicsRemovesDataDirectoriesAndOffsetsAndRecreateStartsEmpty) {
  for (int16_t v = 0; v <= 3; ++v) {
    const std::string t = "doomed-v" + std::to_string(v);
    CreateTopic(t, 2);
    Append(t, 0, 5);
    ASSERT_TRUE(logs_->CommitOffset("g", t, 0, 5, "").ok());
    auto res = DeleteTopics({t, "never-was"}, v);
    EXPECT_EQ(res[t], error::kNone) << "v" << v;
    EXPECT_EQ(res["never-was"], error::kUnknownTopicOrPartition) << "v" << v;
    EXPECT_EQ(Partitions(t), -1);
    for (const auto& e : std::filesystem::directory_iterator(dir_)) {
      EXPECT_EQ(e.path().filename().string().rfind(t, 0), std::string::npos) << e.path();
    }
    EXPECT_FALSE(std::filesystem::exists(dir_ / "topics" / (t + ".properties")));
    EXPECT_FALSE(logs_->FetchOffset("g", t, 0).has_value());
    CreateTopic(t, 1);
    EXPECT_EQ((*logs_->GetPartition(t, 0))->LogEndOffset(), 0);
  }
}

TEST_F(KafkaAdminTest, CreatePartitionsGrowsOnlyWithinTheLimitAndOnThisBroker) {
  CreateTopic("grow", 2);
  auto [err, msg] = CreatePartitions("grow", 4, /*validate_only=*/true);
  EXPECT_EQ(err, error::kNone) << msg;
  EXPECT_EQ(Partitions("grow"), 2);
  std::tie(err, msg) = CreatePartitions("grow", 4);
  EXPECT_EQ(err, error::kNone) << msg;
  EXPECT_EQ(Partitions("grow"), 4);
  Append("grow", 3, 2);
  EXPECT_EQ((*logs_->GetPartition("grow", 3))->LogEndOffset(), 2);

  std::tie(err, msg) = CreatePartitions("grow", 3);
  EXPECT_EQ(err, error::kInvalidPartitions);
  EXPECT_NE(msg.find("shrink"), std::string::npos) << msg;
  std::tie(err, msg) = CreatePartitions("grow", 4);
  EXPECT_EQ(err, error::kInvalidPartitions);
  EXPECT_NE(msg.find("already has 4"), std::string::npos) << msg;
  for (bool validate_only : {true, false}) {
    std::tie(err, msg) = CreatePartitions("grow", 1000000, validate_only);
    EXPECT_EQ(err, error::kInvalidPartitions);
    EXPECT_NE(msg.find("grow"), std::string::npos) << msg;
    EXPECT_NE(msg.find("1000000"), std::string::npos) << msg;
    EXPECT_NE(msg.find("limit of 16"), std::string::npos) << msg;
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ / "grow-4"));
  std::tie(err, msg) = CreatePartitions("grow", 6, false, {{{kNodeId}, {kNodeId + 1}}});
  EXPECT_EQ(err, error::kInvalidReplicaAssignment);
  EXPECT_NE(msg.find("partition 5"), std::string::npos) << msg;
  std::tie(err, msg) = CreatePartitions("grow", 6, false, {{{kNodeId}}});
  EXPECT_EQ(err, error::kInvalidReplicaAssignment) << msg;
  std::tie(err, msg) = CreatePartitions("grow", 6, false, {{{kNodeId}, {kNodeId}}});
  EXPECT_EQ(err, error::kNone) << msg;
  EXPECT_EQ(Partitions("grow"), 6);
  std::tie(err, msg) = CreatePartitions("nope", 6);
  EXPECT_EQ(err, error::kUnknownTopicOrPartition);
}

// A DeleteRecords answer without error and with this low watermark.
std::pair<int64_t, int16_t> Low(int64_t low) { return {low, error::kNone}; }

TEST_F(KafkaAdminTest, DeleteRecordsMovesTheLowWatermark) {
  CreateTopic("dr", 1);
  Append("dr", 0, 10);
  for (int16_t v = 0; v <= 1; ++v) {
    EXPECT_EQ(DeleteRecords("dr", 0, 4 + v, v), Low(4 + v));
  }
  EXPECT_EQ((*logs_->GetPartition("dr", 0))->LogStartOffset(), 5);
  EXPECT_EQ(DeleteRecords("dr", 0, 11).second, error::kOffsetOutOfRange);
  EXPECT_EQ((*logs_->GetPartition("dr", 0))->LogStartOffset(), 5);
  EXPECT_EQ(DeleteRecords("dr", 0, -1), Low(10));
  EXPECT_EQ(DeleteRecords("dr", 0, 3), Low(10));
  EXPECT_EQ(DeleteRecords("dr", 1, 0).second, error::kUnknownTopicOrPartition);
  EXPECT_EQ(DeleteRecords("nope", 0, 0).second, error::kUnknownTopicOrPartition);
}

TEST_F(KafkaAdminTest, DescribeConfigsListsEveryTopicConfigWithItsSource) {
  CreateTopic("cfg", 1, {{"retention.ms", "1000"}, {"compression.type", "zstd"}});
  const auto all_keys = logstore::TopicConfig{}.ToMap();
  for (int16_t v = 0; v <= 2; ++v) {
    ConfigAnswer a = DescribeConfigs(kResourceTopic, "cfg", v, std::nullopt, true);
    EXPECT_EQ(a.error, error::kNone) << a.message;
    EXPECT_EQ(a.configs.size(), all_keys.size() - 1) << "every key but partitions";
    EXPECT_FALSE(a.configs.count("partitions"));
    for (const auto& [key, value] : all_keys) {
      if (key != "partitions") {
        EXPECT_TRUE(a.configs.count(key)) << key;
      }
    }
    EXPECT_EQ(a.configs["retention.ms"].value, "1000");
    EXPECT_EQ(a.configs["compression.type"].value, "zstd");
    EXPECT_EQ(a.configs["cleanup.policy"].value, "delete");
    for (const auto& [key, e] : a.configs) {
      EXPECT_FALSE(e.read_only) << key;
      const bool set = key == "retention.ms" || key == "compression.type";
      if (v == 0) {
        EXPECT_EQ(e.is_default, !set) << key;
      } else {
        EXPECT_EQ(e.source, set ? 1 : 5) << key;  // DYNAMIC_TOPIC_CONFIG / DEFAULT_CONFIG
        EXPECT_EQ(e.synonyms, set ? 2 : 1) << key;
      }
    }
  }
  ConfigAnswer some = DescribeConfigs(kResourceTopic, "cfg", 1, {{"segment.bytes", "no.such"}});
  ASSERT_EQ(some.configs.size(), 1u);
  EXPECT_EQ(some.configs.begin()->first, "segment.bytes");
  EXPECT_EQ(some.configs.begin()->second.synonyms, 0) << "not asked for";

  ConfigAnswer missing = DescribeConfigs(kResourceTopic, "nope", 1);
  EXPECT_EQ(missing.error, error::kUnknownTopicOrPartition);
  EXPECT_TRUE(missing.configs.empty());

  ConfigAnswer broker = DescribeConfigs(kResourceBroker, std::to_string(kNodeId), 1);
  EXPECT_EQ(broker.error, error::kNone) << broker.message;
  EXPECT_EQ(broker.configs["broker.id"].value, std::to_string(kNodeId));
  EXPECT_EQ(broker.configs["eddy.max.partitions.per.topic"].value, "16");
  for (const auto& [key, e] : broker.configs) {
    EXPECT_TRUE(e.read_only) << key;
    EXPECT_EQ(e.source, 4) << key;  // STATIC_BROKER_CONFIG
  }
  EXPECT_EQ(DescribeConfigs(kResourceBroker, "7", 1).error, error::kInvalidRequest);
  EXPECT_EQ(DescribeConfigs(8, "x", 1).error, error::kInvalidRequest);
}

TEST_F(KafkaAdminTest, AlterConfigsReplacesTheWholeSet) {
  CreateTopic("alt", 2, {{"retention.ms", "1000"}});
  const logstore::TopicConfig defaults = logs_->options().default_topic_config;
  auto [err, msg] =
      AlterConfigs(kResourceTopic, "alt", {{"compression.type", 0, "lz4"}}, false, true);
  EXPECT_EQ(err, error::kNone) << msg;
  EXPECT_EQ(Config("alt").compression_type, logstore::CompressionType::kProducer);
  EXPECT_EQ(Config("alt").retention_ms, 1000);

  std::tie(err, msg) = AlterConfigs(kResourceTopic, "alt", {{"compression.type", 0, "lz4"}}, false);
  EXPECT_EQ(err, error::kNone) << msg;
  EXPECT_EQ(Config("alt").compression_type, logstore::CompressionType::kLz4);
  EXPECT_EQ(Config("alt").retention_ms, defaults.retention_ms) << "unspecified keys revert";
  EXPECT_EQ(Partitions("alt"), 2);

  std::tie(err, msg) = AlterConfigs(kResourceTopic, "alt", {{"no.such.key", 0, "1"}}, false);
  EXPECT_EQ(err, error::kInvalidConfig);
  EXPECT_NE(msg.find("no.such.key"), std::string::npos) << msg;
  std::tie(err, msg) = AlterConfigs(kResourceTopic, "alt", {{"partitions", 0, "9"}}, false);
  EXPECT_EQ(err, error::kInvalidConfig) << "partitions is not a Kafka topic config";
  std::tie(err, msg) = AlterConfigs(kResourceTopic, "alt", {{"retention.ms", 0, "soon"}}, false);
  EXPECT_EQ(err, error::kInvalidConfig);
  EXPECT_NE(msg.find("retention.ms"), std::string::npos) << msg;
  EXPECT_EQ(Config("alt").compression_type, logstore::CompressionType::kLz4) << "unchanged";
  std::tie(err, msg) = AlterConfigs(kResourceTopic, "nope", {}, false);
  EXPECT_EQ(err, error::kUnknownTopicOrPartition);
  std::tie(err, msg) =
      AlterConfigs(kResourceBroker, std::to_string(kNodeId), {{"num.partitions", 0, "3"}}, false);
  EXPECT_EQ(err, error::kInvalidRequest);
  EXPECT_NE(msg.find("read-only"), std::string::npos) << msg;

  // The change is durable: it is in the topic's metadata file.
  server_->Stop();
  server_.reset();
  logs_.reset();
  logstore::LogManagerOptions lo;
  lo.data_dir = dir_.string();
  lo.start_cleaner = false;
  logs_ = std::move(*logstore::LogManager::Open(lo));
  EXPECT_EQ(Config("alt").compression_type, logstore::CompressionType::kLz4);
  EXPECT_EQ(Config("alt").retention_ms, defaults.retention_ms);
}

TEST_F(KafkaAdminTest, IncrementalAlterConfigsSetsDeletesAndEditsCleanupPolicy) {
  CreateTopic("inc", 1, {{"compression.type", "gzip"}, {"segment.ms", "5000"}});
  auto [err, msg] = AlterConfigs(kResourceTopic, "inc",
                                 {{"retention.ms", 0, "2000"},
                                  {"compression.type", 1, std::nullopt},
                                  {"cleanup.policy", 2, "compact"}},
                                 true);
  EXPECT_EQ(err, error::kNone) << msg;
  logstore::TopicConfig c = Config("inc");
  EXPECT_EQ(c.retention_ms, 2000);
  EXPECT_EQ(c.compression_type, logstore::CompressionType::kProducer) << "DELETE = default";
  EXPECT_EQ(c.segment_ms, 5000) << "untouched keys stay";
  EXPECT_EQ(c.cleanup_policy, logstore::CleanupPolicy::kCompactAndDelete);

  std::tie(err, msg) = AlterConfigs(kResourceTopic, "inc", {{"cleanup.policy", 3, "delete"}}, true);
  EXPECT_EQ(err, error::kNone) << msg;
  EXPECT_EQ(Config("inc").cleanup_policy, logstore::CleanupPolicy::kCompact);
  std::tie(err, msg) =
      AlterConfigs(kResourceTopic, "inc", {{"cleanup.policy", 3, "compact"}}, true);
  EXPECT_EQ(err, error::kInvalidConfig);
  EXPECT_NE(msg.find("cannot be empty"), std::string::npos) << msg;
  std::tie(err, msg) = AlterConfigs(kResourceTopic, "inc", {{"retention.ms", 2, "5"}}, true);
  EXPECT_EQ(err, error::kInvalidConfig);
  EXPECT_NE(msg.find("retention.ms"), std::string::npos) << msg;
  std::tie(err, msg) = AlterConfigs(kResourceTopic, "inc", {{"bogus.key", 0, "5"}}, true);
  EXPECT_EQ(err, error::kInvalidConfig);
  EXPECT_NE(msg.find("bogus.key"), std::string::npos) << msg;
  std::tie(err, msg) =
      AlterConfigs(kResourceTopic, "inc", {{"retention.ms", 0, "7"}}, true, /*validate_only=*/true);
  EXPECT_EQ(err, error::kNone) << msg;
  EXPECT_EQ(Config("inc").retention_ms, 2000);
  std::tie(err, msg) = AlterConfigs(kResourceTopic, "inc", {{"retention.ms", 9, "7"}}, true);
  EXPECT_EQ(err, error::kInvalidRequest);
}

TEST_F(KafkaAdminTest, DescribeClusterIsFlexibleAndNamesThisBroker) {
  Writer w;
  w.Bool(false);
  w.EmptyTaggedFields();
  const std::string resp = Call(kDescribeCluster, 0, w.buffer());
  Reader r(resp);
  EXPECT_EQ(r.Int32(), 0);  // throttle
  EXPECT_EQ(r.Int16(), error::kNone);
  EXPECT_FALSE(r.CompactNullableString().has_value());
  EXPECT_EQ(r.CompactString(), "eddy");
  EXPECT_EQ(r.Int32(), kNodeId);  // controller
  ASSERT_EQ(r.CompactArrayCount(), 1);
  EXPECT_EQ(r.Int32(), kNodeId);
  EXPECT_EQ(r.CompactString(), "127.0.0.1");
  EXPECT_EQ(r.Int32(), server_->port());
  EXPECT_FALSE(r.CompactNullableString().has_value());
  r.SkipTaggedFields();
  EXPECT_EQ(r.Int32(), INT32_MIN);
  r.SkipTaggedFields();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 0u);
}

}  // namespace
}  // namespace eddy::kafka
