// MessageCollector: where a task sends its output. The runtime implements it; a task uses only
// the collector handed to the current call (Process, Window, OnEndOfStream).
#pragma once

#include "absl/status/status.h"
#include "eddy/envelope.h"

namespace eddy {

class MessageCollector {
 public:
  virtual ~MessageCollector();
  // Queues `envelope` for its stream. The send is asynchronous: it is flushed at the latest at the
  // next commit, and a delivery failure fails the container (or is dropped and counted under
  // task.drop.producer.errors=true). A non-OK return is an immediate error (unknown system,
  // serialization failure, no serde for a typed payload) naming the stream.
  virtual absl::Status Send(OutgoingMessageEnvelope envelope) = 0;
};

}  // namespace eddy
