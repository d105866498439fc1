// KafkaServer implementation: one acceptor thread and one thread per connection. A connection
// thread reads a frame, dispatches it and writes the response before handling the next, so
// responses on a connection are strictly in order, while a held JoinGroup or long-poll Fetch
// blocks only its own connection. Group and producer-id state are broker-wide.
// The acceptor enforces the connection limits and survives descriptor exhaustion (EMFILE/ENFILE):
// it keeps a spare descriptor, and when accept() fails for want of one it frees the spare,
// accepts and closes the waiting clients (they see a clean close instead of hanging in the
// backlog), takes the spare back and waits for a connection to end (or 100 ms) before trying again.
#include "log-store/kafka/kafka_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <list>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "log-store/kafka/broker_context.h"
#include "log-store/kafka/group_coordinator.h"
#include "log-store/kafka/kafka_probe.h"
#include "log-store/kafka/producer_state.h"
#include "log-store/kafka/request_dispatcher.h"
#include "log-store/kafka/response_sender.h"

namespace eddy::kafka {
namespace {

// The peer's address without the port: the key of the per-IP connection count.
std::string PeerHost(const sockaddr_storage& addr) {
  char host[INET6_ADDRSTRLEN] = "?";
  if (addr.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&addr)->sin_addr, host,
                sizeof(host));
  } else if (addr.ss_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_addr, host,
                sizeof(host));
  }
  return host;
}

// At most one line per `interval` for a repeated condition; counts what it did not print.
class RateLimitedLog {
 public:
  explicit RateLimitedLog(std::chrono::milliseconds interval) : interval_(interval) {}
  // True when the caller should print now; *suppressed = occurrences not printed since the last.
  bool Allow(int64_t* suppressed) {
    const auto now = std::chrono::steady_clock::now();
    if (printed_ && now - last_ < interval_) {
      ++suppressed_;
      return false;
    }
    printed_ = true;
    last_ = now;
    *suppressed = suppressed_;
    suppressed_ = 0;
    return true;
  }

 private:
  std::chrono::milliseconds interval_;
  bool printed_ = false;
  std::chrono::steady_clock::time_point last_;
  int64_t suppressed_ = 0;
};

// A connection's read buffer: starts small, grows to the frame being read, shrinks back when the
// connection goes quiet. Not zero-filled: only bytes recv() wrote are ever read.
class ReadBuffer {
 public:
  static constexpr size_t kInitial = 16 << 10;
  char* data() { return data_.get(); }
  size_t capacity() const { return cap_; }
  // New capacity `cap`, keeping the first `keep` bytes.
  void Reallocate(size_t cap, size_t keep) {
    std::unique_ptr<char[]> next(new char[cap]);
    if (keep > 0) std::memcpy(next.get(), data_.get(), keep);
    data_ = std::move(next);
    cap_ = cap;
  }

