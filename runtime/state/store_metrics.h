// StoreMetrics: the per-store counters (puts, gets, deletes, cache hits/misses and hit rate,
// flushes, restore records/bytes/time/source, local checkpoints), registered in a MetricsRegistry
// group such as "store.<task>.<store>". Shared by every layer of one store stack.
#pragma once

#include <string>
#include <string_view>

#include "eddy/metrics.h"

namespace eddy::state {

struct StoreMetrics {
  std::string group;  // the registry group, e.g. "store.<task>.<store>" (".engine" below a cache)
  Counter* puts = nullptr;
  Counter* gets = nullptr;
  Counter* deletes = nullptr;
  Counter* ranges = nullptr;  // range/all/prefix iterators opened
  Counter* cache_hits = nullptr;
  Counter* cache_misses = nullptr;
  Gauge* cache_hit_rate = nullptr;  // hits / (hits + misses), updated on flush and every 1024 gets
  Counter* cache_evictions = nullptr;
  Counter* cache_flushes = nullptr;  // dirty batches written down
  Counter* flushes = nullptr;        // Flush() calls on the engine
  Counter* changelog_records = nullptr;
  Counter* restore_records = nullptr;
  Counter* restore_bytes = nullptr;
  Timer* restore_time = nullptr;
  // Where the last restore started: 1 = from a local checkpoint at restore_start_offset, 0 = from
  // the changelog start (full restore), -1 = no restore ran. Offsets are changelog offsets;
  // restore_end_offset is the task checkpoint's (exclusive).
  Gauge* restore_from_local_checkpoint = nullptr;
  Gauge* restore_start_offset = nullptr;
  Gauge* restore_end_offset = nullptr;
  Gauge* restore_wall_ms = nullptr;  // whole restore: checkpoint copy + open + changelog replay
  // The changelog offset the running (or last) restore has replayed up to, -1 before it starts:
  // progress = (restore_offset - restore_start_offset) / (restore_end_offset -
  // restore_start_offset).
  Gauge* restore_offset = nullptr;
  Counter* checkpoints_created = nullptr;  // local store checkpoints made at commit
  Timer* checkpoint_time = nullptr;
  // 1 once the store is restored (or built, for a store without a changelog), else 0.
  Gauge* restore_done = nullptr;

  // Registers (or finds) every metric in `group`.
  static StoreMetrics Register(MetricsRegistry* registry, std::string_view group);
  // Metrics in a private registry owned by nobody else (for stores built without one).
  static StoreMetrics Detached();

  void UpdateHitRate() const;
};

}  // namespace eddy::state
