// RestoreBatch: direct WriteBatches, or sort + SST ingestion for large restores into RocksDB.
#include "runtime/state/restore_batch.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "runtime/state/rocksdb_store.h"

namespace eddy::state {
namespace {

// 8 bytes of `key` from `from`, big-endian, zero-padded: orders like the bytes themselves, except
// that equal prefixes need the lengths or a full comparison.
uint64_t Prefix8(std::string_view key, size_t from) {
  if (key.size() >= from + 8) {  // the common case: one load and a byte swap
    uint64_t p;
    std::memcpy(&p, key.data() + from, 8);
    return __builtin_bswap64(p);
  }
  uint64_t p = 0;
  size_t n = key.size() > from ? key.size() - from : 0;
  for (size_t i = 0; i < n; ++i) {
    p |= uint64_t{static_cast<unsigned char>(key[from + i])} << (56 - 8 * i);
  }
  return p;
}

}  // namespace

RestoreBatch::RestoreBatch(KeyValueStoreBytes* engine, StoreMetrics metrics)
    : engine_(engine), rocks_(dynamic_cast<RocksDbStore*>(engine)), metrics_(metrics) {}

RestoreBatch::~RestoreBatch() {
  absl::Status s = Finish();
  if (worker_.joinable()) worker_.join();
  if (!s.ok()) {
    std::cerr << "eddy: " << s << " (the store is marked failed)\n";
    if (rocks_ != nullptr) rocks_->MarkFailed(s);
  }
}

void RestoreBatch::MaybeEnterBulk(size_t incoming) {
  if (!bulk_ && rocks_ != nullptr && bulk_threshold_ >= 0 &&
      seen_ + static_cast<int64_t>(incoming) > bulk_threshold_) {
    bulk_ = true;
    bulk_status_ = rocks_->BeginBulkLoad();
  }
}

void RestoreBatch::Buffer(std::string_view key, std::optional<std::string_view> value) {
  Pending p;
  p.key_off = buf_.size();
  p.key_len = static_cast<uint32_t>(key.size());
  p.value_len = value ? static_cast<uint32_t>(value->size()) : kTombstone;
  buf_.append(key);
  if (value) buf_.append(*value);
  pending_.push_back(p);
}

absl::Status RestoreBatch::Apply(std::span<const KeyValueWrite> records) {
  if (records.empty()) return absl::OkStatus();
  MaybeEnterBulk(records.size());
  seen_ += static_cast<int64_t>(records.size());
  if (!bulk_) {
    if (absl::Status s = ApplyPending(false); !s.ok()) return s;  // keep Add() records in order
    return ApplyDirect(records);
  }
  for (const KeyValueWrite& r : records) Buffer(r.key, r.value);
  if (buf_.size() >= bulk_bytes_) return ApplyPending(/*background=*/true);
  return absl::OkStatus();
}

absl::Status RestoreBatch::Add(std::string_view key, std::optional<std::string_view> value) {
  MaybeEnterBulk(1);
  ++seen_;
  Buffer(key, value);
  if (buf_.size() >= (bulk_ ? bulk_bytes_ : kFlushBytes)) return ApplyPending(/*background=*/true);
  return absl::OkStatus();
}

absl::Status RestoreBatch::Finish() {
  absl::Status s = JoinAndIngest();
  absl::Status rest = ApplyPending(/*background=*/false);
  absl::Status end = bulk_ ? rocks_->EndBulkLoad() : absl::OkStatus();
  if (!bulk_status_.ok()) return bulk_status_;
  if (!s.ok()) return s;
  return rest.ok() ? end : rest;
}

void RestoreBatch::Abandon() {
  if (worker_.joinable()) worker_.join();
  if (inflight_) {
    std::error_code ec;
    std::filesystem::remove(inflight_->file, ec);
    inflight_.reset();
  }
  buf_.clear();
  pending_.clear();
}

absl::Status RestoreBatch::ApplyDirect(std::span<const KeyValueWrite> records) {
  auto start = std::chrono::steady_clock::now();
  int64_t bytes = 0;
  for (const KeyValueWrite& r : records) {
    bytes += static_cast<int64_t>(r.key.size() + (r.value ? r.value->size() : 0));
  }
  absl::Status s = engine_->ApplyBatch(records);
  auto took = std::chrono::steady_clock::now() - start;
  if (!s.ok()) {
    return absl::Status(s.code(),
                        "restore of store " + engine_->name() + ": " + std::string(s.message()));
  }
  records_ += static_cast<int64_t>(records.size());
  bytes_ += bytes;
  elapsed_ += std::chrono::duration_cast<std::chrono::nanoseconds>(took);
  metrics_.restore_records->Inc(static_cast<int64_t>(records.size()));
  metrics_.restore_bytes->Inc(bytes);
  metrics_.restore_time->Update(took);
  return absl::OkStatus();
}

absl::Status RestoreBatch::ApplyPending(bool background) {
  if (pending_.empty()) return absl::OkStatus();
  if (!bulk_) {
    std::vector<KeyValueWrite> writes;
    writes.reserve(pending_.size());
    for (const Pending& p : pending_) {
      std::optional<std::string_view> v;
      if (p.value_len != kTombstone) {
        v = std::string_view(buf_).substr(p.key_off + p.key_len, p.value_len);
      }
      writes.push_back(KeyValueWrite{KeyOf(p), v});
    }
    absl::Status s = ApplyDirect(writes);
    buf_.clear();
    pending_.clear();
    return s;
  }
  // Files must be ingested in order: finish the previous one first.
  if (absl::Status s = JoinAndIngest(); !s.ok()) return s;
  auto stage = std::make_unique<Stage>();
  stage->buf.swap(buf_);
  stage->pending.swap(pending_);
  stage->file = rocks_->NewSstPath();
  buf_.reserve(stage->buf.capacity());
  if (background) {
    inflight_ = std::move(stage);
    Stage* st = inflight_.get();
    const RocksDbStore* rocks = rocks_;
    worker_ = std::thread([st, rocks] { BuildSst(st, rocks); });
    return absl::OkStatus();
  }
  auto start = std::chrono::steady_clock::now();
  BuildSst(stage.get(), rocks_);
  elapsed_ += std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::steady_clock::now() - start);
  return Ingest(*stage);
}

