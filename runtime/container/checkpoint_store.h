// CheckpointStore: reads and writes task checkpoints in `__eddy_checkpoint_<job>` (compacted,
// one partition, key = task name, value = Checkpoint JSON; see runtime/checkpoint/checkpoint.h).
// Used by the container at start (ReadAll) and on every commit (Write).
#pragma once

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
  // The latest checkpoint of every task (reads the topic from its start to its end).
  absl::StatusOr<std::map<std::string, Checkpoint>> ReadAll();
  // Queues a checkpoint on the system's producer; durable after the producer's Flush().
  absl::Status Write(const std::string& task, const Checkpoint& cp);
  const std::string& topic() const { return topic_; }

 private:
  SystemsHub* hub_;
  std::string system_;
  std::string topic_;
};

}  // namespace eddy::runtime
