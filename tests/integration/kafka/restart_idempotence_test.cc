// Idempotent-producer state survives a broker restart, clean or kill -9: a real eddy-logd gets
// idempotent batches over a raw Kafka connection, is killed, starts again on the same data
// directory, and the batch the client never saw acknowledged is sent again. It must be answered
// with its original offset and not be stored twice (the broker rebuilds producer state from the
// partition's tail batches).
#include <gtest/gtest.h>

#include <optional>

#include "log-store/kafka/kafka_codec.h"
#include "log-store/kafka/kafka_protocol.h"
#include "log-store/storage/record_batch_builder.h"
#include "test_support.h"
#include "tests/kafka/raw_kafka_client.h"

namespace eddy::kafka::testing {
namespace {

// Produce v7, acks=all, one batch to topic/0, over a raw connection to `bootstrap`.
class RawClient {
 public:
  explicit RawClient(const std::string& bootstrap)
      : conn_(std::stoi(bootstrap.substr(bootstrap.rfind(':') + 1)), 20) {}
  bool connected() const { return conn_.connected(); }

  struct Answer {
    int16_t error = -1;
    int64_t base_offset = -2;
  };
  // nullopt when the connection failed.
  std::optional<Answer> Produce(const std::string& topic, const std::string& batch) {
    Writer w;
    w.NullableString(std::nullopt);  // transactional_id
    w.Int16(-1);                     // acks
    w.Int32(10000);                  // timeout_ms
    w.ArrayCount(1);
    w.String(topic);
    w.ArrayCount(1);
    w.Int32(0);
    w.Bytes(batch);
    if (!conn_.Send(kProduce, 7, ++correlation_, w.buffer())) return std::nullopt;
    std::optional<std::string> payload = conn_.Receive();
    if (!payload) return std::nullopt;
    Reader r(*payload);
    if (r.Int32() != correlation_) return std::nullopt;
    r.ArrayCount();
    r.String();
    r.ArrayCount();
    r.Int32();
    Answer a;
    a.error = r.Int16();
    a.base_offset = r.Int64();
    return a;
  }

 private:
  RawKafkaClient conn_;
  int32_t correlation_ = 0;
};

std::string Batch(int64_t pid, int32_t seq, const std::vector<std::string>& values) {
  logstore::RecordBatchBuilder b;
  b.SetProducer(pid, 0, seq);
  for (const auto& v : values) b.Add(std::nullopt, v, 1700000000000);
  return b.Finish();
}

class RestartIdempotenceTest : public ::testing::TestWithParam<bool> {};

TEST_P(RestartIdempotenceTest, RetryAfterRestartGetsTheOriginalOffsetAndIsStoredOnce) {
  const bool kill9 = GetParam();
  const std::string kcat = KcatPath();
  ASSERT_FALSE(kcat.empty());
  const auto dir = MakeTempDir(kill9 ? "restart-idem-kill" : "restart-idem-term");
  const int64_t pid = 31337;
  const std::string retried = Batch(pid, 2, {"c", "d", "e"});
  {
    Broker broker(dir / "data");
    ASSERT_TRUE(broker.ok()) << broker.Stderr();
    // The topic is auto-created with one partition by kcat's metadata request.
    ASSERT_EQ(testing::Run({kcat, "-b", broker.bootstrap(), "-L", "-t", "idem"}).exit_code, 0);
    RawClient c(broker.bootstrap());
    ASSERT_TRUE(c.connected());
    auto a = c.Produce("idem", Batch(pid, 0, {"a", "b"}));
    ASSERT_TRUE(a);
    ASSERT_EQ(a->error, 0);
    ASSERT_EQ(a->base_offset, 0);
    a = c.Produce("idem", retried);
    ASSERT_TRUE(a);
    ASSERT_EQ(a->error, 0);
    ASSERT_EQ(a->base_offset, 2);
    if (kill9) {
      broker.Kill();
    } else {
      EXPECT_EQ(broker.Stop(), 0);
    }
  }
  Broker broker(dir / "data");
  ASSERT_TRUE(broker.ok()) << broker.Stderr();
  RawClient c(broker.bootstrap());
  ASSERT_TRUE(c.connected());
  auto a = c.Produce("idem", retried);
  ASSERT_TRUE(a) << broker.Stderr();
  EXPECT_EQ(a->error, 0);
  EXPECT_EQ(a->base_offset, 2) << "the retried batch must get its original offset";
  a = c.Produce("idem", Batch(pid, 5, {"f"}));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->error, 0);
  EXPECT_EQ(a->base_offset, 5);

  RunResult r = testing::Run({kcat, "-b", broker.bootstrap(), "-C", "-t", "idem", "-o", "beginning",
                              "-e", "-q", "-f", "%o:%s\n"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "0:a\n1:b\n2:c\n3:d\n4:e\n5:f\n");
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(CleanStopAndKill9, RestartIdempotenceTest, ::testing::Bool(),
                         [](const auto& param_info) { return param_info.param ? "Kill9" : "Sigterm"; });

}  // namespace
}  // namespace eddy::kafka::testing
