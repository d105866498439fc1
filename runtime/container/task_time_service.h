// TaskTimeService: one task's clock, watermark and timers, the runtime side of eddy/timers.h.
// It owns the task's WatermarkTracker (watermark_tracker.h) and, when the task uses timers (it
// implements eddy::TimerTask or eddy::WatermarkListenerTask), its TimerStore (timer_store.h)
// over the task's __eddy_timers store. The container calls it on the run loop only:
//   AddInput / AddControlOutput at setup, Load after the stores are restored (before Init),
//   OnMessage per data message, OnControl per control record of an intermediate input,
//   SetCaughtUp, Tick between batches (fires due timers, calls OnWatermark, writes control
//   records), BeforeCommit (persists the watermark).
// Metrics (group task.<name>): watermark (ms; -1 before any), timers-fired,
// timers-registered, timers-pending, control-records-sent, control-records-received.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "eddy/collector.h"
#include "eddy/coordinator.h"
#include "eddy/envelope.h"
#include "eddy/kv_store.h"
#include "eddy/metrics.h"
#include "eddy/timers.h"
#include "runtime/container/timer_store.h"
#include "runtime/container/watermark_tracker.h"

namespace eddy::runtime {

struct TimeOptions {
  WatermarkTracker::Options watermark;
  int64_t timer_check_ms = 100;       // task.timer.check.ms
  int64_t max_timers = 10'000'000;    // task.timers.max
  int64_t control_interval_ms = 100;  // task.watermark.control.interval.ms
};

class TaskTimeService final : public TimerService {
 public:
  // `store` (nullable: the task uses no timers; its watermark is then not persisted) is the
  // task's __eddy_timers store; `timer_task` / `listener` (nullable) the task's interfaces.
  TaskTimeService(std::string task_name, TimeOptions options, KeyValueStoreBytes* store,
                  TimerTask* timer_task, WatermarkListenerTask* listener, MetricsRegistry* metrics);

  // Setup: an input partition (its index is returned); `writers` > 0 for an intermediate one.
  int AddInput(const SystemStream& stream, bool intermediate, int32_t writers, int64_t now_ms);
  // Setup: an intermediate stream this task writes watermarks into (every partition).
  void AddControlOutput(const SystemStream& stream, int32_t partitions, int32_t writers);
  // After the stores are restored: the persisted watermark and timers.
  absl::Status Load();

  // A data message of input `input`.
  void OnMessage(int input, const IncomingMessageEnvelope& env, int64_t now_ms) {
    if (intermediate_[input]) {
      tracker_.OnActivity(input, now_ms);
      return;
    }
    const EventTimeExtractor* x = extractor_of_[input];
    tracker_.OnEvent(input, x ? (*x)(env) : env.timestamp(), now_ms);
  }
  // A control record of input `input`; an error names the record.
  absl::Status OnControl(int input, const IncomingMessageEnvelope& env, int64_t now_ms);
  void SetCaughtUp(int input, bool caught_up) { tracker_.SetCaughtUp(input, caught_up); }
  void SetEnded(int input) { tracker_.SetEnded(input); }

  // Between batches: recompute the watermark, fire due event-time timers (then OnWatermark on
  // an advance), due processing-time timers (every timer_check_ms), and send control records.
  // `send` sends through the task (its writer, inside its transaction).
  absl::Status Tick(int64_t now_ms, MessageCollector& collector, TaskCoordinator& coordinator);
  // Before every commit of the task: the watermark into the timer store.
  absl::Status BeforeCommit();
  // At an orderly stop (before the final commit): sends the control records that
  // task.watermark.control.interval.ms held back, so readers of the intermediate streams (the
  // next round of `eddy run --until-caught-up`, or the next start) learn the last watermark.
  absl::Status FlushControls(int64_t now_ms, MessageCollector& collector) {
    return SendControls(now_ms, collector, /*ignore_interval=*/true);
  }

  // TimerService
  absl::Status Register(TimeDomain domain, std::string_view key, int64_t timestamp_ms) override;
  absl::Status Delete(TimeDomain domain, std::string_view key, int64_t timestamp_ms) override;
  int64_t CurrentWatermark() const override { return tracker_.watermark(); }
  int64_t CurrentProcessingTime() const override;
  void SetEventTimeExtractor(const SystemStream& stream, EventTimeExtractor extractor) override;

  const WatermarkTracker& tracker() const { return tracker_; }

 private:
  absl::Status NeedsTimers(const char* what) const;
  absl::Status FireEventTimers(MessageCollector& collector, TaskCoordinator& coordinator);
  absl::Status FireProcessingTimers(int64_t now_ms, MessageCollector& collector,
                                    TaskCoordinator& coordinator);
  absl::Status SendControls(int64_t now_ms, MessageCollector& collector,
                            bool ignore_interval = false);

  struct ControlOutput {
    SystemStream stream;
    int32_t partitions = 0;
    int32_t writers = 0;
  };

  std::string task_;
  TimeOptions opt_;
  WatermarkTracker tracker_;
  std::unique_ptr<TimerStore> timers_;  // null without a store
  TimerTask* timer_task_;
  WatermarkListenerTask* listener_;
  std::vector<SystemStream> input_streams_;
  std::vector<bool> intermediate_;
  std::vector<const EventTimeExtractor*> extractor_of_;
  std::map<SystemStream, std::unique_ptr<EventTimeExtractor>> extractors_;
  std::vector<ControlOutput> control_outputs_;
  bool event_check_ = false;  // a registration may be due already
  int64_t next_processing_check_ms_ = 0;
  int64_t last_control_ms_ = 0;
  int64_t last_control_watermark_ = kNoWatermark;
  bool last_control_idle_ = false;  // whether the last control records sent said idle=1
  bool sent_control_ = false;       // whether any control record was sent yet
  Gauge* watermark_gauge_;
  Counter* fired_;
  Counter* registered_;
  Gauge* pending_;
  Counter* controls_sent_;
  Counter* controls_received_;
};

}  // namespace eddy::runtime
