// JobConfig: the settings of a job the runtime needs, read from the .properties Config and
// validated up front, so a config error names its key before anything starts (missing
// task.class or task.inputs, an input on an undefined system, a bad number, a store without a
// factory, a changelog on an unknown system). Used by eddy-container (both the standalone runner
// and the container) and tests.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "eddy/config.h"
#include "runtime/container/metrics_reporters.h"
#include "runtime/job/grouper.h"
#include "runtime/system/ssp.h"
#include "runtime/system/system_factory.h"

namespace eddy::runtime {

struct InputStream {
  std::string system;
  std::string stream;
  // A queue input (systems.<sys>.streams.<stream>.share.group=G, eddy systems only): read
  // through a share group instead of being split into partition tasks (README "Reading a topic
  // as a queue"). Empty = a partitioned input.
  std::string share_group;
  int32_t share_max_records = 500;  // systems.<sys>.streams.<stream>.share.max.records
  bool queue() const { return !share_group.empty(); }
};

struct StoreConfig {
  std::string name;
  std::string factory;                   // stores.<s>.factory
  std::optional<InputStream> changelog;  // stores.<s>.changelog=system.stream
  // stores.<s>.changelog.min.compaction.lag.ms (Samza's default, 4 h): what the changelog topic
  // is created with and the least an existing one may have (container/changelog_topics.h).
  int64_t changelog_min_compaction_lag_ms = 4 * 3600 * 1000;
};

// task.commit.ms when the key is absent and processing.guarantee is exactly_once: a
// read_committed reader sees outputs only at commit, so this bounds their latency.
inline constexpr int64_t kExactlyOnceDefaultCommitMs = 1000;

struct JobConfig {
  std::string job_name;             // job.name
  std::string job_id = "1";         // job.id
  std::string task_class;           // task.class
  std::string task_library;         // task.library, resolved to an absolute path ("" = none)
  std::vector<InputStream> inputs;  // task.inputs
  int64_t window_ms = -1;           // task.window.ms
  // task.commit.ms; without the key 60000 (Samza's default) under at_least_once and
  // kExactlyOnceDefaultCommitMs under exactly_once (its outputs show at commit).
  int64_t commit_ms = 60000;
  int64_t shutdown_ms = 30000;      // task.shutdown.ms
  bool drop_deserialization_errors = false;  // task.drop.deserialization.errors
  int32_t container_count = 1;               // job.container.count
  SspGrouper grouper = SspGrouper::kGroupByPartition;
  // processing.guarantee: exactly_once (default; exactly_once_v2 accepted) or at_least_once.
  // Both fence earlier attempts of a task (one transactional producer per task); see
  // runtime/container/commit_protocol.h.
  bool exactly_once = true;
  std::string checkpoint_system;     // task.checkpoint.system (default: the first input's system)
  std::string store_base_dir;        // job.logged.store.base.dir, resolved
  int32_t retry_count = 8;           // cluster-manager.container.retry.count
  int64_t retry_window_ms = 300000;  // cluster-manager.container.retry.window.ms
  std::map<std::string, SystemConfig> systems;  // every systems.<sys>.*
  std::vector<StoreConfig> stores;
  MetricsReportersConfig reporters;  // metrics.reporters (runtime/container/metrics_reporters.h)
  // Event time and timers (eddy/timers.h).
  int64_t watermark_max_out_of_orderness_ms = 0;  // task.watermark.max.out.of.orderness.ms
  int64_t watermark_idle_timeout_ms = 30000;      // task.watermark.idle.timeout.ms
  int64_t watermark_control_interval_ms = 100;    // task.watermark.control.interval.ms
  int64_t timer_check_ms = 100;                   // task.timer.check.ms
  int64_t timers_max = 10'000'000;                // task.timers.max
  // Async tasks (eddy/async_task.h).
  int32_t max_concurrency = 1;          // task.max.concurrency
  int64_t callback_timeout_ms = 60000;  // task.callback.timeout.ms
  // Unknown keys and Samza keys Eddy ignores, one line each (CheckConfigKeys); logged at start.
  std::vector<std::string> warnings;
};

// Checks every key against runtime/job/config_keys.h first (a malformed value is an error;
// unknown keys become `warnings`) and accepts Samza's spellings (ApplySamzaAliases).
// `config_dir` resolves relative task.library / store paths; `work_dir` is the default base
// for local stores (<work_dir>/state).
absl::StatusOr<JobConfig> ParseJobConfig(const Config& config, const std::string& config_dir,
                                         const std::string& work_dir);

// "system.stream" → parts; InvalidArgument naming `key` when there is no dot.
absl::StatusOr<InputStream> ParseSystemStream(const std::string& text, const std::string& key);

}  // namespace eddy::runtime
