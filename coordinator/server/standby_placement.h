// Standby placement rules of the coordinator (job.standbytasks.replication.factor,
// runtime/job/standby_model.h). Host affinity and standbys together decide where a container goes
// (ClusterManager::Place applies these):
//  - a standby never shares a node with its active container (or, while the active has no node,
//    the active's last host) nor with another standby of the same active; when no other node is
//    alive it waits, and job status says why (never co-located);
//  - an active container that needs a node goes to its last host when host affinity allows and
//    the host is alive with room (its own local state); else to the node of one of its running
//    standbys (the warm copy): that standby is killed there and placed anew elsewhere (a
//    takeover); else to any node without one of its standbys.
// Plain functions over JobState; used by cluster_manager.cc only.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "coordinator/server/job_state.h"

namespace eddy::cluster {

// The nodes container `id` of `j` must not be placed on (above).
std::set<std::string> StandbyExcludedNodes(const JobState& j, const std::string& id);

// For active container `id`: a standby of it running on a node for which `usable(node)` holds
// (alive, with room once the standby's share is freed), the first in id order; nullptr if none.
ContainerState* TakeoverStandby(JobState& j, const std::string& id,
                                const std::function<bool(const std::string& node)>& usable);

// Job status line for a standby left unplaced by the rule: names the excluded nodes.
std::string StandbyWaitingReason(const ContainerState& standby, const std::set<std::string>& excluded,
                                 int alive_nodes);

// Submit warning when `alive_nodes` cannot hold `factor` copies of each task on distinct nodes
// ("" = none).
std::string StandbyNodeWarning(const std::string& job, int32_t factor, int alive_nodes);

}  // namespace eddy::cluster
