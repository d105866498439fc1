// CheckpointStore: reads and writes task checkpoints in `__eddy_checkpoint_<job>` (compacted,
// one partition, key = task name, value = Checkpoint JSON; see runtime/checkpoint/checkpoint.h).
// Used by the container at start (ReadAll) and by its commit protocol (Write, through the task's
// own writer so the record is part of the task's transaction).
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "runtime/checkpoint/checkpoint.h"
#include "runtime/container/systems_hub.h"

namespace eddy::runtime {

class CheckpointStore {
 public:
  CheckpointStore(SystemsHub* hub, std::string system, std::string topic)
      : hub_(hub), system_(std::move(system)), topic_(std::move(topic)) {}

  // Creates the topic when missing.
  absl::Status Init();
  // The latest committed checkpoint of every task: reads the topic read_committed from its start
  // to the end offset it has when called (waiting, at most `wait`, for transactions open on it
  // to end; a dead producer's is aborted by the log store after its transaction timeout).
  absl::StatusOr<std::map<std::string, Checkpoint>> ReadAll(
      std::chrono::milliseconds wait = std::chrono::seconds(90));
  // Queues a checkpoint on `producer` (the task's writer); durable after its Flush(), visible
  // to ReadAll after its CommitTransaction() when it is in a transaction.
  absl::Status Write(SystemProducer* producer, const std::string& task, const Checkpoint& cp);
  const std::string& topic() const { return topic_; }

 private:
  SystemsHub* hub_;
  std::string system_;
  std::string topic_;
};

}  // namespace eddy::runtime
