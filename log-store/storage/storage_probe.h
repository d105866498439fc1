// StorageProbe: the storage engine's own metrics (Redpanda's storage/probe.h pattern) — fsync
// time of segment data, compaction runs, bytes they reclaimed and time they took. One instance
// per process (StorageProbe::Get()), updated with relaxed atomics where the work happens
// (segment.cc, log_compactor.cc), read by eddy-logd's metrics collector at scrape time.
// Per-partition sizes and offsets are not kept here: the collector reads them from the
// LogManager when scraped, so appends pay nothing for them.
#pragma once

#include <atomic>
#include <cstdint>

#include "log-store/storage/atomic_histogram.h"

namespace eddy::logstore {

struct StorageProbe {
  AtomicHistogram fsync;                     // fdatasync of a segment's log file
  std::atomic<uint64_t> compaction_runs{0};  // Compact() passes that rewrote segments
  std::atomic<uint64_t> compaction_reclaimed_bytes{0};
  std::atomic<uint64_t> compaction_ns{0};  // time spent in those passes

  static StorageProbe& Get() {
    static StorageProbe probe;
    return probe;
  }
};

}  // namespace eddy::logstore
