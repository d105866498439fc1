// Client library against a real eddy-logd: murmur2 partitioner vectors (Kafka's own test
// values), producer delivery reports and per-partition order, consumer assign/seek/poll and
// group offsets, admin calls, and the errors they give.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "log-store/client/admin_client.h"
#include "log-store/client/consumer.h"
#include "log-store/client/producer.h"
#include "tests/integration/logstore/process.h"

namespace eddy::logstore {
namespace {

using eddy::testing::Broker;
using eddy::testing::TempDir;

TEST(Murmur2, MatchesKafkaUtilsMurmur2) {
  // org.apache.kafka.common.utils.UtilsTest#testMurmur2
  EXPECT_EQ(Murmur2("21"), -973932308);
  EXPECT_EQ(Murmur2("foobar"), -790332482);
  EXPECT_EQ(Murmur2("a-little-bit-long-string"), -985981536);
  EXPECT_EQ(Murmur2("a-little-bit-longer-string"), -1486304829);
  EXPECT_EQ(Murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
  EXPECT_EQ(Murmur2("abc"), 479470107);
  for (int n = 1; n < 20; ++n) {
    int32_t p = PartitionForKey("some-key", n);
    EXPECT_GE(p, 0);
    EXPECT_LT(p, n);
  }
}

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ = std::make_unique<Broker>(EDDY_LOGD, dir_.path() + "/data");
    ASSERT_TRUE(broker_->Start()) << broker_->log();
    options_.bootstrap = broker_->bootstrap();
    auto admin = AdminClient::Connect(options_);
    ASSERT_TRUE(admin.ok());
    admin_ = *std::move(admin);
  }
  TempDir dir_;
  std::unique_ptr<Broker> broker_;
  ClientOptions options_;
  std::unique_ptr<AdminClient> admin_;
};

TEST_F(ClientTest, ProducerReportsOffsetsAndKeepsPartitionOrder) {
  ASSERT_TRUE(admin_->CreateTopic("orders", 3).ok());
  ProducerOptions po;
  po.client = options_;
  po.acks = 1;
  po.batch_size = 2048;  // many small batches and requests in flight
  po.max_in_flight = 4;
  auto producer = Producer::Create(po);
  ASSERT_TRUE(producer.ok());
  std::mutex mu;
  std::map<int32_t, std::vector<std::pair<int64_t, int>>> reports;  // partition -> (offset, seq)
  const int kRecords = 20000;
  for (int i = 0; i < kRecords; ++i) {
    std::string key = "key-" + std::to_string(i % 50);
    std::string value = std::to_string(i);
    RecordHeader h{"h", std::string_view("x")};
    ASSERT_TRUE((*producer)
                    ->Send("orders", -1, key, value, 12345, std::span<const RecordHeader>(&h, 1),
                           [&, i](const DeliveryReport& r) {
                             ASSERT_TRUE(r.status.ok()) << r.status;
                             std::lock_guard<std::mutex> l(mu);
                             reports[r.partition].push_back({r.offset, i});
                           })
                    .ok());
  }
  ASSERT_TRUE((*producer)->Flush().ok());
  size_t n = 0;
  for (auto& [p, v] : reports) {
    std::sort(v.begin(), v.end());
    for (size_t k = 0; k < v.size(); ++k) {
      EXPECT_EQ(v[k].first, static_cast<int64_t>(k)) << "partition " << p;
      if (k) {
        EXPECT_GT(v[k].second, v[k - 1].second) << "order broken in partition " << p;
      }
    }
    n += v.size();
  }
  EXPECT_EQ(n, static_cast<size_t>(kRecords));

  // Consume back: keys are where murmur2 puts them, values in order, headers intact.
  ConsumerOptions co;
  co.client = options_;
  co.fetch_max_wait = std::chrono::milliseconds(10);
  auto consumer = Consumer::Create(co);
  ASSERT_TRUE(consumer.ok());
  ASSERT_TRUE((*consumer)->Assign({{"orders", 0}, {"orders", 1}, {"orders", 2}}).ok());
  size_t got = 0;
  std::map<int32_t, int> last;
  while (got < static_cast<size_t>(kRecords)) {
    auto polled = (*consumer)->Poll(std::chrono::milliseconds(200));
    ASSERT_TRUE(polled.ok()) << polled.status();
    for (auto& fp : *polled) {
      ASSERT_TRUE(fp.error.ok()) << fp.error;
      auto it = fp.Records();
      Record r;
      while (it.Next(&r)) {
        ASSERT_TRUE(r.key && r.value);
        EXPECT_EQ(PartitionForKey(*r.key, 3), fp.tp.partition);
        EXPECT_EQ(r.timestamp, 12345);
        EXPECT_EQ(r.header_count, 1);
        int v = std::stoi(std::string(*r.value));
        auto l = last.find(fp.tp.partition);
        if (l != last.end()) {
          EXPECT_GT(v, l->second);
        }
        last[fp.tp.partition] = v;
        ++got;
      }
      ASSERT_TRUE(it.status().ok());
    }
  }
  EXPECT_EQ(got, static_cast<size_t>(kRecords));
}

// A long-lived producer keeps a bounded sample of its request latencies, not one per request.
TEST_F(ClientTest, ProducerKeepsABoundedSampleOfRequestLatencies) {
  ASSERT_TRUE(admin_->CreateTopic("lat", 1).ok());
  ProducerOptions po;
  po.client = options_;
  po.latency_samples = 16;
  auto producer = Producer::Create(po);
  ASSERT_TRUE(producer.ok());
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE((*producer)->Send("lat", 0, "k", "v").ok());
    ASSERT_TRUE((*producer)->Flush().ok());  // one request each
  }
  EXPECT_EQ((*producer)->RequestLatenciesMicros().size(), 10u);  // all of them, under the cap
  for (int i = 0; i < 90; ++i) {
    ASSERT_TRUE((*producer)->Send("lat", 0, "k", "v").ok());
    ASSERT_TRUE((*producer)->Flush().ok());
  }
  auto lat = (*producer)->RequestLatenciesMicros();
  EXPECT_EQ(lat.size(), 16u);
  for (int64_t us : lat) EXPECT_GE(us, 0);
  ASSERT_TRUE((*producer)->Close().ok());
}

