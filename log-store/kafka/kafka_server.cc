// KafkaServer implementation: one acceptor thread and one thread per connection. A connection
// thread reads a frame, dispatches it and writes the response before reading the next, so
// responses on a connection are strictly in order, while a held JoinGroup or long-poll Fetch
// blocks only its own connection. Group and producer-id state are broker-wide.
#include "log-store/kafka/kafka_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <list>
#include <mutex>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "log-store/kafka/broker_context.h"
#include "log-store/kafka/group_coordinator.h"
#include "log-store/kafka/producer_state.h"
#include "log-store/kafka/request_dispatcher.h"

namespace eddy::kafka {
namespace {

bool ReadFull(int fd, char* buf, size_t n) {
  while (n > 0) {
    ssize_t got = ::recv(fd, buf, n, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    buf += got;
    n -= static_cast<size_t>(got);
  }
  return true;
}

bool WriteFull(int fd, const char* buf, size_t n) {
  while (n > 0) {
    ssize_t sent = ::send(fd, buf, n, MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    buf += sent;
    n -= static_cast<size_t>(sent);
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

  void Serve(Connection& c, const std::string& client) {
    const int fd = c.fd;
    std::string payload;
    while (!broker_.stopping.load()) {
      char size_buf[4];
      if (!ReadFull(fd, size_buf, 4)) break;
      const int32_t size =
          static_cast<int32_t>((static_cast<uint32_t>(static_cast<uint8_t>(size_buf[0])) << 24) |
                               (static_cast<uint32_t>(static_cast<uint8_t>(size_buf[1])) << 16) |
                               (static_cast<uint32_t>(static_cast<uint8_t>(size_buf[2])) << 8) |
                               static_cast<uint32_t>(static_cast<uint8_t>(size_buf[3])));
      if (size < 8 || size > broker_.options.max_frame_bytes) {
        std::fprintf(stderr,
                     "kafka: client %s: frame size %d outside 8..%lld; closing the connection\n",
                     client.c_str(), size, static_cast<long long>(broker_.options.max_frame_bytes));
        break;
      }
      // Grow as bytes arrive so a lying size prefix cannot make us allocate 100 MiB up front.
      payload.clear();
      bool ok = true;
      while (payload.size() < static_cast<size_t>(size)) {
        size_t chunk = std::min<size_t>(static_cast<size_t>(size) - payload.size(), 1 << 20);
        size_t at = payload.size();
        payload.resize(at + chunk);
        if (!ReadFull(fd, payload.data() + at, chunk)) {
          payload.resize(at);
          ok = false;
          break;
        }
      }
      if (!ok) {
        std::fprintf(
            stderr,
            "kafka: client %s: truncated frame (connection closed after %zu+ of %d bytes)\n",
            client.c_str(), payload.size(), size);
        break;
      }
      DispatchResult res = Dispatch(broker_, payload, client);
      if (res.response && !WriteFull(fd, res.response->data(), res.response->size())) break;
      if (res.close) break;
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
