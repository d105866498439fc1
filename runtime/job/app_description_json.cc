#include "runtime/job/app_description_json.h"

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace eddy::runtime {
using json = nlohmann::json;

std::string AppDescriptionToJson(const AppDescription& d) {
  json o;
  o["version"] = 1;
  o["config"] = d.config;
  json streams = json::array();
  for (const auto& s : d.intermediate_streams) {
    streams.push_back({{"system", s.system}, {"stream", s.stream}, {"partitions", s.partitions}});
  }
  o["intermediate_streams"] = streams;
  return o.dump();
}

absl::StatusOr<AppDescription> AppDescriptionFromJson(std::string_view text) {
  json o = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (o.is_discarded() || !o.is_object()) {
    return absl::InvalidArgumentError("application description: not a JSON object");
  }
  if (!o.contains("version") || !o["version"].is_number_integer() || o["version"] != 1) {
    return absl::InvalidArgumentError("application description: version must be 1");
  }
  AppDescription d;
  if (o.contains("config")) {
    if (!o["config"].is_object()) {
      return absl::InvalidArgumentError("application description: config must be an object");
    }
    for (const auto& [k, v] : o["config"].items()) {
      if (!v.is_string()) {
        return absl::InvalidArgumentError(
            absl::StrCat("application description: config key ", k, " must be a string"));
      }
      d.config[k] = v.get<std::string>();
    }
  }
  if (o.contains("intermediate_streams")) {
    if (!o["intermediate_streams"].is_array()) {
      return absl::InvalidArgumentError(
          "application description: intermediate_streams must be an array");
    }
    for (const auto& s : o["intermediate_streams"]) {
      if (!s.is_object() || !s.contains("stream") || !s["stream"].is_string() ||
          (s.contains("system") && !s["system"].is_string()) ||
          (s.contains("partitions") && !s["partitions"].is_number_integer())) {
        return absl::InvalidArgumentError(
            absl::StrCat("application description: bad intermediate stream ", s.dump()));
      }
      IntermediateStream is;
      is.system = s.value("system", "");
      is.stream = s["stream"].get<std::string>();
      is.partitions = s.value("partitions", -1);
      d.intermediate_streams.push_back(std::move(is));
    }
  }
  return d;
}

}  // namespace eddy::runtime
