// SnapshotReporter: Samza's MetricsSnapshotReporter for Eddy. Every interval it writes one JSON
// record to <system>.<stream> (created with one partition when missing), keyed by
// "<job>/<container>":
//   {"header": {"job": J, "job_id": I, "container": C, "host": H, "time": MS,
//               "reset_time": MS, "version": V},
//    "metrics": {group: {name: value | {count, mean_ns, max_ns, last_ns}}}}
// (metrics = MetricsRegistry::SnapshotJson; time and reset_time in ms since the epoch,
// reset_time = when the container started). Runs on the run loop (MaybeReport between batches),
// so it never races the tasks; the write is flushed at once (a slow broker delays the loop by
// that flush, once per interval). A failed write is a warning on stderr, not a container failure;
// a stream that cannot be created at start is. Used by the container for every
// metrics.reporter.<name>.class=snapshot.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "eddy/metrics.h"
#include "runtime/container/metrics_reporters.h"
#include "runtime/container/systems_hub.h"

namespace eddy::runtime {

struct SnapshotHeader {
  std::string job, job_id, container, host, version;
  int64_t reset_time_ms = 0;
};

class SnapshotReporter {
 public:
  SnapshotReporter(SnapshotReporterConfig config, SnapshotHeader header,
                   const MetricsRegistry* metrics, SystemsHub* hub);

  // Creates the stream when it does not exist. Errors name the reporter and the stream.
  absl::Status Start();
  // Reports when the interval has passed since the last report (or Start).
  absl::Status MaybeReport(std::chrono::steady_clock::time_point now);
  // Writes one snapshot now and flushes it. Errors name the reporter and the stream.
  absl::Status Report();

  // One snapshot record's value (for tests of the format).
  static std::string SnapshotValue(const SnapshotHeader& header, int64_t time_ms,
                                   const MetricsRegistry& metrics);

 private:
  SnapshotReporterConfig config_;
  SnapshotHeader header_;
  const MetricsRegistry* metrics_;
  SystemsHub* hub_;
  std::chrono::steady_clock::time_point next_;
};

}  // namespace eddy::runtime
