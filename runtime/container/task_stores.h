// TaskStores: the stores of one task instance: built from stores.<s>.* through the state
// engineer's StoreFactory (runtime/state), their changelog writers (one partition per task),
// restore to the checkpointed changelog offsets (from the newest local store checkpoint not ahead
// of the task checkpoint, then the changelog tail; else the whole changelog), and the commit steps
// (flush caches, then flush the engines and take a local RocksDB checkpoint per store, see
// runtime/state/store_checkpoints.h). Used by the container only.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "eddy/config.h"
#include "eddy/context.h"
#include "eddy/metrics.h"
#include "runtime/checkpoint/checkpoint.h"
#include "runtime/container/job_config.h"
#include "runtime/container/systems_hub.h"
#include "runtime/job/job_model.h"

namespace eddy::runtime {

class TaskStores {
 public:
  virtual ~TaskStores() = default;

  // Opens every configured store for `task` under job.logged.store.base.dir/<store>/<task>.
  static absl::StatusOr<std::unique_ptr<TaskStores>> Open(const JobConfig& job,
                                                          const Config& config,
                                                          const TaskModel& task, SystemsHub* hub,
                                                          MetricsRegistry* metrics);

  // Brings every logged store to the checkpoint (nullptr = no checkpoint: empty store).
  virtual absl::Status Restore(const Checkpoint* checkpoint) = 0;
  // After Restore, before the task processes anything: Samza's trim. Reads each logged store's
  // changelog partition from the offset it was restored to up to its end now (the writes of an
  // attempt that died after its last commit; the previous attempt is fenced by then) and, for
  // every key found, writes the restored value (or a tombstone when the key is absent) to the
  // changelog again. So a later restore of a changelog offset past these writes rebuilds the
  // restored state, never the dead attempt's. `read_committed` = false reads every record
  // (at_least_once); true reads only committed ones (exactly_once: the dead attempt's
  // transaction is aborted; what is left is a tail written without transactions). Returns the
  // number of keys written again; the caller commits before processing.
  virtual absl::StatusOr<int64_t> Trim(bool read_committed) = 0;
  virtual absl::StatusOr<StoreHandle> Handle(std::string_view name) = 0;
  // Commit step 1: write cached dirty entries into the engines and changelog producers.
  virtual absl::Status FlushCaches() = 0;
  // Commit step 3 (after the producers are flushed): the end offsets of this task's changelog
  // partitions, to go into the checkpoint.
  virtual absl::StatusOr<std::map<std::string, std::pair<Ssp, int64_t>>> ChangelogOffsets() = 0;
  // Commit step 4, before the task checkpoint is written: flush the engines and checkpoint each
  // persistent logged store locally at its changelog offset (<store dir>.checkpoints/<offset>).
  virtual absl::Status Persist(const std::map<std::string, std::pair<Ssp, int64_t>>& offsets) = 0;
  virtual bool empty() const = 0;
  virtual absl::Status Close() = 0;
};

}  // namespace eddy::runtime
