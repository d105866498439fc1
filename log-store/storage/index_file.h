// IndexFile: the append-only file behind a segment index (fixed-size entries): owns the
// descriptor, the entries queued but not yet written and how many are in the file already.
// Used by OffsetIndex and TimeIndex, which keep their entries in memory too.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>

#include "absl/status/status.h"

namespace eddy::logstore {

class IndexFile {
 public:
  IndexFile(std::string path, size_t entry_size);
  ~IndexFile();
  IndexFile(const IndexFile&) = delete;
  IndexFile& operator=(const IndexFile&) = delete;

  // Opens the file for appending after its `entries` existing entries (Load).
  absl::Status OpenExisting(size_t entries);
  // Truncates the file to empty, creating it (Reset).
  absl::Status OpenEmpty();

  // Queues one entry of entry_size bytes.
  void Append(const char* entry);
  // Writes queued entries. A failed write only costs lookup speed until the next open
  // rebuilds the index.
  absl::Status Flush();
  absl::Status Sync();
  // Bytes queued by Append and not yet written.
  size_t pending_bytes() const;
  const std::string& path() const { return path_; }

 private:
  absl::Status Open(int flags, size_t entries);

  const std::string path_;
  const size_t entry_size_;
  mutable std::mutex mu_;
  int fd_ = -1;
  size_t flushed_ = 0;  // entries already in the file
  std::string pending_;
};

}  // namespace eddy::logstore
