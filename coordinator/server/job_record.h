// Job records: how a JobState is written to the coordinator's metadata (JSON under
// "job/<name>" in MetadataStore) and read back at start. Only what must survive a coordinator
// restart is written: config, digest, model and pending model, the task → changelog-partition
// map, generation, failures, and per container its attempt, restarts, last host and exit, node
// and whether it was stopped.
// Used by ClusterManager.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "coordinator/server/job_state.h"

namespace eddy::cluster {

std::string EncodeJobRecord(const JobState& j);

// Fills `j` from the record of job `name`. DataLoss naming the job when the record is damaged.
absl::Status DecodeJobRecord(const std::string& name, const std::string& text, JobState* j);

}  // namespace eddy::cluster
