// The AppDescription (eddy/app_registry.h) as JSON: how eddy-package-check, the child process
// that loads a job's library at submit, hands an application's description back to the
// coordinator (it writes this document to the file named by --describe-out). Format, version 1:
//
//   {"version":1,
//    "config":{"task.inputs":"eddy.in,eddy.job-1-repart", "stores.counts.factory":"rocksdb"},
//    "intermediate_streams":[{"system":"eddy","stream":"job-1-repart","partitions":-1}]}
//
// `config` holds the generated keys (strings), `partitions` -1 = the planner decides
// (runtime/job/app_config.h IntermediatePartitions). Unknown fields are ignored; a document of
// another version is refused. Used by coordinator/package/package_check_main.cc and
// coordinator/server/package_check.cc; documented in runtime/JOB_MODEL.md ("Applications").
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "eddy/app_registry.h"

namespace eddy::runtime {

std::string AppDescriptionToJson(const AppDescription& d);
// InvalidArgument naming the field when `json` is not a version-1 description.
absl::StatusOr<AppDescription> AppDescriptionFromJson(std::string_view json);

}  // namespace eddy::runtime
