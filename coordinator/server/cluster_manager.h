// ClusterManager: the coordinator's state machine — the node registry (the "resource manager")
// and one job coordinator per job (placement, host affinity, failure policy, scaling, kill).
// Thread-safe: gRPC handlers call in, a ticker thread calls Tick(); everything runs under one
// mutex. Job metadata is persisted through MetadataStore after every change, and a restarted
// coordinator adopts the containers its nodes report instead of starting new ones.
// Used by coordinator_service.cc and the coordinator's main.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "coordinator/proto/coordinator.pb.h"
#include "coordinator/server/metadata_store.h"
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
  ClusterManager(ManagerOptions o, std::unique_ptr<MetadataStore> store);
  ~ClusterManager();

  // Loads the persisted jobs; their containers wait one node-lost period to be re-adopted.
  absl::Status Load();

  v1::RegisterResponse Register(const v1::RegisterRequest& r);
  v1::HeartbeatResponse Heartbeat(const v1::HeartbeatRequest& r);
  absl::StatusOr<std::string> GetPackage(const std::string& digest);

  absl::StatusOr<std::string> Submit(const v1::SubmitJobRequest& r);
  std::vector<v1::JobStatus> ListJobs();
  absl::StatusOr<v1::JobStatus> GetJob(const std::string& job);
  absl::Status Kill(const std::string& job);
  absl::StatusOr<int64_t> Scale(const std::string& job, int32_t containers);
  std::vector<v1::NodeStatus> ListNodes();

  // Placement, node loss, scaling steps. Called every ~100 ms.
  void Tick();

  struct Job;
  struct Node;

 private:
  using Clock = std::chrono::steady_clock;
  void ProcessReport(Node& n, const v1::ContainerReport& r);
  void Fail(Job& j, const std::string& cid, const std::string& why);
  void StopAll(Job& j);
  void Place(Job& j, Clock::time_point now);
  void Persist(const Job& j);
  void QueueStop(const std::string& node, const std::string& job, const std::string& cid,
                 int64_t attempt);
  bool AnyRunning(const Job& j) const;
  void ApplyModel(Job& j, const runtime::JobModel& m);
  std::vector<std::string> LiveJobs() const;

  ManagerOptions opt_;
  std::unique_ptr<MetadataStore> store_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Job>> jobs_;
  std::map<std::string, std::unique_ptr<Node>> nodes_;
  Clock::time_point started_;
};

}  // namespace eddy::cluster
