#include "coordinator/node/node_fence.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace eddy::cluster {

NodeFence::NodeFence(std::string node_id) : node_id_(std::move(node_id)) {
  thread_ = std::thread([this] { Loop(); });
}

NodeFence::~NodeFence() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

namespace {
// Fence this much before the coordinator would declare the node lost: two heartbeats, or a
// quarter of the timeout, whichever is more, but at most half of it. In that time the killed
// processes die and the coordinator has not yet handed their tasks to anyone.
std::chrono::milliseconds Margin(std::chrono::milliseconds lost, std::chrono::milliseconds hb) {
  auto m = std::max(2 * hb, lost / 4);
  return std::min(m, lost / 2);
}
}  // namespace

std::chrono::milliseconds NodeFence::window() const {
  std::lock_guard<std::mutex> l(mu_);
  if (node_lost_.count() <= 0) return std::chrono::milliseconds(0);
  return node_lost_ - Margin(node_lost_, heartbeat_);
}

void NodeFence::Configure(std::chrono::milliseconds node_lost,
                          std::chrono::milliseconds heartbeat) {
  std::lock_guard<std::mutex> l(mu_);
  if (node_lost == node_lost_ && heartbeat == heartbeat_) return;
  node_lost_ = node_lost;
  heartbeat_ = heartbeat;
  if (node_lost.count() > 0) {
    std::fprintf(stderr,
                 "eddy-node %s: the coordinator declares a node lost after %lld ms without a "
                 "heartbeat: this node SIGKILLs its containers after %lld ms without the "
                 "coordinator\n",
                 node_id_.c_str(), static_cast<long long>(node_lost.count()),
                 static_cast<long long>((node_lost - Margin(node_lost, heartbeat)).count()));
  } else {
    std::fprintf(stderr,
                 "eddy-node %s: the coordinator does not say its node-lost timeout: this node "
                 "does not fence itself\n",
                 node_id_.c_str());
  }
}

void NodeFence::Answered(Clock::time_point sent) {
  std::lock_guard<std::mutex> l(mu_);
  last_answered_ = std::max(last_answered_, sent);
  safe_until_ = std::max(safe_until_, sent + node_lost_);
}

void NodeFence::Refused(Clock::time_point at) {
  std::lock_guard<std::mutex> l(mu_);
  if (node_lost_.count() <= 0) return;
  safe_until_ = std::max(safe_until_, at + node_lost_ + heartbeat_);
}

void NodeFence::Track(const std::string& key, ContainerProcess* p) {
  std::lock_guard<std::mutex> l(mu_);
  tracked_[key] = p;
}

void NodeFence::Untrack(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  tracked_.erase(key);
}

std::vector<std::string> NodeFence::TakeFenced() {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<std::string> out;
  out.swap(fenced_);
  return out;
}

void NodeFence::FenceLocked(Clock::time_point now) {
  std::vector<std::string> killed;
  for (auto& [key, p] : tracked_) {
    if (p->Kill()) {
      killed.push_back(absl::StrCat(key, " (pid ", p->pid(), ")"));
      fenced_.push_back(key);
    }
  }
  tracked_.clear();
  if (killed.empty()) return;
  auto silent = std::chrono::duration_cast<std::chrono::milliseconds>(now - last_answered_).count();
  std::fprintf(stderr,
               "eddy-node %s: SELF-FENCED: no answer from the coordinator for %lld ms (it "
               "declares a node lost after %lld ms and restarts its containers elsewhere): "
               "SIGKILLed %zu container(s): %s\n",
               node_id_.c_str(), static_cast<long long>(silent),
               static_cast<long long>(node_lost_.count()), killed.size(),
               absl::StrJoin(killed, ", ").c_str());
}

void NodeFence::Loop() {
  std::unique_lock<std::mutex> l(mu_);
  while (!stop_) {
    cv_.wait_for(l, std::chrono::milliseconds(10));
    if (stop_) break;
    if (node_lost_.count() <= 0 || tracked_.empty()) continue;
    auto now = Clock::now();
    if (now >= safe_until_ - Margin(node_lost_, heartbeat_)) FenceLocked(now);
  }
}

bool ConnectionRefused(const std::string& host_port, std::chrono::milliseconds timeout) {
  auto colon = host_port.rfind(':');
  if (colon == std::string::npos) return false;
  std::string host = host_port.substr(0, colon), port = host_port.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0 || !res) return false;
  bool refused = false;
  int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    int rc = connect(fd, res->ai_addr, res->ai_addrlen);
    if (rc != 0 && errno == ECONNREFUSED) {
      refused = true;
    } else if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      if (poll(&p, 1, static_cast<int>(timeout.count())) == 1) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        refused = err == ECONNREFUSED;
      }
    }
    close(fd);
  }
  freeaddrinfo(res);
  return refused;
}

}  // namespace eddy::cluster