TEST_F(ClientTest, ConsumerSeekPositionAndGroupOffsets) {
  ASSERT_TRUE(admin_->CreateTopic("s", 1).ok());
  ProducerOptions po;
  po.client = options_;
  auto producer = Producer::Create(po);
  ASSERT_TRUE(producer.ok());
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE((*producer)->Send("s", 0, std::nullopt, std::to_string(i), 1000 + i).ok());
  }
  ASSERT_TRUE((*producer)->Close().ok());
  EXPECT_FALSE((*producer)->Send("s", 0, std::nullopt, "late").ok());

  EXPECT_EQ(*admin_->ListOffset({"s", 0}, kEarliestOffset), 0);
  EXPECT_EQ(*admin_->ListOffset({"s", 0}, kLatestOffset), 100);
  EXPECT_EQ(*admin_->ListOffset({"s", 0}, 1050), 50);
  EXPECT_EQ(*admin_->ListOffset({"s", 0}, 999999), -1);

  ConsumerOptions co;
  co.client = options_;
  co.group = "grp";
  co.fetch_max_wait = std::chrono::milliseconds(10);
  auto consumer = Consumer::Create(co);
  ASSERT_TRUE(consumer.ok());
  auto& c = **consumer;
  TopicPartition tp{"s", 0};
  ASSERT_TRUE(c.Assign({tp}).ok());
  EXPECT_EQ(*c.Position(tp), 0);
  ASSERT_TRUE(c.Seek(tp, 42).ok());
  auto polled = c.Poll(std::chrono::milliseconds(1000));
  ASSERT_TRUE(polled.ok());
  ASSERT_EQ(polled->size(), 1u);
  auto it = (*polled)[0].Records();
  Record r;
  ASSERT_TRUE(it.Next(&r));
  EXPECT_EQ(r.offset, 42);  // records before the seek offset in the first batch are skipped
  EXPECT_EQ(*r.value, "42");
  EXPECT_EQ(*c.Position(tp), 100);
  ASSERT_TRUE(c.CommitOffsets({{tp, 77}}).ok());
  auto committed = c.FetchCommitted({tp});
  ASSERT_TRUE(committed.ok());
  EXPECT_EQ((*committed)[tp], 77);
  // A new consumer of the group starts at the committed offset.
  auto c2 = Consumer::Create(co);
  ASSERT_TRUE((*c2)->Assign({tp}).ok());
  EXPECT_EQ(*(*c2)->Position(tp), 77);
  ASSERT_TRUE((*c2)->SeekToEnd({tp}).ok());
  EXPECT_EQ(*(*c2)->Position(tp), 100);
  EXPECT_FALSE((*c2)->Seek({"other", 0}, 1).ok());
}

