// CachedStore: read-your-writes, dirty batching by write.batch.size, LRU eviction writing dirty
// entries down, iterators seeing dirty entries, hit-rate metrics.
#include "runtime/state/cached_store.h"

#include <gtest/gtest.h>

#include "runtime/state/inmemory_store.h"
#include "runtime/state/logged_store.h"
#include "tests/runtime/state/recording_writer.h"

namespace eddy::state {
namespace {

// Counts ApplyBatch calls on the layer below.
class CountingStore : public KeyValueStoreBytes {
 public:
  CountingStore() : inner_("cached") {}
  const std::string& name() const override { return inner_.name(); }
  absl::StatusOr<std::optional<std::string>> Get(std::string_view k) override {
    ++gets;
    return inner_.Get(k);
  }
  absl::Status Put(std::string_view k, std::string_view v) override {
    ++single_writes;
    return inner_.Put(k, v);
  }
  absl::Status Delete(std::string_view k) override {
    ++single_writes;
    return inner_.Delete(k);
  }
  absl::Status ApplyBatch(std::span<const KeyValueWrite> w) override {
    batches.push_back(w.size());
    return inner_.ApplyBatch(w);
  }
  absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> Range(std::string_view f,
                                                               std::string_view t) override {
    return inner_.Range(f, t);
  }
  absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> All() override { return inner_.All(); }
  absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> PrefixScan(std::string_view p) override {
    return inner_.PrefixScan(p);
  }
  absl::Status Flush() override {
    ++flushes;
    return absl::OkStatus();
  }
  InMemoryStore inner_;
  int gets = 0, single_writes = 0, flushes = 0;
  std::vector<size_t> batches;
};

struct Fixture {
  explicit Fixture(size_t cache, size_t batch) {
    auto below = std::make_unique<CountingStore>();
    counting = below.get();
    metrics = StoreMetrics::Register(&registry, "store.t");
    cached = std::make_unique<CachedStore>(std::move(below), cache, batch, metrics);
  }
  MetricsRegistry registry;
  StoreMetrics metrics;
  CountingStore* counting;
  std::unique_ptr<CachedStore> cached;
};

TEST(CachedStore, ReadYourWritesBeforeFlush) {
  Fixture f(100, 50);
  ASSERT_TRUE(f.cached->Put("a", "1").ok());
  ASSERT_TRUE(f.cached->Put("b", "2").ok());
  ASSERT_TRUE(f.cached->Delete("b").ok());
  EXPECT_EQ(**f.cached->Get("a"), "1");
  EXPECT_FALSE(f.cached->Get("b")->has_value()) << "a cached delete reads as absent";
  EXPECT_TRUE(f.counting->batches.empty()) << "nothing written below yet";
  EXPECT_EQ(f.counting->inner_.size(), 0u);
  EXPECT_EQ(f.cached->dirty_entries(), 2u);
  ASSERT_TRUE(f.cached->FlushDirty().ok());
  ASSERT_EQ(f.counting->batches.size(), 1u);
  EXPECT_EQ(f.counting->batches[0], 2u) << "one batch with the latest value per key";
  EXPECT_EQ(f.counting->inner_.size(), 1u);
  EXPECT_EQ(f.counting->flushes, 0) << "FlushDirty does not flush the engine";
  ASSERT_TRUE(f.cached->Flush().ok());
  EXPECT_EQ(f.counting->flushes, 1);
}

TEST(CachedStore, WriteBatchSizeTriggersOneBatch) {
  Fixture f(1000, 10);
  for (int i = 0; i < 25; ++i) ASSERT_TRUE(f.cached->Put("k" + std::to_string(i), "v").ok());
  EXPECT_EQ(f.counting->batches, (std::vector<size_t>{10, 10}));
  EXPECT_EQ(f.cached->dirty_entries(), 5u);
  // Rewriting a dirty key does not count twice.
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(f.cached->Put("k20", std::to_string(i)).ok());
  EXPECT_EQ(f.cached->dirty_entries(), 5u);
  EXPECT_EQ(f.counting->single_writes, 0) << "the cache only writes in batches";
}

TEST(CachedStore, RewritingTheStoredValueStaysClean) {
  Fixture f(100, 100);
  ASSERT_TRUE(f.counting->inner_.Put("a", "1").ok());
  EXPECT_EQ(**f.cached->Get("a"), "1");                 // cached clean
  ASSERT_TRUE(f.cached->Put("a", "1").ok());            // same bytes: nothing to write
  EXPECT_FALSE(f.cached->Get("missing")->has_value());  // cached as absent
  ASSERT_TRUE(f.cached->Delete("missing").ok());        // already absent
  EXPECT_EQ(f.cached->dirty_entries(), 0u);
  ASSERT_TRUE(f.cached->Put("a", "2").ok());  // a real change is dirty
  EXPECT_EQ(f.cached->dirty_entries(), 1u);
  ASSERT_TRUE(f.cached->Put("a", "1").ok());  // and stays dirty when reverted
  ASSERT_TRUE(f.cached->FlushDirty().ok());
  EXPECT_EQ(f.counting->batches, (std::vector<size_t>{1}));
  EXPECT_EQ(**f.counting->inner_.Get("a"), "1");
}

TEST(CachedStore, ManyKeysThroughASmallCache) {
  // Heavy churn through the intrusive LRU: every value must read back, before and after flushes.
  Fixture f(64, 16);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 500; ++i) {
      std::string k = "k" + std::to_string(i);
      ASSERT_TRUE(f.cached->Put(k, std::to_string(i + round)).ok());
      if (i % 7 == 0) {
        ASSERT_TRUE(f.cached->Delete(k).ok());
      }
    }
    EXPECT_LE(f.cached->cached_entries(), 64u);
    for (int i = 0; i < 500; ++i) {
      auto v = f.cached->Get("k" + std::to_string(i));
      ASSERT_TRUE(v.ok());
      if (i % 7 == 0) {
        EXPECT_FALSE(v->has_value()) << i;
      } else {
        ASSERT_TRUE(v->has_value()) << i;
        EXPECT_EQ(**v, std::to_string(i + round));
      }
    }
  }
  ASSERT_TRUE(f.cached->Clear().ok());
  EXPECT_EQ(f.cached->cached_entries(), 0u);
  EXPECT_EQ(**f.cached->Get("k1"), "3");
}

