#include "runtime/container/time_setup.h"

#include "absl/strings/str_cat.h"
#include "eddy/timers.h"
#include "runtime/job/grouper.h"
#include "runtime/job/internal_stores.h"

namespace eddy::runtime {

bool UsesTimers(const StreamTask* task) {
  return dynamic_cast<const TimerTask*>(task) != nullptr ||
         dynamic_cast<const WatermarkListenerTask*>(task) != nullptr;
}

void AddTimerStore(Config* config, JobConfig* job) {
  for (const auto& st : job->stores) {
    if (st.name == kTimerStoreName) return;
  }
  for (const auto& internal : InternalStores(*config)) {
    if (internal.name != kTimerStoreName) continue;
    Config::Map entries = config->entries();
    for (const auto& [k, v] : internal.config) entries[k] = v;
    *config = Config(std::move(entries));
    StoreConfig s;
    s.name = internal.name;
    s.factory = "inmemory";
    InputStream changelog;
    changelog.system = internal.system;
    changelog.stream = internal.changelog_topic;
    s.changelog = changelog;
    job->stores.push_back(std::move(s));
  }
}

bool IsIntermediate(const Config& config, const std::string& stream) {
  std::string v = config.GetOr(absl::StrCat("streams.", stream, ".samza.intermediate"), "false");
  return v == "true" || v == "1";
}

bool IsWatermarkWriter(const TaskModel& task, const Config& config) {
  for (const auto& ssp : task.inputs) {
    if (ssp.partition != kQueuePartition && !IsIntermediate(config, ssp.stream)) return true;
  }
  return false;
}

int32_t WatermarkWriters(const JobModel& model, const Config& config) {
  int32_t n = 0;
  for (const auto& c : model.containers) {
    for (const auto& t : c.tasks) n += IsWatermarkWriter(t, config) ? 1 : 0;
  }
  return n;
}

absl::StatusOr<std::vector<ControlTarget>> IntermediateStreams(const Config& config,
                                                               const JobConfig& job,
                                                               SystemsHub* hub) {
  std::vector<ControlTarget> out;
  const std::string prefix = "streams.", suffix = ".samza.intermediate";
  for (const auto& [k, v] : config.entries()) {
    if (k.rfind(prefix, 0) != 0 || k.size() <= prefix.size() + suffix.size() ||
        k.compare(k.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    std::string stream = k.substr(prefix.size(), k.size() - prefix.size() - suffix.size());
    if (!IsIntermediate(config, stream)) continue;
    std::string system = config.GetOr(absl::StrCat("streams.", stream, ".samza.system"), "");
    if (system.empty()) {
      for (const auto& in : job.inputs) {
        if (in.stream == stream) system = in.system;
      }
    }
    if (system.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("config key ", k, "=true: the stream's system is unknown (set streams.",
                       stream, ".samza.system or read it through task.inputs)"));
    }
    auto admin = hub->Admin(system);
    if (!admin.ok()) return admin.status();
    auto n = (*admin)->PartitionCount(stream);
    if (!n.ok()) {
      return absl::Status(n.status().code(),
                          absl::StrCat("intermediate stream ", system, ".", stream, " (config key ",
                                       k, "): ", n.status().message()));
    }
    out.push_back({SystemStream(system, stream), *n});
  }
  return out;
}

TimeOptions TimeOptionsOf(const JobConfig& job) {
  TimeOptions o;
  o.watermark.max_out_of_orderness_ms = job.watermark_max_out_of_orderness_ms;
  o.watermark.idle_timeout_ms = job.watermark_idle_timeout_ms;
  o.timer_check_ms = job.timer_check_ms;
  o.max_timers = job.timers_max;
  o.control_interval_ms = job.watermark_control_interval_ms;
  return o;
}

}  // namespace eddy::runtime
