// Event time, watermarks and timers for tasks (both the low-level StreamTask API and the
// high-level stream API in eddy/stream/, which is built on these).
//
// Event time. Every incoming message has an event time: the record timestamp, or what the
// task's EventTimeExtractor for that input stream returns (TimerService::SetEventTimeExtractor).
//
// Watermarks (per task). For each input partition the runtime keeps the largest event time seen
// so far; the partition's watermark is that minus task.watermark.max.out.of.orderness.ms
// (default 0). The task's watermark is the minimum over its input partitions, monotonic (it never
// goes back), and it survives restore (kept in the task's timer state, changelogged like a
// store). A partition that has delivered nothing for task.watermark.idle.timeout.ms (default
// 30000) while the task is caught up on it is idle and does not hold the watermark back; it
// takes part again with its next message. A partition that has delivered nothing ever holds
// the watermark at kNoWatermark until it turns idle.
//
// Intermediate streams (streams.<id>.samza.intermediate=true, created by the high-level API's
// partition_by) carry the watermark across tasks: every task writing into one sends control
// records holding its watermark to every partition of it, and a reader's watermark for such a
// partition is the minimum over the writers it was told about (Samza's WatermarkMessage). A
// writer whose inputs are all idle (also one that never saw an event) says so in its control
// records, and readers leave it out of that minimum until it is active again; a partition whose
// writers are all idle is idle itself (runtime/STATE_FORMAT.md). Control records are consumed by
// the runtime and never reach Process().
//
// Timers. A timer is (domain, key, timestamp). An event-time timer fires when the task's
// watermark reaches its timestamp; a processing-time timer when the wall clock does (checked
// between messages, at least every task.timer.check.ms, default 100). Timers are kept in the
// task's timer state (restored with the stores), fire at most once per registration, in
// timestamp order per domain, on the run loop (never concurrently with Process or Window), and
// are delivered to TimerTask::OnTimer. Registering an existing (domain, key, timestamp) again is a
// no-op. A fired timer is removed from the timer state; a crash before the next checkpoint fires
// it again (at-least-once, like message processing; processing.guarantee=exactly_once makes it
// exact together with the stores and outputs).
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "eddy/collector.h"
#include "eddy/coordinator.h"
#include "eddy/envelope.h"
#include "eddy/system_stream.h"

namespace eddy {

// The watermark before any event time is known.
inline constexpr int64_t kNoWatermark = std::numeric_limits<int64_t>::min();

enum class TimeDomain {
  kEventTime,       // fires on the task's watermark
  kProcessingTime,  // fires on the wall clock (ms since the epoch)
};

// Returns the event time (ms since the epoch) of a message; the record timestamp when it has no
// better one. Must be cheap and must not throw.
using EventTimeExtractor = std::function<int64_t(const IncomingMessageEnvelope&)>;

struct TimerKey {
  TimeDomain domain = TimeDomain::kEventTime;
  std::string key;        // the user's key bytes (a window key, a session key, ...)
  int64_t timestamp = 0;  // ms
};

// The task's clock and timers. Obtained from Context::timers(); valid for the task's lifetime;
// call it only from the task's own methods (the run loop thread).
class TimerService {
 public:
  virtual ~TimerService();
  // Registers a timer; fails only when the timer state cannot be written (the error names it).
  virtual absl::Status Register(TimeDomain domain, std::string_view key, int64_t timestamp_ms) = 0;
  // Deletes a timer; deleting one that does not exist is OK.
  virtual absl::Status Delete(TimeDomain domain, std::string_view key, int64_t timestamp_ms) = 0;
  // The task's current watermark (kNoWatermark before any).
  virtual int64_t CurrentWatermark() const = 0;
  // The wall clock the processing-time timers use (ms since the epoch).
  virtual int64_t CurrentProcessingTime() const = 0;
  // Uses `extractor` for the event time of messages of `stream` (all its partitions) from now on.
  // Call it from InitableTask::Init.
  virtual void SetEventTimeExtractor(const SystemStream& stream, EventTimeExtractor extractor) = 0;
};

// Implemented by a task that registers timers.
class TimerTask {
 public:
  virtual ~TimerTask();
  virtual absl::Status OnTimer(const TimerKey& timer, MessageCollector& collector,
                               TaskCoordinator& coordinator) = 0;
};

// Implemented by a task that wants to hear of every advance of its watermark (called after the
// due event-time timers fired).
class WatermarkListenerTask {
 public:
  virtual ~WatermarkListenerTask();
  virtual absl::Status OnWatermark(int64_t watermark_ms, MessageCollector& collector,
                                   TaskCoordinator& coordinator) = 0;
};

}  // namespace eddy
