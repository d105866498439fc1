// OffsetIndex: in-memory arrays mirrored to an append-only file.
#include "log-store/storage/offset_index.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "log-store/storage/encoding.h"
#include "log-store/storage/file_io.h"

namespace eddy::logstore {

OffsetIndex::OffsetIndex(std::string path, int64_t base_offset)
    : base_(base_offset), file_(std::move(path), kEntrySize) {}

absl::Status OffsetIndex::Load(uint64_t log_size) {
  auto data = fileio::ReadWholeFile(file_.path());
  if (!data.ok()) return data.status();
  if (data->size() % kEntrySize != 0) {
    return absl::DataLossError(
        absl::StrCat(file_.path(), ": size ", data->size(), " is not a multiple of 8"));
  }
  std::vector<uint32_t> rel, pos;
  const size_t n = data->size() / kEntrySize;
  rel.reserve(n);
  pos.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const uint32_t r = enc::LoadBe32(data->data() + i * kEntrySize);
    const uint32_t p = enc::LoadBe32(data->data() + i * kEntrySize + 4);
    if (p >= log_size || (i > 0 && (r <= rel.back() || p <= pos.back()))) {
      return absl::DataLossError(absl::StrCat(file_.path(), ": entry ", i, " (offset +", r,
                                              ", position ", p,
                                              ") is out of order or past the log end ", log_size));
    }
    rel.push_back(r);
    pos.push_back(p);
  }
  if (absl::Status st = file_.OpenExisting(n); !st.ok()) return st;
  std::lock_guard<std::mutex> l(mu_);
  rel_ = std::move(rel);
  pos_ = std::move(pos);
  return absl::OkStatus();
}

absl::Status OffsetIndex::Reset() {
  if (absl::Status st = file_.OpenEmpty(); !st.ok()) return st;
  std::lock_guard<std::mutex> l(mu_);
  rel_.clear();
  pos_.clear();
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
  file_.Append(e);
}

absl::Status OffsetIndex::Flush() { return file_.Flush(); }

absl::Status OffsetIndex::Sync() { return file_.Sync(); }

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

size_t OffsetIndex::pending_bytes() const { return file_.pending_bytes(); }

}  // namespace eddy::logstore
