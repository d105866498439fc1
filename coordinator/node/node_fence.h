// NodeFence: eddy-node's watchdog on its link to the coordinator. The coordinator declares a
// node lost after node_lost_ms without a heartbeat and restarts the node's containers
// elsewhere; a node cut off from it must not keep running them, or two attempts write for the
// same tasks. NodeFence counts from the send time of the last call the coordinator answered
// (the coordinator heard from the node no earlier than that) and, a margin before node_lost_ms
// has passed, SIGKILLs every container it tracks: a self-fenced container must not commit, so
// no SIGTERM. It runs on a thread of its own, so a heartbeat or a package download stuck on a
// dead link cannot delay it, and it fires at once when a paused (SIGSTOPped) node resumes past
// the window.
//
// A refused connection proves no coordinator listens at the address at that moment; one that
// starts later places nothing for node_lost + heartbeat after its start (it waits for its
// nodes to report, ClusterManager::Load), so a refusal extends the window: containers keep
// running through a coordinator restart. Assumes the restarted coordinator keeps its timeouts.
// Used by NodeAgent.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "coordinator/node/container_process.h"

namespace eddy::cluster {

class NodeFence {
 public:
  using Clock = std::chrono::steady_clock;

  explicit NodeFence(std::string node_id);
  ~NodeFence();  // stops and joins the watchdog thread (kills nothing)
  NodeFence(const NodeFence&) = delete;
  NodeFence& operator=(const NodeFence&) = delete;

  // The coordinator's timeouts, from its Register/Heartbeat answer. node_lost 0 (an older
  // coordinator that does not say) disables fencing.
  void Configure(std::chrono::milliseconds node_lost, std::chrono::milliseconds heartbeat);
  // A call sent at `sent` was answered by the coordinator (it knows this node is alive).
  void Answered(Clock::time_point sent);
  // A connection to the coordinator's address, begun at `at`, was refused.
  void Refused(Clock::time_point at);
  // A container to SIGKILL when the node fences itself. `p` must stay valid until Untrack.
  void Track(const std::string& key, ContainerProcess* p);
  void Untrack(const std::string& key);
  // The keys of the containers killed by fencing since the last call.
  std::vector<std::string> TakeFenced();

  // How long after the last answered call the node fences itself (node_lost - margin); 0
  // when not configured.
  std::chrono::milliseconds window() const;

 private:
  void Loop();
  void FenceLocked(Clock::time_point now);

  const std::string node_id_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::chrono::milliseconds node_lost_{0}, heartbeat_{0};
  Clock::time_point safe_until_{};  // the coordinator cannot declare this node lost before
  Clock::time_point last_answered_{};
  std::map<std::string, ContainerProcess*> tracked_;
  std::vector<std::string> fenced_;
  std::thread thread_;
};

// Tries a TCP connection to `host_port` (at most `timeout`); true only when it is refused
// (nothing listens there), false when it connects, times out or cannot be routed.
bool ConnectionRefused(const std::string& host_port, std::chrono::milliseconds timeout);

}  // namespace eddy::cluster
