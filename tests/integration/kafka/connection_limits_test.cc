// Connection limits of eddy-logd's Kafka listener against a real broker over raw sockets:
// descriptor exhaustion (RLIMIT_NOFILE lowered with prlimit), --kafka-max-connections-per-ip,
// --kafka-max-connections and --kafka-connections-max-idle-ms.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "test_support.h"

namespace eddy::kafka::testing {
namespace {

using std::chrono::milliseconds;

int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void PutInt16(std::string& s, int16_t v) {
  s.push_back(static_cast<char>((v >> 8) & 0xff));
  s.push_back(static_cast<char>(v & 0xff));
}
void PutInt32(std::string& s, int32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>((v >> shift) & 0xff));
}
int32_t GetInt32(const std::string& s, size_t at) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data() + at);
  return static_cast<int32_t>((uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
                              (uint32_t{p[2]} << 8) | uint32_t{p[3]});
}

// A v0 request with an empty body (ApiVersions) or an empty topic array (Metadata v0 = all).
bool Send(int fd, int16_t api_key, int32_t correlation_id) {
  std::string body;
  PutInt16(body, api_key);
  PutInt16(body, 0);
  PutInt32(body, correlation_id);
  PutInt16(body, 4);
  body += "test";
  if (api_key == 3) PutInt32(body, 0);  // Metadata v0: topics = [] (all)
  std::string frame;
  PutInt32(frame, static_cast<int32_t>(body.size()));
  frame += body;
  return ::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(frame.size());
}

enum class Outcome { kResponse, kClosed, kTimeout };

// Reads one response frame (without its size prefix) into *frame. kClosed = read returned 0
// or ECONNRESET. The timeout only stops a broken broker from hanging the test.
Outcome Receive(int fd, std::string* frame, int timeout_ms = 10000) {
  std::string buf;
  const auto deadline = std::chrono::steady_clock::now() + milliseconds(timeout_ms);
  while (buf.size() < 4 || buf.size() < 4 + static_cast<size_t>(GetInt32(buf, 0))) {
    const auto left =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Outcome::kTimeout;
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) == 0) return Outcome::kTimeout;
    char chunk[65536];
    ssize_t got = ::recv(fd, chunk, sizeof(chunk), 0);
    if (got < 0 && errno == EINTR) continue;
    if (got == 0 || (got < 0 && errno == ECONNRESET)) return Outcome::kClosed;
    if (got < 0) return Outcome::kClosed;
    buf.append(chunk, static_cast<size_t>(got));
  }
  *frame = buf.substr(4);
  return Outcome::kResponse;
}

// ApiVersions round trip: true when the broker answered with our correlation id and no error.
bool ApiVersionsOk(int fd, int32_t correlation_id) {
  std::string frame;
  if (!Send(fd, 18, correlation_id) || Receive(fd, &frame) != Outcome::kResponse) return false;
  return frame.size() >= 6 && GetInt32(frame, 0) == correlation_id && frame[4] == 0 &&
         frame[5] == 0;
}

// Metadata v0 round trip: the broker lists itself (one broker, node id 0).
bool MetadataOk(int fd, int32_t correlation_id) {
  std::string frame;
  if (!Send(fd, 3, correlation_id) || Receive(fd, &frame) != Outcome::kResponse) return false;
  return frame.size() >= 12 && GetInt32(frame, 0) == correlation_id && GetInt32(frame, 4) == 1 &&
         GetInt32(frame, 8) == 0;
}

// What a new connection gets: an answer, a close, or nothing.
Outcome TryNewConnection(int port, int32_t correlation_id, int* fd_out = nullptr) {
  int fd = Connect(port);
  if (fd < 0) return Outcome::kClosed;
  std::string frame;
  Outcome out = Send(fd, 18, correlation_id) ? Receive(fd, &frame) : Outcome::kClosed;
  if (out == Outcome::kResponse && fd_out != nullptr) {
    *fd_out = fd;
  } else {
    ::close(fd);
  }
  return out;
}

// utime + stime of a process, in clock ticks.
long long CpuTicks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string field;
  long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoll(field);
    if (i == 15) stime = std::stoll(field);
  }
  return utime + stime;
}

// Retries `probe` until it returns true or ~20 s pass (the broker notices closes asynchronously).
template <typename F>
bool Eventually(F probe) {
  for (int i = 0; i < 200; ++i) {
    if (probe()) return true;
    std::this_thread::sleep_for(milliseconds(100));
  }
  return false;
}

