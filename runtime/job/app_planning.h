// Planning an application job (app.class, eddy/app_registry.h): the one function every planner
// calls before grouping tasks — the standalone runner (`eddy run`, eddy-container run/plan) and
// the coordinator's submit — so they all plan the same tasks from the same merged config.
//
//   auto plan = PlanApp(user_config, config_dir);           // loads task.library, Describe, merge
//   auto streams = ResolveIntermediatePartitions(*plan, partition_count_fn);
//   CreateIntermediateStreams(*streams, admin_fns);          // before grouping
//   ... plan the job from plan->config as for any job ...
//
// The containers must run with plan->config too: pass plan->generated as --set overrides (what
// the runner does), or call PlanApp again with the same user config (it is deterministic: the
// application's Describe depends on the config only).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "eddy/app_registry.h"

namespace eddy::runtime {

struct AppPlan {
  std::string app_class;  // "" when the config has no app.class (then config = the user's)
  // The job config to plan and run with: the user's config merged with the generated keys
  // (MergeAppConfig).
  std::map<std::string, std::string> config;
  // The keys of `config` that are not the user's (added by the merge), for --set overrides.
  std::map<std::string, std::string> generated;
  // MergeAppConfig's notes (a generated key the user set otherwise), for the planner to print.
  std::vector<std::string> notes;
  // As the application describes them (partitions -1: see ResolveIntermediatePartitions).
  std::vector<IntermediateStream> intermediate_streams;
};

// When `user` has app.class: loads the job library (task.library, relative to `config_dir`,
// else <config_dir>/../lib/<file>, as ParseJobConfig resolves it; dlopen RTLD_GLOBAL, once per
// process) unless the application is already registered, describes it (AppRegistry::Describe on
// the user's config) and merges (MergeAppConfig). Errors name app.class or task.library. Without
// app.class: the user's config unchanged. app.class together with a task.class that is not the
// application's is InvalidArgument naming both.
absl::StatusOr<AppPlan> PlanApp(const std::map<std::string, std::string>& user,
                                const std::string& config_dir);

// Number of partitions of an existing stream; NotFound when it does not exist.
using PartitionCountFn =
    std::function<absl::StatusOr<int32_t>(const std::string& system, const std::string& stream)>;
// Creates a stream with `partitions` partitions.
using CreateStreamFn = std::function<absl::Status(const std::string& system,
                                                  const std::string& stream, int32_t partitions)>;

// The intermediate streams with their partition counts (IntermediatePartitions, where the
// default is the largest partition count of the job's other inputs, task.inputs of plan.config
// minus the intermediate streams). Errors name the input whose count is unknown.
absl::StatusOr<std::vector<IntermediateStream>> ResolveIntermediatePartitions(
    const AppPlan& plan, const PartitionCountFn& partition_count);

// Creates every stream of `streams` that does not exist; one that exists with another partition
// count is FailedPrecondition naming the stream, both counts and what to do.
absl::Status CreateIntermediateStreams(const std::vector<IntermediateStream>& streams,
                                       const PartitionCountFn& partition_count,
                                       const CreateStreamFn& create);

}  // namespace eddy::runtime
