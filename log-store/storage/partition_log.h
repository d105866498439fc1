// PartitionLog: one topic-partition on disk, a sequence of segments (segment.h) named by base
// offset, each with a sparse offset index and a time index. Appends assign offsets; reads return
// whole stored batches. Thread-safe: appends are serialized, reads run concurrently with them.
// Owned by LogManager; the broker's native API and Kafka listener both call it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "log-store/storage/topic_config.h"

namespace eddy::logstore {

struct AppendResult {
  int64_t base_offset = 0;  // offset given to the first record
  int64_t last_offset = 0;  // offset of the last record
  int64_t append_time_ms = 0;
  int64_t log_start_offset = 0;
  // The batches were a retry of batches already appended (same producer id, epoch and
  // sequence range): nothing was written and base/last_offset are the original's (-1 when the
  // original is older than the last five batches the partition remembers for that producer).
  bool duplicate = false;
};

// One aborted transaction of a partition (the aborted-transaction index, FORMAT.md
// "Transactions"): the producer's data batches in [first_offset, last_offset] are aborted;
// last_offset is the offset of the abort marker.
struct AbortedTxn {
  int64_t producer_id = -1;
  int64_t first_offset = -1;
  int64_t last_offset = -1;
  int64_t last_stable_offset = -1;  // the partition's LSO right after the marker
  friend bool operator==(const AbortedTxn&, const AbortedTxn&) = default;
};

// A producer's state in one partition (tests and DescribeProducers-style tools).
struct PartitionProducerState {
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t last_sequence = -1;
  int64_t open_txn_first_offset = -1;  // -1 when no transaction of it is open here
};

struct ReadResult {
  std::string batches;         // whole stored batches, byte-for-byte; may be empty
  int64_t high_watermark = 0;  // next offset to be written (= log end offset)
  int64_t log_start_offset = 0;
  int64_t last_stable_offset = 0;  // first offset of the oldest open transaction, else the HW
};

// Where whole stored batches lie in a segment file (PartitionLog::ReadSlice).
struct FileSlice {
  bool valid = false;                 // false: no slice here (use ReadAppend)
  std::shared_ptr<const void> owner;  // keeps `fd` open while held
  int fd = -1;
  uint64_t position = 0;
  uint64_t length = 0;       // 0 (valid): nothing to serve
  int64_t last_offset = -1;  // last offset of the last batch in the slice
};

// The result of a time lookup: the first record at or after the log start offset whose timestamp
// is >= the target, with that record's own timestamp; both -1 when there is none.
struct TimestampOffset {
  int64_t offset = -1;
  int64_t timestamp = -1;
};

struct PartitionStats {
  int64_t log_start_offset = 0;
  int64_t log_end_offset = 0;
  int64_t last_stable_offset = 0;
  int64_t size_bytes = 0;
  int32_t segment_count = 0;
};

class PartitionLog {
 public:
  virtual ~PartitionLog() = default;

  virtual const std::string& topic() const = 0;
  virtual int32_t partition() const = 0;

  // Appends one or more whole v2 batches (as produced by a client; base offsets ignored and
  // rewritten). Batches carrying a producer id go through the partition's producer state
  // (producer_state.h): an epoch older than the one the partition knows for the pid is refused
  // (FailedPrecondition, reason INVALID_PRODUCER_EPOCH), a retried sequence range is answered as
  // a duplicate (AppendResult::duplicate, nothing written), a gap is refused (OutOfRange, reason
  // OUT_OF_ORDER_SEQUENCE_NUMBER); a transactional batch opens the pid's transaction in this
  // partition (holding the last stable offset at its first offset). Control batches from a
  // client are refused (InvalidArgument): markers are written by WriteTxnMarker only. Each batch is
  // validated (ValidateBatch) and checked against max.message.bytes; when the topic's
  // compression.type names a codec other than the batch's, the batch is re-encoded to it
  // (ReencodeBatch) and the stored batch is checked against max.message.bytes too. On any error
  // nothing is appended. With flush.messages reached (or `force_sync`), the data is fsynced before
  // returning. Errors: InvalidArgument (corrupt batch, CRC, compressed records that do not decode),
  // OutOfRange (batch too large, as sent or as stored: "MESSAGE_TOO_LARGE"), ResourceExhausted
  // (disk full; nothing partial is left on disk and a later append may succeed).
  virtual absl::StatusOr<AppendResult> Append(std::string_view batches,
                                              bool force_sync = false) = 0;

