// RunLoopHook: how code outside the container engine runs work on a container's run loop
// thread (stores are not thread-safe, so every read of a task's store must happen there).
// The container calls OnStarted once its tasks are restored and initialized, OnLoop on every
// turn of the run loop, and OnStopping before its final commit. Implemented by
// runtime/inspect/state_server.h (the state service `eddy state` talks to); used by
// runtime/container/container.cc. Header only, no dependencies beyond the task API.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "eddy/context.h"
#include "eddy/metrics.h"

namespace eddy::runtime {

struct InspectTask {
  std::string name;                 // "Partition 3"
  std::vector<int32_t> partitions;  // input partitions it reads
  std::function<absl::StatusOr<StoreHandle>(std::string_view)> store;
};

class RunLoopHook {
 public:
  virtual ~RunLoopHook() = default;
  virtual void OnStarted(std::vector<InspectTask> tasks, std::vector<std::string> stores,
                         MetricsRegistry* metrics) = 0;
  virtual void OnLoop() = 0;
  virtual void OnStopping() = 0;
};

}  // namespace eddy::runtime
