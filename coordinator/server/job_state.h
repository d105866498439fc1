// JobState and ContainerState: what the coordinator knows about one job and its containers —
// config, package digest, job model and generation, per-container placement, attempts and
// restarts, recent failures, a pending rescale. Plain data, owned by ClusterManager (which
// places, reconciles and fails them) and written to disk by job_record.h.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "coordinator/server/attempt_history.h"
#include "runtime/job/job_model.h"
#include "runtime/job/task_partitions.h"

namespace eddy::cluster {

// One container of a job, as the coordinator tracks it.
struct ContainerState {
  std::string id;
  std::vector<std::string> tasks;
  std::string state = "pending";  // pending | starting | running | failed | stopped
  std::string node, last_host, last_exit, work_dir, inspect;
  std::string http;  // HOST:PORT of the running attempt's HTTP endpoint (/metrics), else ""
  // A standby container (runtime/job/standby_model.h): the id of its active container, else "".
  std::string standby_of;
  // Why it is not placed, when a rule (not a lack of room) keeps it back: "" = nothing to say.
  std::string waiting;
  int64_t attempt = 0, restarts = 0, exited_attempt = -1;
  bool stop_sent = false;
  std::chrono::steady_clock::time_point pending_since, placed_at;
  AttemptHistory attempts;  // the last attempts, how each ended
};

struct JobState {
  std::string name, state = "RUNNING", reason, digest;  // RUNNING | SCALING | FAILED | KILLED
  std::map<std::string, std::string> config;
  int64_t generation = 1, submitted_ms = 0;
  runtime::JobModel model;
  std::string model_json;
  std::map<std::string, ContainerState> containers;
  std::deque<int64_t> failures_ms;
  bool has_pending = false;
  runtime::JobModel pending;
  // Task → changelog partition, kept across plans (runtime/job/task_partitions.h): every model
  // and pending model above takes its partitions from it.
  runtime::TaskPartitions changelog_partitions;
  std::chrono::steady_clock::time_point adopt_until{};
  // A change the metadata store refused (a Tick-driven one: there was no caller to tell);
  // written again on the next tick so disk catches up with memory.
  bool dirty = false;
  int64_t stale_reports = 0;  // reports about superseded attempts, refused (not persisted)

  int64_t memory_mb() const;
  double cores() const;
  bool affinity() const;
  int64_t request_timeout_ms() const;
  int64_t retry_count() const;
  int64_t retry_window_ms() const;
};

// Replaces the job's containers with those of `m` (keeping each id's last host and attempt)
// and sets job.container.count.
void ApplyModel(JobState& j, const runtime::JobModel& m);

// Marks what has not been started, or has failed, as stopped (a killed or failed job).
void MarkUnstartedStopped(JobState& j);

bool IsActive(const std::string& container_state);

}  // namespace eddy::cluster
