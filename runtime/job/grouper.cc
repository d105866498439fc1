#include "runtime/job/grouper.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"

namespace eddy::runtime {

absl::StatusOr<SspGrouper> ParseSspGrouper(const std::string& v) {
  if (v.empty() || v == "group-by-partition" || v == "GroupByPartition" ||
      v == "GroupByPartitionFactory" ||
      v == "org.apache.samza.container.grouper.stream.GroupByPartitionFactory") {
    return SspGrouper::kGroupByPartition;
  }
  if (v == "group-by-ssp" || v == "GroupBySystemStreamPartition" ||
      v == "GroupBySystemStreamPartitionFactory" ||
      v == "org.apache.samza.container.grouper.stream.GroupBySystemStreamPartitionFactory") {
    return SspGrouper::kGroupBySystemStreamPartition;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("job.systemstreampartition.grouper.factory=", v,
                   " is unknown (GroupByPartitionFactory | GroupBySystemStreamPartitionFactory)"));
}

std::vector<TaskModel> GroupSsps(SspGrouper grouper, std::vector<Ssp> ssps) {
  std::sort(ssps.begin(), ssps.end());
  ssps.erase(std::unique(ssps.begin(), ssps.end()), ssps.end());
  std::vector<TaskModel> out;
  if (grouper == SspGrouper::kGroupByPartition) {
    std::map<int32_t, TaskModel> by;
    for (const auto& s : ssps) {
      auto& t = by[s.partition];
      t.name = absl::StrCat("Partition ", s.partition);
      t.changelog_partition = s.partition;
      t.inputs.push_back(s);
    }
    for (auto& [p, t] : by) out.push_back(std::move(t));
  } else {
    int32_t i = 0;
    for (const auto& s : ssps) {
      TaskModel t;
      t.name =
          absl::StrCat("SystemStreamPartition [", s.system, ", ", s.stream, ", ", s.partition, "]");
      t.inputs.push_back(s);
      t.changelog_partition = i++;
      out.push_back(std::move(t));
    }
  }
  return out;
}

absl::StatusOr<std::vector<ContainerModel>> GroupTasks(const std::vector<TaskModel>& tasks,
                                                       int32_t container_count) {
  if (container_count < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("job.container.count=", container_count, " must be >= 1"));
  }
  if (static_cast<size_t>(container_count) > tasks.size()) {
    return absl::InvalidArgumentError(absl::StrCat("job.container.count=", container_count,
                                                   " is larger than the ", tasks.size(),
                                                   " tasks of the job"));
  }
  std::vector<ContainerModel> out(static_cast<size_t>(container_count));
  for (int32_t i = 0; i < container_count; ++i) out[i].id = std::to_string(i);
  for (size_t i = 0; i < tasks.size(); ++i) out[i % out.size()].tasks.push_back(tasks[i]);
  return out;
}

std::string QueueTaskName(const std::string& stream, const std::string& container_id) {
  return absl::StrCat("Queue ", stream, " ", container_id);
}

absl::StatusOr<std::vector<ContainerModel>> GroupTasksWithQueues(
    const std::vector<TaskModel>& partition_tasks, const std::vector<Ssp>& queues,
    int32_t container_count) {
  if (queues.empty()) return GroupTasks(partition_tasks, container_count);
  if (container_count < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("job.container.count=", container_count, " must be >= 1"));
  }
  std::vector<ContainerModel> out(static_cast<size_t>(container_count));
  for (int32_t i = 0; i < container_count; ++i) out[i].id = std::to_string(i);
  for (size_t i = 0; i < partition_tasks.size(); ++i) {
    out[i % out.size()].tasks.push_back(partition_tasks[i]);
  }
  int32_t next_partition = 0;
  for (const auto& t : partition_tasks) {
    next_partition = std::max(next_partition, t.changelog_partition + 1);
  }
  for (auto& c : out) {
    for (const auto& q : queues) {
      TaskModel t;
      t.name = QueueTaskName(q.stream, c.id);
      t.inputs.push_back({q.system, q.stream, kQueuePartition});
      t.changelog_partition = next_partition++;
      c.tasks.push_back(std::move(t));
    }
  }
  return out;
}

}  // namespace eddy::runtime
