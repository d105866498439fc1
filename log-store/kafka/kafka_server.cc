// KafkaServer implementation: one acceptor thread and one thread per connection. A connection
// thread reads a frame, dispatches it and writes the response before handling the next, so
// responses on a connection are strictly in order, while a held JoinGroup or long-poll Fetch
// blocks only its own connection. Group and producer-id state are broker-wide.
#include "log-store/kafka/kafka_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "log-store/kafka/broker_context.h"
#include "log-store/kafka/group_coordinator.h"
#include "log-store/kafka/producer_state.h"
#include "log-store/kafka/request_dispatcher.h"

namespace eddy::kafka {
namespace {

// Reads whatever is available (at least one byte) into buf[at, cap). 0 = peer closed/error.
size_t ReadSome(int fd, char* buf, size_t cap) {
  while (true) {
    ssize_t got = ::recv(fd, buf, cap, 0);
    if (got < 0 && errno == EINTR) continue;
    return got > 0 ? static_cast<size_t>(got) : 0;
  }
}

// Writes every iovec fully, resuming after partial writes (a big Fetch response rarely goes out
// in one call) and in chunks of IOV_MAX.
bool WriteVecFull(int fd, std::vector<iovec>& iov) {
  size_t i = 0;
  while (i < iov.size()) {
    msghdr msg{};
    msg.msg_iov = iov.data() + i;
    msg.msg_iovlen = std::min<size_t>(iov.size() - i, 1024);  // IOV_MAX on Linux
    ssize_t sent = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    auto n = static_cast<size_t>(sent);
    while (i < iov.size() && n >= iov[i].iov_len) {
      n -= iov[i].iov_len;
      ++i;
    }
    if (n > 0) {
      iov[i].iov_base = static_cast<char*>(iov[i].iov_base) + n;
      iov[i].iov_len -= n;
    }
  }
  return true;
}

std::string PeerName(const sockaddr_storage& addr) {
  char host[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (addr.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
    port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
    port = ntohs(a->sin6_port);
  }
  return absl::StrCat(host, ":", port);
}

class KafkaServerImpl final : public KafkaServer {
 public:
  ~KafkaServerImpl() override { Stop(); }

  absl::Status Init(logstore::LogManager* logs, const KafkaServerOptions& options) {
    broker_.logs = logs;
    broker_.options = options;
    if (broker_.options.fault_drop_produce_response_every == 0) {
      if (const char* env = std::getenv("EDDY_KAFKA_FAULT_DROP_PRODUCE_RESPONSE_EVERY")) {
        int32_t n = 0;
        if (absl::SimpleAtoi(env, &n) && n > 0) {
          broker_.options.fault_drop_produce_response_every = n;
          std::fprintf(stderr, "kafka: fault hook armed: drop every %dth produce response\n", n);
        }
      }
    }
    if (const char* env = std::getenv("EDDY_KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS")) {
      int32_t ms = 0;
      if (absl::SimpleAtoi(env, &ms) && ms >= 0) {
        broker_.options.group_initial_rebalance_delay_ms = ms;
      }
    }
    const std::string& listen = options.listen;
    const size_t colon = listen.rfind(':');
    int port = 0;
    if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port) ||
        port < 0 || port > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat("--kafka-listen '", listen, "' is not HOST:PORT"));
    }
    std::string host = listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* res = nullptr;
    std::string service = std::to_string(port);
    int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &res);
    if (rc != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--kafka-listen '", listen, "': ", ::gai_strerror(rc)));
    }
    listen_fd_ = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (listen_fd_ < 0 || ::bind(listen_fd_, res->ai_addr, res->ai_addrlen) != 0 ||
        ::listen(listen_fd_, 128) != 0) {
      int err = errno;
      ::freeaddrinfo(res);
      if (listen_fd_ >= 0) ::close(listen_fd_);
      listen_fd_ = -1;
      return absl::UnavailableError(
          absl::StrCat("Kafka listener cannot bind ", listen, ": ", std::strerror(err)));
    }
    ::freeaddrinfo(res);
    sockaddr_storage bound{};
    socklen_t len = sizeof(bound);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &len);
    port_ = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                        : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);

    broker_.advertised_host = options.advertised_host;
    if (broker_.advertised_host.empty()) {
      broker_.advertised_host =
          (host.empty() || host == "0.0.0.0" || host == "::") ? "127.0.0.1" : host;
    }
    broker_.advertised_port = port_;

    auto producers = ProducerStateManager::Open(logs->options().data_dir + "/kafka_producer_ids");
    if (!producers.ok()) return producers.status();
    producers_ = std::move(*producers);
    broker_.producers = producers_.get();
    GroupCoordinator::Options gopts;
    gopts.initial_rebalance_delay_ms = broker_.options.group_initial_rebalance_delay_ms;
    gopts.min_session_timeout_ms = options.group_min_session_timeout_ms;
    gopts.max_session_timeout_ms = options.group_max_session_timeout_ms;
    groups_ = std::make_unique<GroupCoordinator>(gopts);
    broker_.groups = groups_.get();
    groups_->Start();
    acceptor_ = std::thread([this] { AcceptLoop(); });
    return absl::OkStatus();
  }

  int port() const override { return port_; }

  void Stop() override {
    if (stopped_.exchange(true)) return;
    broker_.stopping = true;
    if (groups_) groups_->Stop();
    if (acceptor_.joinable()) acceptor_.join();
    if (listen_fd_ >= 0) ::close(listen_fd_);
    listen_fd_ = -1;
    std::list<Connection> conns;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (Connection& c : connections_) {
        std::lock_guard<std::mutex> fd_lock(*c.fd_mu);
        if (c.fd >= 0) ::shutdown(c.fd, SHUT_RDWR);
      }
      conns.splice(conns.end(), connections_);
    }
    for (Connection& c : conns) {
      if (c.thread.joinable()) c.thread.join();
    }
  }

 private:
  struct Connection {
    int fd = -1;
    std::unique_ptr<std::mutex> fd_mu = std::make_unique<std::mutex>();
    std::shared_ptr<std::atomic<bool>> done = std::make_shared<std::atomic<bool>>(false);
    std::thread thread;
  };

  void AcceptLoop() {
    while (!broker_.stopping.load()) {
      pollfd pfd{listen_fd_, POLLIN, 0};
      int rc = ::poll(&pfd, 1, 200);
      Reap();
      if (rc <= 0) continue;
      sockaddr_storage peer{};
      socklen_t len = sizeof(peer);
      int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC);
      if (fd < 0) continue;
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      std::lock_guard<std::mutex> lock(mu_);
      if (broker_.stopping.load()) {
        ::close(fd);
        break;
      }
      connections_.emplace_back();
      Connection& c = connections_.back();
      c.fd = fd;
      std::string name = PeerName(peer);
      c.thread = std::thread([this, &c, name] { Serve(c, name); });
    }
  }

  // Joins the threads of connections that have ended.
  void Reap() {
    std::list<Connection> finished;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto it = connections_.begin(); it != connections_.end();) {
        auto next = std::next(it);
        if (it->done->load()) finished.splice(finished.end(), connections_, it);
        it = next;
      }
    }
    for (Connection& c : finished) {
      if (c.thread.joinable()) c.thread.join();
    }
  }

  // One connection: frames are read with large buffered reads (several pipelined requests per
  // recv when the client sends them back to back) and dispatched in place from the buffer;
  // responses go out with one sendmsg of iovecs (the response header bytes plus, for Fetch, the
  // batches where pread put them). Buffers live as long as the connection.
  void Serve(Connection& c, const std::string& client) {
    const int fd = c.fd;
    constexpr size_t kMinBuffer = 256 << 10;
    constexpr size_t kGrowStep = 4 << 20;
    std::string in(kMinBuffer, '\0');
    size_t head = 0, tail = 0;  // unread bytes are in[head, tail)
    Writer out;
    std::string scratch;
    std::vector<iovec> iov;
    // Makes sure in[head, head + need) holds bytes; false when the peer closed first.
    auto fill = [&](size_t need) {
      while (tail - head < need) {
        if (in.size() - head < need) {
          // Move what is unread to the front, then grow toward `need` as bytes arrive, so a
          // lying size prefix cannot make us allocate 100 MiB up front.
          if (head > 0) {
            std::memmove(in.data(), in.data() + head, tail - head);
            tail -= head;
            head = 0;
          }
          if (in.size() < need)
            in.resize(std::min(need, std::max(in.size() * 2, tail + kGrowStep)));
        }
        const size_t got = ReadSome(fd, in.data() + tail, in.size() - tail);
        if (got == 0) return false;
        tail += got;
      }
      return true;
    };
    while (!broker_.stopping.load()) {
      if (head == tail) head = tail = 0;
      if (!fill(4)) break;
      const auto* p = reinterpret_cast<const uint8_t*>(in.data() + head);
      const int32_t size = static_cast<int32_t>(
          (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
          (static_cast<uint32_t>(p[2]) << 8) | static_cast<uint32_t>(p[3]));
      if (size < 8 || size > broker_.options.max_frame_bytes) {
        std::fprintf(stderr,
                     "kafka: client %s: frame size %d outside 8..%lld; closing the connection\n",
                     client.c_str(), size, static_cast<long long>(broker_.options.max_frame_bytes));
        break;
      }
      const size_t frame = 4 + static_cast<size_t>(size);
      if (!fill(frame)) {
        std::fprintf(
            stderr,
            "kafka: client %s: truncated frame (connection closed after %zu of %zu bytes)\n",
            client.c_str(), tail - head, frame);
        break;
      }
      std::string_view payload(in.data() + head + 4, static_cast<size_t>(size));
      head += frame;
      DispatchResult res = Dispatch(broker_, payload, client, out, scratch);
      if (res.respond) {
        out.Gather(&iov);
        if (!WriteVecFull(fd, iov)) break;
      }
      if (res.close) break;
      // Give memory back after an unusually large request or response.
      if (in.size() > (64u << 20) && head == tail) {
        in.resize(kMinBuffer);
        in.shrink_to_fit();
        head = tail = 0;
      }
      if (scratch.capacity() > (256u << 20)) std::string().swap(scratch);
    }
    {
      std::lock_guard<std::mutex> lock(*c.fd_mu);
      ::close(c.fd);
      c.fd = -1;
    }
    c.done->store(true);
  }

  BrokerContext broker_;
  std::unique_ptr<ProducerStateManager> producers_;
  std::unique_ptr<GroupCoordinator> groups_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopped_{false};
  std::thread acceptor_;
  std::mutex mu_;
  std::list<Connection> connections_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<KafkaServer>> KafkaServer::Start(logstore::LogManager* logs,
                                                                const KafkaServerOptions& options) {
  auto server = std::make_unique<KafkaServerImpl>();
  if (absl::Status s = server->Init(logs, options); !s.ok()) return s;
  return std::unique_ptr<KafkaServer>(std::move(server));
}

}  // namespace eddy::kafka
