// SharePartition: the queue state of one (share group, topic-partition) — KIP-932's share
// partition. Records in [start offset (SPSO), end offset (SPEO)) are "in flight", each Available,
// Acquired (by one member, until a lock deadline), Acknowledged (accepted, or a gap) or Archived
// (rejected, or past the delivery count limit), with a delivery count. Every record below the
// SPSO is done; SPSO moves over the contiguous done prefix. Each state change is handed to a
// ShareStateSink (the durable store) under the partition's lock before the call returns, so
// the durable order of changes is the order they were made. ShareGroupManager owns these.
// The model and guarantees: log-store/SHARE_GROUPS.md.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "log-store/share/share_config.h"
#include "log-store/storage/partition_log.h"
#include "log-store/storage/record_batch.h"

namespace eddy::logstore::share {

// KIP-932's record states (their numbers are the ShareGroupState record's).
enum class RecordState : uint8_t {
  kAvailable = 0,
  kAcquired = 1,
  kAcknowledged = 2,
  kArchived = 4
};
// KIP-932's AcknowledgeType numbers (log_store.proto ShareAckType).
enum class AckType : uint8_t { kGap = 0, kAccept = 1, kRelease = 2, kReject = 3 };

// `count` consecutive offsets from `first` in one state with one delivery count.
struct StateRun {
  int64_t first = 0;
  int32_t count = 0;
  RecordState state = RecordState::kAvailable;
  int32_t delivery_count = 0;
};

// One durable change of a share partition: the new start offset, then the runs whose state
// changed. `reset` drops every in-flight record first (ResetShareGroupOffsets, initialization).
struct PartitionDelta {
  int64_t start_offset = 0;
  bool reset = false;
  std::vector<StateRun> runs;
};

// Where a share partition's changes are made durable (ShareStateStore).
class ShareStateSink {
 public:
  virtual ~ShareStateSink() = default;
  virtual absl::Status PersistPartition(const std::string& group, const std::string& topic,
                                        int32_t partition, const PartitionDelta& delta) = 0;
};

// Where an archived record is copied when the group names a dead-letter topic.
class DeadLetterSink {
 public:
  virtual ~DeadLetterSink() = default;
  virtual absl::Status WriteDeadLetter(const std::string& dlq_topic, const std::string& group,
                                       const std::string& topic, int32_t partition,
                                       const Record& record, int32_t delivery_count,
                                       std::string_view reason) = 0;
};

// Offsets given to one member by one acquisition, with their delivery count (1 = first time).
struct AcquiredRange {
  int64_t first = 0;
  int64_t last = 0;
  int32_t delivery_count = 0;
};

struct AcquireOutput {
  std::vector<AcquiredRange> acquired;
  std::string records;  // whole stored batches holding the acquired offsets (maybe others too)
};

struct AckRange {
  int64_t first = 0;
  int64_t last = 0;
  AckType type = AckType::kAccept;
};

struct SharePartitionStats {
  int64_t start_offset = 0, end_offset = 0, in_flight = 0, acquired = 0, available = 0;
  int64_t accepted_total = 0, released_total = 0, rejected_total = 0, redelivered_total = 0;
  int64_t lock_expired_total = 0, archived_total = 0, dead_lettered_total = 0;
  int64_t dead_letter_failed_total = 0;
};

class SharePartition {
 public:
  // A partition starting at `start_offset` with the durable `restored` runs (from the store:
  // Acquired ones come back Available, their delivery count kept). `sink` and `dlq` outlive it.
  SharePartition(std::string group, std::string topic, int32_t partition,
                 std::shared_ptr<PartitionLog> log, ShareStateSink* sink, DeadLetterSink* dlq,
                 int64_t start_offset, const std::vector<StateRun>& restored);

  const std::string& topic() const { return topic_; }
  int32_t partition() const { return partition_; }

  // Acquires up to `max_records` records for `member` (Available in-flight ones first, then new
  // ones from the log up to its end, keeping at most cfg.max_record_locks in flight), locked
  // until now + cfg.record_lock_duration_ms. Stops adding batches once `max_bytes` of them were
  // collected (the first one always comes). Nothing available: OK with nothing acquired.
  absl::Status Acquire(uint64_t member, const ShareGroupConfig& cfg, int32_t max_records,
                       int32_t max_bytes, int64_t now_ms, AcquireOutput* out);

  // Applies `acks` of `member` in order, with one durable write for all; (*results)[i] is the
  // outcome of acks[i]: FailedPrecondition reason INVALID_RECORD_STATE when any offset of the
  // range is not acquired by this member (then none of the range changes), InvalidArgument for
  // first > last. The returned status is the durable write's.
  absl::Status Acknowledge(uint64_t member, const std::vector<AckRange>& acks,
                           const ShareGroupConfig& cfg, std::vector<absl::Status>* results);

  // Records whose lock passed `now_ms` become Available (or Archived at the delivery limit).
  // Returns the earliest remaining lock deadline (INT64_MAX when none).
  int64_t ExpireLocks(const ShareGroupConfig& cfg, int64_t now_ms);

  // Everything `member` holds is released (member left or timed out).
  void ReleaseMember(uint64_t member, const ShareGroupConfig& cfg);

  // Moves the start offset to `offset` and drops every in-flight record (admin reset; refused
  // by the manager while the group has members).
  absl::Status Reset(int64_t offset);

  // Records that `member` holds now.
  int64_t AcquiredBy(uint64_t member) const;
  // True when an acquisition could give something now (Available records, or log past SPEO).
  bool HasWork(const ShareGroupConfig& cfg) const;
  SharePartitionStats Stats() const;

 private:
  struct Entry {
    RecordState state = RecordState::kAvailable;
    int32_t delivery_count = 0;
    uint64_t owner = 0;
    int64_t deadline_ms = 0;
  };
  bool Done(const Entry& e) const {
    return e.state == RecordState::kAcknowledged || e.state == RecordState::kArchived;
  }
  Entry& At(int64_t offset) { return window_[static_cast<size_t>(offset - start_)]; }
  int64_t End() const { return start_ + static_cast<int64_t>(window_.size()); }
  // Marks `offset` changed (for the next delta).
  void Touch(int64_t offset) { touched_.push_back(offset); }
  // Archives `offset` (reject or delivery limit), copying it to the dead-letter topic first.
  void Archive(int64_t offset, const ShareGroupConfig& cfg, std::string_view reason);
  // Gives `offset` back: Available, or Archived when its delivery count reached the limit.
  void Release(int64_t offset, const ShareGroupConfig& cfg, std::string_view reason);
  void AdvanceStart();
  absl::Status Flush(bool reset = false);
  // Acquires what the log holds in [from, to] (to inclusive; new offsets extend the window).
  void TakeRange(int64_t from, int64_t to, uint64_t member, int64_t deadline, int32_t* budget,
                 int32_t max_bytes, AcquireOutput* out, int64_t* appended_until);
  void Acquired(int64_t offset, uint64_t member, int64_t deadline, AcquireOutput* out);

  const std::string group_, topic_;
  const int32_t partition_;
  std::shared_ptr<PartitionLog> log_;
  ShareStateSink* sink_;
  DeadLetterSink* dlq_;

  mutable std::mutex mu_;
  int64_t start_ = 0;         // SPSO
  std::deque<Entry> window_;  // offsets [start_, End())
  std::vector<int64_t> touched_;
  int64_t start_at_last_flush_ = -1;
  int64_t acquired_ = 0, available_ = 0;
  SharePartitionStats counters_;
};

}  // namespace eddy::logstore::share
