// RocksDbStore against real RocksDB: CRUD, iterators, reopen after Flush, WAL off, config errors.
#include "runtime/state/rocksdb_store.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/table.h>

#include <filesystem>
#include <fstream>

#include "tests/runtime/state/temp_dir.h"

namespace eddy::state {
namespace {

using testing::TempDir;

std::vector<std::pair<std::string, std::string>> Drain(
    absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> it) {
  std::vector<std::pair<std::string, std::string>> out;
  EXPECT_TRUE(it.ok()) << it.status();
  for (; (*it)->Valid(); (*it)->Next()) out.emplace_back((*it)->key(), (*it)->value());
  EXPECT_TRUE((*it)->status().ok());
  (*it)->Close();
  return out;
}

TEST(RocksDbStore, CrudAndIterators) {
  TempDir dir;
  auto store = RocksDbStore::Open("counts", dir.path(), Config());
  ASSERT_TRUE(store.ok()) << store.status();
  RocksDbStore& s = **store;
  EXPECT_FALSE(s.Get("a")->has_value());
  ASSERT_TRUE(s.Put("a", "1").ok());
  ASSERT_TRUE(s.Put("ab", "2").ok());
  ASSERT_TRUE(s.Put("b", "3").ok());
  ASSERT_TRUE(s.Put(std::string("\xff\xff", 2), "4").ok());
  EXPECT_EQ(**s.Get("ab"), "2");
  std::vector<std::string_view> keys = {"b", "nope", "a"};
  auto all = s.GetAll(keys);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ((*all)[0], "3");
  EXPECT_FALSE((*all)[1].has_value());
  EXPECT_EQ((*all)[2], "1");

  EXPECT_EQ(Drain(s.All()).size(), 4u);
  auto range = Drain(s.Range("a", "b"));
  ASSERT_EQ(range.size(), 2u);
  EXPECT_EQ(range[1].first, "ab");
  EXPECT_EQ(Drain(s.PrefixScan("a")).size(), 2u);
  EXPECT_EQ(Drain(s.PrefixScan(std::string("\xff", 1))).size(), 1u)
      << "0xff prefix has no successor";
  EXPECT_TRUE(Drain(s.Range("b", "a")).empty());

  KeyValueWrite batch[] = {{"a", std::nullopt}, {"c", "5"}, {"c", "6"}};
  ASSERT_TRUE(s.ApplyBatch(batch).ok());
  EXPECT_FALSE(s.Get("a")->has_value());
  EXPECT_EQ(**s.Get("c"), "6") << "batch applies in order";
  ASSERT_TRUE(s.Delete("c").ok());
  EXPECT_FALSE(s.Get("c")->has_value());
}

TEST(RocksDbStore, ReopenAfterFlushKeepsData) {
  TempDir dir;
  {
    auto store = RocksDbStore::Open("s", dir.path(), Config());
    ASSERT_TRUE(store.ok());
    for (int i = 0; i < 1000; ++i) {
      ASSERT_TRUE((*store)->Put("k" + std::to_string(i), std::string(100, 'v')).ok());
    }
    ASSERT_TRUE((*store)->Flush().ok());
  }
  auto store = RocksDbStore::Open("s", dir.path(), Config());
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(Drain((*store)->All()).size(), 1000u);
  EXPECT_EQ(**(*store)->Get("k999"), std::string(100, 'v'));
}

TEST(RocksDbStore, WalIsOff) {
  TempDir dir;
  auto store = RocksDbStore::Open("s", dir.path(), Config());
  ASSERT_TRUE(store.ok());
  for (int i = 0; i < 5000; ++i) {
    ASSERT_TRUE((*store)->Put("k" + std::to_string(i), std::string(100, 'v')).ok());
  }
  // With disableWAL the current WAL file receives no records.
  uint64_t wal_bytes = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    if (e.path().extension() == ".log") wal_bytes += e.file_size();
  }
  EXPECT_EQ(wal_bytes, 0u);
  EXPECT_EQ((*store)->db()->GetLatestSequenceNumber(), 5000u) << "the writes did happen";
}

TEST(RocksDbStore, UnflushedWritesAreNotDurable) {
  // Documents why the runtime must Flush() before writing the OFFSET file: without the WAL, a
  // write still in the memtable is lost when the process dies. We simulate the crash by copying
  // the directory (what is on disk) while the store is still open.
  TempDir dir;
  std::string copy = dir.sub("copy");
  {
    auto store = RocksDbStore::Open("s", dir.sub("db"), Config());
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Put("flushed", "1").ok());
    ASSERT_TRUE((*store)->Flush().ok());
    ASSERT_TRUE((*store)->Put("memtable-only", "2").ok());
    std::filesystem::copy(dir.sub("db"), copy, std::filesystem::copy_options::recursive);
  }
  auto store = RocksDbStore::Open("s", copy, Config());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE((*store)->Get("flushed")->has_value());
  EXPECT_FALSE((*store)->Get("memtable-only")->has_value());
}

