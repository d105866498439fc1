// TimeIndex: in-memory arrays mirrored to an append-only file.
#include "log-store/storage/time_index.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "log-store/storage/encoding.h"
#include "log-store/storage/file_io.h"

namespace eddy::logstore {

TimeIndex::TimeIndex(std::string path, int64_t base_offset)
    : base_(base_offset), file_(std::move(path), kEntrySize) {}

absl::Status TimeIndex::Load() {
  auto data = fileio::ReadWholeFile(file_.path());
  if (!data.ok()) return data.status();
  if (data->size() % kEntrySize != 0) {
    return absl::DataLossError(
        absl::StrCat(file_.path(), ": size ", data->size(), " is not a multiple of 12"));
  }
  std::vector<int64_t> ts;
  std::vector<uint32_t> rel;
  const size_t n = data->size() / kEntrySize;
  for (size_t i = 0; i < n; ++i) {
    const auto t = static_cast<int64_t>(enc::LoadBe64(data->data() + i * kEntrySize));
    const uint32_t r = enc::LoadBe32(data->data() + i * kEntrySize + 8);
    if (i > 0 && (t < ts.back() || r <= rel.back())) {
      return absl::DataLossError(absl::StrCat(file_.path(), ": entry ", i, " is out of order"));
    }
    ts.push_back(t);
    rel.push_back(r);
  }
  if (absl::Status st = file_.OpenExisting(n); !st.ok()) return st;
  std::lock_guard<std::mutex> l(mu_);
  ts_ = std::move(ts);
  rel_ = std::move(rel);
  return absl::OkStatus();
}

absl::Status TimeIndex::Reset() {
  if (absl::Status st = file_.OpenEmpty(); !st.ok()) return st;
  std::lock_guard<std::mutex> l(mu_);
  ts_.clear();
  rel_.clear();
  return absl::OkStatus();
}

void TimeIndex::Add(int64_t max_timestamp_before, int64_t offset) {
  const auto r = static_cast<uint32_t>(offset - base_);
  std::lock_guard<std::mutex> l(mu_);
  if (!ts_.empty() && (max_timestamp_before < ts_.back() || r <= rel_.back())) return;
  ts_.push_back(max_timestamp_before);
  rel_.push_back(r);
  char e[kEntrySize];
  enc::StoreBe64(e, static_cast<uint64_t>(max_timestamp_before));
  enc::StoreBe32(e + 8, r);
  file_.Append(e);
}

absl::Status TimeIndex::Flush() { return file_.Flush(); }

absl::Status TimeIndex::Sync() { return file_.Sync(); }

int64_t TimeIndex::Lookup(int64_t ts) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = std::lower_bound(ts_.begin(), ts_.end(), ts);  // first entry with T >= ts
  if (it == ts_.begin()) return base_;
  return base_ + rel_[static_cast<size_t>(it - ts_.begin()) - 1];
}

bool TimeIndex::Last(int64_t* ts, int64_t* offset) const {
  std::lock_guard<std::mutex> l(mu_);
  if (ts_.empty()) return false;
  *ts = ts_.back();
  *offset = base_ + rel_.back();
  return true;
}

size_t TimeIndex::pending_bytes() const { return file_.pending_bytes(); }

}  // namespace eddy::logstore