TEST(CachedStore, HotKeysSurviveApproximateLru) {
  // Keys read over and over stay cached while a stream of cold keys passes through.
  Fixture f(100, 100);
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(f.counting->inner_.Put("hot" + std::to_string(i), "h").ok());
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE(f.cached->Get("hot" + std::to_string(i % 10)).ok());
    ASSERT_TRUE(f.cached->Get("cold" + std::to_string(i)).ok());
  }
  const int gets_below = f.counting->gets;
  for (int i = 0; i < 10; ++i) EXPECT_EQ(**f.cached->Get("hot" + std::to_string(i)), "h");
  EXPECT_EQ(f.counting->gets, gets_below) << "every hot key was still cached";
  EXPECT_LE(f.cached->cached_entries(), 100u);
}

TEST(CachedStore, EvictingDirtyEntryWritesItDown) {
  Fixture f(3, 100);  // batch size clamps to the cache size (3)
  ASSERT_TRUE(f.cached->Put("a", "1").ok());
  ASSERT_TRUE(f.cached->Put("b", "2").ok());
  EXPECT_EQ(f.counting->inner_.size(), 0u);
  // Reading a cold key must evict "a" (LRU) once the cache is full; "a" is dirty so it goes down.
  ASSERT_TRUE(f.counting->inner_.Put("cold1", "x").ok());
  ASSERT_TRUE(f.counting->inner_.Put("cold2", "y").ok());
  EXPECT_EQ(**f.cached->Get("cold1"), "x");
  EXPECT_EQ(f.cached->cached_entries(), 3u);
  EXPECT_EQ(**f.cached->Get("cold2"), "y");
  EXPECT_LE(f.cached->cached_entries(), 3u);
  EXPECT_EQ(**f.counting->inner_.Get("a"), "1") << "the evicted dirty entry reached the store";
  EXPECT_EQ(**f.cached->Get("a"), "1") << "and reads back after eviction";
  EXPECT_GE(f.metrics.cache_evictions->Get(), 1);
}

