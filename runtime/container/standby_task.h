// StandbyTask: the standby copy of one task on a node other than its active's (Samza's standby
// task, job.standbytasks.replication.factor). For every persistent logged store of the task it
// keeps a warm local RocksDB store by tailing the task's changelog partition (read committed, as
// restore reads), never processing input and never writing to the log store. It applies the
// changelog only up to the changelog offsets of the task's latest checkpoint and then takes a
// local store checkpoint (runtime/state/store_checkpoints.h) at exactly that offset: the same
// <store dir>.checkpoints/<offset>/ with its OFFSET marker the active task makes at commit. So
// when the coordinator moves the active task onto this node (standby takeover), TaskStores'
// restore finds that checkpoint and replays only the changelog tail past it; and the state is
// exact, because a checkpoint is never ahead of the task checkpoint the new active restores to.
//
// In-memory stores are not kept (nothing survives the process); stores without a changelog
// neither. Lag of a store = changelog high watermark - applied offset (gauges in group
// "standby.<task>": lag.<store>, applied-offset.<store>; counter records-applied.<store>).
// Holds the task's TaskLock (task_lock.h) while open. Used by StandbyContainer.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "eddy/config.h"
#include "eddy/metrics.h"
#include "runtime/checkpoint/checkpoint.h"
#include "runtime/container/job_config.h"
#include "runtime/container/systems_hub.h"
#include "runtime/job/job_model.h"

namespace eddy::runtime {

class StandbyTask {
 public:
  virtual ~StandbyTask() = default;

  // Takes the task's lock (waiting at most `lock_wait`) and reads stores.<s>.* for `task`;
  // opens nothing yet (the first CatchUp does, from this node's newest usable local checkpoint).
  static absl::StatusOr<std::unique_ptr<StandbyTask>> Open(const JobConfig& job,
                                                           const Config& config,
                                                           const TaskModel& task, SystemsHub* hub,
                                                           MetricsRegistry* metrics,
                                                           std::chrono::milliseconds lock_wait);

  // Brings every kept store to the changelog offset `checkpoint` holds for it (nullptr = the
  // task has no checkpoint yet: nothing to do) and checkpoints it locally there. Errors name the
  // task, store and changelog partition.
  virtual absl::Status CatchUp(const Checkpoint* checkpoint) = 0;
  // Reads each kept store's changelog high watermark and sets its lag gauge.
  virtual absl::Status UpdateLag() = 0;
  // Names of the kept stores.
  virtual std::vector<std::string> stores() const = 0;
  virtual const std::string& name() const = 0;
};

}  // namespace eddy::runtime
