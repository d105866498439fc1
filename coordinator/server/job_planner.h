// JobPlanner: a job's config → its JobModel, the way Samza's job coordinator does it: input
// partition counts from the log store (native admin client per `eddy` system), then the
// runtime's groupers (runtime/job/grouper.h) into tasks and `job.container.count` containers.
// Used by the coordinator at submit and at scale.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/job/job_model.h"
#include "runtime/job/task_partitions.h"

namespace eddy::cluster {

// `container_count` < 0 = job.container.count from the config. Errors name the key, system or
// topic (a kafka-system input is not supported by the coordinator: InvalidArgument).
absl::StatusOr<runtime::JobModel> PlanJob(const std::map<std::string, std::string>& config,
                                          int32_t container_count = -1);

// Gives `model` the job's stored task → changelog-partition map `*partitions` (known tasks keep
// theirs, new tasks get the next free ones; runtime/job/task_partitions.h) and updates the map.
// Returns one line per change (new tasks, tasks without input) for the log and the caller.
std::vector<std::string> KeepChangelogPartitions(const std::string& job,
                                                 runtime::TaskPartitions* partitions,
                                                 runtime::JobModel* model);

}  // namespace eddy::cluster
