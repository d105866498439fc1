// LoggedStore: every write reaches the ChangelogWriter in order, deletes as tombstones; with the
// cache in front, changelog traffic is batched (latest value per key).
#include "runtime/state/logged_store.h"

#include <gtest/gtest.h>

#include "runtime/state/cached_store.h"
#include "runtime/state/inmemory_store.h"
#include "tests/runtime/state/recording_writer.h"

namespace eddy::state {
namespace {

using testing::RecordingWriter;
using Rec = std::pair<std::string, std::optional<std::string>>;

TEST(LoggedStore, EveryWriteInOrderWithTombstones) {
  RecordingWriter writer;
  auto engine = std::make_unique<InMemoryStore>("s");
  InMemoryStore* mem = engine.get();
  LoggedStore logged(std::move(engine), &writer);
  ASSERT_TRUE(logged.Put("a", "1").ok());
  ASSERT_TRUE(logged.Put("b", "2").ok());
  ASSERT_TRUE(logged.Delete("a").ok());
  KeyValueView puts[] = {{"c", "3"}, {"d", "4"}};
  ASSERT_TRUE(logged.PutAll(puts).ok());
  std::string_view dels[] = {"c"};
  ASSERT_TRUE(logged.DeleteAll(dels).ok());
  std::vector<Rec> want = {{"a", "1"}, {"b", "2"}, {"a", std::nullopt},
                           {"c", "3"}, {"d", "4"}, {"c", std::nullopt}};
  EXPECT_EQ(writer.records, want);
  EXPECT_EQ(mem->size(), 2u);
  EXPECT_EQ(**logged.Get("d"), "4");
}

TEST(LoggedStore, ChangelogFailureFailsWriteAndLeavesEngineUntouched) {
  RecordingWriter writer;
  writer.fail = true;
  auto engine = std::make_unique<InMemoryStore>("s");
  InMemoryStore* mem = engine.get();
  LoggedStore logged(std::move(engine), &writer);
  absl::Status s = logged.Put("a", "1");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(mem->size(), 0u);
}

TEST(LoggedStore, CacheBatchesChangelogTraffic) {
  RecordingWriter writer;
  auto logged = std::make_unique<LoggedStore>(std::make_unique<InMemoryStore>("s"), &writer);
  CachedStore cached(std::move(logged), 100, 100);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(cached.Put("hot", std::to_string(i)).ok());
  ASSERT_TRUE(cached.Put("gone", "x").ok());
  ASSERT_TRUE(cached.Delete("gone").ok());
  EXPECT_TRUE(writer.records.empty()) << "nothing reaches the changelog before a flush";
  ASSERT_TRUE(cached.FlushDirty().ok());
  std::vector<Rec> want = {{"gone", std::nullopt}, {"hot", "9"}};  // sorted by key
  EXPECT_EQ(writer.records, want);
}

}  // namespace
}  // namespace eddy::state
