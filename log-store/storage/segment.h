// Segment: one `<base offset>.log` file of a partition with its `.index` and `.timeindex`.
// Append-only (pwritev at the end); readers pread concurrently up to the published size.
// Every batch handed out by Read is CRC-checked first, so corrupt bytes are never served; Slice
// (the zero-copy form, for sendfile) hands out only bytes that passed such a check in this
// process (see checked_until_).
// Owned through shared_ptr by PartitionLogImpl; readers keep a segment alive while they read
// even if retention or compaction drops it from the log meanwhile.
#pragma once

#include <sys/uio.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "log-store/storage/offset_index.h"
#include "log-store/storage/partition_log.h"
#include "log-store/storage/record_batch.h"
#include "log-store/storage/time_index.h"

namespace eddy::logstore {

// Where whole batches lie in a segment's log file (Segment::Slice).
struct SegmentSlice {
  uint64_t position = 0;
  uint64_t length = 0;     // 0: no batch to serve (or `unchecked`)
  int64_t last_offset = -1;  // last offset of the last batch in the slice
  bool unchecked = false;  // the batches there have not been CRC-checked yet: use Read
};

// What the appender knows about each batch it writes (offsets already assigned).
struct BatchInfo {
  int64_t base_offset = 0;
  int64_t last_offset = 0;
  int64_t max_timestamp = 0;
  uint32_t size = 0;
  int32_t records = 0;
};

class Segment {
 public:
  static constexpr int64_t kNoTimestamp = std::numeric_limits<int64_t>::min();

  // "00000000000000000042.log" for base 42 and ext ".log".
  static std::string FileName(int64_t base_offset, std::string_view ext);

  // A new empty segment. `suffix` (e.g. ".cleaned") is appended to every file name; see
  // CommitCleaned. `label` names the partition in messages ("topic t partition 3").
  static absl::StatusOr<std::shared_ptr<Segment>> Create(const std::string& dir,
                                                         int64_t base_offset, std::string label,
                                                         int32_t index_interval,
                                                         std::string suffix = "");

  // An existing segment. `last`: every batch is CRC-checked and a torn or corrupt tail is cut
  // off (the file is truncated), indexes are rebuilt. Otherwise the indexes are loaded and
  // rebuilt only when missing or malformed; `end_offset` is the next segment's base offset.
  // Anything noteworthy (truncation, rebuild, corruption) is appended to *report.
  static absl::StatusOr<std::shared_ptr<Segment>> Open(const std::string& dir, int64_t base_offset,
                                                       std::string label, int32_t index_interval,
                                                       bool last, int64_t end_offset,
                                                       std::string* report);
  ~Segment();
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  int64_t base_offset() const { return base_; }
  uint64_t size() const { return size_.load(std::memory_order_acquire); }
  // One past the last offset this segment covers (base when empty).
  int64_t next_offset() const { return next_offset_.load(std::memory_order_acquire); }
  int64_t max_timestamp() const { return max_ts_.load(std::memory_order_acquire); }
  int64_t created_ms() const { return created_ms_; }
  const std::string& log_path() const { return log_path_; }
  bool failed() const { return failed_.load(); }

  // Appends batches (iov holds their bytes with offsets assigned). On error the file is cut
  // back to its previous size, so no partial batch stays; ENOSPC -> ResourceExhausted.
  absl::Status Append(const struct iovec* iov, int iovcnt, size_t bytes, const BatchInfo* infos,
                      size_t count);
  absl::Status Sync();     // fdatasync of the log
  absl::Status SyncAll();  // log and both indexes
  // Writes the time index's final entry; called when the segment stops being the active one.
  void Seal(int64_t end_offset);
  // For segments opened with an explicit end (not last) or rolled: sets next_offset.
  void SetEndOffset(int64_t end_offset) {
    next_offset_.store(end_offset, std::memory_order_release);
  }

