// StoreFactory: config → stack (engine, logging, cache), Samza class names, config errors that
// name the key, and an end-to-end restore that rebuilds a store from its recorded changelog.
#include "runtime/state/store_factory.h"

#include <gtest/gtest.h>

#include "runtime/state/inmemory_store.h"
#include "runtime/state/restore_batch.h"
#include "runtime/state/rocksdb_store.h"
#include "tests/runtime/state/recording_writer.h"
#include "tests/runtime/state/temp_dir.h"

namespace eddy::state {
namespace {

TEST(StoreFactory, StoreNames) {
  Config c(Config::Map{{"stores.counts.factory", "rocksdb"},
                       {"stores.counts.key.serde", "string"},
                       {"stores.profiles.factory", "inmemory"},
                       {"stores.x.rocksdb.factory", "odd"},
                       {"job.name", "wc"}});
  EXPECT_EQ(StoreFactory::StoreNames(c), (std::vector<std::string>{"counts", "profiles"}));
}

TEST(StoreFactory, BuildsFullStackFromSamzaConfig) {
  testing::TempDir dir;
  testing::RecordingWriter writer;
  MetricsRegistry registry;
  Config c(Config::Map{
      {"stores.counts.factory", "org.apache.samza.storage.kv.RocksDbKeyValueStorageEngineFactory"},
      {"stores.counts.key.serde", "string"},
      {"stores.counts.msg.serde", "long"},
      {"serializers.registry.string.class", "org.apache.samza.serializers.StringSerdeFactory"},
      {"serializers.registry.long.class", "org.apache.samza.serializers.LongSerdeFactory"},
      {"stores.counts.changelog", "eddy.wordcount-counts-changelog"},
      {"stores.counts.object.cache.size", "50"},
      {"stores.counts.write.batch.size", "5"},
      {"stores.counts.rocksdb.compression", "none"}});
  auto spec = StoreFactory::ParseSpec(c, "counts");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->engine, EngineKind::kRocksDb);
  EXPECT_EQ(spec->changelog->ToString(), "eddy.wordcount-counts-changelog");
  EXPECT_EQ(spec->object_cache_size, 50u);
  EXPECT_EQ(spec->write_batch_size, 5u);
  EXPECT_EQ(spec->msg_serde->value_type(), typeid(int64_t));

  auto stack = StoreFactory::Build(*spec, dir.path(), &writer, &registry, "store.counts");
  ASSERT_TRUE(stack.ok()) << stack.status();
  ASSERT_NE(stack->cache, nullptr);
  ASSERT_NE(stack->logged, nullptr);
  EXPECT_NE(dynamic_cast<RocksDbStore*>(stack->engine), nullptr);

  // Typed use through the handle, as a task would.
  StoreHandle h = stack->Handle();
  KeyValueStore<std::string, int64_t> typed(h.store,
                                            static_cast<const Serde<std::string>*>(h.key_serde),
                                            static_cast<const Serde<int64_t>*>(h.msg_serde));
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(typed.Put("w" + std::to_string(i), i).ok());
  EXPECT_EQ(writer.records.size(), 10u)
      << "two batches of write.batch.size=5 reached the changelog";
  ASSERT_TRUE(stack->FlushCache().ok());
  EXPECT_EQ(writer.records.size(), 12u);
  ASSERT_TRUE(stack->FlushEngine().ok());

  // Rebuild a fresh in-memory store from the recorded changelog: same contents.
  InMemoryStore rebuilt("counts");
  RestoreBatch restore(&rebuilt);
  std::vector<KeyValueWrite> recs;
  for (const auto& [k, v] : writer.records) {
    recs.push_back(KeyValueWrite{k, v ? std::optional<std::string_view>(*v) : std::nullopt});
  }
  ASSERT_TRUE(restore.Apply(recs).ok());
  EXPECT_EQ(rebuilt.size(), 12u);
  EXPECT_EQ(**rebuilt.Get("w11"), **stack->engine->Get("w11"));