 private:
  std::unique_ptr<char[]> data_{new char[kInitial]};
  size_t cap_ = kInitial;
};

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
    // Non-blocking, so the acceptor can drain the backlog and stop at EAGAIN.
    listen_fd_ = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
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
    broker_.txn = options.txn;
    broker_.share = options.share;
    GroupCoordinator::Options gopts;
    gopts.initial_rebalance_delay_ms = broker_.options.group_initial_rebalance_delay_ms;
    gopts.min_session_timeout_ms = options.group_min_session_timeout_ms;
    gopts.max_session_timeout_ms = options.group_max_session_timeout_ms;
    groups_ = std::make_unique<GroupCoordinator>(gopts);
    broker_.groups = groups_.get();
    groups_->Start();
    spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    rlimit nofile{};
    if (::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY &&
        nofile.rlim_cur < static_cast<rlim_t>(broker_.options.max_connections) + 64) {
      std::fprintf(stderr,
                   "kafka: warning: RLIMIT_NOFILE is %llu, below --kafka-max-connections %d plus "
                   "the broker's own files; past the descriptor limit new connections are closed "
                   "at once (raise ulimit -n / LimitNOFILE)\n",
                   static_cast<unsigned long long>(nofile.rlim_cur),
                   broker_.options.max_connections);
    }
    acceptor_ = std::thread([this] { AcceptLoop(); });
    return absl::OkStatus();
  }

  int port() const override { return port_; }

  void Stop() override {
    if (stopped_.exchange(true)) return;
    broker_.stopping = true;
    if (groups_) groups_->Stop();
    {
      std::lock_guard<std::mutex> lock(mu_);
      closed_cv_.notify_all();  // wakes an acceptor backing off from EMFILE
    }
    if (acceptor_.joinable()) acceptor_.join();
    if (listen_fd_ >= 0) ::close(listen_fd_);
    listen_fd_ = -1;
    if (spare_fd_ >= 0) ::close(spare_fd_);
    spare_fd_ = -1;
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
    std::string ip;  // key in per_ip_
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
      // Take everything in the backlog, then poll again.
      while (!broker_.stopping.load()) {
        sockaddr_storage peer{};
        socklen_t len = sizeof(peer);
        int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC);
        if (fd >= 0) {
          Admit(fd, peer);
          continue;
        }
        const int err = errno;
        if (err == EINTR || err == ECONNABORTED) continue;
        if (err == EMFILE || err == ENFILE) OutOfDescriptors(err);
        break;  // EAGAIN: the backlog is empty; anything else: try again after poll
      }
    }
  }

  // Starts a thread for the accepted connection, or closes it when it is over a limit.
  void Admit(int fd, const sockaddr_storage& peer) {
    const KafkaServerOptions& o = broker_.options;
    std::string ip = PeerHost(peer);
    std::unique_lock<std::mutex> lock(mu_);
    if (broker_.stopping.load()) {
      ::close(fd);
      return;
    }
    const char* flag = nullptr;
    int32_t limit = 0;
    if (open_connections_ >= o.max_connections) {
      flag = "--kafka-max-connections";
      limit = o.max_connections;
    } else if (auto it = per_ip_.find(ip);
               it != per_ip_.end() && it->second >= o.max_connections_per_ip) {
      flag = "--kafka-max-connections-per-ip";
      limit = o.max_connections_per_ip;
    }
    if (flag != nullptr) {
      lock.unlock();
      ::close(fd);
      KafkaProbe::Get().refused_connections.fetch_add(1, std::memory_order_relaxed);
      int64_t suppressed = 0;
      if (limit_log_.Allow(&suppressed)) {
        std::fprintf(stderr,
                     "kafka: closing new connection from %s: over the connection limit %s %d "
                     "(%lld more refused since the last such line)\n",
                     PeerName(peer).c_str(), flag, limit, static_cast<long long>(suppressed));
      }
      return;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    ++open_connections_;
    KafkaProbe::Get().open_connections.fetch_add(1, std::memory_order_relaxed);
    KafkaProbe::Get().accepted_connections.fetch_add(1, std::memory_order_relaxed);
    ++per_ip_[ip];
    connections_.emplace_back();
    Connection& c = connections_.back();
    c.fd = fd;
    c.ip = std::move(ip);
    std::string name = PeerName(peer);
    c.thread = std::thread([this, &c, name] { Serve(c, name); });
  }

  // accept() failed with EMFILE/ENFILE: the connection stays in the backlog and poll() keeps
  // reporting it, so without this the acceptor would spin. Closes the waiting clients with the
  // spare descriptor's slot, then waits for a connection to end, 100 ms, or Stop().
  void OutOfDescriptors(int err) {
    int64_t refused = 0;
    if (spare_fd_ >= 0) {
      ::close(spare_fd_);
      spare_fd_ = -1;
      for (int i = 0; i < 1024; ++i) {  // bounded: a flood of clients must not starve Stop()
        int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) break;
        ::close(fd);
        ++refused;
        KafkaProbe::Get().refused_connections.fetch_add(1, std::memory_order_relaxed);
      }
      spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);  // -1 if another thread took it
    }
    int64_t suppressed = 0;
    if (emfile_log_.Allow(&suppressed)) {
      rlimit nofile{};
      ::getrlimit(RLIMIT_NOFILE, &nofile);
      int open_now = 0;
      {
        std::lock_guard<std::mutex> lock(mu_);
        open_now = open_connections_;
      }
      std::fprintf(stderr,
                   "kafka: cannot accept connections: %s (%s; RLIMIT_NOFILE %llu, %d Kafka "
                   "connections open): closing new connections until descriptors are free "
                   "(raise ulimit -n / LimitNOFILE or lower --kafka-max-connections); %lld "
                   "closed now, %lld more failures since the last such line\n",
                   std::strerror(err), err == EMFILE ? "EMFILE" : "ENFILE",
                   static_cast<unsigned long long>(nofile.rlim_cur), open_now,
                   static_cast<long long>(refused), static_cast<long long>(suppressed));
    }
    std::unique_lock<std::mutex> lock(mu_);
    const uint64_t closed = closed_connections_;
    closed_cv_.wait_for(lock, std::chrono::milliseconds(100),
                        [&] { return broker_.stopping.load() || closed_connections_ != closed; });
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

  // One connection: frames are read with buffered reads (several pipelined requests per recv
  // when the client sends them back to back) and dispatched in place from the buffer; responses
  // go out with SendResponse (sendmsg of the encoded bytes; a Fetch's stored batches with
  // sendfile, or from where pread put them). The read buffer starts at 16 KiB, grows to the frame being read and
  // shrinks back when the connection has nothing more to read; everything goes at close.
  void Serve(Connection& c, const std::string& client) {
    const int fd = c.fd;
    constexpr size_t kGrowStep = 4 << 20;
    constexpr size_t kKeepWhenQuiet = 64 << 10;
    const int64_t idle_ms = broker_.options.connections_max_idle_ms;
    ReadBuffer in;
    size_t head = 0, tail = 0;  // unread bytes are in[head, tail)
    Writer out;
    std::string scratch;
    SendScratch send;
    auto last_request = std::chrono::steady_clock::now();
    bool idle = false;
    // Reads what is available into in[tail, capacity). Waits when nothing is (that is where the
    // idle timeout applies, and where a big buffer goes back). false = peer closed, error, idle.
    auto read_more = [&]() {
      while (true) {
        ssize_t got = ::recv(fd, in.data() + tail, in.capacity() - tail, MSG_DONTWAIT);
        if (got > 0) {
          tail += static_cast<size_t>(got);
          return true;
        }
        if (got == 0) return false;
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
        if (head == tail && in.capacity() > kKeepWhenQuiet) {
          head = tail = 0;
          in.Reallocate(ReadBuffer::kInitial, 0);
        }
        int timeout = -1;
        if (idle_ms > 0) {
          const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                                last_request + std::chrono::milliseconds(idle_ms) -
                                std::chrono::steady_clock::now())
                                .count();
          if (left <= 0) {
            idle = true;
            return false;
          }
          timeout = static_cast<int>(std::min<int64_t>(left + 1, 1 << 30));
        }
        pollfd pfd{fd, POLLIN, 0};
        const int rc = ::poll(&pfd, 1, timeout);
        if (rc < 0 && errno != EINTR) return false;
        // rc == 0: the deadline passed; the next round sees it. Otherwise read.
      }
    };
    // Makes sure in[head, head + need) holds bytes; false when the peer closed first.
    auto fill = [&](size_t need) {
      while (tail - head < need) {
        if (in.capacity() - head < need) {
          // Move what is unread to the front, then grow toward `need` as bytes arrive, so a
          // lying size prefix cannot make us allocate 100 MiB up front.
          if (head > 0) {
            std::memmove(in.data(), in.data() + head, tail - head);
            tail -= head;
            head = 0;
          }
          if (in.capacity() < need) {
            in.Reallocate(std::min(need, std::max(in.capacity() * 2, tail + kGrowStep)), tail);
          }
        }
        if (!read_more()) return false;
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
        if (!idle) {
          std::fprintf(
              stderr,
              "kafka: client %s: truncated frame (connection closed after %zu of %zu bytes)\n",
              client.c_str(), tail - head, frame);
        }
        break;
      }
      std::string_view payload(in.data() + head + 4, static_cast<size_t>(size));
      head += frame;
      const auto begun = std::chrono::steady_clock::now();
      KafkaProbe& probe = KafkaProbe::Get();
      int api_key = payload.size() >= 2
                        ? (static_cast<uint8_t>(payload[0]) << 8) | static_cast<uint8_t>(payload[1])
                        : KafkaProbe::kApiKeys - 1;
      if (api_key >= KafkaProbe::kApiKeys) api_key = KafkaProbe::kApiKeys - 1;
      logstore::TrafficProbe& traffic = probe.apis[api_key];
      DispatchResult res = Dispatch(broker_, payload, client, out, scratch);
      size_t response_bytes = 0;
      if (res.respond) {
        const bool sent = SendResponse(fd, out, &send, &response_bytes);
        out.Clear();  // lets go of the segment files a Fetch response referenced
        if (!sent) break;
      }
      traffic.Count(response_bytes, payload.size());
      traffic.latency.Observe(std::chrono::steady_clock::now() - begun);
      if (res.close) {
        if (!res.respond) probe.closed_requests.fetch_add(1, std::memory_order_relaxed);
        break;
      }
      last_request = std::chrono::steady_clock::now();
      if (scratch.capacity() > (256u << 20)) std::string().swap(scratch);
    }
    if (idle) {
      std::fprintf(stderr,
                   "kafka: client %s: no request for %lld ms (--kafka-connections-max-idle-ms); "
                   "closing the connection\n",
                   client.c_str(), static_cast<long long>(idle_ms));
    }
    {
      std::lock_guard<std::mutex> lock(*c.fd_mu);
      ::close(c.fd);
      c.fd = -1;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      --open_connections_;
      KafkaProbe::Get().open_connections.fetch_sub(1, std::memory_order_relaxed);
      if (auto it = per_ip_.find(c.ip); it != per_ip_.end() && --it->second <= 0) per_ip_.erase(it);
      ++closed_connections_;
      closed_cv_.notify_all();
    }
    c.done->store(true);
  }

  BrokerContext broker_;
  std::unique_ptr<ProducerStateManager> producers_;
  std::unique_ptr<GroupCoordinator> groups_;
  int listen_fd_ = -1;
  int spare_fd_ = -1;  // /dev/null, given up to accept-and-close clients at EMFILE
  int port_ = 0;
  std::atomic<bool> stopped_{false};
  std::thread acceptor_;
  RateLimitedLog limit_log_{std::chrono::seconds(1)};    // acceptor thread only
  RateLimitedLog emfile_log_{std::chrono::seconds(10)};  // acceptor thread only
  std::mutex mu_;
  std::list<Connection> connections_;
  int32_t open_connections_ = 0;  // connections whose thread has not closed the socket yet
  std::map<std::string, int32_t> per_ip_;
  uint64_t closed_connections_ = 0;
  std::condition_variable closed_cv_;  // signalled when a connection closes, and by Stop()
};

}  // namespace

absl::StatusOr<std::unique_ptr<KafkaServer>> KafkaServer::Start(logstore::LogManager* logs,
                                                                const KafkaServerOptions& options) {
  auto server = std::make_unique<KafkaServerImpl>();
  if (absl::Status s = server->Init(logs, options); !s.ok()) return s;
  return std::unique_ptr<KafkaServer>(std::move(server));
}

}  // namespace eddy::kafka
