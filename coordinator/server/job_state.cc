#include "coordinator/server/job_state.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"

namespace eddy::cluster {
namespace {

std::string Get(const std::map<std::string, std::string>& c, const std::string& k,
                const std::string& d) {
  auto it = c.find(k);
  return it == c.end() || it->second.empty() ? d : it->second;
}

int64_t GetLong(const std::map<std::string, std::string>& c, const std::string& k, int64_t d) {
  int64_t v;
  return absl::SimpleAtoi(Get(c, k, ""), &v) ? v : d;
}

}  // namespace

int64_t JobState::memory_mb() const {
  return GetLong(config, "cluster-manager.container.memory.mb", 1024);
}
double JobState::cores() const {
  double d = 1;
  return absl::SimpleAtod(Get(config, "cluster-manager.container.cpu.cores", "1"), &d) ? d : 1;
}
bool JobState::affinity() const {
  // Checked at submit (true | false, case-insensitive), like every boolean key.
  return absl::EqualsIgnoreCase(Get(config, "job.host-affinity.enabled", "false"), "true");
}
int64_t JobState::request_timeout_ms() const {
  return GetLong(config, "cluster-manager.container.request.timeout.ms", 5000);
}
int64_t JobState::retry_count() const {
  return GetLong(config, "cluster-manager.container.retry.count", 8);
}
int64_t JobState::retry_window_ms() const {
  return GetLong(config, "cluster-manager.container.retry.window.ms", 300000);
}

void ApplyModel(JobState& j, const runtime::JobModel& m) {
  std::map<std::string, ContainerState> old = std::move(j.containers);
  j.containers.clear();
  j.model = m;
  j.model_json = runtime::JobModelToJson(m);
  for (const auto& cm : m.containers) {
    ContainerState c;
    c.id = cm.id;
    c.standby_of = cm.standby_of;
    for (const auto& t : cm.tasks) c.tasks.push_back(t.name);
    if (auto it = old.find(cm.id); it != old.end()) {
      c.last_host = it->second.last_host;
      c.attempt = it->second.attempt;
      c.attempts = it->second.attempts;
    }
    c.pending_since = std::chrono::steady_clock::now();
    j.containers[c.id] = std::move(c);
  }
  j.config["job.container.count"] = std::to_string(m.ActiveContainerCount());
}

void MarkUnstartedStopped(JobState& j) {
  for (auto& [id, c] : j.containers) {
    if (c.state == "pending" || c.state == "failed") c.state = "stopped";
  }
}

bool IsActive(const std::string& state) { return state == "starting" || state == "running"; }

}  // namespace eddy::cluster
