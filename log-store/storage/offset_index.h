// OffsetIndex: the sparse `.index` file of one segment, mapping offsets to byte positions in
// the `.log` file (entry = relative offset u32 BE + position u32 BE, like Kafka). Entries are
// added at most once per batch when index.interval.bytes have been written since the last one,
// and always point at the start of a batch. Kept in memory too; the file is only read at open.
// Used by Segment.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "log-store/storage/index_file.h"

namespace eddy::logstore {

class OffsetIndex {
 public:
  static constexpr size_t kEntrySize = 8;

  OffsetIndex(std::string path, int64_t base_offset);
  OffsetIndex(const OffsetIndex&) = delete;
  OffsetIndex& operator=(const OffsetIndex&) = delete;

  // Opens the file and loads its entries. DataLoss when the file is malformed (size not a
  // multiple of 8, entries not increasing, a position >= log_size): the caller rebuilds it.
  // NotFound when missing.
  absl::Status Load(uint64_t log_size);
  // Truncates the file to empty (creating it) and clears the entries; used before a rebuild.
  absl::Status Reset();

  // Queues an entry (offset must exceed the last one); Flush writes queued entries.
  void Add(int64_t offset, uint32_t position);
  absl::Status Flush();
  // Bytes queued by Add and not yet written.
  size_t pending_bytes() const;
  absl::Status Sync();

  // Position of the last entry with offset <= `offset`, or 0.
  uint32_t Lookup(int64_t offset) const;
  size_t entries() const;
  const std::string& path() const { return file_.path(); }

 private:
  const int64_t base_;
  mutable std::mutex mu_;
  std::vector<uint32_t> rel_;  // relative offsets
  std::vector<uint32_t> pos_;
  IndexFile file_;
};

}  // namespace eddy::logstore
