// Setup of the tasks' time services (task_time_service.h) from the job config and model: which
// tasks get a timer store (runtime/job/internal_stores.h), which inputs are intermediate
// streams, how many tasks write watermarks into them, and where a task sends its watermark
// control records. Used by Container::Impl::Setup only.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "eddy/config.h"
#include "eddy/system_stream.h"
#include "eddy/task.h"
#include "runtime/container/job_config.h"
#include "runtime/container/systems_hub.h"
#include "runtime/container/task_time_service.h"
#include "runtime/job/job_model.h"

namespace eddy::runtime {

// True when `task` implements eddy::TimerTask or eddy::WatermarkListenerTask: it gets a timer
// store and its watermark is persisted.
bool UsesTimers(const StreamTask* task);

// Adds the timer store (stores.__eddy_timers.*) to `config` and `job`.
void AddTimerStore(Config* config, JobConfig* job);

// streams.<stream>.samza.intermediate=true.
bool IsIntermediate(const Config& config, const std::string& stream);

// The tasks of `model` that write watermarks into intermediate streams: those with at least one
// input partition of a stream that is not intermediate (their watermark does not depend on an
// intermediate stream, so there is no cycle).
int32_t WatermarkWriters(const JobModel& model, const Config& config);
bool IsWatermarkWriter(const TaskModel& task, const Config& config);

struct ControlTarget {
  SystemStream stream;
  int32_t partitions = 0;
};
// Every intermediate stream of the job (streams.<s>.samza.intermediate=true) with its system
// (streams.<s>.samza.system, else the system of its task.inputs entry) and partition count.
absl::StatusOr<std::vector<ControlTarget>> IntermediateStreams(const Config& config,
                                                               const JobConfig& job,
                                                               SystemsHub* hub);

TimeOptions TimeOptionsOf(const JobConfig& job);

}  // namespace eddy::runtime
