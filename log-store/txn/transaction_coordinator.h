// TransactionCoordinator: Kafka-style transactions of eddy-logd, one coordinator per broker,
// shared by the native gRPC API (log-store/broker/log_store_service.cc) and the Kafka listener's
// InitProducerId / AddPartitionsToTxn / AddOffsetsToTxn / EndTxn / TxnOffsetCommit handlers.
//
// It maps a transactional id to its producer id (pid), current epoch and transaction state
// (Empty -> Ongoing -> PrepareCommit|PrepareAbort -> CompleteCommit|CompleteAbort), keeps that
// state durable in `<data-dir>/__transaction_state/txn-state.log` (CRC'd records, replayed on
// start; layout in log-store/FORMAT.md "Transactions"), and writes the commit / abort control
// batches (markers) into every partition of a transaction through the storage layer
// (PartitionLog::WriteTxnMarker). On start, a transaction found in PrepareCommit / PrepareAbort is
// completed (its markers written) before the broker serves; an Ongoing one keeps its start time
// and is aborted when its timeout passes.
//
// Fencing: every produce carrying a transactional pid is checked against the id's current epoch
// (CheckProduce), on every partition, inside a transaction or not; an older epoch is refused
// with reason PRODUCER_FENCED and counted. InitProducerId for an id that has an open
// transaction aborts it first (abort markers stamped with the bumped epoch, which also fences at
// the partition level), then answers.
//
// Errors are absl::Status whose message names the transactional id; the Kafka error name
// (PRODUCER_FENCED, INVALID_PRODUCER_EPOCH, INVALID_TXN_STATE, TRANSACTIONAL_ID_NOT_FOUND,
// TRANSACTION_TIMED_OUT, CONCURRENT_TRANSACTIONS, INVALID_TRANSACTION_TIMEOUT, ...) is attached
// as the payload kTxnReasonPayloadUrl (read it with TxnReason()), so the Kafka handlers map it to
// their error code and the native API copies it to PartitionError.reason.
//
// Thread-safe. A background thread (owned, joined by the destructor) aborts timed-out
// transactions.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace eddy::logstore {

class LogManager;
struct BatchHeader;

// Same URL as log-store/client/producer.h kReasonPayloadUrl: the broker's reason travels with it.
inline constexpr char kTxnReasonPayloadUrl[] = "type.eddy.dev/logstore.reason";
// The Kafka error name attached to `s` ("" when none).
std::string TxnReason(const absl::Status& s);
// `s` with `reason` attached (no-op for OK).
absl::Status WithTxnReason(absl::Status s, std::string_view reason);

enum class TxnState : int8_t {
  kEmpty = 0,
  kOngoing = 1,
  kPrepareCommit = 2,
  kPrepareAbort = 3,
  kCompleteCommit = 4,
  kCompleteAbort = 5,
};
// "Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort".
std::string_view TxnStateName(TxnState s);

struct TxnTopicPartition {
  std::string topic;
  int32_t partition = 0;
  friend bool operator<(const TxnTopicPartition& a, const TxnTopicPartition& b) {
    return a.topic != b.topic ? a.topic < b.topic : a.partition < b.partition;
  }
  friend bool operator==(const TxnTopicPartition& a, const TxnTopicPartition& b) {
    return a.topic == b.topic && a.partition == b.partition;
  }
};

// One offset of a TxnOffsetCommit, held until the transaction ends.
struct TxnPendingOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string metadata;
};

struct TransactionCoordinatorOptions {
  // The broker's data directory; the coordinator keeps its files under
  // `<data_dir>/__transaction_state/`.
  std::string data_dir;
  int64_t max_transaction_timeout_ms = 900000;  // --max-transaction-timeout-ms
  int64_t default_transaction_timeout_ms = 60000;
  int32_t max_transactional_ids = 100000;  // --max-transactional-ids
  int32_t max_partitions_per_txn = 10000;  // --max-partitions-per-transaction
  // How often the timer looks for transactions past their timeout.
  std::chrono::milliseconds timeout_check_interval{100};
  bool start_timer = true;  // tests may call AbortTimedOut() by hand
  // The state file is rewritten (only the latest record per id) past this size.
  int64_t state_file_compact_bytes = 8 << 20;
  // Applies a committed transaction's pending offsets to a group (TxnOffsetCommit). Unset: the
  // coordinator calls LogManager::CommitOffset (the offsets store shared by both APIs).
  std::function<absl::Status(const std::string& group, const TxnPendingOffset& o)> commit_offset;
};

struct ProducerIdAndEpoch {
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
};

struct TxnDescription {
  std::string transactional_id;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  TxnState state = TxnState::kEmpty;
  std::vector<TxnTopicPartition> partitions;  // of the open transaction
  std::vector<std::string> groups;            // AddOffsets of the open transaction
  int32_t timeout_ms = 0;
  int64_t start_time_ms = -1;  // of the open transaction, else -1
  int64_t commits = 0;         // since the broker started
  int64_t aborts = 0;
  int64_t fenced_requests = 0;  // produce / AddPartitions / EndTxn refused for an old epoch
};

struct TxnCounters {
  int64_t fenced_produce_refused = 0;  // batches refused: older epoch than the id's current
  int64_t fenced_end_txn_refused = 0;  // EndTxn refused: older epoch
  int64_t timed_out_aborts = 0;        // transactions the broker aborted after their timeout
};

