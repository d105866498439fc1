// ClusterManager: the coordinator's state machine — the node registry (the "resource manager")
// and one job coordinator per job (placement, host affinity, failure policy, scaling, kill).
// Thread-safe: gRPC handlers call in, a ticker thread calls Tick(); everything runs under one
// mutex. Job records (job_record.h) are persisted through MetadataStore: a change asked for by
// a call (Submit, Kill, Scale) is written first and applied only once written, so a failed write
// fails the call and changes nothing; a change of its own (placement, a report, a failure) that
// cannot be written is retried every tick. Packages live in a PackageStore. A restarted
// coordinator adopts the containers its nodes report instead of starting new ones.
// Used by coordinator_service.cc and the coordinator's main.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "coordinator/proto/coordinator.pb.h"
#include "coordinator/server/cluster_probe.h"
#include "coordinator/server/job_state.h"
#include "coordinator/server/metadata_store.h"
#include "coordinator/server/package_store.h"
#include "runtime/job/job_model.h"

namespace eddy::cluster {

namespace v1 = ::eddy::coordinator::v1;

struct ManagerOptions {
  std::chrono::milliseconds heartbeat{1000};
  std::chrono::milliseconds node_lost{5000};
  std::string default_bootstrap;  // for `eddy` systems without bootstrap.servers
  std::string package_check_bin;  // eddy-package-check
  std::string work_dir;           // scratch for package checks
};

class ClusterManager {
 public:
  ClusterManager(ManagerOptions o, std::unique_ptr<MetadataStore> store,
                 std::unique_ptr<PackageStore> packages);
  ~ClusterManager();

  // Loads the persisted jobs; their containers wait one node-lost period to be re-adopted.
  // Moves packages older coordinators kept in the metadata into the package store and removes
  // package files no job refers to.
  absl::Status Load();

  v1::RegisterResponse Register(const v1::RegisterRequest& r);
  v1::HeartbeatResponse Heartbeat(const v1::HeartbeatRequest& r);
  PackageStore& packages() { return *packages_; }
  // The file of a stored package; NotFound naming the digest.
  absl::StatusOr<std::string> PackagePath(const std::string& digest);

  // Submits the package in `upload` (every chunk appended, not yet finished) with config
  // `overrides`. Errors name the key, the package entry or what could not be persisted; on
  // any error nothing of the job or its package is kept. Every key is checked against
  // runtime/job/config_keys.h: a malformed value is an error; unknown keys and Samza keys Eddy
  // ignores are logged and, when `warnings` is given, returned there (one line per key).
  absl::StatusOr<std::string> Submit(PackageStore::Upload& upload,
                                     const std::map<std::string, std::string>& overrides,
                                     std::vector<std::string>* warnings = nullptr);
  std::vector<v1::JobStatus> ListJobs();
  absl::StatusOr<v1::JobStatus> GetJob(const std::string& job);
  absl::Status Kill(const std::string& job);
  absl::StatusOr<int64_t> Scale(const std::string& job, int32_t containers);
  // `eddy job reset` (coordinator.proto ResetJobRequest; job_reset_rpc.cc): refused on a
  // running job unless r.restart(), which stops it first and starts it again after. Blocks
  // (without the lock) while the containers stop and while the log store is reset.
  absl::StatusOr<v1::ResetJobResponse> Reset(const v1::ResetJobRequest& r);
  std::vector<v1::NodeStatus> ListNodes();

  // Placement, node loss, scaling steps. Called every ~100 ms.
  void Tick();

  // What the manager counted (heartbeats, placements, restarts, failures); /metrics reads it.
  const ClusterProbe& probe() const { return probe_; }

  using Job = JobState;
  struct Node;

 private:
  using Clock = std::chrono::steady_clock;
  void ProcessReport(Node& n, const v1::ContainerReport& r);
  void Fail(Job& j, const std::string& cid, const std::string& why);
  void StopAll(Job& j);
  void Place(Job& j, Clock::time_point now);
  // Writes the job's record; the error names the key.
  absl::Status Persist(const Job& j);
  // For changes of the manager's own: on a failed write, logs and marks the job dirty (Tick
  // writes it again).
  void PersistOrRetry(Job& j);
  bool PackageInUse(const std::string& digest) const;
  // `kill`: SIGKILL at once (a superseded attempt), else a graceful stop.
  void QueueStop(const std::string& node, const std::string& job, const std::string& cid,
                 int64_t attempt, bool kill = false);
  // The attempts this coordinator has placed on (or adopted from) `n` and not seen end.
  void FillAssigned(const Node& n, google::protobuf::RepeatedPtrField<v1::AttemptRef>* out) const;
  bool AnyRunning(const Job& j) const;
  std::vector<std::string> LiveJobs() const;

  ManagerOptions opt_;
  std::unique_ptr<MetadataStore> store_;
  std::unique_ptr<PackageStore> packages_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Job>> jobs_;
  std::map<std::string, std::unique_ptr<Node>> nodes_;
  Clock::time_point started_;
  ClusterProbe probe_;
};

}  // namespace eddy::cluster
