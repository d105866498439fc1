// ContainerCollector: eddy-container's metrics in Prometheus form. At every scrape it converts the
// container's MetricsRegistry (task-api/include/eddy/metrics.h; groups "task.<task>",
// "store.<task>.<store>", "container", and whatever groups the job's own code uses) and the
// RocksDB figures of the open stores (runtime/state/rocksdb_probe.h) into metric families with
// the labels job, container, task, store, system, stream, partition. Nothing is kept between
// scrapes, so the run loop pays nothing for it. docs/METRICS.md (section "eddy-container") lists
// every name. Used by eddy-container's /metrics (log-store/http/metrics_endpoint.h).
#pragma once

#include <string>
#include <vector>

#include "eddy/metrics.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace eddy::runtime {

class ContainerCollector : public prometheus::Collectable {
 public:
  // `registry` must outlive the collector. `job` and `container` label every series.
  ContainerCollector(const MetricsRegistry* registry, std::string job, std::string container);

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const MetricsRegistry* registry_;
  std::string job_;
  std::string container_;
};

// The family name for a metric the job's code registered: "eddy_user_" + `name` with every
// character outside [a-zA-Z0-9_] turned into '_' ("orders-seen" → "eddy_user_orders_seen").
std::string UserMetricName(const std::string& name);

}  // namespace eddy::runtime
