#include "runtime/container/task_time_service.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "runtime/container/control_records.h"

namespace eddy::runtime {
namespace {

// Firings per Tick and domain: a timer callback that keeps registering due timers cannot hold
// the run loop; the rest fire on the next Tick.
constexpr int kMaxFiringsPerTick = 100000;

const char* DomainName(TimeDomain d) {
  return d == TimeDomain::kEventTime ? "event-time" : "processing-time";
}

}  // namespace

TaskTimeService::TaskTimeService(std::string task_name, TimeOptions options,
                                 KeyValueStoreBytes* store, TimerTask* timer_task,
                                 WatermarkListenerTask* listener, MetricsRegistry* metrics)
    : task_(std::move(task_name)),
      opt_(options),
      tracker_(options.watermark),
      timer_task_(timer_task),
      listener_(listener) {
  if (store) timers_ = std::make_unique<TimerStore>(store, opt_.max_timers);
  const std::string g = "task." + task_;
  watermark_gauge_ = &metrics->NewGauge(g, "watermark");
  watermark_gauge_->Set(-1);
  fired_ = &metrics->NewCounter(g, "timers-fired");
  registered_ = &metrics->NewCounter(g, "timers-registered");
  pending_ = &metrics->NewGauge(g, "timers-pending");
  controls_sent_ = &metrics->NewCounter(g, "control-records-sent");
  controls_received_ = &metrics->NewCounter(g, "control-records-received");
}

int TaskTimeService::AddInput(const SystemStream& stream, bool intermediate, int32_t writers,
                              int64_t now_ms) {
  input_streams_.push_back(stream);
  intermediate_.push_back(intermediate);
  auto it = extractors_.find(stream);
  extractor_of_.push_back(it == extractors_.end() ? nullptr : it->second.get());
  return tracker_.AddPartition(now_ms, intermediate, writers);
}

void TaskTimeService::AddControlOutput(const SystemStream& stream, int32_t partitions,
                                       int32_t writers) {
  control_outputs_.push_back({stream, partitions, writers});
}

absl::Status TaskTimeService::Load() {
  if (!timers_) return absl::OkStatus();
  if (auto s = timers_->Load(); !s.ok()) {
    return absl::Status(s.code(),
                        absl::StrCat("task '", task_, "' loading its timers: ", s.message()));
  }
  tracker_.Restore(timers_->watermark());
  tracker_.RestoreSource(timers_->source_watermark());
  if (tracker_.watermark() != kNoWatermark) {
    watermark_gauge_->Set(static_cast<double>(tracker_.watermark()));
  }
  pending_->Set(static_cast<double>(timers_->size()));
  event_check_ = true;
  return absl::OkStatus();
}

int64_t TaskTimeService::CurrentProcessingTime() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void TaskTimeService::SetEventTimeExtractor(const SystemStream& stream,
                                            EventTimeExtractor extractor) {
  auto& slot = extractors_[stream];
  slot = extractor ? std::make_unique<EventTimeExtractor>(std::move(extractor)) : nullptr;
  for (size_t i = 0; i < input_streams_.size(); ++i) {
    if (input_streams_[i] == stream) extractor_of_[i] = slot.get();
  }
}

absl::Status TaskTimeService::NeedsTimers(const char* what) const {
  if (timers_) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("task '", task_, "': ", what,
                   " needs a task that implements eddy::TimerTask (or "
                   "eddy::WatermarkListenerTask): only such a task has a timer store"));
}

absl::Status TaskTimeService::Register(TimeDomain domain, std::string_view key,
                                       int64_t timestamp_ms) {
  if (auto s = NeedsTimers("TimerService::Register"); !s.ok()) return s;
  const size_t before = timers_->size();
  if (auto s = timers_->Add(domain, key, timestamp_ms); !s.ok()) {
    return absl::Status(s.code(),
                        absl::StrCat("task '", task_, "' registering a ", DomainName(domain),
                                     " timer at ", timestamp_ms, ": ", s.message()));
  }
  if (timers_->size() != before) {
    registered_->Inc();
    pending_->Set(static_cast<double>(timers_->size()));
  }
  if (domain == TimeDomain::kEventTime && timestamp_ms <= tracker_.watermark()) {
    event_check_ = true;
  }
  return absl::OkStatus();
}

absl::Status TaskTimeService::Delete(TimeDomain domain, std::string_view key,
                                     int64_t timestamp_ms) {
  if (auto s = NeedsTimers("TimerService::Delete"); !s.ok()) return s;
  if (auto s = timers_->Remove(domain, key, timestamp_ms); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat("task '", task_, "' deleting a ", DomainName(domain),
                                               " timer at ", timestamp_ms, ": ", s.message()));
  }
  pending_->Set(static_cast<double>(timers_->size()));
  return absl::OkStatus();
}

absl::Status TaskTimeService::OnControl(int input, const IncomingMessageEnvelope& env,
                                        int64_t now_ms) {
  controls_received_->Inc();
  auto kind = ControlKind(env.headers());
  if (!kind || *kind != kControlWatermark) {
    tracker_.OnActivity(input, now_ms);
    return absl::OkStatus();  // a kind this version does not know: skipped
  }
  auto c = DecodeWatermarkControl(env.key(), env.message());
  if (!c.ok()) {
    return absl::Status(
        c.status().code(),
        absl::StrCat("task '", task_, "': ", env.system_stream_partition().system, ".",
                     env.system_stream_partition().stream, " partition ", env.partition(),
                     " offset ", env.offset(), ": ", c.status().message()));
  }
  tracker_.OnWriterWatermark(input, c->writer, c->writers, c->watermark, now_ms, c->idle);
  return absl::OkStatus();
}

