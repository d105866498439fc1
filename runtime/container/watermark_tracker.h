// WatermarkTracker: the watermark of one task from its input partitions (eddy/timers.h). Each
// partition has a watermark: for a plain input, the largest event time seen minus
// task.watermark.max.out.of.orderness.ms; for a partition of an intermediate stream, the minimum
// over the non-idle writers of the watermarks their control records carried (control_records.h),
// once every writer was heard of (kNoWatermark before). A writer that said idle=1 is left out
// until its next record without it; a partition whose writers were all heard of and are all idle
// is itself idle (its watermark: the largest writer watermark), and its idle records do not count
// as activity for the idle timeout. The task's watermark is the minimum over its
// non-idle partitions; when every partition is idle, the largest partition watermark (nothing
// is arriving that could be older). It never goes back; Restore() sets its floor (the persisted
// watermark). A partition is idle when it delivered nothing (no message, no control record) for
// task.watermark.idle.timeout.ms while the task is caught up on it; its next message makes it
// take part again. Pure bookkeeping with times passed in, no clock and no threads: used by
// TaskTimeService (task_time_service.h) on the run loop, and unit-tested alone.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "eddy/timers.h"

namespace eddy::runtime {

class WatermarkTracker {
 public:
  struct Options {
    int64_t max_out_of_orderness_ms = 0;  // task.watermark.max.out.of.orderness.ms
    int64_t idle_timeout_ms = 30000;      // task.watermark.idle.timeout.ms
  };

  explicit WatermarkTracker(Options options) : opt_(options) {}

  // Adds a partition (index returned, 0, 1, ...), last active at `now_ms`. `intermediate`: its
  // watermark comes from control records of `writers` writers (> 0), not from event times.
  int AddPartition(int64_t now_ms, bool intermediate = false, int32_t writers = 0);

  // A message of `partition` with event time `event_time_ms` arrived (a control-free input).
  void OnEvent(int partition, int64_t event_time_ms, int64_t now_ms) {
    Partition& p = partitions_[partition];
    if (event_time_ms > p.max_event_time) p.max_event_time = event_time_ms;
    p.last_active_ms = now_ms;
  }
  // A message of an intermediate partition: activity only (its event time does not count).
  void OnActivity(int partition, int64_t now_ms) { partitions_[partition].last_active_ms = now_ms; }
  // A control record of an intermediate partition: writer `writer` (of `writers`) reached
  // `watermark_ms`; `idle`: its inputs are all idle (left out of the minimum until a record
  // with idle false). A writer's watermark never goes back (an older one is ignored, its idle
  // flag is still taken); the writer count is the largest heard of. A non-idle record counts as
  // activity of the partition, an idle one does not.
  void OnWriterWatermark(int partition, const std::string& writer, int32_t writers,
                         int64_t watermark_ms, int64_t now_ms, bool idle = false);
  // Whether the task has read everything the partition had at its newest fetch.
  void SetCaughtUp(int partition, bool caught_up) { partitions_[partition].caught_up = caught_up; }
  // A bounded run (`--until-caught-up`) reached the partition's end target: it delivers nothing
  // more in this run, so it is idle at once instead of after the idle timeout. An intermediate
  // partition is idle then only once every writer was heard (before that, records of this round's
  // writers may still be on their way to the next round and must not be made late).
  void SetEnded(int partition) { partitions_[partition].ended = true; }

  // Recomputes the task watermark at `now_ms`; true when it advanced.
  bool Update(int64_t now_ms);
  int64_t watermark() const { return watermark_; }
  // The same minimum over the non-intermediate partitions only (what this task sends to the
  // intermediate streams it writes; kNoWatermark when it has none), monotonic too.
  int64_t source_watermark() const { return source_watermark_; }
  // Whether this task has non-intermediate partitions and all of them are idle at `now_ms` (it
  // then tells the intermediate streams it writes that it is idle).
  bool SourceIdle(int64_t now_ms) const;
  // Sets the floor of both watermarks (the value persisted before a restart).
  void Restore(int64_t watermark_ms);
  // Sets the floor of the source watermark only (its own persisted value).
  void RestoreSource(int64_t watermark_ms) {
    if (watermark_ms > source_watermark_) source_watermark_ = watermark_ms;
  }

  // The watermark of one partition (kNoWatermark before any) and whether it is idle at `now_ms`.
  int64_t PartitionWatermark(int partition) const;
  // Idle: caught up and silent for the idle timeout, or (intermediate) every writer heard of and
  // idle.
  bool Idle(int partition, int64_t now_ms) const;
  int size() const { return static_cast<int>(partitions_.size()); }

 private:
  struct Writer {
    int64_t watermark = kNoWatermark;
    bool idle = false;
  };
  struct Partition {
    bool intermediate = false;
    bool caught_up = false;
    bool ended = false;  // SetEnded
    int32_t writers = 0;
    int64_t max_event_time = kNoWatermark;
    int64_t last_active_ms = 0;
    std::map<std::string, Writer> writer_watermarks;
  };
  static bool AllWritersHeard(const Partition& p) {
    return p.writers > 0 && static_cast<int32_t>(p.writer_watermarks.size()) >= p.writers;
  }
  static bool AllWritersIdle(const Partition& p);
  static int64_t Compute(const std::vector<int64_t>& active, const std::vector<int64_t>& idle);

  Options opt_;
  std::vector<Partition> partitions_;
  int64_t watermark_ = kNoWatermark;
  int64_t source_watermark_ = kNoWatermark;
};

}  // namespace eddy::runtime
