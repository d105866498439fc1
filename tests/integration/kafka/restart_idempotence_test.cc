// Idempotent-producer state survives a broker restart, clean or kill -9: a real eddy-logd gets
// idempotent batches over a raw Kafka connection, is killed, starts again on the same data
// directory, and the batch the client never saw acknowledged is sent again. It must be answered
// with its original offset and not be stored twice (the broker rebuilds producer state from the
// partition's tail batches).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>

#include "log-store/kafka/kafka_codec.h"
#include "log-store/kafka/kafka_protocol.h"
#include "log-store/storage/record_batch_builder.h"
#include "test_support.h"

namespace eddy::kafka::testing {
namespace {

class RawClient {
 public:
  explicit RawClient(const std::string& bootstrap) {
    const int port = std::stoi(bootstrap.substr(bootstrap.rfind(':') + 1));
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    timeval tv{20, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~RawClient() { ::close(fd_); }
  bool connected() const { return connected_; }

  struct Answer {
    int16_t error = -1;
    int64_t base_offset = -2;
  };
  // Produce v7, acks=all, one batch to topic/0; nullopt when the connection failed.
  std::optional<Answer> Produce(const std::string& topic, const std::string& batch) {
    Writer w;
    w.Int32(0);
    w.Int16(kProduce);
    w.Int16(7);
    w.Int32(++correlation_);
    w.String("restart-test");
    w.NullableString(std::nullopt);
    w.Int16(-1);
    w.Int32(10000);
    w.ArrayCount(1);
    w.String(topic);
    w.ArrayCount(1);
    w.Int32(0);
    w.Bytes(batch);
    w.PatchInt32(0, static_cast<int32_t>(w.size() - 4));
    const std::string& out = w.buffer();
    if (::send(fd_, out.data(), out.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(out.size())) {
      return std::nullopt;
    }
    char size_buf[4];
    if (!ReadFull(size_buf, 4)) return std::nullopt;
    std::string payload(static_cast<size_t>(Reader(std::string_view(size_buf, 4)).Int32()), '\0');
    if (!ReadFull(payload.data(), payload.size())) return std::nullopt;
    Reader r(payload);
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
  bool ReadFull(char* p, size_t n) {
    while (n > 0) {
      ssize_t got = ::recv(fd_, p, n, 0);
      if (got <= 0) return false;
      p += got;
      n -= static_cast<size_t>(got);
    }
    return true;
  }
  int fd_ = -1;
  bool connected_ = false;
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
                         [](const auto& info) { return info.param ? "Kill9" : "Sigterm"; });

}  // namespace
}  // namespace eddy::kafka::testing
