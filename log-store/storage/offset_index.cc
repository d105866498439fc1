// OffsetIndex: in-memory arrays mirrored to an append-only file.
#include "log-store/storage/offset_index.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "log-store/storage/encoding.h"
#include "log-store/storage/file_io.h"

namespace eddy::logstore {

OffsetIndex::OffsetIndex(std::string path, int64_t base_offset)
    : path_(std::move(path)), base_(base_offset) {}

OffsetIndex::~OffsetIndex() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status OffsetIndex::Load(uint64_t log_size) {
  auto data = fileio::ReadWholeFile(path_);
  if (!data.ok()) return data.status();
  if (data->size() % kEntrySize != 0) {
    return absl::DataLossError(
        absl::StrCat(path_, ": size ", data->size(), " is not a multiple of 8"));
  }
  std::vector<uint32_t> rel, pos;
  const size_t n = data->size() / kEntrySize;
  rel.reserve(n);
  pos.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const uint32_t r = enc::LoadBe32(data->data() + i * kEntrySize);
    const uint32_t p = enc::LoadBe32(data->data() + i * kEntrySize + 4);
    if (p >= log_size || (i > 0 && (r <= rel.back() || p <= pos.back()))) {
      return absl::DataLossError(absl::StrCat(path_, ": entry ", i, " (offset +", r, ", position ",
                                              p, ") is out of order or past the log end ",
                                              log_size));
    }
    rel.push_back(r);
    pos.push_back(p);
  }
  auto fd = fileio::OpenFile(path_, O_WRONLY);
  if (!fd.ok()) return fd.status();
  std::lock_guard<std::mutex> l(mu_);
  if (fd_ >= 0) ::close(fd_);
  fd_ = *fd;
  rel_ = std::move(rel);
  pos_ = std::move(pos);
  flushed_ = n;
  pending_.clear();
  return absl::OkStatus();
}

absl::Status OffsetIndex::Reset() {
  auto fd = fileio::OpenFile(path_, O_WRONLY | O_CREAT | O_TRUNC);
  if (!fd.ok()) return fd.status();
  std::lock_guard<std::mutex> l(mu_);
  if (fd_ >= 0) ::close(fd_);
  fd_ = *fd;
  rel_.clear();
  pos_.clear();
  flushed_ = 0;
  pending_.clear();
  return absl::OkStatus();
}

void OffsetIndex::Add(int64_t offset, uint32_t position) {
  const auto r = static_cast<uint32_t>(offset - base_);
  std::lock_guard<std::mutex> l(mu_);
  if (!rel_.empty() && (r <= rel_.back() || position <= pos_.back())) return;
  rel_.push_back(r);
  pos_.push_back(position);
  char e[kEntrySize];
  enc::StoreBe32(e, r);
  enc::StoreBe32(e + 4, position);
  pending_.append(e, kEntrySize);
}

absl::Status OffsetIndex::Flush() {
  std::string data;
  uint64_t at;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (pending_.empty() || fd_ < 0) return absl::OkStatus();
    data.swap(pending_);
    at = flushed_ * kEntrySize;
    flushed_ += data.size() / kEntrySize;
  }
  // A failed index write only costs lookup speed until the next open rebuilds the index.
  return fileio::PwriteAll(fd_, data.data(), data.size(), at, path_);
}

absl::Status OffsetIndex::Sync() {
  if (fd_ >= 0 && ::fdatasync(fd_) != 0) return fileio::ErrnoStatus(errno, "fsync", path_);
  return absl::OkStatus();
}

uint32_t OffsetIndex::Lookup(int64_t offset) const {
  if (offset < base_) return 0;
  const int64_t r64 = offset - base_;
  const uint32_t r = r64 > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(r64);
  std::lock_guard<std::mutex> l(mu_);
  auto it = std::upper_bound(rel_.begin(), rel_.end(), r);
  if (it == rel_.begin()) return 0;
  return pos_[static_cast<size_t>(it - rel_.begin()) - 1];
}

size_t OffsetIndex::entries() const {
  std::lock_guard<std::mutex> l(mu_);
  return rel_.size();
}

size_t OffsetIndex::pending_bytes() const {
  std::lock_guard<std::mutex> l(mu_);
  return pending_.size();
}

}  // namespace eddy::logstore
