#include "log-store/http/metric_families.h"

#include <limits>

namespace eddy::http {

void FamilyBuilder::Family(std::string name, std::string help, prometheus::MetricType type) {
  prometheus::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  families_.push_back(std::move(f));
}

namespace {
prometheus::ClientMetric WithLabels(const Labels& labels) {
  prometheus::ClientMetric m;
  for (const auto& [k, v] : labels) m.label.push_back({k, v});
  return m;
}
}  // namespace

void FamilyBuilder::Add(const Labels& labels, double value) {
  if (families_.empty()) return;
  prometheus::MetricFamily& f = families_.back();
  prometheus::ClientMetric m = WithLabels(labels);
  if (f.type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else if (f.type == prometheus::MetricType::Gauge) {
    m.gauge.value = value;
  } else {
    m.untyped.value = value;
  }
  f.metric.push_back(std::move(m));
}

void FamilyBuilder::AddHistogram(const Labels& labels, const std::vector<double>& bounds,
                                 const std::vector<uint64_t>& counts, double sum) {
  if (families_.empty()) return;
  prometheus::ClientMetric m = WithLabels(labels);
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds.size(); ++i) {
    cumulative += i < counts.size() ? counts[i] : 0;
    m.histogram.bucket.push_back(
        {cumulative, i < bounds.size() ? bounds[i] : std::numeric_limits<double>::infinity()});
  }
  m.histogram.sample_count = cumulative;
  m.histogram.sample_sum = sum;
  families_.back().metric.push_back(std::move(m));
}

std::vector<prometheus::MetricFamily> FamilyBuilder::Take() {
  std::vector<prometheus::MetricFamily> out;
  for (auto& f : families_) {
    if (!f.metric.empty()) out.push_back(std::move(f));
  }
  families_.clear();
  return out;
}

}  // namespace eddy::http
