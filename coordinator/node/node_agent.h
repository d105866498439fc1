// NodeAgent: eddy-node's main loop — registers with the coordinator, heartbeats with container
// reports, carries out start/stop commands, downloads packages by digest into a cache (sha256
// checked, unpacked with the same checks as at submit), keeps per-job store dirs across
// container restarts and removes those of jobs that no longer exist. Fences itself: it SIGKILLs
// its containers before the coordinator would declare it lost when it cannot reach it
// (node_fence.h), and every container the coordinator's answer no longer assigns to it (an
// attempt superseded while the node was paused or cut off). Used by eddy-node's main.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "coordinator/node/container_process.h"
#include "coordinator/node/node_fence.h"
#include "coordinator/node/node_probe.h"
#include "coordinator/proto/coordinator.grpc.pb.h"

namespace eddy::cluster {

namespace v1 = ::eddy::coordinator::v1;

struct NodeOptions {
  std::string node_id = "node-0";
  std::string host = "127.0.0.1";
  std::string address;         // this node's Node service
  std::string http_address;    // this node's HTTP endpoint (/metrics), "" = none
  std::shared_ptr<NodeProbe> probe;  // counts starts and exits; may be null
  std::string coordinator;     // HOST:PORT
  std::string token;
  std::string data_dir;
  std::string container_bin;   // eddy-container
  int64_t memory_mb = 4096;
  double cores = 2;
  std::chrono::milliseconds stop_timeout{30000};
};

class NodeAgent {
 public:
  explicit NodeAgent(NodeOptions o);
  ~NodeAgent();
  // Runs until `stop` is set; then stops every container (SIGTERM, then SIGKILL).
  void Run(const std::atomic<bool>& stop);

 private:
  struct Running;
  absl::Status RegisterNow();
  void Reap();
  // Marks the containers NodeFence killed since the last call.
  void MarkSelfFenced();
  void Heartbeat();
  void Start(const v1::StartContainer& s);
  void Stop(const v1::StopContainer& s);
  absl::StatusOr<std::string> EnsurePackage(const std::string& digest);
  void CleanStores(const google::protobuf::RepeatedPtrField<std::string>& live);
  // SIGKILLs every running container not in `assigned`; `why` is logged.
  void KillUnassigned(const google::protobuf::RepeatedPtrField<v1::AttemptRef>& assigned,
                      const char* why);
  // After a failed call begun at `sent`: tells the fence when nothing listens at the address.
  void NoteUnreachable(std::chrono::steady_clock::time_point sent);
  v1::ContainerReport Report(Running& r);
  // Hands the containers just reported to the probe; counts the exits the coordinator has now
  // seen (`acknowledged`).
  void NoteReports(const google::protobuf::RepeatedPtrField<v1::ContainerReport>& reports,
                   bool acknowledged);

  NodeOptions opt_;
  std::unique_ptr<v1::Coordinator::Stub> stub_;
  bool registered_ = false;
  std::chrono::milliseconds heartbeat_{1000};
  std::map<std::string, std::unique_ptr<Running>> containers_;  // job/cid/attempt
  NodeFence fence_;  // after containers_: stopped before they are destroyed
};

}  // namespace eddy::cluster
