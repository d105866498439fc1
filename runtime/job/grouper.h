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

// Queue inputs (systems.<s>.streams.<t>.share.group): a queue is not split into partitions.
// Every container gets one task per queue stream, named "Queue <stream> <container id>", whose
// one input is {system, stream, kQueuePartition}; it reads the stream through the share group,
// so adding containers adds consumers (a stateless job scales past the partition count).
// Partition tasks are spread by GroupTasks first; `containers` may then exceed their number
// when there are queues. Queue tasks get changelog partitions after every partition task.
inline constexpr int32_t kQueuePartition = -1;
std::string QueueTaskName(const std::string& stream, const std::string& container_id);
// `partition_tasks` from GroupSsps (may be empty when every input is a queue); `queues` holds
// {system, stream} per queue input. InvalidArgument naming job.container.count as GroupTasks.
absl::StatusOr<std::vector<ContainerModel>> GroupTasksWithQueues(
    const std::vector<TaskModel>& partition_tasks, const std::vector<Ssp>& queues,
    int32_t container_count);

}  // namespace eddy::runtime
