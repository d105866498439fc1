// JobModel: which tasks exist, which input partitions each reads, and which container runs
// them. A plain struct with a JSON codec (format: runtime/JOB_MODEL.md). Computed by the
// standalone runner (and later by the cluster coordinator, issue 5) and handed to every
// eddy-container, which runs the tasks of its container id.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/system/ssp.h"

namespace eddy::runtime {

struct TaskModel {
  std::string name;                 // "Partition 3"
  std::vector<Ssp> inputs;          // sorted
  int32_t changelog_partition = 0;  // task N writes partition N of every changelog
};

struct ContainerModel {
  std::string id;  // "0", "1", ...; a standby container: "<active id>-standby-<k>"
  std::vector<TaskModel> tasks;
  // "" = an active container (processes its tasks). Else the id of the active container whose
  // tasks this standby container mirrors: it keeps a warm copy of their stores by tailing their
  // changelogs and never processes input or writes (runtime/container/standby_container.h).
  std::string standby_of;

  bool standby() const { return !standby_of.empty(); }
};

struct JobModel {
  int32_t version = 1;
  std::string job_name;
  std::string job_id = "1";
  std::vector<ContainerModel> containers;

  const ContainerModel* FindContainer(const std::string& id) const;
  // Tasks of the active containers (a standby's copies are not counted).
  int32_t TaskCount() const;
  // Active containers (job.container.count); standby containers are not counted.
  int32_t ActiveContainerCount() const;
};

std::string JobModelToJson(const JobModel& model);
// InvalidArgument naming the field when the JSON is malformed.
absl::StatusOr<JobModel> JobModelFromJson(const std::string& json);

}  // namespace eddy::runtime
