// The task interfaces a job author implements (Samza's low-level API). A task class derives from
// StreamTask and optionally from the other interfaces; the runtime finds them with dynamic_cast.
//
//   class WordCount : public eddy::StreamTask, public eddy::InitableTask {
//    public:
//     absl::Status Init(eddy::Context& context) override;
//     absl::Status Process(const eddy::IncomingMessageEnvelope& envelope,
//                          eddy::MessageCollector& collector,
//                          eddy::TaskCoordinator& coordinator) override;
//   };
//   EDDY_REGISTER_TASK(WordCount);   // see registry.h
//
// One instance per task (input partition group). The runtime calls one method at a time per
// instance, from its run loop (Window never runs concurrently with Process).
//
// Errors: return a non-OK absl::Status to fail. The container then stops without advancing the
// task's checkpoint (so input is re-processed after restart). A C++ exception thrown out of any of
// these methods is caught by the runtime and treated exactly like a non-OK status (its what()
// becomes the message); do not rely on that for control flow.
#pragma once

#include "absl/status/status.h"
#include "eddy/collector.h"
#include "eddy/coordinator.h"
#include "eddy/envelope.h"

namespace eddy {

class Context;

class StreamTask {
 public:
  virtual ~StreamTask();
  // Called for every input message, in offset order per partition.
  virtual absl::Status Process(const IncomingMessageEnvelope& envelope, MessageCollector& collector,
                               TaskCoordinator& coordinator) = 0;
};

class InitableTask {
 public:
  virtual ~InitableTask();
  // Called once before the first Process(), after the task's stores are restored.
  virtual absl::Status Init(Context& context) = 0;
};

class WindowableTask {
 public:
  virtual ~WindowableTask();
  // Called every task.window.ms (when > 0), between Process() calls.
  virtual absl::Status Window(MessageCollector& collector, TaskCoordinator& coordinator) = 0;
};

class ClosableTask {
 public:
  virtual ~ClosableTask();
  // Called once at orderly shutdown, after the last Process/Window and before the final commit.
  virtual absl::Status Close() = 0;
};

class EndOfStreamListenerTask {
 public:
  virtual ~EndOfStreamListenerTask();
  // Called once when every input partition of the task has reached end of stream (bounded input).
  virtual absl::Status OnEndOfStream(MessageCollector& collector, TaskCoordinator& coordinator) = 0;
};

}  // namespace eddy