TEST(CachedStore, LruKeepsRecentlyUsed) {
  Fixture f(2, 1);
  ASSERT_TRUE(f.counting->inner_.Put("a", "1").ok());
  ASSERT_TRUE(f.counting->inner_.Put("b", "2").ok());
  ASSERT_TRUE(f.counting->inner_.Put("c", "3").ok());
  (void)f.cached->Get("a");
  (void)f.cached->Get("b");
  (void)f.cached->Get("a");  // a is now most recent; b is the LRU
  (void)f.cached->Get("c");  // evicts b
  int gets_before = f.counting->gets;
  (void)f.cached->Get("a");
  EXPECT_EQ(f.counting->gets, gets_before) << "a stayed cached";
  (void)f.cached->Get("b");
  EXPECT_EQ(f.counting->gets, gets_before + 1) << "b was evicted";
}

TEST(CachedStore, IteratorsSeeDirtyEntries) {
  Fixture f(100, 100);
  ASSERT_TRUE(f.counting->inner_.Put("p:old", "0").ok());
  ASSERT_TRUE(f.cached->Put("p:new", "1").ok());
  ASSERT_TRUE(f.cached->Delete("p:old").ok());
  ASSERT_TRUE(f.cached->Put("q", "2").ok());
  auto it = f.cached->PrefixScan("p:");
  ASSERT_TRUE(it.ok());
  std::vector<std::string> keys;
  for (; (*it)->Valid(); (*it)->Next()) keys.emplace_back((*it)->key());
  (*it)->Close();
  EXPECT_EQ(keys, std::vector<std::string>{"p:new"});
  EXPECT_EQ(f.cached->dirty_entries(), 0u) << "iterating flushed the dirty entries first";
  auto all = f.cached->All();
  ASSERT_TRUE(all.ok());
  int n = 0;
  for (; (*all)->Valid(); (*all)->Next()) ++n;
  (*all)->Close();
  EXPECT_EQ(n, 2);
}

TEST(CachedStore, HitRateMetrics) {
  Fixture f(10, 10);
  ASSERT_TRUE(f.cached->Put("a", "1").ok());
  for (int i = 0; i < 3; ++i) (void)f.cached->Get("a");  // hits
  (void)f.cached->Get("missing");                        // miss (then cached as absent)
  (void)f.cached->Get("missing");                        // hit
  ASSERT_TRUE(f.cached->FlushDirty().ok());
  EXPECT_EQ(f.metrics.cache_hits->Get(), 4);
  EXPECT_EQ(f.metrics.cache_misses->Get(), 1);
  EXPECT_DOUBLE_EQ(f.metrics.cache_hit_rate->Get(), 0.8);
  EXPECT_EQ(f.metrics.puts->Get(), 1);
  EXPECT_EQ(f.metrics.gets->Get(), 5);
}

TEST(CachedStore, FailedFlushKeepsEntriesDirty) {
  testing::RecordingWriter writer;
  auto logged = std::make_unique<LoggedStore>(std::make_unique<InMemoryStore>("s"), &writer);
  CachedStore cached(std::move(logged), 10, 10);
  ASSERT_TRUE(cached.Put("a", "1").ok());
  writer.fail = true;
  absl::Status s = cached.FlushDirty();
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(cached.dirty_entries(), 1u);
  writer.fail = false;
  ASSERT_TRUE(cached.FlushDirty().ok());
  EXPECT_EQ(writer.records.size(), 1u);
}

}  // namespace
}  // namespace eddy::state
