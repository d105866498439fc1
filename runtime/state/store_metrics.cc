// StoreMetrics registration.
#include "runtime/state/store_metrics.h"

namespace eddy::state {

StoreMetrics StoreMetrics::Register(MetricsRegistry* r, std::string_view g) {
  StoreMetrics m;
  m.group = std::string(g);
  m.puts = &r->NewCounter(g, "puts");
  m.gets = &r->NewCounter(g, "gets");
  m.deletes = &r->NewCounter(g, "deletes");
  m.ranges = &r->NewCounter(g, "range-queries");
  m.cache_hits = &r->NewCounter(g, "cache-hits");
  m.cache_misses = &r->NewCounter(g, "cache-misses");
  m.cache_hit_rate = &r->NewGauge(g, "cache-hit-rate");
  m.cache_evictions = &r->NewCounter(g, "cache-evictions");
  m.cache_flushes = &r->NewCounter(g, "cache-flushes");
  m.flushes = &r->NewCounter(g, "flushes");
  m.changelog_records = &r->NewCounter(g, "changelog-records");
  m.restore_records = &r->NewCounter(g, "restore-records");
  m.restore_bytes = &r->NewCounter(g, "restore-bytes");
  m.restore_time = &r->NewTimer(g, "restore-time");
  m.restore_from_local_checkpoint = &r->NewGauge(g, "restore-from-local-checkpoint");
  m.restore_start_offset = &r->NewGauge(g, "restore-start-offset");
  m.restore_end_offset = &r->NewGauge(g, "restore-end-offset");
  m.restore_wall_ms = &r->NewGauge(g, "restore-wall-ms");
  m.restore_offset = &r->NewGauge(g, "restore-offset");
  m.checkpoints_created = &r->NewCounter(g, "checkpoints-created");
  m.checkpoint_time = &r->NewTimer(g, "checkpoint-time");
  m.restore_done = &r->NewGauge(g, "restore-done");
  m.restore_from_local_checkpoint->Set(-1);
  m.restore_start_offset->Set(-1);
  m.restore_end_offset->Set(-1);
  m.restore_offset->Set(-1);
  return m;
}

StoreMetrics StoreMetrics::Detached() {
  // One leaked registry for every detached store: the metrics are real but nobody reports them.
  static MetricsRegistry* registry = new MetricsRegistry();
  return Register(registry, "detached");
}

void StoreMetrics::UpdateHitRate() const {
  int64_t h = cache_hits->Get();
  int64_t total = h + cache_misses->Get();
  cache_hit_rate->Set(total == 0 ? 0.0 : static_cast<double>(h) / static_cast<double>(total));
}

}  // namespace eddy::state
