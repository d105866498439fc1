// RestoreBatch: bulk apply of changelog records into the engine (RocksDB), bypassing cache and
// changelog, with counters.
#include "runtime/state/restore_batch.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>

#include "rocksdb/db.h"

#include "runtime/state/inmemory_store.h"
#include "runtime/state/rocksdb_store.h"
#include "runtime/state/store_factory.h"
#include "tests/runtime/state/recording_writer.h"
#include "tests/runtime/state/temp_dir.h"

namespace eddy::state {
namespace {

TEST(RestoreBatch, AppliesInOrderBypassingCacheAndChangelog) {
  testing::TempDir dir;
  testing::RecordingWriter writer;
  MetricsRegistry registry;
  Config config(Config::Map{{"stores.counts.factory", "rocksdb"},
                            {"stores.counts.changelog", "eddy.counts-changelog"}});
  auto spec = StoreFactory::ParseSpec(config, "counts");
  ASSERT_TRUE(spec.ok()) << spec.status();
  auto stack = StoreFactory::Build(*spec, dir.path(), &writer, &registry, "store.counts");
  ASSERT_TRUE(stack.ok()) << stack.status();

  RestoreBatch restore(stack->engine, stack->metrics);
  std::vector<std::string> keys, values;
  for (int i = 0; i < 1000; ++i) {
    keys.push_back("k" + std::to_string(i % 100));
    values.push_back("v" + std::to_string(i));
  }
  std::vector<KeyValueWrite> records;
  for (int i = 0; i < 1000; ++i) records.push_back(KeyValueWrite{keys[i], values[i]});
  records.push_back(KeyValueWrite{"k5", std::nullopt});  // a tombstone at the end
  ASSERT_TRUE(restore.Apply(records).ok());

  EXPECT_TRUE(writer.records.empty()) << "restore must not write to the changelog";
  EXPECT_EQ(stack->cache->dirty_entries(), 0u);
  EXPECT_EQ(restore.records(), 1001);
  EXPECT_GT(restore.bytes(), 1000 * 4);
  EXPECT_EQ(stack->metrics.restore_records->Get(), 1001);
  // The latest value per key won; the tombstone deleted.
  EXPECT_EQ(**stack->top->Get("k99"), "v999");
  EXPECT_EQ(**stack->top->Get("k0"), "v900");
  EXPECT_FALSE(stack->top->Get("k5")->has_value());
}

TEST(RestoreBatch, ExpectedLargeRestoreBulkLoadsWithoutCompactionsUntilFinish) {
  testing::TempDir dir;
  auto store = RocksDbStore::Open("s", dir.path(), Config());
  ASSERT_TRUE(store.ok()) << store.status();
  const int opened_stop_trigger = (*store)->db()->GetOptions().level0_stop_writes_trigger;
  RestoreBatch restore(store->get());
  restore.ExpectRecords(1000000);
  EXPECT_TRUE(restore.bulk_loading()) << "a known large restore starts in bulk mode";
  EXPECT_TRUE((*store)->db()->GetOptions().disable_auto_compactions);
  std::vector<std::string> keys;
  for (int i = 0; i < 300; ++i) keys.push_back("k" + std::to_string(i % 100));
  std::vector<KeyValueWrite> records;
  for (int i = 0; i < 300; ++i) records.push_back(KeyValueWrite{keys[i], keys[(i + 1) % 300]});
  ASSERT_TRUE(restore.Apply(records).ok());
  ASSERT_TRUE(restore.Finish().ok());
  EXPECT_FALSE((*store)->db()->GetOptions().disable_auto_compactions)
      << "Finish must turn compactions back on";
  EXPECT_EQ((*store)->db()->GetOptions().level0_stop_writes_trigger, opened_stop_trigger)
      << "Finish must restore the L0 stall settings of Open";
  EXPECT_EQ(**(*store)->Get("k99"), keys[0]);  // the last write of k99 (i = 299)
  EXPECT_EQ(**(*store)->Get("k0"), keys[201]);
  EXPECT_EQ(restore.records(), 300);
}

TEST(RestoreBatch, SmallExpectedRestoreStaysDirect) {
  testing::TempDir dir;
  auto store = RocksDbStore::Open("s", dir.path(), Config());
  ASSERT_TRUE(store.ok()) << store.status();
  RestoreBatch restore(store->get());
  restore.ExpectRecords(10);
  EXPECT_FALSE(restore.bulk_loading());
  EXPECT_FALSE((*store)->db()->GetOptions().disable_auto_compactions);
}

TEST(RestoreBatch, AddBuffersAndFinishApplies) {
  InMemoryStore engine("s");
  RestoreBatch restore(&engine);
  {
    std::string k = "key", v = "value";
    ASSERT_TRUE(restore.Add(k, v).ok());
    k = "overwritten";  // Add copied the bytes
    ASSERT_TRUE(restore.Add("gone", "x").ok());
    ASSERT_TRUE(restore.Add("gone", std::nullopt).ok());
  }
  EXPECT_EQ(engine.size(), 0u) << "buffered until Finish or 4 MiB";
  ASSERT_TRUE(restore.Finish().ok());
  EXPECT_EQ(engine.size(), 1u);
  EXPECT_EQ(**engine.Get("key"), "value");
  EXPECT_EQ(restore.records(), 3);
  // Large input flushes on its own.
  std::string big(1 << 20, 'b');
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(restore.Add("big" + std::to_string(i), big).ok());
  EXPECT_GE(engine.size(), 4u);
  ASSERT_TRUE(restore.Finish().ok());
  EXPECT_EQ(engine.size(), 6u);
}

TEST(RestoreBatch, RocksDbBulkLoadModeRoundTrip) {
  testing::TempDir dir;
  std::vector<std::string> keys;
  for (int i = 0; i < 5000; ++i) keys.push_back("k" + std::to_string((i * 7919) % 3000));
  std::vector<std::string> vals;
  for (int i = 0; i < 5000; ++i) vals.push_back(keys[i] + "!");
  {
    auto store = RocksDbStore::Open("s", dir.path(), Config());
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Put("before", "x").ok());
    RestoreBatch restore(store->get());
    restore.set_bulk_load_threshold(1000);
    std::vector<KeyValueWrite> recs;
    for (int i = 0; i < 500; ++i) recs.push_back(KeyValueWrite{keys[i], keys[i]});
    ASSERT_TRUE(restore.Apply(recs).ok());
    EXPECT_FALSE(restore.bulk_loading()) << "below the threshold";
    for (int round = 1; round < 10; ++round) {
      recs.clear();
      for (int i = round * 500; i < (round + 1) * 500; ++i) {
        recs.push_back(KeyValueWrite{keys[i], vals[i]});
      }
      recs.push_back(KeyValueWrite{"before", std::nullopt});
      ASSERT_TRUE(restore.Apply(recs).ok());
    }
    EXPECT_TRUE(restore.bulk_loading());
    ASSERT_TRUE(restore.Finish().ok());
    EXPECT_EQ(restore.records(), 5000 + 9);
    EXPECT_FALSE((*store)->Get("before")->has_value()) << "tombstone applied";
    EXPECT_EQ(**(*store)->Get(keys[4999]), keys[4999] + "!");
    ASSERT_TRUE((*store)->Put("after", "y").ok());
    ASSERT_TRUE((*store)->Flush().ok());
  }
  auto store = RocksDbStore::Open("s", dir.path(), Config());
  ASSERT_TRUE(store.ok());
  auto it = (*store)->All();
  ASSERT_TRUE(it.ok());
  int n = 0;
  for (; (*it)->Valid(); (*it)->Next()) ++n;
  (*it)->Close();
  EXPECT_EQ(n, 3001) << "3000 distinct restored keys plus 'after'";
}

TEST(RestoreBatch, DestructorFinishes) {
  testing::TempDir dir;
  auto store = RocksDbStore::Open("s", dir.path(), Config());
  ASSERT_TRUE(store.ok());
  {
    RestoreBatch restore(store->get());
    restore.set_bulk_load_threshold(0);
    KeyValueWrite w[] = {{"k", "v1"}, {"a", "x"}, {"k", "v2"}};
    ASSERT_TRUE(restore.Apply(w).ok());
    EXPECT_TRUE(restore.bulk_loading());
  }
  EXPECT_EQ(**(*store)->Get("k"), "v2");
  EXPECT_EQ(**(*store)->Get("a"), "x");
}

TEST(RestoreBatch, FailedDeferredIngestMarksStoreFailed) {
  testing::TempDir dir;
  auto store = RocksDbStore::Open("s", dir.path(), Config());
  ASSERT_TRUE(store.ok());
  // Make the SST path unusable: a non-empty directory where the file would go.
  std::filesystem::create_directories(dir.path() + "/restore-0.sst/blocker");
  {
    RestoreBatch restore(store->get());
    restore.set_bulk_load_threshold(0);
    KeyValueWrite w{"k", "v"};
    ASSERT_TRUE(restore.Apply(std::span<const KeyValueWrite>(&w, 1)).ok());
    // No Finish(): the destructor must not let the failure pass silently.
  }
  auto v = (*store)->Get("k");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("restore of store s"), std::string::npos) << v.status();
  EXPECT_FALSE((*store)->Put("x", "y").ok());
}

