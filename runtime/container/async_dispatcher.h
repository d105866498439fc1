// AsyncDispatcher: the in-flight messages of one AsyncStreamTask (eddy/async_task.h) and the
// bookkeeping that keeps its checkpoints behind every unfinished message. The container's run
// loop Start()s a message (at most task.max.concurrency in flight: Full() is the backpressure),
// the task completes it from any thread through its TaskCallback, and the run loop's Drain()
// applies completions: for each input partition the checkpoint offset (the task's next offset,
// owned by the container) moves to one past the longest run of completed messages, never past
// an unfinished one. Sends from other threads go through Collector(), which queues them; Drain
// sends them on the run loop BEFORE applying the completions that follow them, so a checkpoint
// that passes a message always covers its outputs (same writer, same transaction). Drain fails
// with an error naming the task, the partition and the offset when a callback reported Failure
// or has been pending longer than task.callback.timeout.ms. A second Complete/Failure of one
// callback is ignored and counted (task.<name>.callbacks-completed-twice).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "eddy/async_task.h"
#include "eddy/collector.h"
#include "eddy/envelope.h"
#include "eddy/metrics.h"

namespace eddy::runtime {

class AsyncDispatcher {
 public:
  struct Options {
    int32_t max_concurrency = 1;          // task.max.concurrency
    int64_t callback_timeout_ms = 60000;  // task.callback.timeout.ms
  };

  // `direct` is the task's collector on the run loop (the thread constructing this).
  AsyncDispatcher(std::string task, Options options, MessageCollector* direct,
                  MetricsRegistry* metrics);
  ~AsyncDispatcher();

  // An input partition; `next_offset` is its checkpoint offset (moved by Drain only).
  int AddPartition(std::string what, int64_t* next_offset);

  bool Full() const { return in_flight_ >= opt_.max_concurrency; }
  int64_t in_flight() const { return in_flight_; }

  // One message of `partition` at `offset`: the envelope (and `owner`, which keeps its bytes)
  // is kept until the message completes; returns it and its callback for ProcessAsync.
  struct Started {
    const IncomingMessageEnvelope* envelope;
    std::shared_ptr<TaskCallback> callback;
  };
  Started Start(int partition, int64_t offset, const IncomingMessageEnvelope& envelope,
                std::shared_ptr<const void> owner);
  // A message of `partition` the task never sees (dropped, a control record): done at once,
  // in order with the others.
  void Skip(int partition, int64_t offset);

  // Applies what completed (queued sends first). Error: a Failure, a timed-out callback, a
  // failed queued send.
  absl::Status Drain();
  // Waits up to `timeout` for a completion (or queued send) to arrive.
  void WaitAny(std::chrono::milliseconds timeout);
  // Drains until nothing is in flight; the callback timeout bounds it.
  absl::Status DrainAll();

  // The collector to hand to ProcessAsync: thread-safe (queues sends from other threads).
  MessageCollector& collector();

 private:
  struct Shared;
  class Callback;
  class QueueingCollector;
  struct Entry {
    int64_t offset = 0;
    bool done = false;
    std::chrono::steady_clock::time_point started;
    IncomingMessageEnvelope envelope;
    std::shared_ptr<const void> owner;
  };
  struct Partition {
    std::string what;
    int64_t* next_offset = nullptr;
    uint64_t first_seq = 0;  // seq of entries.front()
    std::deque<Entry> entries;
  };
  absl::Status CheckTimeouts();

  std::string task_;
  Options opt_;
  std::shared_ptr<Shared> shared_;
  std::unique_ptr<QueueingCollector> collector_;
  std::vector<Partition> partitions_;
  int64_t in_flight_ = 0;
  Gauge* in_flight_gauge_;
  Counter* completed_;
  Counter* twice_;
};

}  // namespace eddy::runtime
