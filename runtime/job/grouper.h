// Groupers: input partitions → tasks (job.systemstreampartition.grouper.factory) and tasks →
// containers (job.container.count, balanced round-robin like Samza's GroupByContainerCount).
// Used to build the JobModel in the standalone runner, the coordinator and tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/job/job_model.h"

namespace eddy::runtime {

enum class SspGrouper { kGroupByPartition, kGroupBySystemStreamPartition };

// Accepts Samza's factory class names, their simple names and our short names
// (group-by-partition | group-by-ssp). Empty = GroupByPartition.
absl::StatusOr<SspGrouper> ParseSspGrouper(const std::string& value);

// GroupByPartition: task "Partition N" gets partition N of every input.
// GroupBySystemStreamPartition: one task per partition, "SystemStreamPartition [sys, stream, N]".
// Tasks come out sorted; changelog_partition = position in that order (GroupByPartition: N).
std::vector<TaskModel> GroupSsps(SspGrouper grouper, std::vector<Ssp> ssps);

// Splits tasks over `container_count` containers; InvalidArgument (naming job.container.count)
// when the count is < 1 or larger than the number of tasks.
absl::StatusOr<std::vector<ContainerModel>> GroupTasks(const std::vector<TaskModel>& tasks,
                                                       int32_t container_count);

}  // namespace eddy::runtime
