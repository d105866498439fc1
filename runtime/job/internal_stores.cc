#include "runtime/job/internal_stores.h"

#include "absl/strings/str_cat.h"

namespace eddy::runtime {

std::string TimerStoreChangelogTopic(const std::string& job_name, const std::string& job_id) {
  std::string t = absl::StrCat("__eddy_timers_", job_name);
  if (!job_id.empty() && job_id != "1") absl::StrAppend(&t, "_", job_id);
  return t;
}

std::vector<InternalStore> InternalStores(const Config& config) {
  std::string system = config.GetOr("task.checkpoint.system", "");
  if (system.empty()) {
    std::string inputs = config.GetOr("task.inputs", "");
    std::string first = inputs.substr(0, inputs.find(','));
    while (!first.empty() && first.front() == ' ') first.erase(0, 1);
    system = first.substr(0, first.find('.'));
  }
  if (system.empty()) return {};
  InternalStore timers;
  timers.name = kTimerStoreName;
  timers.system = system;
  timers.changelog_topic =
      TimerStoreChangelogTopic(config.GetOr("job.name", ""), config.GetOr("job.id", "1"));
  const std::string p = absl::StrCat("stores.", kTimerStoreName, ".");
  timers.config[p + "factory"] = "inmemory";
  timers.config[p + "changelog"] = absl::StrCat(system, ".", timers.changelog_topic);
  timers.on_demand = true;
  return {timers};
}

}  // namespace eddy::runtime