TEST(RestoreBatch, BulkSortMatchesByteOrderOnTrickyKeys) {
  // Keys with shared 16-byte prefixes, embedded zero bytes, 0xff bytes and every length around
  // the 8/16-byte boundaries of the sort's inline prefixes; random duplicates and tombstones.
  std::vector<std::string> keys;
  const std::string base = "0123456789abcdef0123";
  for (size_t len = 0; len <= base.size(); ++len) {
    keys.push_back(base.substr(0, len));
    keys.push_back(base.substr(0, len) + std::string(1, '\0'));
    keys.push_back(base.substr(0, len) + std::string(2, '\0'));
    keys.push_back(base.substr(0, len) + "\xff");
    keys.push_back(std::string(len, '\0'));
  }
  std::mt19937 rng(5);
  std::map<std::string, std::optional<std::string>> expect;
  std::vector<std::string> vals;
  std::vector<size_t> picks;
  for (int i = 0; i < 3000; ++i) picks.push_back(rng() % keys.size());
  for (int i = 0; i < 3000; ++i) vals.push_back("v" + std::to_string(i));
  std::vector<KeyValueWrite> recs;
  for (int i = 0; i < 3000; ++i) {
    const std::string& k = keys[picks[i]];
    bool del = rng() % 5 == 0;
    recs.push_back(KeyValueWrite{k, del ? std::nullopt : std::optional<std::string_view>(vals[i])});
    expect[k] = del ? std::nullopt : std::optional<std::string>(vals[i]);
  }
  testing::TempDir dir;
  auto store = RocksDbStore::Open("s", dir.path(), Config());
  ASSERT_TRUE(store.ok());
  RestoreBatch restore(store->get());
  restore.set_bulk_load_threshold(0);
  ASSERT_TRUE(restore.Apply(recs).ok());
  ASSERT_TRUE(restore.Finish().ok());
  std::vector<std::pair<std::string, std::string>> want, got;
  for (const auto& [k, v] : expect) {
    if (v) want.emplace_back(k, *v);
  }
  auto it = (*store)->All();
  ASSERT_TRUE(it.ok());
  for (; (*it)->Valid(); (*it)->Next()) got.emplace_back((*it)->key(), (*it)->value());
  (*it)->Close();
  EXPECT_EQ(got, want);
}

