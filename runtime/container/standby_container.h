// StandbyContainer: how eddy-container runs a standby container of the job model (a container
// with `standby_of`, runtime/job/standby_model.h): one StandbyTask per task of the container,
// caught up to the tasks' latest checkpoints, read from the checkpoint topic (read committed)
// every max(100 ms, min(task.commit.ms / 2, 1 s)), until SIGTERM. It loads no task library,
// consumes no input and never writes to the log store (it only makes sure the checkpoint topic
// exists, as every container does). Its metrics (group "standby.<task>": lag.<store>,
// applied-offset.<store>, records-applied.<store>; "container": standby-catch-ups) are served
// like an active container's (/metrics and the state service, so `eddy job status` shows the
// lag); its state service serves no store reads (a standby is not the task's state).
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "eddy/config.h"
#include "eddy/metrics.h"
#include "runtime/container/job_config.h"
#include "runtime/inspect/run_loop_hook.h"
#include "runtime/job/job_model.h"

namespace eddy::runtime {

struct StandbyOptions {
  Config config;
  JobConfig job;
  JobModel model;
  std::string container_id;      // a standby container of `model`
  RunLoopHook* hook = nullptr;   // the state service (metrics only), not owned
};

class StandbyContainer {
 public:
  explicit StandbyContainer(StandbyOptions options);
  ~StandbyContainer();

  // Runs until RequestShutdownAll. OK after a requested stop; otherwise the error that stopped
  // it (naming the task, store and changelog).
  absl::Status Run();
  // Async-signal-safe.
  static void RequestShutdownAll();
  const MetricsRegistry& metrics() const { return metrics_; }

 private:
  StandbyOptions opt_;
  MetricsRegistry metrics_;
};

}  // namespace eddy::runtime
