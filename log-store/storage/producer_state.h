// ProducerStateTable: the producer state of one partition, for idempotence and transactions,
// shared by the native API and the Kafka listener (both append through PartitionLog). Per
// producer id: the epoch the partition knows (an older one is refused), the sequence ranges of
// its last five batches (a retry is answered as a duplicate with the original offsets, a gap is
// refused), and the first offset of its open transaction here. The partition's last stable
// offset is the smallest such first offset (else the high watermark).
// Rebuilt after a restart from a snapshot written when a segment rolls plus a scan of the log
// after it (FORMAT.md "Transactions"). Owned by PartitionLogImpl, guarded by its append lock.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "log-store/storage/partition_log.h"
#include "log-store/storage/record_batch.h"

namespace eddy::logstore {

// Where the storage layer's errors carry their Kafka error name (the same URL as
// log-store/client/producer.h kReasonPayloadUrl and the coordinator's kTxnReasonPayloadUrl).
inline constexpr char kStorageReasonPayloadUrl[] = "type.eddy.dev/logstore.reason";
// `s` with `reason` attached.
absl::Status WithReasonStatus(absl::Status s, std::string_view reason);
// The reason attached to `s`, "" when none.
std::string ReasonOf(const absl::Status& s);

// The control record of a marker batch: type 0 = abort, 1 = commit.
inline constexpr int16_t kControlAbort = 0;
inline constexpr int16_t kControlCommit = 1;
// The type of the control batch `batch` (its first record's key), or an error.
absl::StatusOr<int16_t> ControlBatchType(std::string_view batch);
// One marker batch: pid/epoch stamped, attributes transactional|control, one record.
std::string BuildControlBatch(int64_t producer_id, int16_t producer_epoch, int16_t type,
                              int32_t coordinator_epoch, int64_t timestamp_ms);

class ProducerStateTable {
 public:
  enum class Verdict { kAppend, kDuplicate, kOutOfOrder, kInvalidEpoch };
  struct Check {
    Verdict verdict = Verdict::kAppend;
    int64_t duplicate_base_offset = -1;  // kDuplicate: the original's offsets (-1 = unknown)
    int64_t duplicate_last_offset = -1;
    int16_t known_epoch = -1;  // kInvalidEpoch: the partition's epoch for the pid
  };

  // What to do with a data batch of producer `h.producer_id` (>= 0).
  Check CheckBatch(const BatchHeader& h) const;
  // Records a batch written at h.base_offset..h.last_offset(): sequence window, epoch, and the
  // open transaction (a transactional data batch opens one; a control batch closes it). For a
  // control batch returns the first offset of the transaction it closed (-1 if none was open).
  // `now_ms` is the wall clock of the write; ExpireIdle measures idleness from it.
  int64_t Apply(const BatchHeader& h, int64_t now_ms);
  // Forgets every producer with no open transaction here whose last write was at or before
  // now_ms - expiration_ms (Kafka's producer.id.expiration.ms), so the table stays bounded by the
  // producers active within that time. A forgotten producer that writes again is treated as a new
  // one: its next batch is accepted whatever its sequence (as Kafka does after expiry), so a retry
  // of a batch older than the expiration can be appended twice. Returns how many were forgotten.
  size_t ExpireIdle(int64_t now_ms, int64_t expiration_ms);
  size_t producer_count() const { return producers_.size(); }
  // Whether `pid` has a transaction open here, and its first offset (-1 when none).
  bool HasOpenTxn(int64_t pid) const { return OpenTxnFirstOffset(pid) >= 0; }
  int64_t OpenTxnFirstOffset(int64_t pid) const;
  // Smallest first offset over the open transactions, -1 when none.
  int64_t FirstOpenOffset() const;
  std::vector<PartitionProducerState> States() const;

  // Snapshot at log offset `offset` (the state after every batch below it), CRC'd.
  std::string Serialize(int64_t offset) const;
  // Parses Serialize()'s output; DataLoss naming `what` when malformed. *offset gets its offset.
  static absl::StatusOr<ProducerStateTable> Parse(std::string_view data, std::string_view what,
                                                  int64_t* offset);

 private:
  struct BatchEntry {
    int32_t first_seq;
    int32_t last_seq;
    int64_t base_offset;
    int64_t last_offset;
  };
  struct Producer {
    int16_t epoch = -1;
    std::deque<BatchEntry> recent;  // last five, oldest first
    int64_t open_txn_first = -1;
    // Wall clock of the last Apply; 0 = unknown (restored from a snapshot, which does not keep
    // it): the next ExpireIdle starts its expiration period.
    int64_t last_write_ms = 0;
  };
  std::map<int64_t, Producer> producers_;
  std::map<int64_t, int64_t> open_;  // first offset -> pid
};

}  // namespace eddy::logstore