TEST_F(ClientTest, BatchesStayUnderTheTopicsMaxMessageBytes) {
  ASSERT_TRUE(admin_->CreateTopic("tiny", 2, {{"max.message.bytes", "4096"}}).ok());
  ProducerOptions po;
  po.client = options_;
  auto producer = Producer::Create(po);
  ASSERT_TRUE(producer.ok());
  std::string value(100, 'v');
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE((*producer)->Send("tiny", -1, std::nullopt, value).ok());
  }
  auto st = (*producer)->Flush();
  EXPECT_TRUE(st.ok()) << st;
  int64_t total = *admin_->ListOffset({"tiny", 0}, kLatestOffset) +
                  *admin_->ListOffset({"tiny", 1}, kLatestOffset);
  EXPECT_EQ(total, 1000);
  // One record above the limit fails alone, with the broker's reason.
  ASSERT_TRUE((*producer)->Send("tiny", 0, std::nullopt, std::string(8000, 'x')).ok());
  st = (*producer)->Flush();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("tiny"), std::string::npos) << st;
}

TEST_F(ClientTest, ErrorsNameTheTopic) {
  ProducerOptions po;
  po.client = options_;
  auto producer = Producer::Create(po);
  ASSERT_TRUE(producer.ok());
  auto st = (*producer)->Send("ghost", 0, std::nullopt, "x");
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("ghost"), std::string::npos) << st;
  ASSERT_TRUE(admin_->CreateTopic("one", 1).ok());
  st = (*producer)->Send("one", 5, std::nullopt, "x");
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("one"), std::string::npos) << st;
  EXPECT_EQ(admin_->CreateTopic("one", 1).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_FALSE(admin_->DescribeTopic("ghost").ok());
  EXPECT_FALSE(Producer::Create({.client = {.bootstrap = "nonsense"}}).ok());
  ProducerOptions bad_acks;
  bad_acks.acks = 3;
  EXPECT_FALSE(Producer::Create(bad_acks).ok());

  // A broker that is gone: Flush reports UNAVAILABLE naming the address, no hang.
  ProducerOptions po2;
  po2.client = options_;
  po2.retries = 1;
  po2.retry_backoff = std::chrono::milliseconds(10);
  po2.client.request_timeout = std::chrono::milliseconds(2000);
  auto p2 = Producer::Create(po2);
  ASSERT_TRUE((*p2)->Send("one", 0, std::nullopt, "x").ok());
  ASSERT_TRUE((*p2)->Flush().ok());
  broker_->Kill9();
  ASSERT_TRUE((*p2)->Send("one", 0, std::nullopt, "y").ok());
  st = (*p2)->Flush();
  EXPECT_FALSE(st.ok());
}

}  // namespace
}  // namespace eddy::logstore
