// The submit-time check of a job package in a child process: eddy-package-check parses the job
// config the way eddy-container does and dlopens task.library to find task.class, so a bad
// package is refused at submit (with the child's message) and a library whose static
// initializers crash or hang cannot take the coordinator down (30 s deadline). Used by
// ClusterManager::Submit.
#pragma once

#include <map>
#include <string>

#include <optional>

#include "absl/status/status.h"
#include "eddy/app_registry.h"

namespace eddy::cluster {

// `dir` is the extracted package, `config` its merged config, `library` the resolved
// task.library. InvalidArgument "job package refused: ..." when the check fails. With
// app.class in `config` the child also describes the application (in the child: the job's code
// never runs in the coordinator) and `*app` (when given) receives its AppDescription, read back
// from the JSON file the child writes (runtime/job/app_description_json.h).
absl::Status CheckPackageInChild(const std::string& check_bin, const std::string& dir,
                                 const std::map<std::string, std::string>& config,
                                 const std::string& library,
                                 std::optional<AppDescription>* app = nullptr);

}  // namespace eddy::cluster
