// Cluster views: the JSON the dashboard's API answers with, built from what the coordinator
// knows (ClusterManager's JobStatus and NodeStatus) and from the log store (topics through the
// admin client). Field names are the API's (docs/DASHBOARD.md); every string in them comes from
// outside (job names, config values, node ids), and the pages put them into the DOM as text.
// Used by dashboard.cc.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "coordinator/proto/coordinator.pb.h"
#include "log-store/client/admin_client.h"
#include "nlohmann/json.hpp"

namespace eddy::dashboard {

// A job without its containers: name, state, reason, generation, container count, package
// digest, submit time, config (every key), tasks of its job model with their input partitions.
nlohmann::json JobSummaryJson(const coordinator::v1::JobStatus& job);
// JobSummaryJson plus "containers" (ContainerJson each).
nlohmann::json JobJson(const coordinator::v1::JobStatus& job);
// id, state, node, host, tasks, restarts, attempt, last_exit, generation, work_dir, addresses,
// attempts (the last ones, current last).
nlohmann::json ContainerJson(const coordinator::v1::ContainerStatus& c);
// node_id, host, address, alive, last heartbeat, resources and used, containers, times lost.
nlohmann::json NodeJson(const coordinator::v1::NodeStatus& n);

// Every topic (at most `max_topics`, sorted; "truncated" says when there were more) with its
// config and partitions: start and end offsets, bytes, segments. Errors name the log store.
absl::StatusOr<nlohmann::json> TopicsJson(logstore::AdminClient& admin, size_t max_topics);

}  // namespace eddy::dashboard
