// Names that become paths and topic names: the one place that says what a job name, job id,
// store name, stream name or container id may be. A name is 1..kMaxNameLength characters of
// [A-Za-z0-9._-] and not "." or "..", so it is always exactly one path component and a valid
// log-store / Kafka topic name ([A-Za-z0-9._-]{1,249}); a stream may use the topic's full 249.
// A job id is at most kMaxJobIdLength so `__eddy_checkpoint_<job>_<id>` stays a valid topic.
//
// Checked where a name enters: job configs (ParseJobConfig: `eddy run`, eddy-container,
// eddy-package-check), the coordinator's submit path, and defensively by eddy-node before it
// makes or removes a directory named after a job or container. Documented in
// runtime/JOB_MODEL.md ("Names").
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace eddy::runtime {

inline constexpr size_t kMaxNameLength = 200;
inline constexpr size_t kMaxStreamNameLength = 249;
inline constexpr size_t kMaxJobIdLength = 30;

enum class NameKind {
  kJob,        // job.name: a directory on every node, part of the checkpoint topic
  kJobId,      // job.id: part of the checkpoint topic
  kStore,      // stores.<s>: a directory per task
  kStream,     // a topic: task.inputs, stores.<s>.changelog
  kContainer,  // a container id: a directory on a node
};

// OK when `name` is valid for `kind`; else InvalidArgument that names `what` (the config key or
// field, e.g. "job.name") and the value, and says the rule.
absl::Status CheckName(NameKind kind, std::string_view what, std::string_view name);

// True when `name` is valid for `kind`.
bool IsValidName(NameKind kind, std::string_view name);

}  // namespace eddy::runtime