TEST(RestoreBatch, ManyBackgroundFilesIngestInOrder) {
  // A small bulk buffer makes dozens of SST files built on the worker thread; later files must
  // win over earlier ones for the same key, tombstones included, across Apply() and Add().
  std::mt19937 rng(11);
  std::vector<std::string> keys;
  for (int i = 0; i < 500; ++i) keys.push_back("user-" + std::to_string(i * 37));
  std::vector<std::string> vals;
  for (int i = 0; i < 20000; ++i) vals.push_back("value-" + std::to_string(i));
  std::map<std::string, std::optional<std::string>> expect;
  testing::TempDir dir;
  auto store = RocksDbStore::Open("s", dir.path(), Config());
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Put("user-0", "pre-existing").ok());
  expect["user-0"] = "pre-existing";
  RestoreBatch restore(store->get());
  restore.set_bulk_load_threshold(100);
  restore.set_bulk_buffer_bytes(8 << 10);
  for (int i = 0; i < 20000;) {
    std::vector<KeyValueWrite> recs;
    for (int j = 0; j < 50 && i < 20000; ++j, ++i) {
      const std::string& k = keys[rng() % keys.size()];
      bool del = rng() % 7 == 0;
      recs.push_back(
          KeyValueWrite{k, del ? std::nullopt : std::optional<std::string_view>(vals[i])});
      expect[k] = del ? std::nullopt : std::optional<std::string>(vals[i]);
    }
    if (i % 1000 < 50) {
      for (const KeyValueWrite& r : recs) ASSERT_TRUE(restore.Add(r.key, r.value).ok());
    } else {
      ASSERT_TRUE(restore.Apply(recs).ok());
    }
  }
  ASSERT_TRUE(restore.Finish().ok());
  EXPECT_EQ(restore.records(), 20000);
  std::vector<std::pair<std::string, std::string>> want, got;
  for (const auto& [k, v] : expect) {
    if (v) want.emplace_back(k, *v);
  }
  auto it = (*store)->All();
  ASSERT_TRUE(it.ok());
  for (; (*it)->Valid(); (*it)->Next()) got.emplace_back((*it)->key(), (*it)->value());
  (*it)->Close();
  EXPECT_EQ(got, want);
  // No restore files are left behind.
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_EQ(e.path().filename().string().rfind("restore-", 0), std::string::npos) << e.path();
  }
}

}  // namespace
}  // namespace eddy::state
