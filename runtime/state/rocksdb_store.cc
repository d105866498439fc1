// RocksDbStore: RocksDB engine with the WAL off.
#include "runtime/state/rocksdb_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/statistics.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <filesystem>
#include <iostream>
#include <set>

#include "runtime/state/rocksdb_probe.h"

namespace eddy::state {
namespace {

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

absl::Status FromRocks(const rocksdb::Status& s, const std::string& store, std::string_view op) {
  if (s.ok()) return absl::OkStatus();
  std::string msg = "store " + store + ": rocksdb " + std::string(op) + ": " + s.ToString();
  if (s.IsCorruption()) return absl::DataLossError(msg);
  if (s.IsIOError()) return absl::UnavailableError(msg);
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(msg);
  return absl::InternalError(msg);
}

class RocksIterator final : public KeyValueIteratorBytes {
 public:
  RocksIterator(std::string store, rocksdb::DB* db, std::string lower, std::string upper,
                bool has_upper)
      : KeyValueIteratorBytes(std::move(store)),
        lower_(std::move(lower)),
        upper_(std::move(upper)),
        upper_slice_(upper_) {
    rocksdb::ReadOptions ro;
    if (has_upper) ro.iterate_upper_bound = &upper_slice_;
    ro.fill_cache = true;
    it_.reset(db->NewIterator(ro));
    it_->Seek(ToSlice(lower_));
  }
  bool Valid() const override { return it_ != nullptr && it_->Valid(); }
  std::string_view key() const override {
    rocksdb::Slice k = it_->key();
    return std::string_view(k.data(), k.size());
  }
  std::string_view value() const override {
    rocksdb::Slice v = it_->value();
    return std::string_view(v.data(), v.size());
  }
  void Next() override { it_->Next(); }
  absl::Status status() const override {
    if (it_ == nullptr) return absl::OkStatus();
    return FromRocks(it_->status(), store_name(), "iterate");
  }

 protected:
  void DoClose() override { it_.reset(); }

 private:
  std::string lower_;
  std::string upper_;
  rocksdb::Slice upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

std::string PrefixSuccessor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty()) {
    unsigned char c = static_cast<unsigned char>(s.back());
    if (c != 0xFF) {
      s.back() = static_cast<char>(c + 1);
      return s;
    }
    s.pop_back();
  }
  return s;
}

// First of `keys` present in `config`, or "".
std::string FirstKey(const Config& config, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    if (config.Has(k)) return k;
  }
  return "";
}

absl::Status Named(const absl::Status& s, const std::string& store) {
  // Config errors say "config key rocksdb.x"; give the full key.
  std::string msg(s.message());
  const std::string prefix = "config key ";
  if (msg.rfind(prefix, 0) == 0) {
    msg = prefix + "stores." + store + "." + msg.substr(prefix.size());
  }
  return absl::Status(s.code(), msg);
}

}  // namespace

RocksDbStore::RocksDbStore(std::string name, std::string dir, StoreMetrics metrics)
    : name_(std::move(name)), dir_(std::move(dir)), metrics_(metrics) {}

RocksDbStore::~RocksDbStore() { (void)Close(); }

