// The coordinator's side of applications (app.class, eddy/app_registry.h) at submit: the
// package check child has described the application (package_check.h); this merges the
// description into the job config (runtime/job/app_config.h MergeAppConfig), creates its
// intermediate streams on their systems with IntermediatePartitions partitions, and returns the
// merged config that the job record stores (scale and resubmit plan from it, like `eddy run`).
// Used by ClusterManager::Submit. The standalone runner does the same (runtime/standalone).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "eddy/app_registry.h"

namespace eddy::cluster {

struct SubmittedApp {
  std::map<std::string, std::string> config;  // the merged config the job runs with
  std::vector<std::string> warnings;          // MergeAppConfig's notes, one line each
  std::vector<std::string> created;           // "system.stream (N partitions)" per new stream
};

// `config` is the user's (package + overrides, bootstrap servers filled in). Errors name the
// key, system or stream: a user task.inputs that differs from the application's, an
// intermediate stream on an undefined or non-eddy system, an existing topic with another
// partition count than the job needs (FailedPrecondition saying how to fix it).
absl::StatusOr<SubmittedApp> PlanSubmittedApp(const std::map<std::string, std::string>& config,
                                              const AppDescription& description);

// The hook ClusterManager::Submit calls after the package check: with a description (`app`),
// replaces `*config` by the merged one (PlanSubmittedApp) and appends its notes and the streams
// it created to `*warnings`; app.class without one (no eddy-package-check configured) is
// FailedPrecondition; neither: nothing.
absl::Status ApplySubmittedApp(const std::optional<AppDescription>& app, bool has_app_class,
                               std::map<std::string, std::string>* config,
                               std::vector<std::string>* warnings);

// A resubmitted job keeps the job.reset.epoch of its previous record (a package's config never
// carries it; its nodes' local stores of older epochs must stay unused).
void KeepResetEpoch(const std::map<std::string, std::string>& old_config,
                    std::map<std::string, std::string>* config);

}  // namespace eddy::cluster
