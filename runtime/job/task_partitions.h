// Task → changelog-partition map of a job: which partition of every changelog
// (stores.<s>.changelog) each task writes and restores. Stored next to the job (the
// coordinator's job record; the standalone runner's <work dir>/changelog-partitions.json,
// format in runtime/JOB_MODEL.md) and never renumbered: a new plan reuses every known task's
// partition, a new task gets the next free one (one past the highest ever given), and a task
// that no longer exists keeps its entry, so its partition is never handed to another task.
// Used by the standalone runner and the coordinator after the groupers (runtime/job/grouper.h).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/job/job_model.h"

namespace eddy::runtime {

// Task name → changelog partition.
using TaskPartitions = std::map<std::string, int32_t>;

// What a plan changed against the stored map.
struct TaskPartitionChanges {
  bool first_plan = false;                                // there was no stored map
  std::vector<std::pair<std::string, int32_t>> added;     // new tasks and their partitions
  std::vector<std::pair<std::string, int32_t>> vanished;  // known tasks not in this plan
  bool empty() const { return added.empty() && vanished.empty(); }
  // One line per kind of change, for logs and submit warnings ("" when nothing changed).
  std::vector<std::string> Describe(const std::string& job) const;
};

// Sets every task's changelog_partition in `model` from `known`; tasks missing from it get the
// next free partitions in the groupers' order (their incoming changelog_partition). With an
// empty `known` the groupers' numbering is kept (a first plan). `*out` = `known` plus the new
// tasks (vanished tasks stay in it).
TaskPartitionChanges KeepChangelogPartitions(const TaskPartitions& known, JobModel* model,
                                             TaskPartitions* out);

// The map a model implies (every task's changelog_partition).
TaskPartitions TaskPartitionsOf(const JobModel& model);

// {"version":1,"tasks":{"Partition 0":0,...}}
std::string TaskPartitionsToJson(const TaskPartitions& m);
// InvalidArgument naming the field when malformed (a partition < 0, two tasks on one partition,
// another version).
absl::StatusOr<TaskPartitions> TaskPartitionsFromJson(const std::string& json);

}  // namespace eddy::runtime
