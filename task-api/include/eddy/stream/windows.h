// Window definitions for MessageStream<KV<K, V>>::Window (eddy/stream/message_stream.h).
// Windows are per key, in event time (timers.h: the record timestamp or the input's extractor),
// and close on the task's watermark, except count windows, which close on their n-th event.
//
//   Tumbling(size):          [k*size, (k+1)*size)
//   Hopping(size, advance):  [k*advance, k*advance + size), every window containing the event
//   Session(gap):            events of a key closer than `gap` apart form one session; the
//                            session [first, last + gap) closes when the watermark reaches
//                            last + gap. Sessions that an event bridges are merged.
//   CountWindow(n):          every n events of a key (in arrival order) form one window.
//
// Time semantics (the reference every test and script of the examples follows):
//  * a time window [start, end) closes when the watermark reaches end (watermark >= end); with
//    Trigger::kOnWatermark its pane is emitted then, once (PaneKind::kFinal);
//  * an event is late when its window has closed; within the allowed lateness (watermark <
//    end + allowed_lateness) it updates the window, and the new pane is emitted at once
//    (PaneKind::kLateUpdate); beyond it the event goes to the late side output unchanged. The
//    window's state is removed when the watermark reaches end + allowed_lateness. A session
//    event is merged into the sessions it touches first, and is late when the merged session
//    has closed (as Flink's merging windows);
//  * both kinds of late events are counted: metrics group "stream.<op id>", counters
//    "late-events-accepted" and "late-events-dropped";
//  * Trigger::kEveryUpdate emits the pane after every event (PaneKind::kUpdate; late ones
//    within the lateness kLateUpdate) and nothing at close.
#pragma once

#include <cstdint>

namespace eddy::stream {

enum class WindowKind { kTumbling, kHopping, kSession, kCount };

enum class Trigger {
  kOnWatermark,  // final pane on close, plus one per accepted late event
  kEveryUpdate,  // a pane after every event
};

struct WindowSpec {
  WindowKind kind = WindowKind::kTumbling;
  int64_t size_ms = 0;     // tumbling, hopping: window length
  int64_t advance_ms = 0;  // hopping: distance between window starts (tumbling: = size)
  int64_t gap_ms = 0;      // session
  int64_t count = 0;       // count windows: events per window
  int64_t allowed_lateness_ms = 0;
  Trigger trigger = Trigger::kOnWatermark;

  WindowSpec& AllowedLateness(int64_t ms) {
    allowed_lateness_ms = ms;
    return *this;
  }
  WindowSpec& EmitEveryUpdate() {
    trigger = Trigger::kEveryUpdate;
    return *this;
  }
  WindowSpec& EmitOnWatermark() {
    trigger = Trigger::kOnWatermark;
    return *this;
  }
};

inline WindowSpec Tumbling(int64_t size_ms) {
  WindowSpec w;
  w.kind = WindowKind::kTumbling;
  w.size_ms = size_ms;
  w.advance_ms = size_ms;
  return w;
}
inline WindowSpec Hopping(int64_t size_ms, int64_t advance_ms) {
  WindowSpec w;
  w.kind = WindowKind::kHopping;
  w.size_ms = size_ms;
  w.advance_ms = advance_ms;
  return w;
}
inline WindowSpec Session(int64_t gap_ms) {
  WindowSpec w;
  w.kind = WindowKind::kSession;
  w.gap_ms = gap_ms;
  return w;
}
inline WindowSpec CountWindow(int64_t n) {
  WindowSpec w;
  w.kind = WindowKind::kCount;
  w.count = n;
  return w;
}

}  // namespace eddy::stream
