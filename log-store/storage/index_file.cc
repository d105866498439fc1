// IndexFile: queued fixed-size entries written at the end of an index file.
#include "log-store/storage/index_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "log-store/storage/file_io.h"

namespace eddy::logstore {

IndexFile::IndexFile(std::string path, size_t entry_size)
    : path_(std::move(path)), entry_size_(entry_size) {}

IndexFile::~IndexFile() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status IndexFile::Open(int flags, size_t entries) {
  auto fd = fileio::OpenFile(path_, flags);
  if (!fd.ok()) return fd.status();
  std::lock_guard<std::mutex> l(mu_);
  if (fd_ >= 0) ::close(fd_);
  fd_ = *fd;
  flushed_ = entries;
  pending_.clear();
  return absl::OkStatus();
}

absl::Status IndexFile::OpenExisting(size_t entries) { return Open(O_WRONLY, entries); }

absl::Status IndexFile::OpenEmpty() { return Open(O_WRONLY | O_CREAT | O_TRUNC, 0); }

void IndexFile::Append(const char* entry) {
  std::lock_guard<std::mutex> l(mu_);
  pending_.append(entry, entry_size_);
}

absl::Status IndexFile::Flush() {
  std::string data;
  uint64_t at;
  int fd;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (pending_.empty() || fd_ < 0) return absl::OkStatus();
    data.swap(pending_);
    at = flushed_ * entry_size_;
    flushed_ += data.size() / entry_size_;
    fd = fd_;
  }
  return fileio::PwriteAll(fd, data.data(), data.size(), at, path_);
}

absl::Status IndexFile::Sync() {
  if (fd_ >= 0 && ::fdatasync(fd_) != 0) return fileio::ErrnoStatus(errno, "fsync", path_);
  return absl::OkStatus();
}

size_t IndexFile::pending_bytes() const {
  std::lock_guard<std::mutex> l(mu_);
  return pending_.size();
}

}  // namespace eddy::logstore
