// TimeIndex: the `.timeindex` file of one segment (entry = timestamp i64 BE + relative offset
// u32 BE). An entry (T, O) means: every record of this segment with offset < O has a timestamp
// <= T. Entries are added at batch starts on the offset index's cadence when T grew, and a
// final "seal" entry (segment max timestamp, segment end offset) when the segment is rolled.
// Used by Segment for reads by timestamp and to know a closed segment's max timestamp at open.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "log-store/storage/index_file.h"

namespace eddy::logstore {

class TimeIndex {
 public:
  static constexpr size_t kEntrySize = 12;

  TimeIndex(std::string path, int64_t base_offset);
  TimeIndex(const TimeIndex&) = delete;
  TimeIndex& operator=(const TimeIndex&) = delete;

  // DataLoss when malformed (size, order); NotFound when missing.
  absl::Status Load();
  absl::Status Reset();

  // Queues (T, offset) unless T is below the last entry's timestamp or offset not above its offset.
  void Add(int64_t max_timestamp_before, int64_t offset);
  absl::Status Flush();
  // Bytes queued by Add and not yet written.
  size_t pending_bytes() const;
  absl::Status Sync();

  // Offset to start scanning for the first record with timestamp >= ts: the offset of the last
  // entry with T < ts, or the segment base when none.
  int64_t Lookup(int64_t ts) const;
  // The last entry, if any: (T, offset).
  bool Last(int64_t* ts, int64_t* offset) const;
  const std::string& path() const { return file_.path(); }

 private:
  const int64_t base_;
  mutable std::mutex mu_;
  std::vector<int64_t> ts_;
  std::vector<uint32_t> rel_;
  IndexFile file_;
};

}  // namespace eddy::logstore
