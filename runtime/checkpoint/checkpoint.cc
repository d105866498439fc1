#include "runtime/checkpoint/checkpoint.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace eddy::runtime {

using nlohmann::json;

std::string CheckpointToJson(const Checkpoint& c) {
  json j;
  j["version"] = 1;
  json in = json::array();
  for (const auto& [s, o] : c.inputs) {
    in.push_back(
        {{"system", s.system}, {"stream", s.stream}, {"partition", s.partition}, {"offset", o}});
  }
  j["inputs"] = in;
  json cl = json::object();
  for (const auto& [store, v] : c.changelogs) {
    cl[store] = {{"system", v.first.system},
                 {"stream", v.first.stream},
                 {"partition", v.first.partition},
                 {"offset", v.second}};
  }
  j["changelogs"] = cl;
  return j.dump();
}

absl::StatusOr<Checkpoint> CheckpointFromJson(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError("checkpoint: not a JSON object");
  }
  Checkpoint c;
  try {
    if (j.at("version").get<int>() != 1) {
      return absl::InvalidArgumentError("checkpoint: unsupported version");
    }
    for (const auto& e : j.at("inputs")) {
      c.inputs[{e.at("system").get<std::string>(), e.at("stream").get<std::string>(),
                e.at("partition").get<int32_t>()}] = e.at("offset").get<int64_t>();
    }
    for (const auto& [store, e] : j.at("changelogs").items()) {
      c.changelogs[store] = {{e.at("system").get<std::string>(), e.at("stream").get<std::string>(),
                              e.at("partition").get<int32_t>()},
                             e.at("offset").get<int64_t>()};
    }
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("checkpoint: ", e.what()));
  }
  return c;
}

std::string CheckpointTopic(const std::string& job_name, const std::string& job_id) {
  if (job_id.empty() || job_id == "1") return "__eddy_checkpoint_" + job_name;
  return absl::StrCat("__eddy_checkpoint_", job_name, "_", job_id);
}

}  // namespace eddy::runtime
