// ProducerStateManager: idempotent-producer support for the Kafka listener. Hands out producer
// ids (InitProducerId) from a high-water mark persisted in the data directory, so ids are never
// reused after a restart, and tracks per (producer id, topic, partition) the epoch and the last
// five batches' sequence ranges, to drop retried batches (answering with the original offset)
// and refuse gaps. That per-partition state is rebuilt from the log the way Kafka does it: the
// first idempotent batch a partition sees after a (re)start makes RecoverPartition scan the
// partition's tail batches for their producer id / epoch / base sequence, so a batch retried
// across a broker restart (clean or kill -9) is still recognised as a duplicate.
// Broker-wide, shared by every connection; thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <tuple>

#include "absl/status/statusor.h"
#include "log-store/storage/partition_log.h"

namespace eddy::kafka {

class ProducerStateManager {
 public:
  // `state_file` keeps the producer-id high-water mark (created when missing).
  static absl::StatusOr<std::unique_ptr<ProducerStateManager>> Open(const std::string& state_file);

  // A fresh producer id (epoch 0). Persists a new block reservation when needed.
  absl::StatusOr<int64_t> NextProducerId();

  enum class Verdict { kAppend, kDuplicate, kOutOfOrder, kInvalidEpoch };
  struct Check {
    Verdict verdict = Verdict::kAppend;
    int64_t duplicate_base_offset = -1;  // for kDuplicate: the offset the original got
  };
  // Decides what to do with a batch of (pid, epoch, first_seq .. first_seq+count-1). The caller
  // holds PartitionLock(topic, partition) across Check, the append and Record.
  Check CheckBatch(const std::string& topic, int32_t partition, int64_t pid, int16_t epoch,
                   int32_t first_seq, int32_t count);
  // Records an appended batch.
  void Record(const std::string& topic, int32_t partition, int64_t pid, int16_t epoch,
              int32_t first_seq, int32_t count, int64_t base_offset);
  std::mutex& PartitionLock(const std::string& topic, int32_t partition);

  // Rebuilds the state of every producer of `log` from its last `max_scan_offsets` offsets (the
  // last five batches per producer id), once per partition per broker run; later calls return
  // at once. The caller holds PartitionLock and calls it before CheckBatch. A read error is
  // returned (and the scan is retried next time).
  absl::Status RecoverPartition(const logstore::PartitionLog& log,
                                int64_t max_scan_offsets = kDefaultRecoveryScanOffsets);
  static constexpr int64_t kDefaultRecoveryScanOffsets = 1000000;

 private:
  explicit ProducerStateManager(std::string state_file) : state_file_(std::move(state_file)) {}
  absl::Status PersistHighWater(int64_t hw);

  struct BatchEntry {
    int32_t first_seq;
    int32_t last_seq;
    int64_t base_offset;
  };
  struct PartitionProducer {
    int16_t epoch = 0;
    std::deque<BatchEntry> recent;  // last five, oldest first
  };
  using Key = std::tuple<int64_t, std::string, int32_t>;

  std::string state_file_;
  std::mutex mu_;
  int64_t next_id_ = 0;
  int64_t reserved_until_ = 0;
  std::map<Key, PartitionProducer> producers_;
  std::map<std::pair<std::string, int32_t>, std::unique_ptr<std::mutex>> partition_locks_;
  std::set<std::pair<std::string, int32_t>> recovered_;  // partitions RecoverPartition scanned
};

}  // namespace eddy::kafka
