// The submit-time check of a job package in a child process: eddy-package-check parses the job
// config the way eddy-container does and dlopens task.library to find task.class, so a bad
// package is refused at submit (with the child's message) and a library whose static
// initializers crash or hang cannot take the coordinator down (30 s deadline). Used by
// ClusterManager::Submit.
#pragma once

#include <map>
#include <string>

#include "absl/status/status.h"

namespace eddy::cluster {

// `dir` is the extracted package, `config` its merged config, `library` the resolved
// task.library. InvalidArgument "job package refused: ..." when the check fails.
absl::Status CheckPackageInChild(const std::string& check_bin, const std::string& dir,
                                 const std::map<std::string, std::string>& config,
                                 const std::string& library);

}  // namespace eddy::cluster
