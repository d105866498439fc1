#include "log-store/storage/txn_index.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "absl/strings/str_cat.h"
#include "log-store/storage/encoding.h"
#include "log-store/storage/file_io.h"
#include "log-store/storage/segment.h"

namespace eddy::logstore {

std::string TxnIndex::Path(int64_t base) const {
  return dir_ + "/" + Segment::FileName(base, ".txnindex");
}

absl::Status TxnIndex::LoadSegment(int64_t base, int64_t log_end, std::string* report) {
  const std::string path = Path(base);
  if (::access(path.c_str(), F_OK) != 0) return absl::OkStatus();
  auto data = fileio::ReadWholeFile(path);
  if (!data.ok()) return data.status();
  std::vector<AbortedTxn> entries;
  size_t good = 0;
  for (size_t pos = 0; pos + kEntrySize <= data->size(); pos += kEntrySize) {
    const char* p = data->data() + pos;
    AbortedTxn e;
    e.producer_id = static_cast<int64_t>(enc::LoadBe64(p + 2));
    e.first_offset = static_cast<int64_t>(enc::LoadBe64(p + 10));
    e.last_offset = static_cast<int64_t>(enc::LoadBe64(p + 18));
    e.last_stable_offset = static_cast<int64_t>(enc::LoadBe64(p + 26));
    if (enc::LoadBe16(p) != 0 || e.last_offset >= log_end || e.first_offset > e.last_offset) break;
    entries.push_back(e);
    good = pos + kEntrySize;
  }
  if (good != data->size()) {
    if (::truncate(path.c_str(), static_cast<off_t>(good)) != 0)
      return fileio::ErrnoStatus(errno, "truncate", path);
    if (report != nullptr) {
      absl::StrAppend(report, path, ": cut ", data->size() - good,
                      " bytes (a partial entry or entries past the log end)\n");
    }
  }
  std::lock_guard<std::mutex> l(mu_);
  by_segment_[base] = std::move(entries);
  return absl::OkStatus();
}

absl::Status TxnIndex::Append(int64_t base, const AbortedTxn& e) {
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& [b, v] : by_segment_) {
      for (const AbortedTxn& x : v) {
        if (x.producer_id == e.producer_id && x.last_offset == e.last_offset)
          return absl::OkStatus();
      }
    }
  }
  char buf[kEntrySize];
  enc::StoreBe16(buf, 0);
  enc::StoreBe64(buf + 2, static_cast<uint64_t>(e.producer_id));
  enc::StoreBe64(buf + 10, static_cast<uint64_t>(e.first_offset));
  enc::StoreBe64(buf + 18, static_cast<uint64_t>(e.last_offset));
  enc::StoreBe64(buf + 26, static_cast<uint64_t>(e.last_stable_offset));
  const std::string path = Path(base);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return fileio::ErrnoStatus(errno, "open", path);
  const ssize_t n = ::write(fd, buf, kEntrySize);
  const int err = errno;
  const bool synced = n == static_cast<ssize_t>(kEntrySize) && ::fdatasync(fd) == 0;
  ::close(fd);
  if (!synced) return fileio::ErrnoStatus(n < 0 ? err : EIO, "append aborted-txn entry to", path);
  std::lock_guard<std::mutex> l(mu_);
  by_segment_[base].push_back(e);
  return absl::OkStatus();
}

std::vector<AbortedTxn> TxnIndex::Overlapping(int64_t from, int64_t to) const {
  std::vector<AbortedTxn> out;
  std::lock_guard<std::mutex> l(mu_);
  for (const auto& [b, v] : by_segment_) {
    for (const AbortedTxn& e : v) {
      if (e.last_offset >= from && e.first_offset < to) out.push_back(e);
    }
  }
  std::sort(out.begin(), out.end(), [](const AbortedTxn& a, const AbortedTxn& b) {
    return a.first_offset < b.first_offset;
  });
  return out;
}

void TxnIndex::DropBelow(int64_t first_base) {
  std::lock_guard<std::mutex> l(mu_);
  while (!by_segment_.empty() && by_segment_.begin()->first < first_base)
    by_segment_.erase(by_segment_.begin());
}

size_t TxnIndex::EntryCount() const {
  std::lock_guard<std::mutex> l(mu_);
  size_t n = 0;
  for (const auto& [b, v] : by_segment_) n += v.size();
  return n;
}

}  // namespace eddy::logstore
