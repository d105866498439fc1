// Segment: append, scan/recover, index maintenance and CRC-checked reads of one log file.
#include "log-store/storage/segment.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "log-store/storage/encoding.h"
#include "log-store/storage/fault_hooks.h"
#include "log-store/storage/file_io.h"
#include "log-store/storage/storage_probe.h"

namespace eddy::logstore {
namespace {

constexpr size_t kScanChunk = 4u << 20;
constexpr size_t kHeaderWalkChunk = 16u << 10;
constexpr size_t kIndexFlushBytes = 4096;
constexpr uint64_t kMaxReadBytes = 64u << 20;

// Reads a file through a sliding buffer for sequential batch walks.
class ChunkReader {
 public:
  ChunkReader(int fd, const std::string& path, uint64_t file_size, size_t chunk)
      : fd_(fd), path_(path), size_(file_size), chunk_(chunk) {}
  // Makes [pos, pos+n) available; returns a pointer to it, or nullptr past the end.
  absl::StatusOr<const char*> Get(uint64_t pos, size_t n) {
    if (pos + n > size_) return nullptr;
    if (pos < start_ || pos + n > start_ + buf_.size()) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(std::max(n, chunk_), size_ - pos));
      buf_.resize(want);
      auto got = fileio::PreadUpTo(fd_, buf_.data(), want, pos, path_);
      if (!got.ok()) return got.status();
      buf_.resize(*got);
      start_ = pos;
      if (*got < n) return nullptr;
    }
    return buf_.data() + (pos - start_);
  }

 private:
  int fd_;
  const std::string& path_;
  uint64_t size_;
  size_t chunk_;
  std::string buf_;
  uint64_t start_ = 0;
};

}  // namespace

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

absl::StatusOr<size_t> CheckStoredBatch(std::string_view data, BatchHeader* h) {
  if (data.size() < kBatchHeaderSize) {
    return absl::DataLossError(absl::StrCat("truncated batch header (", data.size(), " bytes)"));
  }
  auto hs = ParseBatchHeader(data);
  if (!hs.ok()) return absl::DataLossError(hs.status().message());
  if (hs->size_bytes() > data.size()) {
    return absl::DataLossError(
        absl::StrCat("truncated batch (", data.size(), " of ", hs->size_bytes(), " bytes)"));
  }
  const uint32_t crc = BatchCrc(data.substr(0, hs->size_bytes()));
  if (crc != hs->crc) {
    return absl::DataLossError(
        absl::StrFormat("CRC-32C mismatch in batch at base offset %d (stored %08x, computed %08x)",
                        hs->base_offset, hs->crc, crc));
  }
  *h = *hs;
  return hs->size_bytes();
}

std::string Segment::FileName(int64_t base_offset, std::string_view ext) {
  return absl::StrFormat("%020d%s", base_offset, absl::string_view(ext.data(), ext.size()));
}

Segment::Segment(std::string dir, int64_t base, std::string label, int32_t index_interval,
                 std::string suffix)
    : dir_(std::move(dir)),
      base_(base),
      label_(std::move(label)),
      index_interval_(index_interval),
      suffix_(std::move(suffix)),
      next_offset_(base) {
  log_path_ = dir_ + "/" + FileName(base_, ".log") + suffix_;
  index_ = std::make_unique<OffsetIndex>(dir_ + "/" + FileName(base_, ".index") + suffix_, base_);
  time_index_ =
      std::make_unique<TimeIndex>(dir_ + "/" + FileName(base_, ".timeindex") + suffix_, base_);
  created_ms_ = NowMs();
}

Segment::~Segment() {
  (void)index_->Flush();
  (void)time_index_->Flush();
  if (fd_ >= 0) ::close(fd_);
}

