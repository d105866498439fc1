#include "coordinator/server/dashboard/cluster_views.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace eddy::dashboard {

nlohmann::json JobSummaryJson(const coordinator::v1::JobStatus& job) {
  nlohmann::json config = nlohmann::json::object();
  for (const auto& [k, v] : job.config()) config[k] = v;
  // Task → input partitions, from the job model (runtime/JOB_MODEL.md).
  nlohmann::json tasks = nlohmann::json::array();
  auto model = nlohmann::json::parse(job.job_model_json(), nullptr, false);
  if (model.is_object() && model.contains("containers") && model["containers"].is_array()) {
    for (const auto& c : model["containers"]) {
      if (!c.is_object() || !c.contains("tasks") || !c["tasks"].is_array()) continue;
      for (const auto& t : c["tasks"]) {
        if (!t.is_object()) continue;
        nlohmann::json inputs = nlohmann::json::array();
        if (t.contains("inputs") && t["inputs"].is_array()) {
          for (const auto& in : t["inputs"]) {
            if (!in.is_object()) continue;
            inputs.push_back(absl::StrCat(in.value("system", ""), ".", in.value("stream", ""), ".",
                                          in.value("partition", 0)));
          }
        }
        tasks.push_back({{"task", t.value("name", "")},
                         {"container", c.value("id", "")},
                         {"changelog_partition", t.value("changelog_partition", -1)},
                         {"inputs", std::move(inputs)}});
      }
    }
  }
  return {{"name", job.job()},
          {"state", job.state()},
          {"reason", job.reason()},
          {"generation", job.generation()},
          {"container_count", job.container_count()},
          {"package_digest", job.package_digest()},
          {"submitted_ms", job.submitted_ms()},
          {"stale_reports", job.stale_reports()},
          {"config", std::move(config)},
          {"tasks", std::move(tasks)}};
}

nlohmann::json ContainerJson(const coordinator::v1::ContainerStatus& c) {
  nlohmann::json attempts = nlohmann::json::array();
  for (const auto& a : c.attempts()) {
    attempts.push_back({{"attempt", a.attempt()},
                        {"node", a.node()},
                        {"started_ms", a.started_ms()},
                        {"ended_ms", a.ended_ms()},
                        {"end", a.end()},
                        {"exit_code", a.exit_code()},
                        {"signal", a.signal()},
                        {"detail", a.detail()}});
  }
  return {{"id", c.id()},
          {"state", c.state()},
          {"node", c.node()},
          {"host", c.host()},
          {"tasks", std::vector<std::string>(c.tasks().begin(), c.tasks().end())},
          {"restarts", c.restarts()},
          {"attempt", c.attempt()},
          {"last_exit", c.last_exit()},
          {"generation", c.generation()},
          {"work_dir", c.work_dir()},
          {"inspect_address", c.inspect_address()},
          {"node_address", c.node_address()},
          {"http_address", c.http_address()},
          {"attempts", std::move(attempts)}};
}

nlohmann::json JobJson(const coordinator::v1::JobStatus& job) {
  auto j = JobSummaryJson(job);
  nlohmann::json containers = nlohmann::json::array();
  for (const auto& c : job.containers()) containers.push_back(ContainerJson(c));
  j["containers"] = std::move(containers);
  return j;
}

nlohmann::json NodeJson(const coordinator::v1::NodeStatus& n) {
  return {{"node_id", n.node_id()},
          {"host", n.host()},
          {"address", n.address()},
          {"http_address", n.http_address()},
          {"alive", n.alive()},
          {"last_heartbeat_ms_ago", n.last_heartbeat_ms_ago()},
          {"resources",
           {{"memory_mb", n.resources().memory_mb()}, {"cpu_cores", n.resources().cpu_cores()}}},
          {"used", {{"memory_mb", n.used().memory_mb()}, {"cpu_cores", n.used().cpu_cores()}}},
          {"containers", std::vector<std::string>(n.containers().begin(), n.containers().end())},
          {"stale_reports", n.stale_reports()},
          {"times_lost", n.times_lost()}};
}

absl::StatusOr<nlohmann::json> TopicsJson(logstore::AdminClient& admin, size_t max_topics) {
  auto names = admin.ListTopics();
  if (!names.ok()) {
    return absl::Status(names.status().code(),
                        absl::StrCat("log store: listing topics: ", names.status().message()));
  }
  std::sort(names->begin(), names->end());
  nlohmann::json topics = nlohmann::json::array();
  bool truncated = names->size() > max_topics;
  if (truncated) names->resize(max_topics);
  for (const auto& name : *names) {
    auto d = admin.DescribeTopic(name);
    if (!d.ok()) {
      // Deleted between the list and the describe, or the broker is busy: show the error.
      topics.push_back({{"name", name}, {"error", std::string(d.status().message())}});
      continue;
    }
    nlohmann::json config = nlohmann::json::object();
    for (const auto& [k, v] : d->config) config[k] = v;
    nlohmann::json parts = nlohmann::json::array();
    int64_t bytes = 0, messages = 0;
    for (const auto& p : d->partitions) {
      bytes += p.size_bytes;
      messages += p.log_end_offset - p.log_start_offset;
      parts.push_back({{"partition", p.partition},
                       {"log_start_offset", p.log_start_offset},
                       {"log_end_offset", p.log_end_offset},
                       {"size_bytes", p.size_bytes},
                       {"segments", p.segment_count}});
    }
    topics.push_back({{"name", name},
                      {"config", std::move(config)},
                      {"partitions", std::move(parts)},
                      {"size_bytes", bytes},
                      {"messages", messages}});
  }
  return nlohmann::json{{"topics", std::move(topics)}, {"truncated", truncated}};
}

}  // namespace eddy::dashboard
