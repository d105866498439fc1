// Standby containers in the job model (Samza's job.standbytasks.replication.factor): for a
// factor N every active container "C" gets N-1 standby containers "C-standby-1".."C-standby-<N-1>"
// with copies of its tasks (same names, inputs and changelog partitions) and `standby_of` = "C".
// The coordinator places each on a node other than its active's and its siblings'
// (coordinator/server/standby_placement.h); eddy-container runs one as a StandbyContainer
// (runtime/container/standby_container.h). Format: runtime/JOB_MODEL.md "Standby containers".
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "runtime/job/job_model.h"

namespace eddy::runtime {

inline constexpr char kStandbyFactorKey[] = "job.standbytasks.replication.factor";
// At most this many copies of a task (active + standbys): each standby is a process per node.
inline constexpr int32_t kMaxStandbyFactor = 5;

// The key's value in `config` (absent = 1). InvalidArgument naming the key and value when it is
// not an integer in [1, kMaxStandbyFactor].
absl::StatusOr<int32_t> StandbyFactor(const std::map<std::string, std::string>& config);

// The id of standby `k` (1-based) of active container `active`.
std::string StandbyContainerId(const std::string& active, int32_t k);

// Appends factor-1 standby containers per active container of `model` (which must have none
// yet). Stateless jobs get standbys too when asked: they hold no stores and idle.
void AddStandbyContainers(int32_t factor, JobModel* model);

}  // namespace eddy::runtime
