// Applications: jobs written with the high-level stream API (eddy/stream/, issue 10) or any
// other layer that compiles a job description into one task class. `app.class=WordCount`
// names a registered application instead of task.class.
//
// An application tells the planner what it needs before any task exists (its Describe), and
// the runtime how to make its task (Samza's StreamApplication → a task per partition group):
//
//   planner (eddy run, the coordinator's package check) ─ DescribeApp(app.class, config)
//      → AppDescription: generated config + intermediate streams to create
//      → the job config the tasks run with (runtime/job/app_config.h merges it)
//   container ─ TaskRegistry::Create(app.class) → the application's task (registered by
//      EDDY_REGISTER_APP under the same name).
//
// Registration lives in libeddy_task_api.so (one registry for the container and every job
// library), like TaskRegistry.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "eddy/config.h"

namespace eddy {

// A stream the job writes and reads itself (partition_by): created by the planner before the
// tasks are grouped, and read by the job like any input.
struct IntermediateStream {
  std::string system;   // a system of the job config (the default system when the app names none)
  std::string stream;   // physical name: <job.name>-<job.id>-<operator id>
  // Partitions; -1: the planner decides (job.intermediate.stream.partitions, else the largest
  // partition count of the job's inputs, as in Samza).
  int32_t partitions = -1;
};

// What an application needs, computed from the job config without touching any system.
struct AppDescription {
  // Keys the application generates: task.inputs (its inputs and intermediate streams),
  // streams.<s>.samza.intermediate=true, stores.<store>.* for the stores its operators keep
  // (factory, serdes, changelog), serdes.registry.* it uses. Merging (runtime/job/app_config.h):
  // a generated key the user also set keeps the user's value (tuning such as
  // stores.<s>.rocksdb.*); task.inputs is the application's and a user value is an error.
  std::map<std::string, std::string> config;
  std::vector<IntermediateStream> intermediate_streams;
};

using AppDescriber = std::function<absl::StatusOr<AppDescription>(const Config& config)>;

class AppRegistry {
 public:
  static AppRegistry& Global();
  // Registers (or replaces) `name`. Returns true so it can initialize a static.
  bool Register(std::string name, AppDescriber describer);
  bool Contains(std::string_view name) const;
  // NotFound naming `name` and listing the registered applications.
  absl::StatusOr<AppDescription> Describe(std::string_view name, const Config& config) const;
  std::vector<std::string> Names() const;

 private:
  AppRegistry() = default;
  mutable std::mutex mu_;
  std::map<std::string, AppDescriber, std::less<>> describers_;
};

}  // namespace eddy
