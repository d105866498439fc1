#include "coordinator/server/job_record.h"

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace eddy::cluster {
using json = nlohmann::json;

std::string EncodeJobRecord(const JobState& j) {
  json o;
  o["name"] = j.name;
  o["state"] = j.state;
  o["reason"] = j.reason;
  o["digest"] = j.digest;
  o["config"] = j.config;
  o["generation"] = j.generation;
  o["submitted_ms"] = j.submitted_ms;
  o["model"] = j.model_json;
  o["failures_ms"] = std::vector<int64_t>(j.failures_ms.begin(), j.failures_ms.end());
  o["changelog_partitions"] = j.changelog_partitions;
  if (j.has_pending) o["pending_model"] = runtime::JobModelToJson(j.pending);
  json cs = json::object();
  for (const auto& [id, c] : j.containers) {
    cs[id] = {{"attempt", c.attempt},
              {"restarts", c.restarts},
              {"last_host", c.last_host},
              {"last_exit", c.last_exit},
              {"node", c.node},
              {"stopped", c.state == "stopped"},
              {"attempts", c.attempts.ToJson()}};
  }
  o["containers"] = cs;
  return o.dump();
}

absl::Status DecodeJobRecord(const std::string& name, const std::string& text, JobState* j) {
  try {
    json o = json::parse(text);
    j->name = o.at("name");
    j->state = o.at("state");
    j->reason = o.value("reason", "");
    j->digest = o.at("digest");
    j->config = o.at("config").get<std::map<std::string, std::string>>();
    j->generation = o.at("generation");
    j->submitted_ms = o.value("submitted_ms", int64_t{0});
    for (int64_t f : o.value("failures_ms", std::vector<int64_t>{})) j->failures_ms.push_back(f);
    auto m = runtime::JobModelFromJson(o.at("model").get<std::string>());
    if (!m.ok()) {
      return absl::DataLossError(
          absl::StrCat("coordinator metadata of job ", name, ": ", m.status().message()));
    }
    ApplyModel(*j, *m);
    // Records written before the map was stored: the model's partitions are the map.
    j->changelog_partitions =
        o.contains("changelog_partitions")
            ? o.at("changelog_partitions").get<std::map<std::string, int32_t>>()
            : runtime::TaskPartitionsOf(*m);
    if (o.contains("pending_model")) {
      auto p = runtime::JobModelFromJson(o.at("pending_model").get<std::string>());
      if (p.ok()) {
        j->has_pending = true;
        j->pending = *p;
      }
    }
    for (auto& [id, c] : j->containers) {
      if (!o["containers"].contains(id)) continue;
      const json& cj = o["containers"][id];
      c.attempt = cj.value("attempt", int64_t{0});
      c.restarts = cj.value("restarts", int64_t{0});
      c.last_host = cj.value("last_host", "");
      c.last_exit = cj.value("last_exit", "");
      if (cj.contains("attempts")) c.attempts.FromJson(cj.at("attempts"));
      if (cj.value("stopped", false) || j->state == "KILLED" || j->state == "FAILED") {
        c.state = "stopped";
      }
    }
  } catch (const std::exception& e) {
    return absl::DataLossError(absl::StrCat("coordinator metadata of job ", name, ": ", e.what()));
  }
  return absl::OkStatus();
}

}  // namespace eddy::cluster
