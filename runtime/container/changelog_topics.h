// ChangelogTopics: the changelog topic of every logged store (stores.<s>.changelog), checked at
// container start or created right. A changelog must be compacted (cleanup.policy=compact),
// have a partition for every task of the job model (highest changelog_partition + 1) and a
// min.compaction.lag.ms of at least stores.<s>.changelog.min.compaction.lag.ms (default 4 h,
// Samza's), so compaction never drops records a restore after a crash still reads (the tail
// after the last checkpoint must not shadow what comes before it). A missing topic is created
// with exactly that; a topic with too few partitions is grown where the system can
// (SystemAdmin::AddPartitions: the kafka system), else it is an error; a wrong cleanup.policy or
// a shorter lag is an error. Every error names the topic, the setting and the config key.
// Format and choices: runtime/JOB_MODEL.md. Used by Container::Impl::Setup.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "runtime/container/job_config.h"
#include "runtime/container/systems_hub.h"
#include "runtime/job/job_model.h"

namespace eddy::runtime {

// Partitions the changelogs of `model` need: its highest changelog_partition + 1 (at least 1).
int32_t ChangelogPartitionsNeeded(const JobModel& model);

// Checks, creates or grows the changelog of every store of `job` that has one. `notes` (may be
// null) gets one line per topic created or grown. FailedPrecondition for a topic that does not
// fit; the system's own error (naming the topic) when it cannot be asked.
absl::Status EnsureChangelogTopics(const JobConfig& job, const JobModel& model, SystemsHub* hub,
                                   std::vector<std::string>* notes);

}  // namespace eddy::runtime
