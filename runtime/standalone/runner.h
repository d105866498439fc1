// Standalone mode (`eddy-container run`, exec'd by `eddy run`): runs every task of a job on this
// machine. Starts an embedded eddy-logd on --log-dir when an `eddy` system has no
// bootstrap.servers, computes the job model (groupers over the inputs' partition counts), spawns
// job.container.count `eddy-container` children, restarts a child that dies (up to
// cluster-manager.container.retry.count failures within retry.window.ms) and stops everything
// cleanly on SIGTERM/SIGINT.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "eddy/config.h"
#include "runtime/container/job_config.h"
#include "runtime/container/systems_hub.h"
#include "runtime/job/app_planning.h"
#include "runtime/job/job_model.h"
#include "runtime/job/job_reset.h"

namespace eddy::runtime {

struct RunnerOptions {
  std::string config_path;
  std::vector<std::string> sets;  // "k=v" overrides
  std::string log_dir;            // default <work_dir>/log
  std::string work_dir;           // default <config dir>/.eddy-run
  bool until_caught_up = false;
  // Demo helpers. "stream=file": when the stream does not exist yet, create it
  // (input_partitions) and produce the file's lines into it before the job starts.
  std::vector<std::string> inputs;
  int32_t input_partitions = 4;
  // "stream[:N]": after the job ends, print the N (default 10) keys with the largest sum over
  // partitions of their last decimal value in the stream (e.g. wordcount's counts).
  std::string print_top;
  // --reset-to-earliest / --reset-to-timestamp: before the containers start, the job is reset
  // (runtime/job/job_reset.h) and its local stores under the work dir are removed.
  std::optional<ResetSpec> reset;
};

// Runs to the end; returns the process exit code.
int RunStandalone(const RunnerOptions& options);

// The .properties file with "k=v" overrides on top. Errors name the file or the bad override.
absl::StatusOr<Config> LoadConfigWithOverrides(const std::string& path,
                                               const std::vector<std::string>& sets);

// An application job's plan (runtime/job/app_planning.h: PlanApp on `config`, whose library
// paths are relative to `config_dir`); notes are printed with `prefix`. Without app.class the
// plan holds `config` unchanged.
absl::StatusOr<AppPlan> PlanAppConfig(const Config& config, const std::string& config_dir,
                                      const char* prefix);
// Sizes and creates the plan's intermediate streams on their systems (native admin for `eddy`,
// the Kafka admin for `kafka`), before the tasks are grouped.
absl::Status CreateAppIntermediateStreams(const AppPlan& plan, SystemsHub* hub);

// The job model for `job`: partition counts from the systems' admins, then the groupers.
absl::StatusOr<JobModel> PlanJob(const JobConfig& job, SystemsHub* hub);

}  // namespace eddy::runtime
