// PartitionLogImpl: the PartitionLog of one `<data>/<topic>-<partition>/` directory: an
// ordered map of segments (the last one is active), offset assignment, rolling, reads,
// retention and compaction entry points. Created and owned by LogManager; the cleaner thread
// calls ApplyRetention and Compact. Private to the storage engine.
#pragma once

#include <sys/uio.h>

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "log-store/storage/partition_log.h"
#include "log-store/storage/producer_state.h"
#include "log-store/storage/segment.h"
#include "log-store/storage/txn_index.h"

namespace eddy::logstore {

struct PartitionOptions {
  bool fsync_every_append = false;
  std::function<void()> on_append;  // called after every successful append
  // Idle producer ids are forgotten after this long (ProducerStateTable::ExpireIdle), checked on
  // the append path at most every min(60 s, expiration / 2). eddy-logd --producer-id-expiration-ms.
  int64_t producer_id_expiration_ms = 86400000;  // Kafka's producer.id.expiration.ms
};

struct CleanerStats {
  int segments_deleted = 0;
  int segments_compacted = 0;
  int64_t records_removed = 0;
};

class PartitionLogImpl final : public PartitionLog {
 public:
  // Opens (recovering) or creates the partition directory. Notes about recovery are appended
  // to *report.
  static absl::StatusOr<std::shared_ptr<PartitionLogImpl>> Open(
      const std::string& dir, std::string topic, int32_t partition, const TopicConfig& config,
      PartitionOptions options, std::string* report);
  ~PartitionLogImpl() override;

  const std::string& topic() const override { return topic_; }
  int32_t partition() const override { return partition_; }
  absl::StatusOr<AppendResult> Append(std::string_view batches, bool force_sync = false) override;
  absl::StatusOr<ReadResult> Read(int64_t offset, int32_t max_bytes) const override;
  absl::StatusOr<ReadResult> ReadSlice(int64_t offset, int32_t max_bytes, bool stop_at_lso,
                                       FileSlice* out) const override;
  absl::StatusOr<ReadResult> ReadAppend(int64_t offset, int32_t max_bytes,
                                        std::string* out) const override;
  static void TrimPastHighWatermark(size_t start, int64_t high_watermark, std::string* out);
  absl::StatusOr<TimestampOffset> FindTimestamp(int64_t timestamp_ms) const override;
  absl::StatusOr<int64_t> DeleteRecordsBefore(int64_t offset) override;
  absl::StatusOr<AppendResult> WriteTxnMarker(int64_t producer_id, int16_t producer_epoch,
                                              bool commit, int32_t coordinator_epoch) override;
  int64_t LastStableOffset() const override;
  std::vector<AbortedTxn> AbortedTransactions(int64_t from, int64_t to) const override;
  std::vector<PartitionProducerState> ProducerStates() const override;
  int64_t LogStartOffset() const override { return log_start_.load(std::memory_order_acquire); }
  int64_t LogEndOffset() const override { return next_offset_.load(std::memory_order_acquire); }
  PartitionStats Stats() const override;
  absl::Status Flush() override;

  void SetConfig(const TopicConfig& config);
  TopicConfig config() const;
  const std::string& dir() const { return dir_; }
  // After topic deletion: appends fail with NotFound; reads of held segments keep working.
  void MarkDeleted();

  // Deletes whole closed segments past retention.ms (by their max timestamp) or beyond
  // retention.bytes. Never the active segment.
  absl::Status ApplyRetention(int64_t now_ms, CleanerStats* stats);
  // One compaction pass over the closed segments older than min.compaction.lag.ms.
  absl::Status Compact(int64_t now_ms, CleanerStats* stats);

  std::vector<std::shared_ptr<Segment>> SegmentsSnapshot() const;
  // Rolls the active segment now (tests; also used by AlterTopic-less callers).
  absl::Status Roll();

 private:
  PartitionLogImpl(std::string dir, std::string topic, int32_t partition, const TopicConfig& config,
                   PartitionOptions options);
  std::string Label() const;
  std::string LogStartPath() const { return dir_ + "/log-start-offset"; }
  std::string SnapshotPath() const { return dir_ + "/producer-state.snapshot"; }
  // Rebuilds the producer state and the aborted-transaction index at open: the snapshot (when
  // valid) plus a scan of the batches after it. Notes go to *report.
  absl::Status RecoverProducerState(std::string* report);
  // Append's body; `internal` lets control batches through (markers). Holds append_mu_.
  absl::StatusOr<AppendResult> AppendLocked(std::string_view batches, bool force_sync,
                                            bool internal);
  // Writes the producer-state snapshot at `offset` (a roll).
  absl::Status WriteSnapshot(int64_t offset);
  // The append path's producer-id expiry (PartitionOptions::producer_id_expiration_ms).
  void ExpireIdleProducers(int64_t now_ms);
  // Unlinks the closed segments that end at or before the log start offset (never the active
  // one). Caller holds cleaner_mu_.
  int DropSegmentsBelowStart();
  absl::Status RollLocked(int64_t new_base);
  std::shared_ptr<Segment> Floor(int64_t offset) const;
  std::shared_ptr<Segment> Higher(int64_t base) const;
  std::shared_ptr<Segment> Active() const;

  const std::string dir_;
  const std::string topic_;
  const int32_t partition_;
  const PartitionOptions options_;

  mutable std::mutex config_mu_;
  TopicConfig config_;

  std::mutex append_mu_;            // serializes appends and rolls
  std::mutex cleaner_mu_;           // serializes retention and compaction of this partition
  mutable std::mutex segments_mu_;  // guards segments_ (held briefly)
  std::map<int64_t, std::shared_ptr<Segment>> segments_;
  std::atomic<int64_t> next_offset_{0};
  std::atomic<int64_t> log_start_{0};
  std::atomic<bool> deleted_{false};
  int64_t unflushed_messages_ = 0;

  ProducerStateTable producers_;  // guarded by append_mu_
  int64_t last_producer_expiry_ms_ = 0;  // guarded by append_mu_
  TxnIndex txn_index_;
  // First offset of the oldest open transaction, -1 when none. Set before the end offset is
  // published when a transaction opens, cleared after it when one closes, so LastStableOffset
  // (which loads the end offset first) never runs ahead.
  std::atomic<int64_t> first_open_{-1};
  // Set by WriteTxnMarker around an abort marker's append (guarded by append_mu_): the LSO is
  // not moved past the aborted data until its aborted-transaction index entry exists, so a
  // read_committed reader never gets that data without the entry that tells it to drop it.
  bool hold_lso_ = false;
  // Headers of the producer batches of the append in progress (guarded by append_mu_).
  std::vector<std::pair<size_t, BatchHeader>> producer_batches_;

  // Reused across appends (guarded by append_mu_): no per-batch heap churn.
  std::vector<BatchInfo> infos_;
  // Where each batch's stored bytes start: in the appended buffer, or nullptr for the next
  // batch re-encoded to the topic's compression.type.
  std::vector<const char*> sources_;
  std::vector<std::array<char, 8>> offset_bytes_;
  std::vector<struct iovec> iov_;
};

}  // namespace eddy::logstore
