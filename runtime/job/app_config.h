// The job config an application (app.class, eddy/app_registry.h) runs with: the user's config
// with the keys its AppDescription generates merged in. Used by every planner (the standalone
// runner, the coordinator's submit) so both plan the same tasks from the same config.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "eddy/app_registry.h"

namespace eddy::runtime {

struct MergedAppConfig {
  std::map<std::string, std::string> config;
  // One line per generated key the user had set to another value (the user's value is kept),
  // for the planner to print / return as submit warnings.
  std::vector<std::string> notes;
};

// Rules (eddy/app_registry.h): a generated key the user did not set is added; one the user set
// keeps the user's value (and is noted when it differs); task.inputs belongs to the application:
// a user value that differs from the generated one is InvalidArgument naming both. A generated
// key with an empty name is InvalidArgument.
absl::StatusOr<MergedAppConfig> MergeAppConfig(const std::map<std::string, std::string>& user,
                                               const AppDescription& description);

// The partition count of an intermediate stream: its own count when > 0, else
// job.intermediate.stream.partitions when set (> 0, else InvalidArgument naming the key), else
// `largest_input_partitions` (Samza's default). InvalidArgument when that is < 1.
absl::StatusOr<int32_t> IntermediatePartitions(const IntermediateStream& stream,
                                               const std::map<std::string, std::string>& config,
                                               int32_t largest_input_partitions);

}  // namespace eddy::runtime