absl::StatusOr<std::unique_ptr<RocksDbStore>> RocksDbStore::Open(std::string name,
                                                                 const std::string& dir,
                                                                 const Config& c,
                                                                 StoreMetrics metrics) {
  static const std::set<std::string> kKnown = {
      "rocksdb.write.buffer.size",    "rocksdb.max.write.buffers",
      "rocksdb.num.write.buffers",    "rocksdb.block.cache.size.bytes",
      "rocksdb.block.size.bytes",     "rocksdb.compression",
      "rocksdb.compaction.style",     "rocksdb.bloom.bits.per.key",
      "rocksdb.memtable.bloom.ratio", "rocksdb.cache.index.and.filter.blocks",
      "rocksdb.max.background.jobs",  "rocksdb.level0.file.num.compaction.trigger"};
  const Config rocks = c.Subset("rocksdb.", false);
  for (const auto& [k, v] : rocks.entries()) {
    if (!kKnown.count(k)) {
      std::cerr << "eddy: warning: unknown config key stores." << name << "." << k
                << " (ignored)\n";
    }
  }
  rocksdb::Options options;
  options.create_if_missing = true;
  options.IncreaseParallelism(2);
  // Every commit's checkpoint copies the MANIFEST: keep it small by rolling it often.
  options.max_manifest_file_size = 4 << 20;
  // Tickers for the metrics exporter (runtime/state/rocksdb_probe.h); no timers or histograms,
  // which would read the clock on the write path.
  options.statistics = rocksdb::CreateDBStatistics();
  options.statistics->set_stats_level(rocksdb::StatsLevel::kExceptHistogramOrTimers);

  std::string wb_key =
      FirstKey(c, {"rocksdb.write.buffer.size", "container.write.buffer.size.bytes"});
  absl::StatusOr<int64_t> write_buffer =
      wb_key.empty() ? absl::StatusOr<int64_t>(32 << 20) : c.GetLong(wb_key);
  if (!write_buffer.ok()) return Named(write_buffer.status(), name);
  if (*write_buffer < 64 << 10) {
    return absl::InvalidArgumentError("config key stores." + name + "." + wb_key +
                                      ": expected at least 65536 bytes, got " +
                                      std::to_string(*write_buffer));
  }
  options.write_buffer_size = static_cast<size_t>(*write_buffer);

  std::string mwb_key = FirstKey(c, {"rocksdb.max.write.buffers", "rocksdb.num.write.buffers"});
  absl::StatusOr<int32_t> max_wb = mwb_key.empty() ? absl::StatusOr<int32_t>(3) : c.GetInt(mwb_key);
  if (!max_wb.ok()) return Named(max_wb.status(), name);
  if (*max_wb < 1) {
    return absl::InvalidArgumentError("config key stores." + name + "." + mwb_key +
                                      ": expected at least 1, got " + std::to_string(*max_wb));
  }
  options.max_write_buffer_number = *max_wb;

  std::string bc_key =
      FirstKey(c, {"rocksdb.block.cache.size.bytes", "container.cache.size.bytes"});
  absl::StatusOr<int64_t> block_cache =
      bc_key.empty() ? absl::StatusOr<int64_t>(100 << 20) : c.GetLong(bc_key);
  if (!block_cache.ok()) return Named(block_cache.status(), name);
  if (*block_cache < 0) {
    return absl::InvalidArgumentError("config key stores." + name + "." + bc_key +
                                      ": expected a byte count >= 0, got " +
                                      std::to_string(*block_cache));
  }
  absl::StatusOr<int32_t> block_size = c.GetInt("rocksdb.block.size.bytes", 4096);
  if (!block_size.ok()) return Named(block_size.status(), name);
  if (*block_size < 512) {
    return absl::InvalidArgumentError("config key stores." + name +
                                      ".rocksdb.block.size.bytes: expected at least 512, got " +
                                      std::to_string(*block_size));
  }

  std::string compression = c.GetOr("rocksdb.compression", "snappy");
  if (compression == "none") {
    options.compression = rocksdb::kNoCompression;
  } else if (compression == "snappy") {
    options.compression = rocksdb::kSnappyCompression;
  } else if (compression == "lz4") {
    options.compression = rocksdb::kLZ4Compression;
  } else if (compression == "lz4hc") {
    options.compression = rocksdb::kLZ4HCCompression;
  } else if (compression == "zstd") {
    options.compression = rocksdb::kZSTD;
  } else if (compression == "zlib") {
    options.compression = rocksdb::kZlibCompression;
  } else {
    return absl::InvalidArgumentError("config key stores." + name +
                                      ".rocksdb.compression: expected none, snappy, lz4, lz4hc, "
                                      "zstd or zlib, got '" +
                                      compression + "'");
  }

  std::string style = c.GetOr("rocksdb.compaction.style", "universal");
  if (style == "universal") {
    options.compaction_style = rocksdb::kCompactionStyleUniversal;
  } else if (style == "level") {
    options.compaction_style = rocksdb::kCompactionStyleLevel;
  } else if (style == "fifo") {
    options.compaction_style = rocksdb::kCompactionStyleFIFO;
  } else {
    return absl::InvalidArgumentError("config key stores." + name +
                                      ".rocksdb.compaction.style: expected level, universal or "
                                      "fifo, got '" +
                                      style + "'");
  }

  // Large state (state far larger than the object cache): most reads of a counting or joining
  // task are for keys that are not in the store yet, or not in the memtable. Bloom filters on
  // the SST files and on the memtables answer those without a search.
  absl::StatusOr<int32_t> bloom_bits = c.GetInt("rocksdb.bloom.bits.per.key", 10);
  if (!bloom_bits.ok()) return Named(bloom_bits.status(), name);
  if (*bloom_bits < 0 || *bloom_bits > 64) {
    return absl::InvalidArgumentError("config key stores." + name +
                                      ".rocksdb.bloom.bits.per.key: expected 0 (off) to 64, got " +
                                      std::to_string(*bloom_bits));
  }
  // Percent of the write buffer given to the memtable bloom filter (whole keys); 0 = off.
  absl::StatusOr<int32_t> memtable_bloom = c.GetInt("rocksdb.memtable.bloom.ratio", 5);
  if (!memtable_bloom.ok()) return Named(memtable_bloom.status(), name);
  if (*memtable_bloom < 0 || *memtable_bloom > 25) {
    return absl::InvalidArgumentError(
        "config key stores." + name +
        ".rocksdb.memtable.bloom.ratio: expected a percent of the write buffer from 0 (off) to "
        "25, got " +
        std::to_string(*memtable_bloom));
  }
  if (*memtable_bloom > 0) {
    options.memtable_prefix_bloom_size_ratio = *memtable_bloom / 100.0;
    options.memtable_whole_key_filtering = true;
  }
  absl::StatusOr<bool> index_in_cache = c.GetBool("rocksdb.cache.index.and.filter.blocks", false);
  if (!index_in_cache.ok()) return Named(index_in_cache.status(), name);
  absl::StatusOr<int32_t> bg_jobs = c.GetInt("rocksdb.max.background.jobs", 2);
  if (!bg_jobs.ok()) return Named(bg_jobs.status(), name);
  if (*bg_jobs < 1 || *bg_jobs > 64) {
    return absl::InvalidArgumentError("config key stores." + name +
                                      ".rocksdb.max.background.jobs: expected 1 to 64, got " +
                                      std::to_string(*bg_jobs));
  }
  options.max_background_jobs = *bg_jobs;
  // The changelog, not the WAL, makes writes durable, and the commit flushes the memtables: L0
  // files come in bursts of small files. A higher trigger merges them in fewer, larger runs.
  absl::StatusOr<int32_t> l0_trigger = c.GetInt("rocksdb.level0.file.num.compaction.trigger", 8);
  if (!l0_trigger.ok()) return Named(l0_trigger.status(), name);
  if (*l0_trigger < 1 || *l0_trigger > 1000) {
    return absl::InvalidArgumentError(
        "config key stores." + name +
        ".rocksdb.level0.file.num.compaction.trigger: expected 1 to 1000, got " +
        std::to_string(*l0_trigger));
  }
  options.level0_file_num_compaction_trigger = *l0_trigger;
  options.level0_slowdown_writes_trigger =
      std::max(options.level0_slowdown_writes_trigger, *l0_trigger * 3);
  options.level0_stop_writes_trigger =
      std::max(options.level0_stop_writes_trigger, *l0_trigger * 5);

  std::unique_ptr<RocksDbStore> store(new RocksDbStore(name, dir, metrics));
  rocksdb::BlockBasedTableOptions table;
  table.block_size = static_cast<size_t>(*block_size);
  if (*bloom_bits > 0) {
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(*bloom_bits));
    table.whole_key_filtering = true;
  }
  table.cache_index_and_filter_blocks = *index_in_cache;
  table.pin_l0_filter_and_index_blocks_in_cache = *index_in_cache;
  if (*block_cache > 0) {
    store->block_cache_ = rocksdb::NewLRUCache(static_cast<size_t>(*block_cache));
    table.block_cache = store->block_cache_;
  } else {
    table.no_block_cache = true;
  }
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::UnavailableError("store " + name + ": cannot create directory " + dir + ": " +
                                  ec.message());
  }
  // Leftover restore files from a restore that crashed before ingesting them.
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string f = e.path().filename().string();
    if (f.rfind("restore-", 0) == 0 && e.path().extension() == ".sst") {
      std::filesystem::remove(e.path(), ec);
    }
  }
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir, &db);
  if (!s.ok()) return FromRocks(s, name, "open " + dir);
  store->db_.reset(db);
  store->statistics_ = options.statistics;
  std::string group = metrics.group;
  if (group.size() > 7 && group.compare(group.size() - 7, 7, ".engine") == 0)
    group.resize(group.size() - 7);
  store->probe_id_ = RocksDbProbes::Global().Add(group, db, store->statistics_.get());
  store->sst_options_ = std::make_unique<rocksdb::Options>(options);
  // Ingested files are rewritten (and compressed with the store's setting) by compaction;
  // compressing them when written would only add CPU to the restore.
  store->sst_options_->compression = rocksdb::kNoCompression;
  return store;
}

