#include "runtime/job/app_config.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace eddy::runtime {

absl::StatusOr<MergedAppConfig> MergeAppConfig(const std::map<std::string, std::string>& user,
                                               const AppDescription& description) {
  MergedAppConfig out;
  out.config = user;
  for (const auto& [key, value] : description.config) {
    if (key.empty()) return absl::InvalidArgumentError("the application generated an empty key");
    auto it = user.find(key);
    if (it == user.end()) {
      out.config[key] = value;
      continue;
    }
    if (it->second == value) continue;
    if (key == "task.inputs") {
      return absl::InvalidArgumentError(absl::StrCat(
          "task.inputs=", it->second, ": app.class=", user.count("app.class") ? user.at("app.class") : "",
          " reads ", value, "; remove task.inputs (an application names its own inputs)"));
    }
    out.notes.push_back(absl::StrCat(key, "=", it->second, " kept (the application would set ",
                                     value, ")"));
  }
  return out;
}

absl::StatusOr<int32_t> IntermediatePartitions(const IntermediateStream& stream,
                                               const std::map<std::string, std::string>& config,
                                               int32_t largest_input_partitions) {
  if (stream.partitions > 0) return stream.partitions;
  static constexpr char kKey[] = "job.intermediate.stream.partitions";
  if (auto it = config.find(kKey); it != config.end()) {
    int32_t n = 0;
    if (!absl::SimpleAtoi(it->second, &n) || n < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat(kKey, "=", it->second, ": expected a partition count >= 1"));
    }
    return n;
  }
  if (largest_input_partitions < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "intermediate stream ", stream.system, ".", stream.stream,
        ": no input partitions to size it from; set ", kKey));
  }
  return largest_input_partitions;
}

}  // namespace eddy::runtime
