// RocksDbProbes: the process-wide list of open RocksDB stores that metrics exporters read at
// scrape time (keys, bytes, block cache hits/misses, bytes written/read, compaction bytes, write
// stall time). Each RocksDbStore adds itself at Open and removes itself before its database
// closes, under the list's lock, so a reader on another thread (the container's /metrics
// handler) never touches a closed database. Reading a RocksDB property or ticker is thread-safe
// in RocksDB itself.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace rocksdb {
class DB;
class Statistics;
}  // namespace rocksdb

namespace eddy::state {

// One store's RocksDB figures at one instant.
struct RocksDbFigures {
  std::string group;                   // the store's metrics group, "store.<task>.<store>"
  int64_t estimate_num_keys = 0;       // rocksdb.estimate-num-keys
  int64_t sst_bytes = 0;               // rocksdb.total-sst-files-size
  int64_t memtable_bytes = 0;          // rocksdb.cur-size-all-mem-tables
  int64_t block_cache_hits = 0;        // ticker BLOCK_CACHE_HIT
  int64_t block_cache_misses = 0;      // ticker BLOCK_CACHE_MISS
  int64_t bytes_written = 0;           // ticker BYTES_WRITTEN (user writes)
  int64_t bytes_read = 0;              // ticker BYTES_READ (user point reads)
  int64_t compaction_read_bytes = 0;   // ticker COMPACT_READ_BYTES
  int64_t compaction_write_bytes = 0;  // ticker COMPACT_WRITE_BYTES
  int64_t write_stall_micros = 0;      // ticker STALL_MICROS
};

class RocksDbProbes {
 public:
  // The one list of this process.
  static RocksDbProbes& Global();

  // Adds an open database (statistics may be null: tickers read 0). Returns the id for Remove.
  int64_t Add(std::string group, rocksdb::DB* db, rocksdb::Statistics* statistics);
  // Removes it; after this returns no reader uses `db`. Unknown ids are ignored.
  void Remove(int64_t id);

  // The figures of every open store, read now, sorted by group.
  std::vector<RocksDbFigures> Read() const;

 private:
  struct Entry {
    std::string group;
    rocksdb::DB* db;
    rocksdb::Statistics* statistics;
  };
  mutable std::mutex mu_;
  int64_t next_id_ = 1;
  std::map<int64_t, Entry> entries_;
};

}  // namespace eddy::state
