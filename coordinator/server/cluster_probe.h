// ClusterProbe: eddy-coordinator's metrics (Redpanda's probe.h pattern). Counters of what the
// cluster manager does — heartbeats and registrations received, placements, restarts,
// container failures by reason — updated by ClusterManager with relaxed atomics; and, at
// scrape time, gauges of nodes, jobs and containers by state read from ClusterManager's
// status calls. eddy-coordinator's main serves it with eddy::http::ServeMetrics. Names are
// listed in docs/METRICS.md.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

#include "coordinator/server/attempt_history.h"
#include "prometheus/collectable.h"

namespace eddy::cluster {

class ClusterManager;

// Why a container attempt failed (an end the coordinator restarts it for), as a label value.
enum class FailureReason {
  kExit,
  kSignal,
  kOom,
  kNodeLost,
  kFenced,
  kSelfFenced,
  kNeverStarted,
  kCount
};
const char* FailureReasonName(FailureReason r);
// The reason of an ended attempt (its record), by how it ended and its exit code or signal.
FailureReason ReasonOf(const AttemptRecord& r);

class ClusterProbe {
 public:
  void Heartbeat() { heartbeats_.fetch_add(1, std::memory_order_relaxed); }
  void Registration() { registrations_.fetch_add(1, std::memory_order_relaxed); }
  void Placement() { placements_.fetch_add(1, std::memory_order_relaxed); }
  void Restart() { restarts_.fetch_add(1, std::memory_order_relaxed); }
  void Failure(FailureReason r) {
    failures_[static_cast<size_t>(r)].fetch_add(1, std::memory_order_relaxed);
  }
  // The failure of an attempt whose record is `r` (nullptr: not kept, counted as kExit).
  void Failure(const AttemptRecord* r) { Failure(r ? ReasonOf(*r) : FailureReason::kExit); }

  // The counters as families (the collector adds the gauges).
  void AddTo(std::vector<prometheus::MetricFamily>* out) const;

 private:
  std::atomic<uint64_t> heartbeats_{0}, registrations_{0}, placements_{0}, restarts_{0};
  std::array<std::atomic<uint64_t>, static_cast<size_t>(FailureReason::kCount)> failures_{};
};

// The coordinator's /metrics: the probe's counters and the gauges of `manager`'s nodes, jobs
// and containers by state, read when scraped. `manager` must outlive it.
class ClusterMetrics : public prometheus::Collectable {
 public:
  explicit ClusterMetrics(ClusterManager* manager) : manager_(manager) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  ClusterManager* manager_;
};

}  // namespace eddy::cluster