TEST(KafkaConnectionLimits, OutOfDescriptorsClosesNewClientsAndKeepsServing) {
  auto dir = MakeTempDir("conn-emfile");
  Broker broker(dir / "data", {}, 1, {}, {"/usr/bin/prlimit", "--nofile=64:64", "--"});
  ASSERT_TRUE(broker.ok()) << broker.Stderr();
  const int port = std::stoi(broker.bootstrap().substr(broker.bootstrap().rfind(':') + 1));

  // Open connections until the broker runs out of descriptors and closes a new one.
  std::vector<int> open;
  Outcome last = Outcome::kResponse;
  for (int i = 0; i < 100; ++i) {
    int fd = -1;
    last = TryNewConnection(port, 1000 + i, &fd);
    if (last != Outcome::kResponse) break;
    open.push_back(fd);
  }
  ASSERT_EQ(last, Outcome::kClosed)
      << "connection " << open.size() << " was left hanging instead of closed\n"
      << broker.Stderr();
  ASSERT_GE(open.size(), 2u);
  ASSERT_LT(open.size(), 64u);

  // (c) Overload for ~2 s: a client tries a new connection every 20 ms; each is closed, and the
  // broker does not spin meanwhile.
  const long long before = CpuTicks(broker.pid());
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  int attempts = 0, closed = 0;
  while (std::chrono::steady_clock::now() < until) {
    ++attempts;
    if (TryNewConnection(port, 5000 + attempts) == Outcome::kClosed) ++closed;
    std::this_thread::sleep_for(milliseconds(20));
  }
  const double cpu_s = static_cast<double>(CpuTicks(broker.pid()) - before) /
                       static_cast<double>(sysconf(_SC_CLK_TCK));
  EXPECT_EQ(closed, attempts) << "(b) new connections must be closed, not left hanging";
  EXPECT_LT(cpu_s, 0.5) << "broker CPU over the 2 s overload window";

  // (a) Existing connections are still served.
  for (size_t i = 0; i < open.size(); ++i) {
    EXPECT_TRUE(ApiVersionsOk(open[i], 20000 + static_cast<int32_t>(i))) << "connection " << i;
  }
  EXPECT_TRUE(MetadataOk(open[0], 30000));

  const std::string err = broker.Stderr();
  EXPECT_NE(err.find("cannot accept connections"), std::string::npos) << err;
  EXPECT_NE(err.find("RLIMIT_NOFILE 64"), std::string::npos) << err;

  // (d) Once some connections close, new clients are served again.
  for (size_t i = 0; i < open.size() / 2; ++i) ::close(open[i]);
  open.erase(open.begin(), open.begin() + static_cast<long>(open.size() / 2));
  int fresh = -1;
  EXPECT_TRUE(
      Eventually([&] { return TryNewConnection(port, 40000, &fresh) == Outcome::kResponse; }));
  if (fresh >= 0) {
    EXPECT_TRUE(MetadataOk(fresh, 40001));
    ::close(fresh);
  }
  for (int fd : open) ::close(fd);
  EXPECT_EQ(broker.Stop(), 0);
}

TEST(KafkaConnectionLimits, PerIpLimitClosesTheFourthConnection) {
  auto dir = MakeTempDir("conn-per-ip");
  Broker broker(dir / "data", {}, 1, {"--kafka-max-connections-per-ip", "3"});
  ASSERT_TRUE(broker.ok()) << broker.Stderr();
  const int port = std::stoi(broker.bootstrap().substr(broker.bootstrap().rfind(':') + 1));
  std::vector<int> fds;
  for (int i = 0; i < 3; ++i) {
    int fd = -1;
    ASSERT_EQ(TryNewConnection(port, i, &fd), Outcome::kResponse) << "connection " << i;
    fds.push_back(fd);
  }
  EXPECT_EQ(TryNewConnection(port, 10), Outcome::kClosed);
  for (size_t i = 0; i < fds.size(); ++i) {
    EXPECT_TRUE(ApiVersionsOk(fds[i], 100 + static_cast<int32_t>(i))) << "connection " << i;
  }
  const std::string err = broker.Stderr();
  EXPECT_NE(err.find("--kafka-max-connections-per-ip 3"), std::string::npos) << err;
  EXPECT_NE(err.find("127.0.0.1:"), std::string::npos) << err;

  // A slot freed is a slot usable again.
  ::close(fds[0]);
  int fresh = -1;
  EXPECT_TRUE(
      Eventually([&] { return TryNewConnection(port, 200, &fresh) == Outcome::kResponse; }));
  fds[0] = fresh;
  for (int fd : fds) {
    if (fd >= 0) ::close(fd);
  }
}

