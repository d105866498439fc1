// TimerStore: one task's timers and persisted watermark, kept in the task's timer store
// (runtime/job/internal_stores.h: store __eddy_timers, changelogged like any store, restored
// with the task's other stores). The timers are also held in memory, sorted per domain by
// (timestamp, key), so the due ones are found without reading the store. Format of the keys
// (runtime/STATE_FORMAT.md "Timer store"):
//   "w"                                   → the task watermark, 8 bytes big-endian two's complement
//   "s"                                   → the source watermark (what the task sends into
//                                           intermediate streams), same encoding; absent in
//                                           stores written before it
//   "t" <domain> <8 bytes ts> <user key>  → "" (a timer); domain 'e' event time, 'p' processing
//                                           time; ts big-endian with the sign bit flipped, so byte
//                                           order is timestamp order
// Used by TaskTimeService (task_time_service.h) on the run loop only (not thread-safe).
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "eddy/kv_store.h"
#include "eddy/timers.h"

namespace eddy::runtime {

class TimerStore {
 public:
  // `store` (not owned) holds the state; `max_timers` bounds the timers held (task.timers.max).
  TimerStore(KeyValueStoreBytes* store, int64_t max_timers)
      : store_(store), max_timers_(max_timers) {}

  // Reads every timer and the watermark from the store (after its restore).
  absl::Status Load();

  // Adds a timer (a no-op when it exists). ResourceExhausted naming task.timers.max when full.
  absl::Status Add(TimeDomain domain, std::string_view key, int64_t timestamp_ms);
  absl::Status Remove(TimeDomain domain, std::string_view key, int64_t timestamp_ms);
  // Removes and returns the earliest timer of `domain` with timestamp <= `up_to_ms` (nullopt:
  // none due). The removal is written to the store before it returns.
  absl::StatusOr<std::optional<TimerKey>> PopDue(TimeDomain domain, int64_t up_to_ms);

  int64_t watermark() const { return watermark_; }  // kNoWatermark when never persisted
  // Writes the watermark to the store when it differs from the persisted one.
  absl::Status PersistWatermark(int64_t watermark_ms);
  // The same for the source watermark (WatermarkTracker::source_watermark()).
  int64_t source_watermark() const { return source_watermark_; }
  absl::Status PersistSourceWatermark(int64_t watermark_ms);

  size_t size(TimeDomain domain) const { return Set(domain).size(); }
  size_t size() const { return event_.size() + processing_.size(); }

  // The byte encodings above (public for the tests and the doc).
  static std::string TimerKeyBytes(TimeDomain domain, std::string_view key, int64_t ts);
  static std::string EncodeInt64(int64_t v);  // big-endian two's complement
  static int64_t DecodeInt64(std::string_view b);

 private:
  using Timers = std::set<std::pair<int64_t, std::string>, std::less<>>;
  Timers& Set(TimeDomain d) { return d == TimeDomain::kEventTime ? event_ : processing_; }
  const Timers& Set(TimeDomain d) const {
    return d == TimeDomain::kEventTime ? event_ : processing_;
  }

  KeyValueStoreBytes* store_;
  int64_t max_timers_;
  Timers event_, processing_;
  absl::Status LoadInt64(const char* key, const char* what, int64_t* out);

  int64_t watermark_ = kNoWatermark;
  int64_t source_watermark_ = kNoWatermark;
};

}  // namespace eddy::runtime
