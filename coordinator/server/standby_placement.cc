#include "coordinator/server/standby_placement.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace eddy::cluster {

std::set<std::string> StandbyExcludedNodes(const JobState& j, const std::string& id) {
  std::set<std::string> out;
  auto it = j.containers.find(id);
  if (it == j.containers.end()) return out;
  const ContainerState& c = it->second;
  const std::string active = c.standby_of.empty() ? id : c.standby_of;
  for (const auto& [oid, o] : j.containers) {
    if (oid == id) continue;
    const bool sibling = o.standby_of == active;  // a standby of the same active
    const bool its_active = !c.standby_of.empty() && oid == active;
    if (!sibling && !its_active) continue;
    if (!o.node.empty() && IsActive(o.state)) {
      out.insert(o.node);
    } else if (its_active && !o.last_host.empty()) {
      out.insert(o.last_host);  // the active may come back there (host affinity)
    }
  }
  return out;
}

ContainerState* TakeoverStandby(JobState& j, const std::string& id,
                                const std::function<bool(const std::string& node)>& usable) {
  for (auto& [sid, s] : j.containers) {
    if (s.standby_of != id || s.state != "running" || s.node.empty()) continue;
    if (usable(s.node)) return &s;
  }
  return nullptr;
}

std::string StandbyWaitingReason(const ContainerState& standby, const std::set<std::string>& excluded,
                                 int alive_nodes) {
  return absl::StrCat("standby of container ", standby.standby_of, ": no alive node other than ",
                      excluded.empty() ? "-" : absl::StrJoin(excluded, ", "),
                      " (its active's and its sibling standbys' nodes; ", alive_nodes,
                      " node(s) alive); a standby never shares a node with its active, it waits");
}

std::string StandbyNodeWarning(const std::string& job, int32_t factor, int alive_nodes) {
  if (factor <= 1 || alive_nodes >= factor) return "";
  return absl::StrCat("job ", job, ": job.standbytasks.replication.factor=", factor, " needs ",
                      factor, " nodes (a standby never shares a node with its active or another ",
                      "standby of it); ", alive_nodes, " node(s) are alive: standbys without a ",
                      "node wait until one registers (shown in `eddy job status`)");
}

}  // namespace eddy::cluster