  // Appends to *out whole CRC-checked batches starting with the one containing `offset`, up to
  // max_bytes (the first batch always whole). Returns false when this segment has nothing at
  // or after `offset`. DataLoss (naming the file and position) when the first batch there is
  // corrupt; a later corrupt batch only ends the result early.
  absl::StatusOr<bool> Read(int64_t offset, int32_t max_bytes, std::string* out) const;
  // Read's zero-copy form: where in the log file (fd()) the batches Read would return lie, for
  // sendfile(2), limited to batches whose base offset is below `below_offset`. Only headers are
  // read (magic and lengths checked); the bytes are handed out only if they already passed a
  // CRC-32C check in this process (appended by it, scanned when opened, or returned by Read),
  // else `unchecked` is set and the caller uses Read. False when this segment has nothing at or
  // after `offset`.
  absl::StatusOr<bool> Slice(int64_t offset, int32_t max_bytes, int64_t below_offset,
                             SegmentSlice* out) const;
  // The log file's descriptor (valid while the Segment lives, even after RemoveFiles).
  int fd() const { return fd_; }
  // First record in this segment at or after `min_offset` whose timestamp >= ts, with its
  // timestamp; {-1, -1} when there is none.
  absl::StatusOr<TimestampOffset> FindTimestamp(int64_t ts, int64_t min_offset) const;
  // Calls fn for every batch (CRC-checked; a corrupt batch is a DataLoss error).
  absl::Status ForEachBatch(
      const std::function<absl::Status(std::string_view batch, const BatchHeader& h)>& fn) const;

  // Renames the ".cleaned" files of a segment made by Create(..., ".cleaned") over the live
  // names: .log first, then the indexes (recovery order in FORMAT.md).
  absl::Status CommitCleaned();
  // Unlinks the files (open descriptors stay readable for current readers).
  void RemoveFiles();

 private:
  Segment(std::string dir, int64_t base, std::string label, int32_t index_interval,
          std::string suffix);
  // Opens the .log file read-write with extra open(2) flags.
  absl::Status OpenLog(int extra_flags);
  // Walks the log from 0, CRC-checking and re-indexing. Returns the position of the first bad
  // batch (file size when all good) and why in *why.
  absl::StatusOr<uint64_t> ScanAndIndex(uint64_t file_size, std::string* why);
  void IndexBatch(const BatchInfo& b, uint64_t position);
  absl::Status DataLoss(uint64_t position, absl::string_view why) const;
  // Position of the batch containing `offset` (or the first after it), its size; false if none.
  absl::StatusOr<bool> FindBatch(int64_t offset, uint64_t limit, uint64_t* pos,
                                 uint64_t* len) const;
  // Calls fn(position, batch, header) for each CRC-checked batch from byte `pos` up to the
  // current size, until fn returns false or an error; a corrupt batch is a DataLoss error.
  absl::Status WalkBatches(
      uint64_t pos,
      const std::function<absl::StatusOr<bool>(uint64_t position, std::string_view batch,
                                               const BatchHeader& h)>& fn) const;

  std::string dir_;
  const int64_t base_;
  const std::string label_;
  const int32_t index_interval_;
  std::string suffix_;
  std::string log_path_;
  int fd_ = -1;
  std::unique_ptr<OffsetIndex> index_;
  std::unique_ptr<TimeIndex> time_index_;
  std::atomic<uint64_t> size_{0};
  std::atomic<int64_t> next_offset_;
  std::atomic<int64_t> max_ts_{kNoTimestamp};
  std::atomic<bool> failed_{false};
  // Bytes [0, checked_until_) of the log passed a CRC-32C check in this process: batches appended
  // here (validated before Append), the scan at Open, and what Read checked from there on. Only
  // these are served by Slice.
  mutable std::atomic<uint64_t> checked_until_{0};
  // Moves checked_until_ to `to` when [from, to) was just checked and from <= checked_until_.
  void MarkChecked(uint64_t from, uint64_t to) const;
  uint64_t bytes_since_index_ = 0;
  int64_t created_ms_ = 0;
};

// Header + length + CRC-32C check of one batch at the front of `data` (records not parsed).
// Returns the batch size, or an error saying why it is not a whole valid batch.
absl::StatusOr<size_t> CheckStoredBatch(std::string_view data, BatchHeader* h);

int64_t NowMs();

}  // namespace eddy::logstore