absl::Status RocksDbStore::Usable() const {
  if (!failed_.ok()) return failed_;
  if (db_ == nullptr)
    return absl::FailedPreconditionError("store " + name_ + ": database is closed");
  return absl::OkStatus();
}

std::string RocksDbStore::NewSstPath() {
  return dir_ + "/restore-" + std::to_string(ingest_seq_++) + ".sst";
}

absl::Status RocksDbStore::WriteSst(std::span<const KeyValueWrite> sorted,
                                    const std::string& file) const {
  // invalidate_page_cache=false: the file is ingested (and read) right away; dropping its pages
  // every MiB would only make RocksDB read them back from disk.
  rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), *sst_options_, /*column_family=*/nullptr,
                                /*invalidate_page_cache=*/false);
  rocksdb::Status s = writer.Open(file);
  if (!s.ok()) return FromRocks(s, name_, "create " + file);
  for (const KeyValueWrite& w : sorted) {
    s = w.value ? writer.Put(ToSlice(w.key), ToSlice(*w.value)) : writer.Delete(ToSlice(w.key));
    if (!s.ok()) {
      (void)writer.Finish();
      std::error_code ec;
      std::filesystem::remove(file, ec);
      return FromRocks(s, name_, "write " + file);
    }
  }
  s = writer.Finish();
  if (!s.ok()) {
    std::error_code ec;
    std::filesystem::remove(file, ec);
    return FromRocks(s, name_, "finish " + file);
  }
  return absl::OkStatus();
}

