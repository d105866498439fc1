// RestoreBatch: applies changelog records to a store's engine in bulk, bypassing the cache and the
// changelog logging. Used by the runtime's restore: it walks each fetched changelog batch in place,
// collects (key, value-or-tombstone) views and hands them to Apply().
//
// Two modes:
//  - Direct: each Apply() is one engine batch (one RocksDB WriteBatch, WAL off), applied when
//    Apply() returns.
//  - Bulk (RocksDB engines, once more than bulk_load_threshold() records were seen): records are
//    copied into a buffer; every kBulkBytes, and at Finish(), the buffer is sorted by key (the last
//    write of a key wins), written to an SST file and ingested into RocksDB
//    (IngestExternalFile), which costs a fraction of the CPU of memtable inserts. A full buffer is
//    sorted and written on a worker thread (owned and joined by this object) while the caller
//    keeps filling the next one; files are ingested in order on the caller's thread. While in bulk
//    mode the store's auto compactions are off (RocksDbStore::BeginBulkLoad); Finish() turns them
//    back on and they run in the background.
// Call Finish() at the end of the restore and check its status. The destructor calls Finish() if
// you did not; if that fails it logs and marks a RocksDB engine failed, so the store reports the
// error on every later call instead of being silently incomplete.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "eddy/kv_store.h"
#include "runtime/state/store_metrics.h"

namespace eddy::state {

class RocksDbStore;

class RestoreBatch {
 public:
  // `engine` is the bottom of the store stack (StoreStack::engine), not the cached/logged top.
  explicit RestoreBatch(KeyValueStoreBytes* engine,
                        StoreMetrics metrics = StoreMetrics::Detached());
  ~RestoreBatch();
  RestoreBatch(const RestoreBatch&) = delete;
  RestoreBatch& operator=(const RestoreBatch&) = delete;

  // Applies `records` in order (a record with no value deletes its key). Direct mode: now, as one
  // batch. Bulk mode: copied; applied by Finish() (or when kBulkBytes are buffered).
  absl::Status Apply(std::span<const KeyValueWrite> records);
  // Buffers one record (copied); applied every kFlushBytes (direct) / kBulkBytes (bulk) and by
  // Finish(). For callers that cannot keep the fetched bytes alive.
  absl::Status Add(std::string_view key, std::optional<std::string_view> value);
  // Applies everything buffered. After it returns OK every record given so far is in the engine.
  absl::Status Finish();
  // Drops everything not yet in the engine (buffered records, the file being built), as a crash
  // would; what was applied or ingested before stays. For the restore's fault hook.
  void Abandon();

  // Records after which a RocksDB engine switches to bulk mode (default 50000; 0 = at once,
  // negative = never).
  void set_bulk_load_threshold(int64_t records) { bulk_threshold_ = records; }
  bool bulk_loading() const { return bulk_; }
  // The caller knows about how many records will come (the changelog span to replay): above
  // kExpectedBulkRecords (or the threshold, when lower) bulk mode starts at once, so no record
  // goes through the memtable. A known span needs no warm-up: one SST file is cheaper than
  // memtable inserts from about ten thousand records on.
  void ExpectRecords(int64_t records) {
    if (bulk_threshold_ >= 0 && records > std::min<int64_t>(bulk_threshold_, kExpectedBulkRecords)) {
      MaybeEnterBulk(static_cast<size_t>(bulk_threshold_) + 1);
    }
  }
  static constexpr int64_t kExpectedBulkRecords = 10000;
  // Bytes buffered per SST file in bulk mode (default kBulkBytes; tests use small values).
  void set_bulk_buffer_bytes(size_t bytes) { bulk_bytes_ = bytes; }

  // Records and key+value bytes applied so far, and the time the caller's thread spent in
  // RestoreBatch applying them (worker time overlapped with the caller is not included).
  int64_t records() const { return records_; }
  int64_t bytes() const { return bytes_; }
  std::chrono::nanoseconds elapsed() const { return elapsed_; }

  static constexpr size_t kFlushBytes = 4 << 20;
  static constexpr size_t kBulkBytes = 16 << 20;

 private:
  struct Pending {
    size_t key_off;
    uint32_t key_len;
    uint32_t value_len;  // kTombstone for a delete; the value follows the key in buf_
  };
  static constexpr uint32_t kTombstone = UINT32_MAX;

  // One buffer on its way into an SST file.
  struct Stage {
    std::string buf;
    std::vector<Pending> pending;
    std::string file;
    absl::Status status;
    int64_t puts = 0, deletes = 0, bytes = 0;
  };
  // Sorts, de-duplicates and writes stage->file (any thread).
  static void BuildSst(Stage* stage, const RocksDbStore* rocks);

  void Buffer(std::string_view key, std::optional<std::string_view> value);
  void MaybeEnterBulk(size_t incoming);
  absl::Status ApplyDirect(std::span<const KeyValueWrite> records);
  // Direct: one batch. Bulk: hands the buffer to the worker (background=true) or builds and
  // ingests it here.
  absl::Status ApplyPending(bool background);
  // Waits for the worker and ingests its file.
  absl::Status JoinAndIngest();
  absl::Status Ingest(Stage& stage);
  std::string_view KeyOf(const Pending& p) const {
    return std::string_view(buf_).substr(p.key_off, p.key_len);
  }

  KeyValueStoreBytes* engine_;
  RocksDbStore* rocks_ = nullptr;  // engine_ when it is RocksDB
  StoreMetrics metrics_;
  int64_t bulk_threshold_ = 50000;
  size_t bulk_bytes_ = kBulkBytes;
  bool bulk_ = false;
  absl::Status bulk_status_;  // of RocksDbStore::BeginBulkLoad
  int64_t seen_ = 0;
  int64_t records_ = 0;
  int64_t bytes_ = 0;
  std::chrono::nanoseconds elapsed_{0};
  std::string buf_;
  std::vector<Pending> pending_;
  std::unique_ptr<Stage> inflight_;  // being built by worker_
  std::thread worker_;
};

}  // namespace eddy::state
