// Log compaction of one partition (cleanup.policy=compact): keep the latest record per key in
// the closed segments older than min.compaction.lag.ms; drop tombstones older than
// delete.retention.ms. Each changed segment is rewritten into `<base>.*.cleaned` files and
// swapped in under a short lock; appends never wait for it. Layout rules: FORMAT.md.
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "log-store/storage/encoding.h"
#include "log-store/storage/partition_log_impl.h"

namespace eddy::logstore {
namespace {

// Appends one record in v2 encoding with the given deltas.
void EncodeRecord(std::string* out, int64_t ts_delta, int64_t off_delta, const Record& r) {
  const int64_t klen = r.key ? static_cast<int64_t>(r.key->size()) : -1;
  const int64_t vlen = r.value ? static_cast<int64_t>(r.value->size()) : -1;
  const size_t body = 1 + enc::VarintSize(ts_delta) + enc::VarintSize(off_delta) +
                      enc::VarintSize(klen) + (r.key ? r.key->size() : 0) + enc::VarintSize(vlen) +
                      (r.value ? r.value->size() : 0) + enc::VarintSize(r.header_count) +
                      r.headers_raw.size();
  char tmp[16];
  out->append(tmp, enc::PutVarint(tmp, static_cast<int64_t>(body)));
  out->push_back('\0');
  out->append(tmp, enc::PutVarint(tmp, ts_delta));
  out->append(tmp, enc::PutVarint(tmp, off_delta));
  out->append(tmp, enc::PutVarint(tmp, klen));
  if (r.key) out->append(r.key->data(), r.key->size());
  out->append(tmp, enc::PutVarint(tmp, vlen));
  if (r.value) out->append(r.value->data(), r.value->size());
  out->append(tmp, enc::PutVarint(tmp, r.header_count));
  out->append(r.headers_raw.data(), r.headers_raw.size());
}

}  // namespace

absl::Status PartitionLogImpl::Compact(int64_t now_ms, CleanerStats* stats) {
  std::lock_guard<std::mutex> cl(cleaner_mu_);
  const TopicConfig cfg = config();
  if (cfg.cleanup_policy == CleanupPolicy::kDelete || deleted_.load()) return absl::OkStatus();

  // Cleanable: the closed segments, from the oldest, while all of their records are older
  // than min.compaction.lag.ms.
  std::vector<std::shared_ptr<Segment>> all = SegmentsSnapshot();
  std::vector<std::shared_ptr<Segment>> cleanable;
  for (size_t i = 0; i + 1 < all.size(); ++i) {
    if (all[i]->max_timestamp() > now_ms - cfg.min_compaction_lag_ms) break;
    cleanable.push_back(all[i]);
  }
  if (cleanable.empty()) return absl::OkStatus();

  // Pass 1: latest offset of every key.
  absl::flat_hash_map<std::string, int64_t> latest;
  for (const auto& seg : cleanable) {
    absl::Status st = seg->ForEachBatch([&](std::string_view batch, const BatchHeader& h) {
      if (h.is_control()) return absl::OkStatus();
      RecordIterator it(batch);
      Record r;
      while (it.Next(&r)) {
        if (r.key) latest[absl::string_view(r.key->data(), r.key->size())] = r.offset;
      }
      return it.status();
    });
    if (!st.ok()) return st;
  }

  // Pass 2: rewrite every segment that loses records.
  const int64_t tombstone_horizon = now_ms - cfg.delete_retention_ms;
  std::string rebuilt;
  std::string records;
  for (const auto& seg : cleanable) {
    bool changed = false;
    int64_t removed = 0;
    // First find whether anything goes, to leave unchanged segments alone.
    auto keep = [&](const Record& r) {
      if (!r.key) return true;
      auto it = latest.find(absl::string_view(r.key->data(), r.key->size()));
      if (it != latest.end() && it->second != r.offset) return false;
      if (!r.value && r.timestamp < tombstone_horizon) return false;
      return true;
    };
    absl::Status st = seg->ForEachBatch([&](std::string_view batch, const BatchHeader& h) {
      if (h.is_control()) return absl::OkStatus();
      RecordIterator it(batch);
      Record r;
      while (it.Next(&r)) {
        if (!keep(r)) changed = true;
      }
      return it.status();
    });
    if (!st.ok()) return st;
    if (!changed) continue;

    auto out =
        Segment::Create(dir_, seg->base_offset(), Label(), cfg.index_interval_bytes, ".cleaned");
    if (!out.ok()) return out.status();
    std::shared_ptr<Segment> cleaned = *out;
    st = seg->ForEachBatch([&](std::string_view batch, const BatchHeader& h) -> absl::Status {
      std::string_view to_write = batch;
      if (!h.is_control()) {
        RecordIterator it(batch);
        Record r;
        records.clear();
        int32_t kept = 0, total = 0;
        while (it.Next(&r)) {
          ++total;
          if (!keep(r)) continue;
          ++kept;
          EncodeRecord(&records, r.timestamp - h.base_timestamp, r.offset - h.base_offset, r);
        }
        if (!it.status().ok()) return it.status();
        removed += total - kept;
        if (kept == 0) return absl::OkStatus();
        if (kept != total || h.compression() != Compression::kNone) {
          // Rewritten uncompressed, same base offset and lastOffsetDelta (offsets keep gaps).
          rebuilt.assign(batch.data(), kBatchHeaderSize);
          rebuilt.append(records);
          char* p = rebuilt.data();
          enc::StoreBe32(p + 8, static_cast<uint32_t>(rebuilt.size() - kBatchLogOverhead));
          enc::StoreBe16(p + 21, static_cast<uint16_t>(h.attributes & ~0x7));
          enc::StoreBe32(p + 57, static_cast<uint32_t>(kept));
          enc::StoreBe32(p + 17, BatchCrc(rebuilt));
          to_write = rebuilt;
        }
      }
      struct iovec v {
        const_cast<char*>(to_write.data()), to_write.size()
      };
      BatchInfo info{h.base_offset, h.last_offset(), h.max_timestamp,
                     static_cast<uint32_t>(to_write.size()), h.records_count};
      return cleaned->Append(&v, 1, to_write.size(), &info, 1);
    });
    if (!st.ok()) {
      cleaned->RemoveFiles();
      return st;
    }
    const int64_t end = seg->next_offset();
    cleaned->SetEndOffset(end);
    cleaned->Seal(end);
    if (absl::Status cs = cleaned->CommitCleaned(); !cs.ok()) return cs;
    {
      std::lock_guard<std::mutex> l(segments_mu_);
      auto it = segments_.find(seg->base_offset());
      if (it != segments_.end() && it->second == seg) it->second = cleaned;
    }
    if (stats != nullptr) {
      stats->segments_compacted += 1;
      stats->records_removed += removed;
    }
  }
  return absl::OkStatus();
}

}  // namespace eddy::logstore