absl::Status RocksDbStore::IngestSst(const std::string& file, int64_t puts, int64_t deletes) {
  absl::Status st = Usable();
  if (st.ok()) {
    rocksdb::IngestExternalFileOptions io;
    io.move_files = true;
    io.allow_global_seqno = true;
    io.allow_blocking_flush = true;
    st = FromRocks(db_->IngestExternalFile({file}, io), name_, "ingest " + file);
  }
  std::error_code ec;
  std::filesystem::remove(file, ec);  // moved on success; a leftover on failure
  if (!st.ok()) return st;
  metrics_.puts->Inc(puts);
  metrics_.deletes->Inc(deletes);
  return absl::OkStatus();
}

absl::Status RocksDbStore::IngestSorted(std::span<const KeyValueWrite> sorted) {
  if (absl::Status s = Usable(); !s.ok()) return s;
  if (sorted.empty()) return absl::OkStatus();
  const std::string file = NewSstPath();
  if (absl::Status s = WriteSst(sorted, file); !s.ok()) return s;
  int64_t puts = 0;
  for (const KeyValueWrite& w : sorted) puts += w.value ? 1 : 0;
  return IngestSst(file, puts, static_cast<int64_t>(sorted.size()) - puts);
}

absl::Status RocksDbStore::CreateCheckpoint(const std::string& target) {
  if (absl::Status u = Usable(); !u.ok()) return u;
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status s = rocksdb::Checkpoint::Create(db_.get(), &raw);
  if (!s.ok()) return FromRocks(s, name_, "checkpoint");
  std::unique_ptr<rocksdb::Checkpoint> cp(raw);
  // log_size_for_flush=0: always flush the memtables first, so the checkpoint needs no WAL.
  return FromRocks(cp->CreateCheckpoint(target, /*log_size_for_flush=*/0), name_,
                   "checkpoint into " + target);
}

absl::Status RocksDbStore::BeginBulkLoad() {
  if (absl::Status u = Usable(); !u.ok()) return u;
  if (bulk_load_) return absl::OkStatus();
  rocksdb::Status s = db_->SetOptions({{"disable_auto_compactions", "true"},
                                       {"level0_slowdown_writes_trigger", "1000000"},
                                       {"level0_stop_writes_trigger", "1000000"}});
  if (!s.ok()) return FromRocks(s, name_, "set bulk-load options");
  bulk_load_ = true;
  return absl::OkStatus();
}

absl::Status RocksDbStore::EndBulkLoad() {
  if (!bulk_load_ || db_ == nullptr) return absl::OkStatus();
  bulk_load_ = false;
  const rocksdb::Options& o = *sst_options_;  // the settings of Open
  rocksdb::Status s = db_->SetOptions(
      {{"disable_auto_compactions", o.disable_auto_compactions ? "true" : "false"},
       {"level0_slowdown_writes_trigger", std::to_string(o.level0_slowdown_writes_trigger)},
       {"level0_stop_writes_trigger", std::to_string(o.level0_stop_writes_trigger)}});
  return FromRocks(s, name_, "reset bulk-load options");
}

