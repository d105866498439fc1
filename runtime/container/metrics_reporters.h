// MetricsReporters: which reporters a container runs, from Samza's keys
//   metrics.reporters = a,b,...                 names (default when absent: prometheus,file)
//   metrics.reporter.<name>.class               prometheus | file | snapshot (Samza's
//                                               ...MetricsSnapshotReporterFactory = snapshot)
//   metrics.reporter.<name>.stream              snapshot: <system>.<stream> to write to
//   metrics.reporter.<name>.interval.ms         snapshot: period (default 60000)
// A reporter name that is itself a class (`metrics.reporters=prometheus` without a .class key)
// means that class. `prometheus` = the container's GET /metrics; `file` = metrics.json in the
// work dir at start, at every commit and at the end; `snapshot` = a JSON snapshot written to a
// log-store topic (runtime/container/snapshot_reporter.h). Parsed by ParseJobConfig.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "eddy/config.h"

namespace eddy::runtime {

struct SnapshotReporterConfig {
  std::string name;    // the reporter's name in metrics.reporters
  std::string system;  // of metrics.reporter.<name>.stream
  std::string stream;
  int64_t interval_ms = 60000;
};

struct MetricsReportersConfig {
  bool prometheus = true;
  bool file = true;
  std::vector<SnapshotReporterConfig> snapshots;
};

// `systems` = the names of the job's defined systems (a snapshot stream's system must be one).
// Errors are InvalidArgument naming the key: an unknown class, a snapshot reporter without a
// stream or with an undefined system, a malformed interval.
absl::StatusOr<MetricsReportersConfig> ParseMetricsReporters(
    const Config& config, const std::vector<std::string>& systems);

}  // namespace eddy::runtime
