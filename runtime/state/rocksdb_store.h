// RocksDbStore: the RocksDB engine of a store (stores.<s>.factory=rocksdb). WAL off (the changelog
// is the log): every write goes through a WriteBatch with WriteOptions.disableWAL, and Flush()
// flushes the memtables to SST files, which is what makes writes durable locally. The runtime
// calls Flush() at commit before creating the local store checkpoint (store_checkpoints.h).
//
// Settings (stores.<s>.*; Samza's names where Samza has one):
//   rocksdb.write.buffer.size / container.write.buffer.size.bytes   memtable bytes (32 MiB)
//   rocksdb.max.write.buffers / rocksdb.num.write.buffers          memtables (3)
//   rocksdb.block.cache.size.bytes / container.cache.size.bytes     block cache bytes (100 MiB)
//   rocksdb.block.size.bytes                                       block size (4096)
//   rocksdb.compression    none | snappy | lz4 | lz4hc | zstd | zlib (snappy)
//   rocksdb.compaction.style   level | universal | fifo (universal, as Samza)
//   rocksdb.bloom.bits.per.key     SST bloom filter, whole keys (10; 0 = none)
//   rocksdb.memtable.bloom.ratio   percent of the write buffer for a memtable bloom filter (5)
//   rocksdb.cache.index.and.filter.blocks   index/filter blocks in the block cache (false: heap)
//   rocksdb.max.background.jobs    flush + compaction threads (2)
//   rocksdb.level0.file.num.compaction.trigger   L0 files that start a compaction (8)
// The defaults are for state far larger than the object cache (docs/benchmarks/state.md): most
// reads are for keys absent from the store or from the memtables, which the bloom filters answer
// without a search; commits flush the memtables (WAL off), so L0 gets bursts of small files,
// merged in fewer, larger compactions with the higher L0 trigger.
// Unknown rocksdb.* keys are a warning on stderr; a malformed value is an error naming the key.
#pragma once

#include <memory>
#include <string>

#include "eddy/config.h"
#include "eddy/kv_store.h"
#include "runtime/state/store_metrics.h"

namespace rocksdb {
class DB;
class Cache;
class Statistics;
struct Options;
}  // namespace rocksdb

namespace eddy::state {

class RocksDbStore final : public KeyValueStoreBytes {
 public:
  // Opens (creating when missing) the database in `dir`. `store_config` is the store's subset
  // (keys without the "stores.<name>." prefix). Errors name the store, the dir or the key.
  static absl::StatusOr<std::unique_ptr<RocksDbStore>> Open(
      std::string name, const std::string& dir, const Config& store_config,
      StoreMetrics metrics = StoreMetrics::Detached());
  ~RocksDbStore() override;

  const std::string& name() const override { return name_; }
  const std::string& dir() const { return dir_; }

  absl::StatusOr<std::optional<std::string>> Get(std::string_view key) override;
  absl::StatusOr<std::vector<std::optional<std::string>>> GetAll(
      std::span<const std::string_view> keys) override;
  absl::Status Put(std::string_view key, std::string_view value) override;
  absl::Status Delete(std::string_view key) override;
  // One WriteBatch, WAL off.
  absl::Status ApplyBatch(std::span<const KeyValueWrite> writes) override;
  absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> Range(std::string_view from,
                                                               std::string_view to) override;
  absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> All() override;
  absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> PrefixScan(
      std::string_view prefix) override;
  // Flushes memtables to SST (waits).
  absl::Status Flush() override;

  // Bulk load for restore: writes `sorted` (strictly increasing keys; a nullopt value is a
  // delete) into an SST file in the store directory and ingests it (RocksDB IngestExternalFile),
  // which puts it above everything already in the store. Much cheaper than memtable inserts for
  // large restores. Errors name the store and the file.
  absl::Status IngestSorted(std::span<const KeyValueWrite> sorted);

  // IngestSorted in steps, so a restorer can write the next file on a worker thread while the run
  // loop keeps buffering: NewSstPath() and IngestSst() on the owning thread; WriteSst() on any
  // thread (it reads only state fixed at Open). IngestSst removes the file whatever happens.
  std::string NewSstPath();
  absl::Status WriteSst(std::span<const KeyValueWrite> sorted, const std::string& file) const;
  absl::Status IngestSst(const std::string& file, int64_t puts, int64_t deletes);

  // Creates a RocksDB checkpoint of the store in `target` (must not exist): flushes the memtables,
  // hard-links the SST files and copies the small files (rocksdb::Checkpoint). Used at commit by
  // StoreCheckpoints (store_checkpoints.h). Errors name the store and the directory.
  absl::Status CreateCheckpoint(const std::string& target);

  // Bulk-load mode for a large restore: auto compactions off (they would compete with the restore
  // for the CPU and rewrite files that the next ingest makes obsolete) and the L0 stall triggers
  // raised, since every ingested file of random keys lands in L0. EndBulkLoad() restores the
  // settings; the compactions then run in the background. Idempotent.
  absl::Status BeginBulkLoad();
  absl::Status EndBulkLoad();

  // Marks the store failed: every later call returns `error` (used when a deferred restore step
  // fails where it cannot be reported, so the store is never silently incomplete).
  void MarkFailed(absl::Status error) { failed_ = std::move(error); }

  // Closes the database (also done by the destructor). Open iterators must be closed first.
  absl::Status Close();
  // The raw database, for benchmarks and tests.
  rocksdb::DB* db() { return db_.get(); }

 private:
  RocksDbStore(std::string name, std::string dir, StoreMetrics metrics);
  absl::Status Usable() const;

  std::string name_;
  std::string dir_;
  StoreMetrics metrics_;
  std::shared_ptr<rocksdb::Cache> block_cache_;
  std::shared_ptr<rocksdb::Statistics> statistics_;  // tickers only (no timers), for metrics
  int64_t probe_id_ = 0;                             // in RocksDbProbes::Global(), 0 = none
  std::unique_ptr<rocksdb::Options> sst_options_;    // for WriteSst; fixed at Open
  std::unique_ptr<rocksdb::DB> db_;
  absl::Status failed_;
  int64_t ingest_seq_ = 0;
  bool bulk_load_ = false;
};

}  // namespace eddy::state
