#include "runtime/job/standby_model.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace eddy::runtime {

absl::StatusOr<int32_t> StandbyFactor(const std::map<std::string, std::string>& config) {
  auto it = config.find(kStandbyFactorKey);
  if (it == config.end()) return 1;
  int32_t n = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(it->second), &n) || n < 1 ||
      n > kMaxStandbyFactor) {
    return absl::InvalidArgumentError(absl::StrCat(
        "config key ", kStandbyFactorKey, "='", it->second, "': must be an integer from 1 (no ",
        "standbys) to ", kMaxStandbyFactor, " (copies of each task: the active and N-1 standbys)"));
  }
  return n;
}

std::string StandbyContainerId(const std::string& active, int32_t k) {
  return absl::StrCat(active, "-standby-", k);
}

void AddStandbyContainers(int32_t factor, JobModel* model) {
  const size_t actives = model->containers.size();
  for (size_t i = 0; i < actives; ++i) {
    for (int32_t k = 1; k < factor; ++k) {
      ContainerModel s;
      s.id = StandbyContainerId(model->containers[i].id, k);
      s.tasks = model->containers[i].tasks;
      s.standby_of = model->containers[i].id;
      model->containers.push_back(std::move(s));
    }
  }
}

}  // namespace eddy::runtime
