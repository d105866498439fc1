// RocksDbProbes: reads RocksDB properties and statistics tickers of the open stores.
#include "runtime/state/rocksdb_probe.h"

#include <rocksdb/db.h>
#include <rocksdb/statistics.h>

#include <algorithm>

namespace eddy::state {

RocksDbProbes& RocksDbProbes::Global() {
  static RocksDbProbes* probes = new RocksDbProbes();  // never destroyed: stores may outlive main
  return *probes;
}

int64_t RocksDbProbes::Add(std::string group, rocksdb::DB* db, rocksdb::Statistics* statistics) {
  std::lock_guard<std::mutex> l(mu_);
  int64_t id = next_id_++;
  entries_[id] = Entry{std::move(group), db, statistics};
  return id;
}

void RocksDbProbes::Remove(int64_t id) {
  std::lock_guard<std::mutex> l(mu_);
  entries_.erase(id);
}

std::vector<RocksDbFigures> RocksDbProbes::Read() const {
  std::vector<RocksDbFigures> out;
  std::lock_guard<std::mutex> l(mu_);
  for (const auto& [id, e] : entries_) {
    RocksDbFigures f;
    f.group = e.group;
    auto prop = [&](const char* name) {
      uint64_t v = 0;
      return e.db->GetIntProperty(name, &v) ? static_cast<int64_t>(v) : int64_t{0};
    };
    f.estimate_num_keys = prop("rocksdb.estimate-num-keys");
    f.sst_bytes = prop("rocksdb.total-sst-files-size");
    f.memtable_bytes = prop("rocksdb.cur-size-all-mem-tables");
    if (e.statistics != nullptr) {
      auto t = [&](uint32_t ticker) {
        return static_cast<int64_t>(e.statistics->getTickerCount(ticker));
      };
      f.block_cache_hits = t(rocksdb::BLOCK_CACHE_HIT);
      f.block_cache_misses = t(rocksdb::BLOCK_CACHE_MISS);
      f.bytes_written = t(rocksdb::BYTES_WRITTEN);
      f.bytes_read = t(rocksdb::BYTES_READ);
      f.compaction_read_bytes = t(rocksdb::COMPACT_READ_BYTES);
      f.compaction_write_bytes = t(rocksdb::COMPACT_WRITE_BYTES);
      f.write_stall_micros = t(rocksdb::STALL_MICROS);
    }
    out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(),
            [](const RocksDbFigures& a, const RocksDbFigures& b) { return a.group < b.group; });
  return out;
}

}  // namespace eddy::state