absl::Status RestoreBatch::JoinAndIngest() {
  if (!inflight_) return absl::OkStatus();
  auto start = std::chrono::steady_clock::now();
  if (worker_.joinable()) worker_.join();
  elapsed_ += std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::steady_clock::now() - start);
  std::unique_ptr<Stage> stage = std::move(inflight_);
  return Ingest(*stage);
}

absl::Status RestoreBatch::Ingest(Stage& stage) {
  if (!stage.status.ok()) {
    return absl::Status(stage.status.code(), "restore of store " + engine_->name() + ": " +
                                                 std::string(stage.status.message()));
  }
  auto start = std::chrono::steady_clock::now();
  absl::Status s = rocks_->IngestSst(stage.file, stage.puts, stage.deletes);
  auto took = std::chrono::steady_clock::now() - start;
  if (!s.ok()) {
    return absl::Status(s.code(),
                        "restore of store " + engine_->name() + ": " + std::string(s.message()));
  }
  const int64_t n = static_cast<int64_t>(stage.pending.size());
  records_ += n;
  bytes_ += stage.bytes;
  elapsed_ += std::chrono::duration_cast<std::chrono::nanoseconds>(took);
  metrics_.restore_records->Inc(n);
  metrics_.restore_bytes->Inc(stage.bytes);
  metrics_.restore_time->Update(took);
  return absl::OkStatus();
}

void RestoreBatch::BuildSst(Stage* stage, const RocksDbStore* rocks) {
  const std::string& buf = stage->buf;
  const std::vector<Pending>& pending = stage->pending;
  auto key_of = [&](uint32_t idx) {
    return std::string_view(buf).substr(pending[idx].key_off, pending[idx].key_len);
  };
  // Sort by (key, arrival). Most comparisons are settled by the first 16 key bytes held inline in
  // a compact array; only keys equal in those bytes need their lengths or the rest compared.
  struct Entry {
    uint64_t p0, p1;
    uint32_t len, idx;
  };
  std::vector<Entry> order(pending.size());
  for (size_t i = 0; i < pending.size(); ++i) {
    std::string_view k = key_of(static_cast<uint32_t>(i));
    order[i] = Entry{Prefix8(k, 0), Prefix8(k, 8), pending[i].key_len, static_cast<uint32_t>(i)};
  }
  // <0, 0, >0 by key only.
  auto key_cmp = [&](const Entry& a, const Entry& b) -> int {
    if (a.p0 != b.p0) return a.p0 < b.p0 ? -1 : 1;
    if (a.p1 != b.p1) return a.p1 < b.p1 ? -1 : 1;
    // A key of at most 16 bytes that matches the other in those bytes (zero-padded) is a prefix
    // of it.
    if (a.len <= 16 || b.len <= 16) return a.len == b.len ? 0 : (a.len < b.len ? -1 : 1);
    return key_of(a.idx).substr(16).compare(key_of(b.idx).substr(16));
  };
  std::sort(order.begin(), order.end(), [&](const Entry& a, const Entry& b) {
    int c = key_cmp(a, b);
    return c != 0 ? c < 0 : a.idx < b.idx;
  });
  // The last write of each key wins.
  std::vector<KeyValueWrite> writes;
  writes.reserve(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    const Pending& p = pending[order[i].idx];
    stage->bytes += static_cast<int64_t>(p.key_len) + (p.value_len == kTombstone ? 0 : p.value_len);
    if (i + 1 < order.size() && key_cmp(order[i], order[i + 1]) == 0) continue;
    std::optional<std::string_view> v;
    if (p.value_len != kTombstone) {
      v = std::string_view(buf).substr(p.key_off + p.key_len, p.value_len);
      ++stage->puts;
    } else {
      ++stage->deletes;
    }
    writes.push_back(KeyValueWrite{key_of(order[i].idx), v});
  }
  stage->status = rocks->WriteSst(writes, stage->file);
}

}  // namespace eddy::state
