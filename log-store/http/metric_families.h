// FamilyBuilder: writes Prometheus metric families by hand, for collectors that convert a
// daemon's own state (partitions of a LogManager, jobs of a ClusterManager, /proc of a node's
// containers) at scrape time instead of updating prometheus-cpp metrics on every change. Each
// Family() starts a family; the Add* calls that follow add samples to it. Used by the
// collectors of eddy-logd, eddy-coordinator and eddy-node; served through ServeMetrics.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "prometheus/metric_family.h"

namespace eddy::http {

using Labels = std::vector<std::pair<std::string, std::string>>;

class FamilyBuilder {
 public:
  // Starts family `name` of `type` (a later Add* adds to it).
  void Family(std::string name, std::string help, prometheus::MetricType type);
  // A counter or gauge sample (by the current family's type).
  void Add(const Labels& labels, double value);
  // A histogram sample: `counts` holds one count per bound plus the +Inf bucket, not
  // cumulative; `sum` is the sum of the observed values.
  void AddHistogram(const Labels& labels, const std::vector<double>& bounds,
                    const std::vector<uint64_t>& counts, double sum);
  // The families so far (families without a sample are dropped).
  std::vector<prometheus::MetricFamily> Take();

 private:
  std::vector<prometheus::MetricFamily> families_;
};

}  // namespace eddy::http