absl::Status RocksDbStore::Close() {
  if (!db_) return absl::OkStatus();
  if (probe_id_ != 0) RocksDbProbes::Global().Remove(probe_id_);  // before the database closes
  probe_id_ = 0;
  rocksdb::Status s = db_->Close();
  db_.reset();
  return FromRocks(s, name_, "close");
}

absl::StatusOr<std::optional<std::string>> RocksDbStore::Get(std::string_view key) {
  if (absl::Status u = Usable(); !u.ok()) return u;
  metrics_.gets->Inc();
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), ToSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, name_, "get");
  return std::optional<std::string>(std::move(value));
}

absl::StatusOr<std::vector<std::optional<std::string>>> RocksDbStore::GetAll(
    std::span<const std::string_view> keys) {
  if (absl::Status u = Usable(); !u.ok()) return u;
  metrics_.gets->Inc(static_cast<int64_t>(keys.size()));
  std::vector<rocksdb::Slice> slices;
  slices.reserve(keys.size());
  for (std::string_view k : keys) slices.push_back(ToSlice(k));
  std::vector<std::string> values;
  std::vector<rocksdb::Status> statuses = db_->MultiGet(rocksdb::ReadOptions(), slices, &values);
  std::vector<std::optional<std::string>> out(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    if (!statuses[i].ok()) return FromRocks(statuses[i], name_, "multiget");
    out[i] = std::move(values[i]);
  }
  return out;
}

absl::Status RocksDbStore::Put(std::string_view key, std::string_view value) {
  KeyValueWrite w{key, value};
  return ApplyBatch(std::span<const KeyValueWrite>(&w, 1));
}

absl::Status RocksDbStore::Delete(std::string_view key) {
  KeyValueWrite w{key, std::nullopt};
  return ApplyBatch(std::span<const KeyValueWrite>(&w, 1));
}

absl::Status RocksDbStore::ApplyBatch(std::span<const KeyValueWrite> writes) {
  if (absl::Status u = Usable(); !u.ok()) return u;
  rocksdb::WriteBatch batch;
  int64_t puts = 0, deletes = 0;
  for (const KeyValueWrite& w : writes) {
    rocksdb::Status s;
    if (w.value) {
      s = batch.Put(ToSlice(w.key), ToSlice(*w.value));
      ++puts;
    } else {
      s = batch.Delete(ToSlice(w.key));
      ++deletes;
    }
    if (!s.ok()) return FromRocks(s, name_, "batch");
  }
  rocksdb::WriteOptions wo;
  wo.disableWAL = true;
  absl::Status st = FromRocks(db_->Write(wo, &batch), name_, "write");
  if (st.ok()) {
    metrics_.puts->Inc(puts);
    metrics_.deletes->Inc(deletes);
  }
  return st;
}

absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> RocksDbStore::Range(std::string_view from,
                                                                           std::string_view to) {
  if (absl::Status u = Usable(); !u.ok()) return u;
  metrics_.ranges->Inc();
  if (to < from) to = from;
  return std::unique_ptr<KeyValueIteratorBytes>(
      new RocksIterator(name_, db_.get(), std::string(from), std::string(to), true));
}

absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> RocksDbStore::All() {
  if (absl::Status u = Usable(); !u.ok()) return u;
  metrics_.ranges->Inc();
  return std::unique_ptr<KeyValueIteratorBytes>(new RocksIterator(name_, db_.get(), "", "", false));
}

absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> RocksDbStore::PrefixScan(
    std::string_view prefix) {
  if (absl::Status u = Usable(); !u.ok()) return u;
  metrics_.ranges->Inc();
  std::string succ = PrefixSuccessor(prefix);
  bool bounded = !succ.empty();
  return std::unique_ptr<KeyValueIteratorBytes>(
      new RocksIterator(name_, db_.get(), std::string(prefix), std::move(succ), bounded));
}

absl::Status RocksDbStore::Flush() {
  if (absl::Status u = Usable(); !u.ok()) return u;
  metrics_.flushes->Inc();
  rocksdb::FlushOptions fo;
  fo.wait = true;
  return FromRocks(db_->Flush(fo), name_, "flush");
}

}  // namespace eddy::state
