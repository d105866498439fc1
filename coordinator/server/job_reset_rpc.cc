// ClusterManager::Reset: the coordinator's ResetJob RPC (coordinator.proto; README "Replaying a
// job (Kappa)"). Kept out of cluster_manager.cc: the state checks and the stop/reset/start
// sequence are here, the log-store work is runtime/job/job_reset.h, the nodes' local stores are
// dropped through job.reset.epoch (runtime/container/reset_epoch.h).
//
//   1. under the lock: a RUNNING/SCALING job without `restart` → FAILED_PRECONDITION, nothing
//      changes; with `restart` the job is persisted KILLED ("stopped for a reset") and stopped;
//   2. without the lock: wait until no container of the job runs (task.shutdown.ms + 60 s);
//   3. without the lock: ResetJobState on the job's stored (merged) config and model;
//   4. under the lock: job.reset.epoch + 1 written to the job record; with `restart` the job is
//      RUNNING again at generation + 1, its containers pending (host affinity still applies:
//      their old local stores are dropped by the epoch).
// A failure in 2 or 3 leaves the job stopped (KILLED) with the reason saying so; the reset can
// be run again.
#include <chrono>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "coordinator/server/cluster_manager.h"
#include "runtime/job/job_reset.h"

namespace eddy::cluster {
namespace {

bool Stopped(const std::string& state) { return state == "KILLED" || state == "FAILED"; }

int64_t ConfigLong(const std::map<std::string, std::string>& c, const std::string& k, int64_t def) {
  auto it = c.find(k);
  int64_t v = def;
  if (it != c.end() && !absl::SimpleAtoi(it->second, &v)) return def;
  return v;
}

// A change the metadata store refused: the caller is told; what was written before stands.
absl::Status NotPersistedReset(const std::string& job, const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat("reset job ", job,
                                             ": the coordinator could not persist its job "
                                             "record (",
                                             s.message(), "); try again"));
}

}  // namespace

absl::StatusOr<v1::ResetJobResponse> ClusterManager::Reset(const v1::ResetJobRequest& r) {
  const std::string& job = r.job();
  if (job.empty()) return absl::InvalidArgumentError("reset: job name is empty");
  if (!r.to_earliest() && r.to_timestamp_ms() < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "reset job ", job, ": to_timestamp_ms=", r.to_timestamp_ms(), " must be >= 0"));
  }
  runtime::ResetSpec spec;
  spec.to_earliest = r.to_earliest();
  spec.timestamp_ms = r.to_timestamp_ms();
  std::map<std::string, std::string> config;
  runtime::JobModel model;
  bool was_stopped = false;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = jobs_.find(job);
    if (it == jobs_.end()) return absl::NotFoundError(absl::StrCat("job ", job, " is unknown"));
    Job& j = *it->second;
    was_stopped = Stopped(j.state);
    if (!was_stopped && !r.restart()) {
      return absl::FailedPreconditionError(
          absl::StrCat("job ", job, " is ", j.state,
                       "; a reset needs a stopped job: stop it first (`eddy job "
                       "kill ",
                       job, "`) or pass --restart (stops it, resets it and starts it again)"));
    }
    if (was_stopped && !r.restart() && AnyRunning(j)) {
      return absl::FailedPreconditionError(
          absl::StrCat("job ", job, " is ", j.state,
                       " but some of its containers are still stopping; try "
                       "again when `eddy job status ",
                       job, "` shows them stopped"));
    }
    if (!was_stopped) {
      Job next = j;
      next.state = "KILLED";
      next.reason = "stopped for a reset";
      MarkUnstartedStopped(next);
      if (auto s = Persist(next); !s.ok()) {
        return NotPersistedReset(job, s);
      }
      j.state = next.state;
      j.reason = next.reason;
      j.dirty = false;
      StopAll(j);
    }
    config = j.config;
    model = j.model;
  }
  // 2. Every container gone (a graceful stop takes up to task.shutdown.ms).
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(ConfigLong(config, "task.shutdown.ms", 30000)) +
                        opt_.node_lost + std::chrono::seconds(60);
  while (true) {
    {
      std::lock_guard<std::mutex> l(mu_);
      auto it = jobs_.find(job);
      if (it == jobs_.end()) return absl::NotFoundError(absl::StrCat("job ", job, " is gone"));
      if (!Stopped(it->second->state)) {
        return absl::AbortedError(absl::StrCat("reset job ", job,
                                               ": the job was started again ("
                                               "resubmitted?) while it was being reset"));
      }
      if (!AnyRunning(*it->second)) break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("reset job ", job,
                       ": its containers did not stop in time; the job is left stopped "
                       "(KILLED) and nothing was reset; run the reset again"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // 3. The log store.
  auto report = runtime::ResetJobState(config, model, spec);
  if (!report.ok()) {
    return absl::Status(
        report.status().code(),
        absl::StrCat("reset job ", job, " (left stopped): ", report.status().message()));
  }
  // 4. The new epoch, and the restart.
  v1::ResetJobResponse out;
  std::lock_guard<std::mutex> l(mu_);
  auto it = jobs_.find(job);
  if (it == jobs_.end()) return absl::NotFoundError(absl::StrCat("job ", job, " is gone"));
  Job& j = *it->second;
  Job next = j;
  const int64_t epoch = ConfigLong(next.config, "job.reset.epoch", 0) + 1;
  next.config["job.reset.epoch"] = std::to_string(epoch);
  next.reason = absl::StrCat("reset (epoch ", epoch, ")");
  if (r.restart()) {
    next.state = "RUNNING";
    next.reason.clear();
    next.generation++;
    next.failures_ms.clear();
    // A rescale the reset interrupted: the job starts again at the size it was going to.
    const runtime::JobModel m = next.has_pending ? next.pending : next.model;
    next.has_pending = false;
    ApplyModel(next, m);
    // Old reports are of an older generation now; Place waits for none of them (all exited).
    for (auto& [id, c] : next.containers) c.state = "pending";
  }
  if (auto s = Persist(next); !s.ok()) return NotPersistedReset(job, s);
  *it->second = std::move(next);
  Job& done = *it->second;
  done.dirty = false;
  if (r.restart()) done.adopt_until = Clock::now();
  out.set_reset_epoch(epoch);
  out.set_generation(done.generation);
  out.set_checkpoints_written(report->checkpoints_written);
  out.set_input_partitions(report->input_partitions);
  out.set_intermediate_partitions(report->intermediate_partitions);
  out.set_changelog_partitions(report->changelog_partitions);
  out.set_records_dropped(report->records_dropped);
  for (const auto& line : report->lines) out.add_lines(line);
  out.set_restarted(r.restart());
  const std::string to =
      spec.to_earliest ? std::string("earliest") : absl::StrCat(spec.timestamp_ms, " ms");
  std::fprintf(stderr, "eddy-coordinator: job %s reset to %s (epoch %lld)%s\n", job.c_str(),
               to.c_str(), static_cast<long long>(epoch), r.restart() ? ", restarted" : "");
  for (const auto& line : report->lines) {
    std::fprintf(stderr, "eddy-coordinator: job %s reset: %s\n", job.c_str(), line.c_str());
  }
  return out;
}

}  // namespace eddy::cluster
