// ProducerStateManager: producer ids for the Kafka listener's idempotent producers when the
// broker runs without a transaction coordinator (unit tests). Ids come from a high-water mark
// persisted in the data directory (`kafka_producer_ids`, FORMAT.md section 10), so they are
// never reused after a restart. eddy-logd passes its TransactionCoordinator instead, which
// keeps the same file. The per-partition producer state (sequences, epochs, transactions) is
// the storage layer's (log-store/storage/producer_state.h), for both APIs.
// Broker-wide, shared by every connection; thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"

namespace eddy::kafka {

class ProducerStateManager {
 public:
  // `state_file` keeps the producer-id high-water mark (created when missing).
  static absl::StatusOr<std::unique_ptr<ProducerStateManager>> Open(const std::string& state_file);

  // A fresh producer id (epoch 0). Persists a new block reservation when needed.
  absl::StatusOr<int64_t> NextProducerId();

 private:
  explicit ProducerStateManager(std::string state_file) : state_file_(std::move(state_file)) {}
  absl::Status PersistHighWater(int64_t hw);

  std::string state_file_;
  std::mutex mu_;
  int64_t next_id_ = 0;
  int64_t reserved_until_ = 0;
};

}  // namespace eddy::kafka
