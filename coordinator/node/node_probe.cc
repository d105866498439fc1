#include "coordinator/node/node_probe.h"

#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>

#include "log-store/http/metric_families.h"

namespace eddy::cluster {

using eddy::http::FamilyBuilder;
using prometheus::MetricType;

const char* ExitReasonName(ExitReason r) {
  switch (r) {
    case ExitReason::kExit:
      return "exit";
    case ExitReason::kSignal:
      return "signal";
    case ExitReason::kOom:
      return "oom";
    case ExitReason::kStopped:
      return "stopped";
    case ExitReason::kSelfFenced:
      return "self_fenced";
    case ExitReason::kSuperseded:
      return "superseded";
    case ExitReason::kNotStarted:
      return "not_started";
    case ExitReason::kCount:
      break;
  }
  return "exit";
}

bool ReadProcessUsage(pid_t pid, int64_t* rss_bytes, double* cpu_seconds) {
  if (pid <= 0) return false;
  const std::string dir = "/proc/" + std::to_string(pid);
  std::ifstream stat(dir + "/stat");
  std::string line;
  if (!stat || !std::getline(stat, line)) return false;
  // Fields after the command (which may hold spaces) start after the last ')': state is
  // field 3, utime 14 and stime 15.
  auto close = line.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream rest(line.substr(close + 1));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  const long ticks = sysconf(_SC_CLK_TCK);
  *cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(ticks > 0 ? ticks : 100);
  *rss_bytes = 0;
  std::ifstream status(dir + "/status");
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      *rss_bytes = std::stoll(line.substr(6)) * 1024;  // "VmRSS:   1234 kB"
      break;
    }
  }
  return true;
}

void NodeProbe::SetContainers(std::vector<ContainerSample> containers) {
  std::lock_guard<std::mutex> l(mu_);
  containers_ = std::move(containers);
}

std::vector<prometheus::MetricFamily> NodeProbe::Collect() const {
  std::vector<ContainerSample> cs;
  {
    std::lock_guard<std::mutex> l(mu_);
    cs = containers_;
  }
  FamilyBuilder f;
  std::map<std::string, int> by_state = {{"starting", 0}, {"running", 0}, {"exited", 0}};
  int64_t used_mb = 0;
  double used_cores = 0;
  for (const auto& c : cs) {
    by_state[c.state]++;
    if (c.state != "exited") {
      used_mb += c.memory_mb;
      used_cores += c.cpu_cores;
    }
  }
  f.Family("eddy_node_containers",
           "Containers on this node by state (starting, running, exited and not yet "
           "acknowledged by the coordinator).",
           MetricType::Gauge);
  for (const auto& [state, n] : by_state) f.Add({{"state", state}}, n);
  f.Family("eddy_node_memory_offered_bytes", "Memory the node offers to containers.",
           MetricType::Gauge);
  f.Add({}, static_cast<double>(memory_mb_) * 1024 * 1024);
  f.Family("eddy_node_cpu_cores_offered", "CPU cores the node offers to containers.",
           MetricType::Gauge);
  f.Add({}, cores_);
  f.Family("eddy_node_memory_reserved_bytes",
           "Memory its live containers asked for (cluster-manager.container.memory.mb).",
           MetricType::Gauge);
  f.Add({}, static_cast<double>(used_mb) * 1024 * 1024);
  f.Family("eddy_node_cpu_cores_reserved",
           "CPU cores its live containers asked for (cluster-manager.container.cpu.cores).",
           MetricType::Gauge);
  f.Add({}, used_cores);

  struct Usage {
    const ContainerSample* c;
    int64_t rss;
    double cpu;
  };
  std::vector<Usage> usage;
  for (const auto& c : cs) {
    if (c.state == "exited") continue;
    int64_t rss = 0;
    double cpu = 0;
    if (ReadProcessUsage(c.pid, &rss, &cpu)) usage.push_back({&c, rss, cpu});
  }
  f.Family("eddy_node_container_resident_memory_bytes",
           "Resident set size of a container process (/proc/<pid>/status VmRSS).",
           MetricType::Gauge);
  for (const auto& u : usage) {
    f.Add({{"job", u.c->job}, {"container", u.c->container}}, static_cast<double>(u.rss));
  }
  f.Family("eddy_node_container_cpu_seconds_total",
           "CPU time (user + system) of a container process's current attempt.",
           MetricType::Counter);
  for (const auto& u : usage) f.Add({{"job", u.c->job}, {"container", u.c->container}}, u.cpu);

  f.Family("eddy_node_container_starts_total", "Container processes this node started.",
           MetricType::Counter);
  f.Add({}, static_cast<double>(starts_.load(std::memory_order_relaxed)));
  f.Family("eddy_node_container_exits_total",
           "Container processes that ended, by reason (exit, signal, oom, stopped, self_fenced, "
           "superseded, not_started).",
           MetricType::Counter);
  for (size_t i = 0; i < exits_.size(); ++i) {
    f.Add({{"reason", ExitReasonName(static_cast<ExitReason>(i))}},
          static_cast<double>(exits_[i].load(std::memory_order_relaxed)));
  }
  return f.Take();
}

}  // namespace eddy::cluster
