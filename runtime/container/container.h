// Container: one eddy-container worker process's engine (Samza's SamzaContainer). Loads the job
// library, creates one task instance per task of its container in the job model, restores their
// stores from the checkpoint, then runs the single run loop: fetch batches for every input
// partition, round-robin over partitions with buffered records, Process one envelope at a time,
// Window every task.window.ms and Commit every task.commit.ms (never concurrently with Process),
// until a shutdown is requested (SIGTERM, TaskCoordinator::Shutdown, or caught up to the end
// offsets in --until-caught-up mode). Used by eddy-container's container mode and eddy-job-bench.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "eddy/config.h"
#include "eddy/metrics.h"
#include "runtime/container/job_config.h"
#include "runtime/inspect/run_loop_hook.h"
#include "runtime/job/job_model.h"

namespace eddy::runtime {

struct ContainerOptions {
  Config config;
  JobConfig job;
  JobModel model;
  std::string container_id = "0";
  std::string work_dir = ".";    // metrics.json goes here
  bool until_caught_up = false;  // stop once every input reached its end offset at start
  RunLoopHook* hook = nullptr;   // runs work on the run loop (state service), not owned
};

class Container {
 public:
  explicit Container(ContainerOptions options);
  ~Container();

  // Runs to the end. OK after an orderly stop (final commit done); otherwise the error that
  // stopped it (the failed task and offset are named); no checkpoint is written then.
  absl::Status Run();

  // Asks every running container in this process to stop after the current message
  // (async-signal-safe).
  static void RequestShutdownAll();

  // The container's metrics (tasks, stores, commits, the job's own); read from any thread, e.g.
  // by the /metrics exporter (runtime/container/prometheus_collector.h). Lives as long as this.
  const MetricsRegistry& metrics() const;
  // Messages processed by all tasks (for eddy-job-bench).
  int64_t messages_processed() const;
  // Wall time of each commit so far, microseconds (for eddy-job-bench; see CommitProtocol).
  std::vector<int64_t> commit_latencies_micros() const;

  class Impl;  // public so the task instances in container.cc can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace eddy::runtime