class TransactionCoordinator {
 public:
  // Loads the durable state (creating the directory), completes transactions found in
  // PrepareCommit / PrepareAbort (writes their markers through `logs`) and starts the timer.
  // DataLoss when the state file is corrupt before its tail (a torn tail is cut and reported).
  static absl::StatusOr<std::unique_ptr<TransactionCoordinator>> Open(
      LogManager* logs, TransactionCoordinatorOptions options);
  ~TransactionCoordinator();  // stops and joins the timer

  // Kafka's InitProducerId. Without a transactional id: a new pid, epoch 0. With one:
  //  - a new id gets a new pid, epoch 0 (limit max_transactional_ids: RESOURCE_EXHAUSTED);
  //  - a known id: its open transaction (Ongoing) is aborted (markers written) and the epoch is
  //    bumped, fencing every earlier holder; a transaction in PrepareCommit/PrepareAbort is
  //    completed first. An epoch at 32766 rolls the id to a new pid, epoch 0.
  //  - `current` (KIP-360, InitProducerId v3+): when given and not the id's current pid/epoch
  //    (nor the epoch just before it, a retry), PRODUCER_FENCED.
  // `timeout_ms` <= 0 means the default; above max_transaction_timeout_ms:
  // InvalidArgument, reason INVALID_TRANSACTION_TIMEOUT. The state is durable before it returns.
  absl::StatusOr<ProducerIdAndEpoch> InitProducerId(
      const std::optional<std::string>& transactional_id, int32_t timeout_ms,
      std::optional<ProducerIdAndEpoch> current = std::nullopt);

  // Adds partitions to the id's transaction, beginning one (Ongoing, start time now) when none
  // is open. Durable before it returns. One status per partition, in order (Kafka answers per
  // partition); a request-level error (unknown id TRANSACTIONAL_ID_NOT_FOUND, old epoch
  // PRODUCER_FENCED, wrong pid INVALID_PRODUCER_ID_MAPPING, a transaction ending
  // CONCURRENT_TRANSACTIONS, over max_partitions_per_txn) is given for every partition. A partition
  // that does not exist gets NotFound (UNKNOWN_TOPIC_OR_PARTITION).
  std::vector<absl::Status> AddPartitions(const std::string& transactional_id, int64_t producer_id,
                                          int16_t producer_epoch,
                                          const std::vector<TxnTopicPartition>& partitions);

  // Kafka's AddOffsetsToTxn: the consumer group whose offsets the transaction will commit
  // (TxnOffsetCommit). Begins a transaction like AddPartitions. Same request-level errors.
  absl::Status AddOffsets(const std::string& transactional_id, int64_t producer_id,
                          int16_t producer_epoch, const std::string& group);

  // Kafka's TxnOffsetCommit (the hook for pending transactional offset commits): holds the
  // offsets with the open transaction; on commit they are applied to `group` (through
  // options.commit_offset), on abort they are dropped. The group must have been added with
  // AddOffsets (else INVALID_TXN_STATE). Durable with the transaction state.
  absl::Status TxnOffsetCommit(const std::string& transactional_id, int64_t producer_id,
                               int16_t producer_epoch, const std::string& group,
                               const std::vector<TxnPendingOffset>& offsets);

  // Commits or aborts the open transaction: PrepareCommit/PrepareAbort is made durable, then a
  // marker is written to every partition of the transaction, the pending offsets are applied (on
  // commit), CompleteCommit/CompleteAbort is made durable, then it returns. Ending with nothing
  // open is a no-op (OK) when it matches the last outcome (a retry) or nothing was ever begun,
  // INVALID_TXN_STATE otherwise. A commit of a transaction the broker aborted after its timeout:
  // reason TRANSACTION_TIMED_OUT (the epoch was bumped, so a produce gets PRODUCER_FENCED).
  absl::Status EndTxn(const std::string& transactional_id, int64_t producer_id,
                      int16_t producer_epoch, bool commit);

  // Held by a produce from CheckProduce until its append is done: a transaction of the pid
  // cannot move to PrepareCommit/PrepareAbort (nor be fenced) in between, so no batch that
  // passed the check lands after the transaction's markers.
  using ProduceHold = std::shared_lock<std::shared_mutex>;

  // Produce-path fencing, called for every batch carrying a producer id before it is appended:
  // for the pid of a transactional id, an older epoch is refused (PRODUCER_FENCED, counted in
  // fenced_produce_refused and the id's fenced_requests); a transactional batch needs an Ongoing
  // transaction that includes (topic, partition) (else INVALID_TXN_STATE); a non-transactional
  // batch of a transactional pid is accepted outside a transaction. A pid the coordinator does
  // not know as transactional (idempotent producer) passes.
  // With `hold`, an OK answer leaves *hold locked (for a transactional pid); keep it across the
  // append, then let it go.
  absl::Status CheckProduce(const std::string& topic, int32_t partition, int64_t producer_id,
                            int16_t producer_epoch, bool transactional,
                            ProduceHold* hold = nullptr);

  // The ids asked for (all when empty); unknown ids are left out.
  std::vector<TxnDescription> Describe(const std::vector<std::string>& transactional_ids) const;
  TxnCounters Counters() const;

  // Aborts every Ongoing transaction past its timeout (bumping its epoch). The timer calls it;
  // tests may call it directly. Returns how many it aborted.
  absl::StatusOr<int> AbortTimedOut();

  // A new non-transactional producer id (idempotent producers of both APIs).
  absl::StatusOr<int64_t> NextProducerId();

 private:
  TransactionCoordinator() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace eddy::logstore
