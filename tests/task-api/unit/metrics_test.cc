// MetricsRegistry: counters, gauges, timers, idempotent creation, snapshots read from another
// thread.
#include "eddy/metrics.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

namespace eddy {
namespace {

TEST(Metrics, CountersGaugesTimers) {
  MetricsRegistry r;
  Counter& c = r.NewCounter("task.Partition 0", "messages-processed");
  c.Inc();
  c.Inc(4);
  EXPECT_EQ(&r.NewCounter("task.Partition 0", "messages-processed"), &c)
      << "same name, same metric";
  EXPECT_EQ(c.Get(), 5);
  r.NewGauge("store.counts", "cache-hit-rate").Set(0.75);
  Timer& t = r.NewTimer("task.Partition 0", "process-ns");
  t.UpdateNs(100);
  t.UpdateNs(300);
  EXPECT_EQ(t.count(), 2);
  EXPECT_EQ(t.max_ns(), 300);
  EXPECT_DOUBLE_EQ(t.mean_ns(), 200.0);
  { ScopedTimer scoped(t); }
  EXPECT_EQ(t.count(), 3);

  std::vector<MetricSample> snap = r.Snapshot();
  ASSERT_EQ(snap.size(), 3u);
  EXPECT_EQ(snap[0].group, "store.counts");
  EXPECT_DOUBLE_EQ(snap[0].value, 0.75);
  EXPECT_EQ(snap[1].name, "messages-processed");
  EXPECT_EQ(snap[1].count, 5);
  EXPECT_EQ(snap[2].kind, MetricKind::kTimer);
  EXPECT_EQ(snap[2].count, 3);

  nlohmann::json j = nlohmann::json::parse(r.SnapshotJson());
  EXPECT_EQ(j["task.Partition 0"]["messages-processed"], 5);
  EXPECT_EQ(j["task.Partition 0"]["process-ns"]["count"], 3);
}

TEST(Metrics, KindClashGivesDetachedMetric) {
  MetricsRegistry r;
  Counter& c = r.NewCounter("g", "x");
  Gauge& g = r.NewGauge("g", "x");
  g.Set(9);
  c.Inc();
  EXPECT_EQ(r.Snapshot().size(), 1u);
  EXPECT_EQ(r.Snapshot()[0].count, 1);
}

TEST(Metrics, SnapshotFromAnotherThreadSeesUpdates) {
  MetricsRegistry r;
  Counter& c = r.NewCounter("g", "n");
  std::thread writer([&] {
    for (int i = 0; i < 100000; ++i) c.Inc();
  });
  int64_t last = 0;
  for (int i = 0; i < 100; ++i) {
    int64_t now = r.Snapshot()[0].count;
    EXPECT_GE(now, last) << "monotonic";
    last = now;
  }
  writer.join();
  EXPECT_EQ(r.Snapshot()[0].count, 100000);
}

}  // namespace
}  // namespace eddy
