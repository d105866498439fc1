// SnapshotReporter: JSON metrics snapshots to a log-store topic.
#include "runtime/container/snapshot_reporter.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace eddy::runtime {

SnapshotReporter::SnapshotReporter(SnapshotReporterConfig config, SnapshotHeader header,
                                   const MetricsRegistry* metrics, SystemsHub* hub)
    : config_(std::move(config)), header_(std::move(header)), metrics_(metrics), hub_(hub) {}

absl::Status SnapshotReporter::Start() {
  auto named = [&](const absl::Status& s) {
    return absl::Status(
        s.code(), absl::StrCat("metrics reporter ", config_.name, " (stream ", config_.system, ".",
                               config_.stream, "): ", s.message()));
  };
  auto admin = hub_->Admin(config_.system);
  if (!admin.ok()) return named(admin.status());
  auto d = (*admin)->DescribeStream(config_.stream);
  if (absl::IsNotFound(d.status())) {
    if (auto s = (*admin)->CreateStream({config_.stream, 1, false}); !s.ok()) return named(s);
  } else if (!d.ok()) {
    return named(d.status());
  }
  next_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.interval_ms);
  return absl::OkStatus();
}

absl::Status SnapshotReporter::MaybeReport(std::chrono::steady_clock::time_point now) {
  if (now < next_) return absl::OkStatus();
  next_ = now + std::chrono::milliseconds(config_.interval_ms);
  return Report();
}

std::string SnapshotReporter::SnapshotValue(const SnapshotHeader& h, int64_t time_ms,
                                            const MetricsRegistry& metrics) {
  nlohmann::json j;
  j["header"] = {{"job", h.job},        {"job_id", h.job_id}, {"container", h.container},
                 {"host", h.host},      {"time", time_ms},    {"reset_time", h.reset_time_ms},
                 {"version", h.version}};
  j["metrics"] = nlohmann::json::parse(metrics.SnapshotJson(), nullptr, /*allow_exceptions=*/false);
  return j.dump();
}

absl::Status SnapshotReporter::Report() {
  auto named = [&](const absl::Status& s) {
    return absl::Status(
        s.code(), absl::StrCat("metrics reporter ", config_.name, " (stream ", config_.system, ".",
                               config_.stream, "): ", s.message()));
  };
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const std::string value = SnapshotValue(header_, now_ms, *metrics_);
  const std::string key = header_.job + "/" + header_.container;
  auto producer = hub_->Producer(config_.system);
  if (!producer.ok()) return named(producer.status());
  if (auto s = (*producer)->Send(config_.stream, 0, key, value, now_ms, {}); !s.ok()) {
    return named(s);
  }
  if (auto s = (*producer)->Flush(); !s.ok()) return named(s);
  return absl::OkStatus();
}

}  // namespace eddy::runtime
