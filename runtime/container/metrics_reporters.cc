// MetricsReporters: parsing metrics.reporters and metrics.reporter.<name>.*.
#include "runtime/container/metrics_reporters.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace eddy::runtime {
namespace {

absl::Status KeyError(const std::string& key, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat("config key ", key, ": ", what));
}

}  // namespace

absl::StatusOr<MetricsReportersConfig> ParseMetricsReporters(
    const Config& config, const std::vector<std::string>& systems) {
  MetricsReportersConfig out;
  if (!config.Has("metrics.reporters")) return out;  // prometheus,file
  out.prometheus = false;
  out.file = false;
  auto names = config.GetList("metrics.reporters");
  if (!names.ok()) return names.status();
  for (const std::string& name : *names) {
    if (name.empty()) continue;
    const std::string prefix = "metrics.reporter." + name + ".";
    const std::string class_key = prefix + "class";
    std::string cls = config.GetOr(class_key, "");
    const bool named_class = cls.empty();
    if (named_class) cls = name;
    if (cls == "org.apache.samza.metrics.reporter.MetricsSnapshotReporterFactory") cls = "snapshot";
    if (cls == "prometheus") {
      out.prometheus = true;
    } else if (cls == "file") {
      out.file = true;
    } else if (cls == "snapshot") {
      SnapshotReporterConfig s;
      s.name = name;
      const std::string stream_key = prefix + "stream";
      std::string stream = config.GetOr(stream_key, "");
      if (stream.empty()) {
        return KeyError(stream_key, absl::StrCat("the snapshot reporter '", name,
                                                 "' needs a stream (<system>.<stream>)"));
      }
      size_t dot = stream.find('.');
      if (dot == std::string::npos || dot == 0 || dot + 1 == stream.size()) {
        return KeyError(stream_key, absl::StrCat("expected <system>.<stream>, got '", stream, "'"));
      }
      s.system = stream.substr(0, dot);
      s.stream = stream.substr(dot + 1);
      if (std::find(systems.begin(), systems.end(), s.system) == systems.end()) {
        return KeyError(stream_key,
                        absl::StrCat("system '", s.system, "' is not defined (no systems.",
                                     s.system, ".factory)"));
      }
      auto interval = config.GetDurationMs(prefix + "interval.ms", 60000);
      if (!interval.ok()) return interval.status();
      if (*interval < 1) {
        return KeyError(prefix + "interval.ms", absl::StrCat(*interval, " must be >= 1"));
      }
      s.interval_ms = *interval;
      out.snapshots.push_back(std::move(s));
    } else if (named_class) {
      return KeyError(class_key, absl::StrCat("reporter '", name,
                                              "' has no class; expected prometheus, file or "
                                              "snapshot"));
    } else {
      return KeyError(class_key, absl::StrCat("unknown reporter class '", cls,
                                              "'; expected prometheus, file or snapshot"));
    }
  }
  return out;
}

}  // namespace eddy::runtime
