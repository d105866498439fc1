// NodeProbe: eddy-node's metrics (Redpanda's probe.h pattern) and its /metrics collector.
// NodeAgent's loop hands it a snapshot of its containers after every report it builds
// (SetContainers) and counts starts and exits by reason; a scrape reads each running
// container's RSS and CPU time from /proc/<pid>/status and /proc/<pid>/stat at that moment,
// so nothing is sampled between scrapes. Thread-safe: the agent's thread writes, the HTTP
// server's threads read. Names are listed in docs/METRICS.md.
#pragma once

#include <sys/types.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "prometheus/collectable.h"

namespace eddy::cluster {

// One container as the node last reported it.
struct ContainerSample {
  std::string job, container;
  int64_t attempt = 0;
  std::string state;  // starting | running | exited
  pid_t pid = 0;      // 0 when not started
  int64_t memory_mb = 0;
  double cpu_cores = 0;
};

// Why a container process ended, as a label value.
enum class ExitReason {
  kExit,
  kSignal,
  kOom,
  kStopped,
  kSelfFenced,
  kSuperseded,
  kNotStarted,
  kCount
};
const char* ExitReasonName(ExitReason r);

class NodeProbe : public prometheus::Collectable {
 public:
  // `memory_mb` and `cores`: what the node offers the coordinator.
  NodeProbe(int64_t memory_mb, double cores) : memory_mb_(memory_mb), cores_(cores) {}

  void SetContainers(std::vector<ContainerSample> containers);
  void Started() { starts_.fetch_add(1, std::memory_order_relaxed); }
  void Exited(ExitReason r) {
    exits_[static_cast<size_t>(r)].fetch_add(1, std::memory_order_relaxed);
  }

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const int64_t memory_mb_;
  const double cores_;
  mutable std::mutex mu_;
  std::vector<ContainerSample> containers_;  // guarded by mu_
  std::atomic<uint64_t> starts_{0};
  std::array<std::atomic<uint64_t>, static_cast<size_t>(ExitReason::kCount)> exits_{};
};

// Resident set size (bytes) and CPU time (user + system, seconds) of process `pid`, read from
// /proc; false when the process is gone.
bool ReadProcessUsage(pid_t pid, int64_t* rss_bytes, double* cpu_seconds);

}  // namespace eddy::cluster
