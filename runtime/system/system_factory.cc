#include "runtime/system/system_factory.h"

#include "absl/strings/str_cat.h"
#include "eddy/config.h"
#include "runtime/system/eddy_system.h"
#include "runtime/system/kafka_system.h"

namespace eddy::runtime {

absl::StatusOr<std::unique_ptr<SystemFactory>> MakeSystemFactory(const SystemConfig& config) {
  // Samza's spelling, systems.<s>.samza.factory, when Eddy's is absent; errors name the key used.
  std::string key = config.props.count("factory") || !config.props.count("samza.factory")
                        ? "factory"
                        : "samza.factory";
  std::string f = config.Get(key);
  if (f.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("systems.", config.name, ".factory is missing (eddy | kafka)"));
  }
  if (f == "eddy") return MakeEddySystemFactory();
  if (f == "kafka" || f == "org.apache.samza.system.kafka.KafkaSystemFactory") {
    return MakeKafkaSystemFactory();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("config key systems.", config.name, ".", key, "=", f,
                   " is unknown (expected eddy | kafka | "
                   "org.apache.samza.system.kafka.KafkaSystemFactory)"));
}

absl::StatusOr<int64_t> GetLongProp(const SystemConfig& config, const std::string& key, int64_t def,
                                    int64_t min, int64_t max) {
  auto it = config.props.find(key);
  if (it == config.props.end()) return def;
  const std::string full = absl::StrCat("systems.", config.name, ".", key);
  auto v = Config(Config::Map{{full, it->second}}).GetLong(full);
  if (!v.ok()) return v.status();
  if (*v < min || *v > max) {
    return absl::InvalidArgumentError(
        absl::StrCat("config key ", full, ": ", *v, " must be >= ", min,
                     max == INT64_MAX ? std::string() : absl::StrCat(" and <= ", max)));
  }
  return *v;
}

absl::StatusOr<OffsetDefault> ParseOffsetDefault(const SystemConfig& config) {
  std::string v = config.Get("samza.offset.default", "upcoming");
  if (v == "oldest") return OffsetDefault::kOldest;
  if (v == "upcoming") return OffsetDefault::kUpcoming;
  return absl::InvalidArgumentError(absl::StrCat(
      "systems.", config.name, ".samza.offset.default=", v, " is not oldest | upcoming"));
}

}  // namespace eddy::runtime
