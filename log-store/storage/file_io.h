// Small POSIX file helpers with absl::Status errors that name the file. Private to the storage
// engine (segments, indexes, offsets store, topic metadata).
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace eddy::logstore::fileio {

// Status for a failed syscall: ENOSPC/EDQUOT -> ResourceExhausted, ENOENT -> NotFound, else
// Internal.
absl::Status ErrnoStatus(int err, std::string_view what, std::string_view path);

absl::StatusOr<int> OpenFile(const std::string& path, int flags);
// Writes all of iov[0..n) at `offset` (loops over partial writes and IOV_MAX).
absl::Status PwritevAll(int fd, const struct iovec* iov, int n, uint64_t offset,
                        const std::string& path);
absl::Status PwriteAll(int fd, const char* data, size_t n, uint64_t offset,
                       const std::string& path);
// Reads exactly n bytes at offset (fewer only at end of file: returns what was read).
absl::StatusOr<size_t> PreadUpTo(int fd, char* out, size_t n, uint64_t offset,
                                 const std::string& path);
absl::StatusOr<uint64_t> FileSize(int fd, const std::string& path);
absl::Status SyncDir(const std::string& dir);
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);
// Writes tmp file, fsyncs it, renames over `path`, fsyncs the directory.
absl::Status WriteFileAtomic(const std::string& path, std::string_view data);

}  // namespace eddy::logstore::fileio
