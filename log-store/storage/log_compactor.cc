// Log compaction of one partition (cleanup.policy=compact): keep the latest record per key in
// the closed segments older than min.compaction.lag.ms and wholly below the last stable offset
// (an open transaction's records are never compacted); drop tombstones older than
// delete.retention.ms and the batches of aborted transactions (they never count as a key's
// latest value). Transaction markers are kept. A batch on disk whose records do not decode is
// logged and kept as it is; a segment with a corrupt batch is logged and left alone; neither
// stops the compaction of the rest. Each changed segment is rewritten into `<base>.*.cleaned` files
// and swapped in under a short lock; appends never wait for it. Layout rules: FORMAT.md.
#include <chrono>
#include <cstdio>
#include <set>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "log-store/storage/encoding.h"
#include "log-store/storage/partition_log_impl.h"
#include "log-store/storage/storage_probe.h"

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
  std::vector<std::shared_ptr<Segment>> candidates;
  const int64_t lso = LastStableOffset();
  for (size_t i = 0; i + 1 < all.size(); ++i) {
    if (all[i]->max_timestamp() > now_ms - cfg.min_compaction_lag_ms) break;
    if (all[i]->next_offset() > lso) break;  // holds records of an open transaction
    candidates.push_back(all[i]);
  }
  if (candidates.empty()) return absl::OkStatus();
  StorageProbe& probe = StorageProbe::Get();
  probe.compaction_runs.fetch_add(1, std::memory_order_relaxed);
  const auto started = std::chrono::steady_clock::now();
  struct CountTime {
    StorageProbe& probe;
    std::chrono::steady_clock::time_point started;
    ~CountTime() {
      probe.compaction_ns.fetch_add(
          static_cast<uint64_t>((std::chrono::steady_clock::now() - started).count()),
          std::memory_order_relaxed);
    }
  } count_time{probe, started};

  // The aborted transactions over the cleanable range: their batches go.
  const std::vector<AbortedTxn> aborted_txns =
      AbortedTransactions(candidates.front()->base_offset(), candidates.back()->next_offset());
  auto aborted = [&](const BatchHeader& h) {
    if (!h.is_transactional() || h.is_control()) return false;
    for (const AbortedTxn& a : aborted_txns) {
      if (a.producer_id == h.producer_id && a.first_offset <= h.base_offset &&
          h.base_offset <= a.last_offset)
        return true;
    }
    return false;
  };

  // Pass 1: latest offset of every key (committed and non-transactional data only).
  absl::flat_hash_map<std::string, int64_t> latest;
  std::set<int64_t> undecodable;  // base offsets of batches kept as they are
  std::vector<std::shared_ptr<Segment>> cleanable;
  for (const auto& seg : candidates) {
    absl::Status st = seg->ForEachBatch([&](std::string_view batch, const BatchHeader& h) {
      if (h.is_control() || aborted(h)) return absl::OkStatus();
      RecordIterator it(batch);
      Record r;
      while (it.Next(&r)) {
        if (r.key) latest[absl::string_view(r.key->data(), r.key->size())] = r.offset;
      }
      if (!it.status().ok()) {
        std::fprintf(stderr,
                     "eddy-logd: compaction of %s: batch at offset %lld in %s has records that "
                     "do not decode (%s); it is kept as it is\n",
                     Label().c_str(), static_cast<long long>(h.base_offset),
                     seg->log_path().c_str(), std::string(it.status().message()).c_str());
        undecodable.insert(h.base_offset);
      }
      return absl::OkStatus();
    });
    if (!st.ok()) {
      std::fprintf(stderr, "eddy-logd: compaction of %s: skipping segment %s: %s\n",
                   Label().c_str(), seg->log_path().c_str(), std::string(st.message()).c_str());
      continue;
    }
    cleanable.push_back(seg);
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
      if (h.is_control() || undecodable.count(h.base_offset)) return absl::OkStatus();
      if (aborted(h)) {
        changed = true;
        return absl::OkStatus();
      }
      RecordIterator it(batch);
      Record r;
      while (it.Next(&r)) {
        if (!keep(r)) changed = true;
      }
      return absl::OkStatus();
    });
    if (!st.ok() || !changed) continue;

    auto out =
        Segment::Create(dir_, seg->base_offset(), Label(), cfg.index_interval_bytes, ".cleaned");
    if (!out.ok()) return out.status();
    std::shared_ptr<Segment> cleaned = *out;
    st = seg->ForEachBatch([&](std::string_view batch, const BatchHeader& h) -> absl::Status {
      std::string_view to_write = batch;
      if (aborted(h)) {
        removed += h.records_count;
        return absl::OkStatus();
      }
      if (!h.is_control() && !undecodable.count(h.base_offset)) {
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
    if (seg->size() > cleaned->size()) {
      probe.compaction_reclaimed_bytes.fetch_add(seg->size() - cleaned->size(),
                                                 std::memory_order_relaxed);
    }
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
