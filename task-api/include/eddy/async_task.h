// AsyncStreamTask (Samza's AsyncStreamTask): a task whose processing of a message completes
// later, e.g. after a remote call, with up to task.max.concurrency (default 1) messages of the
// task in flight at once.
//
//   class Lookup : public eddy::AsyncStreamTask {
//    public:
//     void ProcessAsync(const eddy::IncomingMessageEnvelope& envelope,
//                       eddy::MessageCollector& collector, eddy::TaskCoordinator& coordinator,
//                       std::shared_ptr<eddy::TaskCallback> callback) override {
//       client_.Get(key, [&collector, callback](Result r) {
//         collector.Send(...);       // allowed from any thread until Complete()
//         callback->Complete();
//       });
//     }
//   };
//   EDDY_REGISTER_TASK(Lookup);   // registry.h: an AsyncStreamTask is a StreamTask
//
// Rules the runtime keeps:
// - ProcessAsync is called on the run loop, in offset order per partition; it should start the
//   work and return. The envelope it is given stays valid until the callback completes.
// - At most task.max.concurrency messages of one task are in flight; the run loop stops
//   dispatching to that task until one completes (backpressure).
// - A checkpoint never passes an unfinished message: the offset checkpointed for a partition is
//   one past the longest run of completed messages from the last checkpoint. A commit waits for
//   in-flight messages of the task to complete (bounded by task.callback.timeout.ms).
// - A callback neither completed nor failed within task.callback.timeout.ms (default 60000)
//   fails the container (the error names the task, the partition and the offset), like a failed
//   Process(); nothing after it is checkpointed.
// - Complete() or Failure() once; a second call is ignored and counted
//   (metric task.<name>.callbacks-completed-twice). Failure(status) fails the container.
// - MessageCollector::Send may be called from any thread until that message's callback
//   completes. Window/Commit/Close of the task run only when it has nothing in flight.
// - With task.max.concurrency=1 an AsyncStreamTask behaves like a StreamTask whose Process
//   returns when the callback completes.
// - AsyncStreamTask derives from StreamTask so one registry and task.class serve both; its
//   Process() (final) calls ProcessAsync and waits for the callback, for callers that only know
//   StreamTask. The container never calls it: it dispatches through ProcessAsync.
#pragma once

#include <memory>

#include "absl/status/status.h"
#include "eddy/collector.h"
#include "eddy/coordinator.h"
#include "eddy/envelope.h"
#include "eddy/task.h"

namespace eddy {

// Completion of one message of an AsyncStreamTask. Thread-safe; may outlive the call.
class TaskCallback {
 public:
  virtual ~TaskCallback();
  virtual void Complete() = 0;
  virtual void Failure(absl::Status status) = 0;
};

class AsyncStreamTask : public StreamTask {
 public:
  ~AsyncStreamTask() override;
  // Synchronous fallback: ProcessAsync, then wait for Complete (OK) or Failure (its status).
  absl::Status Process(const IncomingMessageEnvelope& envelope, MessageCollector& collector,
                       TaskCoordinator& coordinator) final;
  virtual void ProcessAsync(const IncomingMessageEnvelope& envelope, MessageCollector& collector,
                            TaskCoordinator& coordinator,
                            std::shared_ptr<TaskCallback> callback) = 0;
};

}  // namespace eddy
