// The value types of the high-level stream API (eddy/stream/): KV (a keyed message) and
// WindowPane (one window's result). Used by job authors in their Map/Aggregate functions.
#pragma once

#include <cstdint>
#include <utility>

namespace eddy::stream {

// A keyed message: what an input stream, PartitionBy and a keyed aggregate carry.
template <class K, class V>
struct KV {
  K key;
  V value;

  friend bool operator==(const KV&, const KV&) = default;
};

template <class K, class V>
KV<K, V> MakeKV(K key, V value) {
  return KV<K, V>{std::move(key), std::move(value)};
}

// Why a pane was emitted.
enum class PaneKind {
  kUpdate,      // an update of a window that has not closed yet (trigger kEveryUpdate)
  kFinal,       // the window closed: the watermark passed its end (or a count window filled up)
  kLateUpdate,  // an event within the allowed lateness changed a closed window
};

// One window's result for one key. Time windows: [start, end) in event time ms. Session windows:
// start = the first event's time, end = the last event's time + gap. Count windows: start and
// end are the first and last event's times, `sequence` numbers the key's windows from 0.
template <class K, class A>
struct WindowPane {
  K key;
  int64_t start = 0;
  int64_t end = 0;
  A value;                     // the aggregate
  int64_t count = 0;           // events in the window
  int64_t max_event_time = 0;  // the latest event time in the window
  int64_t sequence = 0;        // count windows only
  PaneKind kind = PaneKind::kFinal;
};

}  // namespace eddy::stream