  // Whole batches starting with the one containing `offset`, at most `max_bytes` bytes except
  // that the first batch is always returned whole. offset == end: empty result.
  // OutOfRange when offset < log start or > log end. DataLoss when a stored batch is corrupt
  // (message names topic, partition, segment file and position); corrupt bytes are never returned.
  virtual absl::StatusOr<ReadResult> Read(int64_t offset, int32_t max_bytes) const = 0;

  // Read, but the batches are appended to `*out` (a buffer the caller reuses across reads, so a
  // hot fetch path allocates nothing); the result's `batches` stays empty. On error `*out` is
  // left as it was. The Kafka listener's Fetch uses it.
  virtual absl::StatusOr<ReadResult> ReadAppend(int64_t offset, int32_t max_bytes,
                                                std::string* out) const {
    auto r = Read(offset, max_bytes);
    if (r.ok()) {
      out->append(r->batches);
      r->batches.clear();
    }
    return r;
  }

  // ReadAppend's zero-copy form for the Kafka listener's Fetch: instead of the bytes, *out says
  // where in a segment file the same whole batches lie (out->owner keeps that file open until
  // it is released), for sendfile(2). Only batches below the high watermark, and with
  // `stop_at_lso` only those below the last stable offset returned in the result. out->valid is
  // false when this log cannot hand out a slice there (bytes not CRC-checked since the broker
  // started, or no support): the result then means nothing and the caller uses ReadAppend.
  // Errors as ReadAppend.
  virtual absl::StatusOr<ReadResult> ReadSlice(int64_t /*offset*/, int32_t /*max_bytes*/,
                                               bool /*stop_at_lso*/, FileSlice* out) const {
    *out = FileSlice{};
    return ReadResult{};
  }

  // The earliest record (at or after the log start offset) whose timestamp is >= `timestamp_ms`,
  // and its timestamp (Kafka's ListOffsets by time); {-1, -1} when there is none. DataLoss when a
  // scanned batch is corrupt.
  virtual absl::StatusOr<TimestampOffset> FindTimestamp(int64_t timestamp_ms) const = 0;
  // FindTimestamp's offset only.
  absl::StatusOr<int64_t> OffsetForTimestamp(int64_t timestamp_ms) const {
    auto found = FindTimestamp(timestamp_ms);
    if (!found.ok()) return found.status();
    return found->offset;
  }

  // Kafka's DeleteRecords: moves the log start offset up to `offset` (-1 = the high watermark),
  // so records before it are no longer served (reads below it are OutOfRange) and whole segments
  // that end at or before it are deleted. The new start offset is durable (FORMAT.md section 2)
  // before this returns. An offset at or below the current start changes nothing. Returns the log
  // start offset after the call (Kafka's low watermark). OutOfRange when `offset` is beyond the
  // high watermark or below -1; NotFound when the topic was deleted.
  virtual absl::StatusOr<int64_t> DeleteRecordsBefore(int64_t offset) = 0;

  // Writes the control batch (marker) ending `producer_id`'s open transaction in this partition:
  // attributes transactional|control, key int16 version 0 + int16 type (0 abort, 1 commit),
  // value int16 version 0 + int32 coordinator epoch, stamped with `producer_epoch` (which
  // becomes the pid's epoch here, fencing older writers). An abort adds an entry to the
  // aborted-transaction index of the active segment. Fsynced before returning (the coordinator
  // counts the marker written). With no open transaction of the pid here, nothing is written
  // and the result's base/last_offset are -1 (a marker retried after a crash is not doubled).
  virtual absl::StatusOr<AppendResult> WriteTxnMarker(int64_t producer_id, int16_t producer_epoch,
                                                      bool commit, int32_t coordinator_epoch) = 0;

  // First offset of the oldest open transaction, else the high watermark. read_committed
  // readers never get at or past it.
  virtual int64_t LastStableOffset() const = 0;
  // The aborted transactions whose range overlaps [from, to) (Kafka Fetch's
  // AbortedTransactions, the native read_committed filter), ordered by first_offset.
  virtual std::vector<AbortedTxn> AbortedTransactions(int64_t from, int64_t to) const = 0;
  // The producers this partition tracks (epoch, last sequence, open transaction).
  virtual std::vector<PartitionProducerState> ProducerStates() const = 0;

  virtual int64_t LogStartOffset() const = 0;
  virtual int64_t LogEndOffset() const = 0;
  virtual PartitionStats Stats() const = 0;

  // fsync of the active segment and its indexes.
  virtual absl::Status Flush() = 0;
};

}  // namespace eddy::logstore
