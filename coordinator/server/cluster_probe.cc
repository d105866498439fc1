#include "coordinator/server/cluster_probe.h"

#include <cctype>
#include <map>
#include <string>

#include "coordinator/server/cluster_manager.h"
#include "log-store/http/metric_families.h"

namespace eddy::cluster {

using eddy::http::FamilyBuilder;
using prometheus::MetricType;

const char* FailureReasonName(FailureReason r) {
  switch (r) {
    case FailureReason::kExit:
      return "exit";
    case FailureReason::kSignal:
      return "signal";
    case FailureReason::kOom:
      return "oom";
    case FailureReason::kNodeLost:
      return "node_lost";
    case FailureReason::kFenced:
      return "fenced";
    case FailureReason::kSelfFenced:
      return "self_fenced";
    case FailureReason::kNeverStarted:
      return "never_started";
    case FailureReason::kCount:
      break;
  }
  return "exit";
}

FailureReason ReasonOf(const AttemptRecord& r) {
  switch (r.end) {
    case AttemptEnd::kNodeLost:
      return FailureReason::kNodeLost;
    case AttemptEnd::kLogStoreFenced:
      return FailureReason::kFenced;
    case AttemptEnd::kSelfFenced:
      return FailureReason::kSelfFenced;
    case AttemptEnd::kNeverStarted:
      return FailureReason::kNeverStarted;
    default:
      break;
  }
  if (r.detail.rfind("out of memory", 0) == 0) return FailureReason::kOom;
  if (r.signal != 0) return FailureReason::kSignal;
  return FailureReason::kExit;
}

void ClusterProbe::AddTo(std::vector<prometheus::MetricFamily>* out) const {
  FamilyBuilder f;
  f.Family("eddy_coordinator_heartbeats_total", "Node heartbeats received.", MetricType::Counter);
  f.Add({}, static_cast<double>(heartbeats_.load(std::memory_order_relaxed)));
  f.Family("eddy_coordinator_registrations_total", "Node registrations received.",
           MetricType::Counter);
  f.Add({}, static_cast<double>(registrations_.load(std::memory_order_relaxed)));
  f.Family("eddy_coordinator_placements_total",
           "Container attempts placed on a node (first starts and restarts).", MetricType::Counter);
  f.Add({}, static_cast<double>(placements_.load(std::memory_order_relaxed)));
  f.Family("eddy_coordinator_container_restarts_total",
           "Container attempts placed after an earlier attempt failed or exited.",
           MetricType::Counter);
  f.Add({}, static_cast<double>(restarts_.load(std::memory_order_relaxed)));
  f.Family("eddy_coordinator_container_failures_total",
           "Container attempts that failed, by reason (exit, signal, oom, node_lost, fenced, "
           "self_fenced, never_started).",
           MetricType::Counter);
  for (size_t i = 0; i < failures_.size(); ++i) {
    f.Add({{"reason", FailureReasonName(static_cast<FailureReason>(i))}},
          static_cast<double>(failures_[i].load(std::memory_order_relaxed)));
  }
  for (auto& fam : f.Take()) out->push_back(std::move(fam));
}

std::vector<prometheus::MetricFamily> ClusterMetrics::Collect() const {
  std::vector<prometheus::MetricFamily> out;
  manager_->probe().AddTo(&out);
  FamilyBuilder f;
  std::map<std::string, int> nodes = {{"alive", 0}, {"lost", 0}};
  for (const auto& n : manager_->ListNodes()) nodes[n.alive() ? "alive" : "lost"]++;
  f.Family("eddy_coordinator_nodes", "Registered nodes by state (alive, lost).", MetricType::Gauge);
  for (const auto& [state, count] : nodes) f.Add({{"state", state}}, count);

  std::map<std::string, int> jobs = {{"RUNNING", 0}, {"SCALING", 0}, {"FAILED", 0}, {"KILLED", 0}};
  std::map<std::string, int> containers = {
      {"pending", 0}, {"starting", 0}, {"running", 0}, {"failed", 0}, {"stopped", 0}};
  for (const auto& j : manager_->ListJobs()) {
    jobs[j.state()]++;
    for (const auto& c : j.containers()) containers[c.state()]++;
  }
  f.Family("eddy_coordinator_jobs", "Jobs by state (running, scaling, failed, killed).",
           MetricType::Gauge);
  for (const auto& [state, count] : jobs) {
    std::string lower = state;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    f.Add({{"state", lower}}, count);
  }
  f.Family("eddy_coordinator_containers",
           "Containers of all jobs by state (pending, starting, running, failed, stopped).",
           MetricType::Gauge);
  for (const auto& [state, count] : containers) f.Add({{"state", state}}, count);
  for (auto& fam : f.Take()) out.push_back(std::move(fam));
  return out;
}

}  // namespace eddy::cluster
