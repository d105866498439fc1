// NetnsGrid: a real Eddy grid spread over separate hosts, for the fault suite (tests/fault).
// Each node runs in a network namespace of its own with its own address on a bridge
// (10.77.N.0/24, N picked free per run): eddy-logd and eddy-coordinator listen on the bridge's
// address in the root namespace, every eddy-node (and the containers it starts) lives in its
// namespace, binds and advertises its own address. grid.json and token are written in the
// layout of `eddy grid up`, so everything of Grid (tests/integration/cluster) works on it: the
// `eddy` CLI, job status, live state.
//
// Faults: kill -9 (and restart) of a node, the coordinator or the broker; SIGSTOP/SIGCONT of a
// node's eddy-node (its containers keep running: the zombie case); a node's link cut and healed.
// The destructor tears everything down (processes, namespaces, bridge) even after a failed
// assertion; namespaces left by a run that was killed are removed by the next one.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tests/integration/cluster/cluster_harness.h"

namespace eddy::test {

struct NetnsGridOptions {
  int nodes = 3;
  int heartbeat_ms = 300;
  int node_lost_ms = 3000;
  bool fsync = true;  // eddy-logd --fsync: acks=all survives kill -9 of the broker
  int node_memory_mb = 4096;
  double node_cores = 2;
};

class NetnsGrid : public Grid {
 public:
  // "" when network namespaces can be made here, else why not (not root, no `ip netns`).
  static std::string Unavailable();

  explicit NetnsGrid(NetnsGridOptions o = {});
  ~NetnsGrid();
  NetnsGrid(const NetnsGrid&) = delete;
  NetnsGrid& operator=(const NetnsGrid&) = delete;

  // Why the grid did not come up ("" when ok()).
  const std::string& error() const { return error_; }
  int nodes() const { return static_cast<int>(nodes_.size()); }
  const std::string& node_id(int i) const { return nodes_[i].id; }
  const std::string& node_ip(int i) const { return nodes_[i].ip; }
  const std::string& node_netns(int i) const { return nodes_[i].netns; }
  pid_t node_pid(int i) const { return nodes_[i].pid; }
  // Index of the node with this id, -1 if none.
  int NodeIndex(const std::string& id) const;
  const NetnsGridOptions& options() const { return opt_; }

  // kill -9 of eddy-node (its containers die with it: PR_SET_PDEATHSIG), and a new eddy-node on
  // the same data dir, id and address.
  absl::Status KillNode(int i);
  absl::Status RestartNode(int i);
  // SIGSTOP / SIGCONT of the whole host (eddy-node and every container in its namespace, as a
  // paused VM), or with `agent_only` of eddy-node alone (its containers keep running, writing
  // and committing: zombies).
  absl::Status PauseNode(int i, bool agent_only = false);
  absl::Status ResumeNode(int i);
  // The node's interface down (nothing in or out of its namespace) / up again.
  absl::Status CutLink(int i);
  absl::Status HealLink(int i);
  // kill -9 of eddy-coordinator / eddy-logd, and a new one on the same data dir and address.
  absl::Status KillCoordinator();
  absl::Status RestartCoordinator();
  absl::Status KillBroker();
  absl::Status RestartBroker();

  // eddy-container pids running in node i's namespace.
  std::vector<pid_t> ContainerPidsOnNode(int i) const;

 private:
  struct Daemon {
    std::string name;   // for messages and the log file name
    std::string netns;  // "" = root namespace
    std::vector<std::string> argv;
    std::string log;
    pid_t pid = -1;
    std::string address;  // what it printed after "listening on "
  };
  struct Node : Daemon {
    std::string id, ip, veth_host, veth_node;
    std::vector<pid_t> paused;  // SIGSTOPped, to SIGCONT
  };
  absl::Status SetUpNetwork();
  absl::Status Start(Daemon* d, const std::string& marker);
  void Reap(Daemon* d);
  void WriteGridJson() const;
  void TearDown();

  NetnsGridOptions opt_;
  std::string error_;
  int subnet_ = -1;  // N of 10.77.N.0/24
  std::string bridge_, host_ip_;
  Daemon logd_, coordinator_;
  std::vector<Node> nodes_;
};

}  // namespace eddy::test