absl::Status Segment::OpenLog(int extra_flags) {
  auto fd = fileio::OpenFile(log_path_, O_RDWR | extra_flags);
  if (!fd.ok()) return fd.status();
  fd_ = *fd;
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<Segment>> Segment::Create(const std::string& dir,
                                                         int64_t base_offset, std::string label,
                                                         int32_t index_interval,
                                                         std::string suffix) {
  std::shared_ptr<Segment> s(
      new Segment(dir, base_offset, std::move(label), index_interval, std::move(suffix)));
  if (absl::Status st = s->OpenLog(O_CREAT | O_TRUNC); !st.ok()) return st;
  if (absl::Status st = s->index_->Reset(); !st.ok()) return st;
  if (absl::Status st = s->time_index_->Reset(); !st.ok()) return st;
  return s;
}

absl::StatusOr<std::shared_ptr<Segment>> Segment::Open(const std::string& dir, int64_t base_offset,
                                                       std::string label, int32_t index_interval,
                                                       bool last, int64_t end_offset,
                                                       std::string* report) {
  std::shared_ptr<Segment> s(new Segment(dir, base_offset, std::move(label), index_interval, ""));
  if (absl::Status st = s->OpenLog(0); !st.ok()) return st;
  auto size = fileio::FileSize(s->fd_, s->log_path_);
  if (!size.ok()) return size.status();
  if (last) {
    if (absl::Status st = s->index_->Reset(); !st.ok()) return st;
    if (absl::Status st = s->time_index_->Reset(); !st.ok()) return st;
    std::string why;
    auto good = s->ScanAndIndex(*size, &why);
    if (!good.ok()) return good.status();
    if (*good < *size) {
      absl::StrAppend(report, s->label_, ": truncated ", s->log_path_, " from ", *size, " to ",
                      *good, " bytes (torn or corrupt tail at position ", *good, ": ", why, ")\n");
      if (::ftruncate(s->fd_, static_cast<off_t>(*good)) != 0) {
        return fileio::ErrnoStatus(errno, "truncate", s->log_path_);
      }
      if (::fdatasync(s->fd_) != 0) return fileio::ErrnoStatus(errno, "fsync", s->log_path_);
    }
    s->size_.store(*good);
    s->checked_until_.store(*good);
    if (absl::Status st = s->index_->Flush(); !st.ok()) return st;
    if (absl::Status st = s->time_index_->Flush(); !st.ok()) return st;
    return s;
  }
  // A closed segment: trust its indexes when they look sane and end with the seal entry.
  s->size_.store(*size);
  s->next_offset_.store(end_offset);
  absl::Status ist = s->index_->Load(*size);
  absl::Status tst = s->time_index_->Load();
  int64_t last_ts = 0, last_off = 0;
  const bool sealed =
      tst.ok() && s->time_index_->Last(&last_ts, &last_off) && last_off == end_offset;
  if (ist.ok() && sealed) {
    s->max_ts_.store(last_ts);
    return s;
  }
  absl::StrAppend(report, s->label_, ": rebuilt indexes of ", s->log_path_, " (",
                  ist.ok() ? (tst.ok() ? "time index not sealed" : tst.message()) : ist.message(),
                  ")\n");
  if (absl::Status st = s->index_->Reset(); !st.ok()) return st;
  if (absl::Status st = s->time_index_->Reset(); !st.ok()) return st;
  std::string why;
  auto good = s->ScanAndIndex(*size, &why);
  if (!good.ok()) return good.status();
  s->size_.store(*size);  // never cut a closed segment: the bad bytes are reported on read
  s->checked_until_.store(*good);
  s->next_offset_.store(end_offset);
  if (*good < *size) {
    absl::StrAppend(report, s->label_, ": DATA LOSS: corrupt batch in ", s->log_path_,
                    " at position ", *good, ": ", why, "; it will not be served\n");
  }
  s->Seal(end_offset);  // writes the rebuilt indexes
  return s;
}

void Segment::IndexBatch(const BatchInfo& b, uint64_t position) {
  if (bytes_since_index_ >= static_cast<uint64_t>(index_interval_) && position > 0) {
    index_->Add(b.base_offset, static_cast<uint32_t>(position));
    const int64_t before = max_ts_.load(std::memory_order_relaxed);
    if (before != kNoTimestamp) time_index_->Add(before, b.base_offset);
    bytes_since_index_ = 0;
  }
  bytes_since_index_ += b.size;
  if (b.max_timestamp > max_ts_.load(std::memory_order_relaxed)) {
    max_ts_.store(b.max_timestamp, std::memory_order_release);
  }
}

absl::StatusOr<uint64_t> Segment::ScanAndIndex(uint64_t file_size, std::string* why) {
  ChunkReader reader(fd_, log_path_, file_size, kScanChunk);
  uint64_t pos = 0;
  int64_t next = base_;
  bytes_since_index_ = 0;
  while (pos < file_size) {
    auto head = reader.Get(pos, kBatchLogOverhead);
    if (!head.ok()) return head.status();
    if (*head == nullptr) {
      *why = "partial batch length field";
      break;
    }
    const auto len = static_cast<int32_t>(enc::LoadBe32(*head + 8));
    if (len < static_cast<int32_t>(kBatchHeaderSize - kBatchLogOverhead) ||
        pos + kBatchLogOverhead + static_cast<uint64_t>(len) > file_size) {
      *why = absl::StrCat("batch length ", len, " runs past the end of the file or is too small");
      break;
    }
    const size_t total = static_cast<size_t>(len) + kBatchLogOverhead;
    auto data = reader.Get(pos, total);
    if (!data.ok()) return data.status();
    if (*data == nullptr) {
      *why = "partial batch";
      break;
    }
    BatchHeader h;
    auto ok = CheckStoredBatch(std::string_view(*data, total), &h);
    if (!ok.ok()) {
      *why = std::string(ok.status().message());
      break;
    }
    if (h.base_offset < next) {
      *why = absl::StrCat("batch base offset ", h.base_offset,
                          " goes backwards (expected >= ", next, ")");
      break;
    }
    BatchInfo b{h.base_offset, h.last_offset(), h.max_timestamp, static_cast<uint32_t>(total),
                h.records_count};
    IndexBatch(b, pos);
    next = h.last_offset() + 1;
    pos += total;
  }
  next_offset_.store(next);
  return pos;
}

absl::Status Segment::Append(const struct iovec* iov, int iovcnt, size_t bytes,
                             const BatchInfo* infos, size_t count) {
  const uint64_t at = size_.load(std::memory_order_relaxed);
  absl::Status st;
  if (FaultHooks::Fire("segment.write.enospc")) {
    st = absl::ResourceExhaustedError(
        absl::StrCat("write ", log_path_, ": No space left on device (fault hook)"));
  } else if (FaultHooks::Fire("segment.write.torn")) {
    std::string all;
    for (int i = 0; i < iovcnt; ++i)
      all.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
    (void)fileio::PwriteAll(fd_, all.data(), all.size() / 2, at, log_path_);
    failed_.store(true);
    return absl::InternalError(
        absl::StrCat("write ", log_path_, ": simulated crash after a torn write (fault hook)"));
  } else {
    st = fileio::PwritevAll(fd_, iov, iovcnt, at, log_path_);
  }
  if (!st.ok()) {
    // Cut back whatever part of the write reached the file: no partial batch may stay.
    if (::ftruncate(fd_, static_cast<off_t>(at)) != 0) {
      failed_.store(true);
      return absl::InternalError(absl::StrCat(st.message(), "; and truncating back to ", at,
                                              " failed, partition needs a restart"));
    }
    return st;
  }
  uint64_t pos = at;
  for (size_t i = 0; i < count; ++i) {
    IndexBatch(infos[i], pos);
    pos += infos[i].size;
  }
  if (count > 0) next_offset_.store(infos[count - 1].last_offset + 1, std::memory_order_release);
  size_.store(at + bytes, std::memory_order_release);
  MarkChecked(at, at + bytes);  // callers append validated batches only
  // Index entries are written in chunks (the active segment's indexes are rebuilt at open
  // anyway); Seal, SyncAll and the destructor write the rest. A failed index write only costs
  // lookup speed until the next open rebuilds the index.
  if (index_->pending_bytes() >= kIndexFlushBytes) (void)index_->Flush();
  if (time_index_->pending_bytes() >= kIndexFlushBytes) (void)time_index_->Flush();
  return absl::OkStatus();
}

absl::Status Segment::Sync() {
  if (FaultHooks::Fire("segment.sync.eio")) {
    return absl::InternalError(
        absl::StrCat("fsync ", log_path_, ": Input/output error (fault hook)"));
  }
  ScopedTimer timed(StorageProbe::Get().fsync);
  if (::fdatasync(fd_) != 0) return fileio::ErrnoStatus(errno, "fsync", log_path_);
  return absl::OkStatus();
}

absl::Status Segment::SyncAll() {
  if (absl::Status st = Sync(); !st.ok()) return st;
  if (absl::Status st = index_->Flush(); !st.ok()) return st;
  if (absl::Status st = time_index_->Flush(); !st.ok()) return st;
  if (absl::Status st = index_->Sync(); !st.ok()) return st;
  return time_index_->Sync();
}

void Segment::Seal(int64_t end_offset) {
  const int64_t ts = max_ts_.load();
  if (ts != kNoTimestamp && end_offset > base_)
    time_index_->Add(ts, end_offset);
  else if (end_offset > base_)
    time_index_->Add(kNoTimestamp + 1, end_offset);
  (void)index_->Flush();
  (void)time_index_->Flush();
}

absl::Status Segment::DataLoss(uint64_t position, absl::string_view why) const {
  return absl::DataLossError(absl::StrCat(label_, ": corrupt data in segment ", log_path_,
                                          " at position ", position, ": ", why));
}

absl::StatusOr<bool> Segment::FindBatch(int64_t offset, uint64_t limit, uint64_t* pos_out,
                                        uint64_t* len_out) const {
  uint64_t pos = index_->Lookup(offset);
  ChunkReader reader(fd_, log_path_, limit, kHeaderWalkChunk);
  constexpr size_t kNeed = 27;  // through lastOffsetDelta
  while (pos < limit) {
    auto head = reader.Get(pos, kNeed);
    if (!head.ok()) return head.status();
    if (*head == nullptr) return DataLoss(pos, "truncated batch header");
    const char* p = *head;
    const auto base = static_cast<int64_t>(enc::LoadBe64(p));
    const auto len = static_cast<int32_t>(enc::LoadBe32(p + 8));
    const auto lod = static_cast<int32_t>(enc::LoadBe32(p + 23));
    if (p[16] != kMagicV2 || len < static_cast<int32_t>(kBatchHeaderSize - kBatchLogOverhead) ||
        pos + kBatchLogOverhead + static_cast<uint64_t>(len) > limit || lod < 0) {
      return DataLoss(pos, "bad batch header");
    }
    const uint64_t total = static_cast<uint64_t>(len) + kBatchLogOverhead;
    if (base + lod >= offset) {
      *pos_out = pos;
      *len_out = total;
      return true;
    }
    pos += total;
  }
  return false;
}

absl::StatusOr<bool> Segment::Read(int64_t offset, int32_t max_bytes, std::string* out) const {
  const uint64_t limit = size();
  uint64_t pos = 0, first_len = 0;
  auto found = FindBatch(offset, limit, &pos, &first_len);
  if (!found.ok() || !*found) return found;
  // One read never buffers more than kMaxReadBytes (or the first batch, if larger).
  const uint64_t budget =
      std::min<uint64_t>(max_bytes > 0 ? static_cast<uint64_t>(max_bytes) : 0, kMaxReadBytes);
  const uint64_t want = std::min<uint64_t>(limit - pos, std::max<uint64_t>(first_len, budget));
  const size_t start = out->size();
  out->resize(start + want);
  auto got = fileio::PreadUpTo(fd_, out->data() + start, want, pos, log_path_);
  if (!got.ok()) {
    out->resize(start);
    return got.status();
  }
  // Keep only whole, CRC-valid batches.
  std::string_view data(out->data() + start, *got);
  size_t keep = 0;
  while (keep < data.size()) {
    BatchHeader h;
    if (data.size() - keep < kBatchLogOverhead) break;
    const auto len = static_cast<int32_t>(enc::LoadBe32(data.data() + keep + 8));
    if (len >= 0 && keep + kBatchLogOverhead + static_cast<size_t>(len) > data.size() && keep > 0)
      break;
    auto ok = CheckStoredBatch(data.substr(keep), &h);
    if (!ok.ok()) {
      if (keep == 0) {
        out->resize(start);
        return DataLoss(pos, ok.status().message());
      }
      break;  // served up to here; the next read at that offset reports the loss
    }
    keep += *ok;
  }
  out->resize(start + keep);
  MarkChecked(pos, pos + keep);
  return true;
}

void Segment::MarkChecked(uint64_t from, uint64_t to) const {
  uint64_t cur = checked_until_.load(std::memory_order_acquire);
  while (from <= cur && cur < to &&
         !checked_until_.compare_exchange_weak(cur, to, std::memory_order_acq_rel)) {
  }
}

absl::StatusOr<bool> Segment::Slice(int64_t offset, int32_t max_bytes, int64_t below_offset,
                                    SegmentSlice* out) const {
  *out = SegmentSlice{};
  const uint64_t limit = size();
  uint64_t pos = 0, first_len = 0;
  auto found = FindBatch(offset, limit, &pos, &first_len);
  if (!found.ok() || !*found) return found;
  const uint64_t checked = std::min(limit, checked_until_.load(std::memory_order_acquire));
  if (pos + first_len > checked) {
    out->unchecked = true;
    return true;
  }
  const uint64_t budget =
      std::min<uint64_t>(max_bytes > 0 ? static_cast<uint64_t>(max_bytes) : 0, kMaxReadBytes);
  ChunkReader reader(fd_, log_path_, checked, kHeaderWalkChunk);
  constexpr size_t kNeed = 27;  // through lastOffsetDelta
  out->position = pos;
  uint64_t at = pos;
  while (at < checked) {
    auto head = reader.Get(at, kNeed);
    if (!head.ok()) return head.status();
    if (*head == nullptr) break;
    const char* p = *head;
    const auto base = static_cast<int64_t>(enc::LoadBe64(p));
    const auto len = static_cast<int32_t>(enc::LoadBe32(p + 8));
    const auto lod = static_cast<int32_t>(enc::LoadBe32(p + 23));
    if (p[16] != kMagicV2 || len < static_cast<int32_t>(kBatchHeaderSize - kBatchLogOverhead) ||
        lod < 0) {
      if (at == pos) return DataLoss(at, "bad batch header");
      break;  // served up to here; the next read at that offset reports it
    }
    const uint64_t total = static_cast<uint64_t>(len) + kBatchLogOverhead;
    if (base >= below_offset || at + total > checked) break;
    if (at > pos && at + total - pos > budget) break;
    out->last_offset = base + lod;
    at += total;
  }
  out->length = at - pos;
  return true;
}

absl::StatusOr<TimestampOffset> Segment::FindTimestamp(int64_t ts, int64_t min_offset) const {
  TimestampOffset result;
  if (max_timestamp() < ts || next_offset() <= min_offset) return result;
  const int64_t from = std::max(time_index_->Lookup(ts), min_offset);
  uint64_t pos = 0, len = 0;
  auto found = FindBatch(from, size(), &pos, &len);
  if (!found.ok()) return found.status();
  if (!*found) return result;
  absl::Status st = WalkBatches(
      pos, [&](uint64_t at, std::string_view batch, const BatchHeader& h) -> absl::StatusOr<bool> {
        if (h.max_timestamp < ts || h.last_offset() < from) return true;
        RecordIterator it(batch);
        Record r;
        while (it.Next(&r)) {
          if (r.timestamp >= ts && r.offset >= from) {
            result = {r.offset, r.timestamp};
            return false;
          }
        }
        if (!it.status().ok()) return DataLoss(at, it.status().message());
        return true;
      });
  if (!st.ok()) return st;
  return result;
}

absl::Status Segment::ForEachBatch(
    const std::function<absl::Status(std::string_view batch, const BatchHeader& h)>& fn) const {
  return WalkBatches(
      0, [&](uint64_t, std::string_view batch, const BatchHeader& h) -> absl::StatusOr<bool> {
        if (absl::Status st = fn(batch, h); !st.ok()) return st;
        return true;
      });
}

absl::Status Segment::WalkBatches(
    uint64_t pos,
    const std::function<absl::StatusOr<bool>(uint64_t position, std::string_view batch,
                                             const BatchHeader& h)>& fn) const {
  const uint64_t limit = size();
  ChunkReader reader(fd_, log_path_, limit, kScanChunk);
  while (pos < limit) {
    auto head = reader.Get(pos, kBatchLogOverhead);
    if (!head.ok()) return head.status();
    if (*head == nullptr) return DataLoss(pos, "truncated batch");
    const auto blen = static_cast<int32_t>(enc::LoadBe32(*head + 8));
    if (blen < 0 || pos + kBatchLogOverhead + static_cast<uint64_t>(blen) > limit)
      return DataLoss(pos, "bad batch length");
    const size_t total = static_cast<size_t>(blen) + kBatchLogOverhead;
    auto data = reader.Get(pos, total);
    if (!data.ok()) return data.status();
    if (*data == nullptr) return DataLoss(pos, "truncated batch");
    BatchHeader h;
    std::string_view batch(*data, total);
    auto ok = CheckStoredBatch(batch, &h);
    if (!ok.ok()) return DataLoss(pos, ok.status().message());
    auto more = fn(pos, batch, h);
    if (!more.ok()) return more.status();
    if (!*more) break;
    pos += total;
  }
  return absl::OkStatus();
}

absl::Status Segment::CommitCleaned() {
  if (suffix_.empty()) return absl::OkStatus();
  const std::string live_log = dir_ + "/" + FileName(base_, ".log");
  const std::string live_index = dir_ + "/" + FileName(base_, ".index");
  const std::string live_time = dir_ + "/" + FileName(base_, ".timeindex");
  if (absl::Status st = SyncAll(); !st.ok()) return st;
  if (::rename(log_path_.c_str(), live_log.c_str()) != 0)
    return fileio::ErrnoStatus(errno, "rename", log_path_);
  if (::rename(index_->path().c_str(), live_index.c_str()) != 0)
    return fileio::ErrnoStatus(errno, "rename", index_->path());
  if (::rename(time_index_->path().c_str(), live_time.c_str()) != 0) {
    return fileio::ErrnoStatus(errno, "rename", time_index_->path());
  }
  log_path_ = live_log;
  suffix_.clear();
  // The index objects keep their (now renamed) descriptors; only their paths are stale, and
  // they are only used for messages and rebuilds at the next open.
  return fileio::SyncDir(dir_);
}

void Segment::RemoveFiles() {
  for (const char* ext : {".log", ".index", ".timeindex", ".txnindex"}) {
    const std::string path = dir_ + "/" + FileName(base_, ext) + suffix_;
    ::unlink(path.c_str());
  }
}

}  // namespace eddy::logstore