TEST(RocksDbStore, SettingsAndConfigErrors) {
  TempDir dir;
  Config good(Config::Map{{"rocksdb.write.buffer.size", "1048576"},
                          {"rocksdb.compression", "lz4"},
                          {"rocksdb.compaction.style", "level"},
                          {"container.cache.size.bytes", "0"},
                          {"rocksdb.num.write.buffers", "2"}});
  auto ok = RocksDbStore::Open("s", dir.sub("good"), good);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ((*ok)->db()->GetOptions().write_buffer_size, 1048576u);
  EXPECT_EQ((*ok)->db()->GetOptions().max_write_buffer_number, 2);

  struct Case {
    Config::Map map;
    const char* expect;
  } cases[] = {
      {{{"rocksdb.compression", "brotli"}}, "stores.s.rocksdb.compression"},
      {{{"rocksdb.write.buffer.size", "lots"}}, "stores.s.rocksdb.write.buffer.size"},
      {{{"container.write.buffer.size.bytes", "10"}}, "stores.s.container.write.buffer.size.bytes"},
      {{{"rocksdb.compaction.style", "sideways"}}, "stores.s.rocksdb.compaction.style"},
      {{{"rocksdb.max.write.buffers", "0"}}, "stores.s.rocksdb.max.write.buffers"},
  };
  int i = 0;
  for (const Case& c : cases) {
    auto s = RocksDbStore::Open("s", dir.sub("bad" + std::to_string(i++)), Config(c.map));
    ASSERT_FALSE(s.ok()) << c.expect;
    EXPECT_NE(s.status().message().find(c.expect), std::string::npos) << s.status();
  }
}

TEST(RocksDbStore, LargeStateDefaultsAndTheirSettings) {
  TempDir dir;
  // Defaults: bloom filters on the SST files and the memtables, L0 trigger 8, 2 background jobs.
  auto def = RocksDbStore::Open("s", dir.sub("default"), Config(Config::Map{}));
  ASSERT_TRUE(def.ok()) << def.status();
  rocksdb::Options o = (*def)->db()->GetOptions();
  EXPECT_DOUBLE_EQ(o.memtable_prefix_bloom_size_ratio, 0.05);
  EXPECT_TRUE(o.memtable_whole_key_filtering);
  EXPECT_EQ(o.level0_file_num_compaction_trigger, 8);
  EXPECT_GE(o.level0_slowdown_writes_trigger, 24);
  EXPECT_EQ(o.max_background_jobs, 2);
  std::string opts = o.table_factory->GetPrintableOptions();
  EXPECT_NE(opts.find("bloomfilter"), std::string::npos) << opts;
  EXPECT_NE(opts.find("cache_index_and_filter_blocks: 0"), std::string::npos) << opts;
  // Absent keys answered (through the filters) and present ones found, after a flush to SST.
  ASSERT_TRUE((*def)->Put("k1", "v1").ok());
  ASSERT_TRUE((*def)->Flush().ok());
  auto got = (*def)->GetAll(std::vector<std::string_view>{"k0", "k1"});
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE((*got)[0].has_value());
  EXPECT_EQ((*got)[1], std::optional<std::string>("v1"));

  Config set(Config::Map{{"rocksdb.bloom.bits.per.key", "0"},
                         {"rocksdb.memtable.bloom.ratio", "0"},
                         {"rocksdb.cache.index.and.filter.blocks", "true"},
                         {"rocksdb.max.background.jobs", "4"},
                         {"rocksdb.level0.file.num.compaction.trigger", "2"}});
  auto tuned = RocksDbStore::Open("s", dir.sub("tuned"), set);
  ASSERT_TRUE(tuned.ok()) << tuned.status();
  o = (*tuned)->db()->GetOptions();
  EXPECT_DOUBLE_EQ(o.memtable_prefix_bloom_size_ratio, 0.0);
  EXPECT_EQ(o.level0_file_num_compaction_trigger, 2);
  EXPECT_EQ(o.max_background_jobs, 4);
  opts = o.table_factory->GetPrintableOptions();
  EXPECT_EQ(opts.find("bloomfilter"), std::string::npos) << opts;
  EXPECT_NE(opts.find("cache_index_and_filter_blocks: 1"), std::string::npos) << opts;

  struct Case {
    Config::Map map;
    const char* expect;
  } cases[] = {
      {{{"rocksdb.bloom.bits.per.key", "-1"}}, "stores.s.rocksdb.bloom.bits.per.key"},
      {{{"rocksdb.bloom.bits.per.key", "ten"}}, "stores.s.rocksdb.bloom.bits.per.key"},
      {{{"rocksdb.memtable.bloom.ratio", "30"}}, "stores.s.rocksdb.memtable.bloom.ratio"},
      {{{"rocksdb.cache.index.and.filter.blocks", "yes please"}},
       "stores.s.rocksdb.cache.index.and.filter.blocks"},
      {{{"rocksdb.max.background.jobs", "0"}}, "stores.s.rocksdb.max.background.jobs"},
      {{{"rocksdb.level0.file.num.compaction.trigger", "0"}},
       "stores.s.rocksdb.level0.file.num.compaction.trigger"},
  };
  int i = 0;
  for (const Case& c : cases) {
    auto s = RocksDbStore::Open("s", dir.sub("bad" + std::to_string(i++)), Config(c.map));
    ASSERT_FALSE(s.ok()) << c.expect;
    EXPECT_NE(s.status().message().find(c.expect), std::string::npos) << s.status();
  }
}

TEST(RocksDbStore, OpenFailureNamesDir) {
  TempDir dir;
  std::string file = dir.sub("a-file");
  { std::ofstream(file) << "x"; }
  auto s = RocksDbStore::Open("s", file + "/db", Config());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find(file), std::string::npos) << s.status();
}

}  // namespace
}  // namespace eddy::state
