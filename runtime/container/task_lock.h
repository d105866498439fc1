// TaskLock: one process at a time owns the local stores of a task on a node. The active task
// (TaskStores) and a standby of it (StandbyTask) both take the lock before they touch the store
// directories <base>/<store>/<task>[.checkpoints]; so when the coordinator moves an active task
// onto the node of its standby (standby takeover), the new active waits until the standby
// process is gone (killed by its node) instead of reading checkpoints the standby is writing.
// An flock(2) on <job.logged.store.base.dir>/.locks/<task>.lock: the kernel releases it when the
// holder dies, whatever the way (kill -9 included).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace eddy::runtime {

class TaskLock {
 public:
  // Takes the lock of `task` under `base_dir`, waiting at most `wait` (0 = try once).
  // DeadlineExceeded naming the lock file and the wait when another process holds it all along.
  static absl::StatusOr<std::unique_ptr<TaskLock>> Acquire(const std::string& base_dir,
                                                           const std::string& task,
                                                           std::chrono::milliseconds wait);
  ~TaskLock();
  TaskLock(const TaskLock&) = delete;
  TaskLock& operator=(const TaskLock&) = delete;
  const std::string& path() const { return path_; }

  // How long an active task (TaskStores::Open) waits for a standby (or a dying earlier attempt)
  // to let go: 60 s.
  static std::chrono::milliseconds ActiveWait();
  // Test hook: changes ActiveWait() for this process.
  static void SetActiveWaitForTest(std::chrono::milliseconds wait);

 private:
  TaskLock(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_;
};

}  // namespace eddy::runtime
