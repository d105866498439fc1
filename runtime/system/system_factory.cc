#include "runtime/system/system_factory.h"

#include "absl/strings/str_cat.h"
#include "runtime/system/eddy_system.h"
#include "runtime/system/kafka_system.h"

namespace eddy::runtime {

absl::StatusOr<std::unique_ptr<SystemFactory>> MakeSystemFactory(const SystemConfig& config) {
  std::string f = config.Get("factory");
  if (f.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("systems.", config.name, ".factory is missing (eddy | kafka)"));
  }
  if (f == "eddy") return MakeEddySystemFactory();
  if (f == "kafka" || f == "org.apache.samza.system.kafka.KafkaSystemFactory") {
    return MakeKafkaSystemFactory();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("systems.", config.name, ".factory=", f, " is unknown (expected eddy | kafka)"));
}

absl::StatusOr<OffsetDefault> ParseOffsetDefault(const SystemConfig& config) {
  std::string v = config.Get("samza.offset.default", "upcoming");
  if (v == "oldest") return OffsetDefault::kOldest;
  if (v == "upcoming") return OffsetDefault::kUpcoming;
  return absl::InvalidArgumentError(absl::StrCat(
      "systems.", config.name, ".samza.offset.default=", v, " is not oldest | upcoming"));
}

}  // namespace eddy::runtime
