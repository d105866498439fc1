// Reset epochs of local stores: `eddy job reset` (runtime/job/job_reset.h) empties a job's
// changelogs and checkpoints, but a node keeps local copies of its stores for host affinity
// (runtime/STATE_FORMAT.md) and one taken at the changelog's end would still look usable. The
// coordinator therefore raises job.reset.epoch in the job's config at every reset; a container
// compares it with the epoch its store base dir was last used at (the file
// `<job.logged.store.base.dir>/RESET_EPOCH`, one decimal line) and, when the config's is newer,
// removes the local directories of every store of the job before anything is restored, then
// records the new epoch. Used by the container at start (container.cc) only.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "eddy/config.h"
#include "runtime/container/job_config.h"

namespace eddy::runtime {

// No-op when job.reset.epoch is absent or 0, or not newer than the recorded one. `lines` (may
// be null) gets one line per store directory removed.
absl::Status ApplyResetEpoch(const JobConfig& job, const Config& config,
                             std::vector<std::string>* lines);

}  // namespace eddy::runtime