TEST(KafkaConnectionLimits, MaxConnectionsClosesTheConnectionOverTheLimit) {
  auto dir = MakeTempDir("conn-max");
  Broker broker(dir / "data", {}, 1, {"--kafka-max-connections", "2"});
  ASSERT_TRUE(broker.ok()) << broker.Stderr();
  const int port = std::stoi(broker.bootstrap().substr(broker.bootstrap().rfind(':') + 1));
  int a = -1, b = -1;
  ASSERT_EQ(TryNewConnection(port, 1, &a), Outcome::kResponse);
  ASSERT_EQ(TryNewConnection(port, 2, &b), Outcome::kResponse);
  EXPECT_EQ(TryNewConnection(port, 3), Outcome::kClosed);
  EXPECT_TRUE(ApiVersionsOk(a, 4));
  EXPECT_TRUE(ApiVersionsOk(b, 5));
  const std::string err = broker.Stderr();
  EXPECT_NE(err.find("--kafka-max-connections 2"), std::string::npos) << err;
  ::close(a);
  ::close(b);
}

TEST(KafkaConnectionLimits, IdleConnectionIsClosedBusyOneStaysOpen) {
  auto dir = MakeTempDir("conn-idle");
  Broker broker(dir / "data", {}, 1, {"--kafka-connections-max-idle-ms", "300"});
  ASSERT_TRUE(broker.ok()) << broker.Stderr();
  const int port = std::stoi(broker.bootstrap().substr(broker.bootstrap().rfind(':') + 1));
  int idle = -1, busy = -1;
  ASSERT_EQ(TryNewConnection(port, 1, &idle), Outcome::kResponse);
  ASSERT_EQ(TryNewConnection(port, 2, &busy), Outcome::kResponse);
  // The busy connection sends a request every 100 ms for 1 s: every one is answered.
  for (int i = 0; i < 10; ++i) {
    std::this_thread::sleep_for(milliseconds(100));
    ASSERT_TRUE(ApiVersionsOk(busy, 100 + i)) << "request " << i << "\n" << broker.Stderr();
  }
  // The idle one was closed by the broker: the read sees end of stream, nothing to read before.
  std::string frame;
  EXPECT_EQ(Receive(idle, &frame), Outcome::kClosed);
  const std::string err = broker.Stderr();
  EXPECT_NE(err.find("--kafka-connections-max-idle-ms"), std::string::npos) << err;
  ::close(idle);
  ::close(busy);
}

TEST(KafkaConnectionLimits, IdleTimeoutOffKeepsQuietConnections) {
  auto dir = MakeTempDir("conn-idle-off");
  Broker broker(dir / "data", {}, 1, {"--kafka-connections-max-idle-ms", "0"});
  ASSERT_TRUE(broker.ok()) << broker.Stderr();
  const int port = std::stoi(broker.bootstrap().substr(broker.bootstrap().rfind(':') + 1));
  int fd = -1;
  ASSERT_EQ(TryNewConnection(port, 1, &fd), Outcome::kResponse);
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_TRUE(ApiVersionsOk(fd, 2));
  ::close(fd);
}

// A request bigger than the initial 16 KiB buffer, then small ones: the buffer grows to the
// frame and back, and the answers stay right (Metadata v0 listing a 40 KiB topic-name array).
TEST(KafkaConnectionLimits, BigRequestThenSmallOnesOnOneConnection) {
  auto dir = MakeTempDir("conn-big");
  Broker broker(dir / "data", {}, 1, {"--auto-create-topics", "false"});
  ASSERT_TRUE(broker.ok()) << broker.Stderr();
  const int port = std::stoi(broker.bootstrap().substr(broker.bootstrap().rfind(':') + 1));
  int fd = Connect(port);
  ASSERT_GE(fd, 0);
  for (int round = 0; round < 3; ++round) {
    std::string body;
    PutInt16(body, 3);
    PutInt16(body, 0);
    PutInt32(body, 77 + round);
    PutInt16(body, 4);
    body += "test";
    constexpr int kTopics = 400;
    PutInt32(body, kTopics);
    for (int t = 0; t < kTopics; ++t) {
      std::string name = "topic-" + std::to_string(t) + std::string(90, 'x');
      PutInt16(body, static_cast<int16_t>(name.size()));
      body += name;
    }
    std::string frame;
    PutInt32(frame, static_cast<int32_t>(body.size()));
    frame += body;
    ASSERT_GT(frame.size(), 32u << 10);
    ASSERT_EQ(::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(frame.size()));
    std::string response;
    ASSERT_EQ(Receive(fd, &response), Outcome::kResponse);
    EXPECT_EQ(GetInt32(response, 0), 77 + round);
    EXPECT_NE(response.find("topic-399"), std::string::npos);  // every topic answered
    std::this_thread::sleep_for(milliseconds(50));             // let the connection go quiet
    EXPECT_TRUE(ApiVersionsOk(fd, 1000 + round));
  }
  ::close(fd);
}

}  // namespace
}  // namespace eddy::kafka::testing