  // Metrics: task-level puts in the store group, engine writes in .engine.
  int64_t puts = 0, engine_puts = 0;
  for (const MetricSample& s : registry.Snapshot()) {
    if (s.group == "store.counts" && s.name == "puts") puts = s.count;
    if (s.group == "store.counts.engine" && s.name == "puts") engine_puts = s.count;
  }
  EXPECT_EQ(puts, 12);
  EXPECT_EQ(engine_puts, 12);
}

TEST(StoreFactory, InMemoryWithoutCacheOrChangelog) {
  Config c(
      Config::Map{{"stores.p.factory",
                   "org.apache.samza.storage.kv.inmemory.InMemoryKeyValueStorageEngineFactory"},
                  {"stores.p.object.cache.size", "0"}});
  auto spec = StoreFactory::ParseSpec(c, "p");
  ASSERT_TRUE(spec.ok()) << spec.status();
  auto stack = StoreFactory::Build(*spec, "", nullptr, nullptr, "");
  ASSERT_TRUE(stack.ok()) << stack.status();
  EXPECT_EQ(stack->cache, nullptr);
  EXPECT_EQ(stack->logged, nullptr);
  EXPECT_EQ(stack->top.get(), stack->engine);
  EXPECT_FALSE(stack->spec.persistent());
}

TEST(StoreFactory, ConfigErrorsNameTheKey) {
  struct Case {
    Config::Map map;
    const char* expect;
  } cases[] = {
      {{}, "stores.s.factory"},
      {{{"stores.s.factory", "leveldb"}}, "config key stores.s.factory"},
      {{{"stores.s.factory", "rocksdb"}, {"stores.s.changelog", "nodot"}},
       "config key stores.s.changelog"},
      {{{"stores.s.factory", "rocksdb"}, {"stores.s.key.serde", "mystery"}},
       "config key stores.s.key.serde"},
      {{{"stores.s.factory", "rocksdb"},
        {"stores.s.msg.serde", "m"},
        {"serializers.registry.m.class", "com.example.Missing"}},
       "serializers.registry.m.class"},
      {{{"stores.s.factory", "rocksdb"}, {"stores.s.object.cache.size", "many"}},
       "config key stores.s.object.cache.size"},
      {{{"stores.s.factory", "rocksdb"}, {"stores.s.write.batch.size", "0"}},
       "config key stores.s.write.batch.size"},
  };
  for (const Case& c : cases) {
    auto spec = StoreFactory::ParseSpec(Config(c.map), "s");
    ASSERT_FALSE(spec.ok()) << c.expect;
    EXPECT_NE(spec.status().message().find(c.expect), std::string::npos) << spec.status();
  }
}

TEST(StoreFactory, ChangelogWithoutWriterAndBadRocksSettings) {
  testing::TempDir dir;
  auto spec = StoreFactory::ParseSpec(
      Config(Config::Map{{"stores.s.factory", "rocksdb"}, {"stores.s.changelog", "eddy.c"}}), "s");
  ASSERT_TRUE(spec.ok());
  auto stack = StoreFactory::Build(*spec, dir.path(), nullptr, nullptr, "");
  ASSERT_FALSE(stack.ok());
  EXPECT_NE(stack.status().message().find("stores.s.changelog"), std::string::npos);

  auto spec2 = StoreFactory::ParseSpec(
      Config(Config::Map{{"stores.s.factory", "rocksdb"}, {"stores.s.rocksdb.compression", "rar"}}),
      "s");
  ASSERT_TRUE(spec2.ok());
  auto stack2 = StoreFactory::Build(*spec2, dir.path(), nullptr, nullptr, "");
  ASSERT_FALSE(stack2.ok());
  EXPECT_NE(stack2.status().message().find("stores.s.rocksdb.compression"), std::string::npos);
}

}  // namespace
}  // namespace eddy::state
