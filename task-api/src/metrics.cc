// MetricsRegistry: creation by (group, name) and snapshots.
#include "eddy/metrics.h"

#include <iostream>
#include <nlohmann/json.hpp>

namespace eddy {

MetricsRegistry::Entry& MetricsRegistry::GetOrCreate(std::string_view group, std::string_view name,
                                                     MetricKind kind) {
  std::lock_guard<std::mutex> lock(mu_);
  auto key = std::make_pair(std::string(group), std::string(name));
  auto it = metrics_.find(key);
  Entry* e;
  if (it == metrics_.end()) {
    e = &metrics_[key];
    e->kind = kind;
  } else if (it->second.kind != kind) {
    std::cerr << "eddy metrics: " << key.first << "/" << key.second
              << " already exists with another kind; returning a detached metric\n";
    detached_.emplace_back();
    e = &detached_.back();
    e->kind = kind;
  } else {
    e = &it->second;
  }
  switch (kind) {
    case MetricKind::kCounter:
      if (!e->counter) e->counter = std::make_unique<Counter>();
      break;
    case MetricKind::kGauge:
      if (!e->gauge) e->gauge = std::make_unique<Gauge>();
      break;
    case MetricKind::kTimer:
      if (!e->timer) e->timer = std::make_unique<Timer>();
      break;
  }
  return *e;
}

Counter& MetricsRegistry::NewCounter(std::string_view group, std::string_view name) {
  return *GetOrCreate(group, name, MetricKind::kCounter).counter;
}
Gauge& MetricsRegistry::NewGauge(std::string_view group, std::string_view name) {
  return *GetOrCreate(group, name, MetricKind::kGauge).gauge;
}
Timer& MetricsRegistry::NewTimer(std::string_view group, std::string_view name) {
  return *GetOrCreate(group, name, MetricKind::kTimer).timer;
}

std::vector<MetricSample> MetricsRegistry::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<MetricSample> out;
  out.reserve(metrics_.size());
  for (const auto& [key, e] : metrics_) {
    MetricSample s;
    s.group = key.first;
    s.name = key.second;
    s.kind = e.kind;
    switch (e.kind) {
      case MetricKind::kCounter:
        s.value = static_cast<double>(e.counter->Get());
        s.count = e.counter->Get();
        break;
      case MetricKind::kGauge:
        s.value = e.gauge->Get();
        break;
      case MetricKind::kTimer:
        s.count = e.timer->count();
        s.sum_ns = e.timer->sum_ns();
        s.max_ns = e.timer->max_ns();
        s.last_ns = e.timer->last_ns();
        s.value = e.timer->mean_ns();
        break;
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::string MetricsRegistry::SnapshotJson() const {
  nlohmann::json root = nlohmann::json::object();
  for (const MetricSample& s : Snapshot()) {
    nlohmann::json& g = root[s.group];
    switch (s.kind) {
      case MetricKind::kCounter:
        g[s.name] = s.count;
        break;
      case MetricKind::kGauge:
        g[s.name] = s.value;
        break;
      case MetricKind::kTimer:
        g[s.name] = {
            {"count", s.count}, {"mean_ns", s.value}, {"max_ns", s.max_ns}, {"last_ns", s.last_ns}};
        break;
    }
  }
  return root.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace eddy
