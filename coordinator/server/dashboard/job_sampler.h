// JobSampler: the dashboard's memory of how each job is doing. A background thread (owned here,
// stopped and joined by the destructor) asks every running container of every live job for its
// figures (ContainerProbe::Stats) every `interval`, keeps the latest task and store figures per
// job, and appends the job's throughput (messages/s over the interval) and total lag to a ring
// buffer of at most `points` samples, so a plot has the last minutes when a page opens.
// Memory is bounded: at most `max_jobs` running jobs (in the order ListJobs gives; the rest show
// no figures, sampled_ms 0) times `points` samples; jobs the coordinator no longer lists are
// dropped. Thread-safe.
// Used by dashboard.cc.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "coordinator/proto/coordinator.pb.h"
#include "coordinator/server/dashboard/container_probe.h"
#include "nlohmann/json.hpp"

namespace eddy::dashboard {

struct JobSamplerOptions {
  std::chrono::milliseconds interval{2000};
  size_t points = 300;  // 10 minutes at 2 s
  size_t max_jobs = 64;
};

class JobSampler {
 public:
  // `list_jobs` returns every job the coordinator knows (ClusterManager::ListJobs); `stats`
  // asks one container (ContainerProbe::Stats in the coordinator).
  using ListJobs = std::function<std::vector<coordinator::v1::JobStatus>()>;
  using Stats = std::function<absl::StatusOr<ContainerFigures>(const std::string& container,
                                                               const std::string& address)>;
  JobSampler(JobSamplerOptions options, ListJobs list_jobs, Stats stats);
  ~JobSampler();  // stops and joins the thread
  JobSampler(const JobSampler&) = delete;
  JobSampler& operator=(const JobSampler&) = delete;

  // Starts the sampling thread (the first sample is taken at once).
  void Start();
  // Takes one sample of every job now (the thread calls this; tests may too).
  void SampleOnce();

  // {"sampled_ms": wall ms of the last sample (0 = none yet), "interval_ms",
  //  "tasks": [{task, container, partitions, processed, lag, messages_per_s}],
  //  "stores": [{task, store, container, keys, bytes, restore_records, restore_ms, ...}],
  //  "errors": ["container 0 at 127.0.0.1:5: ..."]}; empty lists and sampled_ms 0 for a job
  //  not sampled (yet).
  nlohmann::json Figures(const std::string& job) const;
  // {"interval_ms", "points": [[wall_ms, messages_per_s, lag], ...]} oldest first.
  nlohmann::json Series(const std::string& job) const;

 private:
  struct TaskKey {
    std::string container, task;
    auto operator<=>(const TaskKey&) const = default;
  };
  struct Previous {
    int64_t processed = 0;
    std::chrono::steady_clock::time_point at;
  };
  struct JobSeries {
    std::deque<std::array<double, 3>> points;  // wall ms, messages/s, lag
    std::map<TaskKey, Previous> previous;
    nlohmann::json figures = nlohmann::json::object();
  };
  void Run();

  const JobSamplerOptions options_;
  const ListJobs list_jobs_;
  const Stats stats_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::map<std::string, JobSeries> jobs_;
  std::thread thread_;
};

}  // namespace eddy::dashboard