absl::Status TaskTimeService::FireEventTimers(MessageCollector& collector,
                                              TaskCoordinator& coordinator) {
  const int64_t wm = tracker_.watermark();
  for (int n = 0; n < kMaxFiringsPerTick; ++n) {
    auto t = timers_->PopDue(TimeDomain::kEventTime, wm);
    if (!t.ok()) return t.status();
    if (!t->has_value()) return absl::OkStatus();
    fired_->Inc();
    if (!timer_task_) continue;  // a listener-only task has no timers to hear of
    if (auto s = timer_task_->OnTimer(**t, collector, coordinator); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("task '", task_, "' OnTimer (event time ",
                                                 (*t)->timestamp, ") failed: ", s.message()));
    }
  }
  event_check_ = true;  // more are due: next Tick
  return absl::OkStatus();
}

absl::Status TaskTimeService::FireProcessingTimers(int64_t now_ms, MessageCollector& collector,
                                                   TaskCoordinator& coordinator) {
  for (int n = 0; n < kMaxFiringsPerTick; ++n) {
    auto t = timers_->PopDue(TimeDomain::kProcessingTime, now_ms);
    if (!t.ok()) return t.status();
    if (!t->has_value()) return absl::OkStatus();
    fired_->Inc();
    if (!timer_task_) continue;
    if (auto s = timer_task_->OnTimer(**t, collector, coordinator); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("task '", task_, "' OnTimer (processing time ",
                                                 (*t)->timestamp, ") failed: ", s.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status TaskTimeService::SendControls(int64_t now_ms, MessageCollector& collector,
                                           bool ignore_interval) {
  if (control_outputs_.empty()) return absl::OkStatus();
  if (!ignore_interval && now_ms - last_control_ms_ < opt_.control_interval_ms) {
    return absl::OkStatus();
  }
  const int64_t wm = tracker_.source_watermark();
  // Idle: every input of this task is idle (also when it never had an event), so it tells the
  // readers to leave it out of their minimum instead of leaving them waiting for it forever.
  const bool idle = tracker_.SourceIdle(now_ms);
  const bool changed = !sent_control_ || idle != last_control_idle_;
  if (idle) {
    // Sent on a change, an advance, and again every idle timeout (a reader that restarted from
    // an older checkpoint, or a record lost to an aborted transaction, hears of it again).
    if (!changed && wm <= last_control_watermark_ &&
        now_ms - last_control_ms_ <
            std::max(opt_.control_interval_ms, opt_.watermark.idle_timeout_ms)) {
      return absl::OkStatus();
    }
  } else if (wm == kNoWatermark || (wm <= last_control_watermark_ && !changed)) {
    return absl::OkStatus();
  }
  for (const auto& out : control_outputs_) {
    const std::string value = EncodeWatermarkValue(out.writers, wm, idle);
    for (int32_t p = 0; p < out.partitions; ++p) {
      OutgoingMessageEnvelope e(out.stream, task_, value);
      e.WithPartition(p).WithTimestamp(now_ms).AddHeader(kControlHeader, kControlWatermark);
      if (auto s = collector.Send(std::move(e)); !s.ok()) {
        return absl::Status(
            s.code(), absl::StrCat("task '", task_, "' sending a watermark control record to ",
                                   out.stream.ToString(), " partition ", p, ": ", s.message()));
      }
      controls_sent_->Inc();
    }
  }
  last_control_watermark_ = std::max(last_control_watermark_, wm);
  last_control_ms_ = now_ms;
  last_control_idle_ = idle;
  sent_control_ = true;
  return absl::OkStatus();
}

absl::Status TaskTimeService::Tick(int64_t now_ms, MessageCollector& collector,
                                   TaskCoordinator& coordinator) {
  const bool advanced = tracker_.Update(now_ms);
  if (advanced) watermark_gauge_->Set(static_cast<double>(tracker_.watermark()));
  if (timers_) {
    if (advanced || event_check_) {
      event_check_ = false;
      if (auto s = FireEventTimers(collector, coordinator); !s.ok()) return s;
    }
    if (advanced && listener_) {
      if (auto s = listener_->OnWatermark(tracker_.watermark(), collector, coordinator); !s.ok()) {
        return absl::Status(s.code(),
                            absl::StrCat("task '", task_, "' OnWatermark(", tracker_.watermark(),
                                         ") failed: ", s.message()));
      }
    }
    if (now_ms >= next_processing_check_ms_) {
      next_processing_check_ms_ = now_ms + opt_.timer_check_ms;
      if (auto s = FireProcessingTimers(now_ms, collector, coordinator); !s.ok()) return s;
    }
    pending_->Set(static_cast<double>(timers_->size()));
  }
  return SendControls(now_ms, collector);
}

absl::Status TaskTimeService::BeforeCommit() {
  if (!timers_) return absl::OkStatus();
  // The source watermark too: a writer restarted after its inputs were consumed has no event
  // to rebuild it from, and its (idle) control records must not fall back to kNoWatermark.
  if (!control_outputs_.empty() && tracker_.source_watermark() != kNoWatermark) {
    if (auto s = timers_->PersistSourceWatermark(tracker_.source_watermark()); !s.ok()) {
      return absl::Status(
          s.code(),
          absl::StrCat("task '", task_, "' persisting its source watermark: ", s.message()));
    }
  }
  if (tracker_.watermark() == kNoWatermark) return absl::OkStatus();
  if (auto s = timers_->PersistWatermark(tracker_.watermark()); !s.ok()) {
    return absl::Status(s.code(),
                        absl::StrCat("task '", task_, "' persisting its watermark: ", s.message()));
  }
  return absl::OkStatus();
}

}  // namespace eddy::runtime
