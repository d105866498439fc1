// JobPlanner: a job's config → its JobModel, the way Samza's job coordinator does it: input
// partition counts from the log store (native admin client per `eddy` system), then the
// runtime's groupers (runtime/job/grouper.h) into tasks and `job.container.count` containers.
// Used by the coordinator at submit and at scale.
#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "runtime/job/job_model.h"

namespace eddy::cluster {

// `container_count` < 0 = job.container.count from the config. Errors name the key, system or
// topic (a kafka-system input is not supported by the coordinator: InvalidArgument).
absl::StatusOr<runtime::JobModel> PlanJob(const std::map<std::string, std::string>& config,
                                          int32_t container_count = -1);

}  // namespace eddy::cluster
