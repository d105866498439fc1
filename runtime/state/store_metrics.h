// StoreMetrics: the per-store counters (puts, gets, deletes, cache hits/misses and hit rate,
// flushes, restore records/bytes/time), registered in a MetricsRegistry group such as
// "store.<task>.<store>". Shared by every layer of one store stack.
#pragma once

#include <string>
#include <string_view>

#include "eddy/metrics.h"

namespace eddy::state {

struct StoreMetrics {
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

  // Registers (or finds) every metric in `group`.
  static StoreMetrics Register(MetricsRegistry* registry, std::string_view group);
  // Metrics in a private registry owned by nobody else (for stores built without one).
  static StoreMetrics Detached();

  void UpdateHitRate() const;
};

}  // namespace eddy::state
