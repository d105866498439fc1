// StoreCheckpoints: commit-time RocksDB checkpoints, choice of the one to restore from, and that
// the live directory rebuilt from one holds exactly the checkpointed state.
#include "runtime/state/store_checkpoints.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "runtime/state/rocksdb_store.h"
#include "tests/runtime/state/temp_dir.h"

namespace eddy::state {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

constexpr char kChangelog[] = "eddy.s-changelog#0";

std::unique_ptr<RocksDbStore> OpenStore(const std::string& dir) {
  auto s = RocksDbStore::Open("s", dir, Config());
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? std::move(*s) : nullptr;
}

std::optional<std::string> GetValue(RocksDbStore* s, const std::string& k) {
  auto v = s->Get(k);
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? *v : std::nullopt;
}

TEST(StoreCheckpoints, RestoreIntoGivesTheCheckpointedStateNotLaterWrites) {
  TempDir tmp;
  const std::string dir = tmp.sub("store/Partition_0");
  StoreCheckpoints cps(dir);
  {
    auto store = OpenStore(dir);
    ASSERT_TRUE(store->Put("a", "1").ok());
    ASSERT_TRUE(store->Put("b", "2").ok());
    ASSERT_TRUE(cps.Create(store.get(), {kChangelog, 2}).ok());
    // After the commit: writes that RocksDB flushes to SST on its own (here: forced).
    ASSERT_TRUE(store->Put("a", "9").ok());
    ASSERT_TRUE(store->Delete("b").ok());
    ASSERT_TRUE(store->Put("c", "3").ok());
    ASSERT_TRUE(store->Flush().ok());
  }
  EXPECT_EQ(cps.List(), std::vector<int64_t>({2}));
  auto usable = cps.Usable(kChangelog, 0, 5);
  ASSERT_TRUE(usable.ok()) << usable.status();
  ASSERT_TRUE(usable->has_value());
  EXPECT_EQ((*usable)->offset, 2);
  ASSERT_TRUE(cps.RestoreInto(2, dir).ok());
  auto store = OpenStore(dir);
  EXPECT_EQ(GetValue(store.get(), "a"), "1");
  EXPECT_EQ(GetValue(store.get(), "b"), "2");
  EXPECT_EQ(GetValue(store.get(), "c"), std::nullopt);
  // Writing to the restored store leaves the checkpoint intact (SSTs are shared hard links).
  ASSERT_TRUE(store->Put("a", "7").ok());
  ASSERT_TRUE(store->Flush().ok());
  store.reset();
  ASSERT_TRUE(cps.RestoreInto(2, dir).ok());
  store = OpenStore(dir);
  EXPECT_EQ(GetValue(store.get(), "a"), "1");
}

TEST(StoreCheckpoints, KeepsTheTwoNewestAndSkipsThoseAheadOfTheTaskCheckpoint) {
  TempDir tmp;
  const std::string dir = tmp.sub("s/t");
  StoreCheckpoints cps(dir);
  auto store = OpenStore(dir);
  for (int64_t off : {10, 20, 30}) {
    ASSERT_TRUE(store->Put("k", std::to_string(off)).ok());
    ASSERT_TRUE(cps.Create(store.get(), {kChangelog, off}).ok());
  }
  EXPECT_EQ(cps.List(), std::vector<int64_t>({20, 30}));
  // The same offset again (no write since the last commit) keeps the existing one.
  ASSERT_TRUE(cps.Create(store.get(), {kChangelog, 30}).ok());
  EXPECT_EQ(cps.List(), std::vector<int64_t>({20, 30}));
  store.reset();

  // A crash after the store checkpoint at 30 but before the task checkpoint (which says 20).
  auto usable = cps.Usable(kChangelog, 0, 25);
  ASSERT_TRUE(usable.ok());
  ASSERT_TRUE(usable->has_value());
  EXPECT_EQ((*usable)->offset, 20);
  EXPECT_EQ(cps.List(), std::vector<int64_t>({20})) << "the checkpoint ahead must be deleted";
  ASSERT_TRUE(cps.RestoreInto(20, dir).ok());
  store = OpenStore(dir);
  EXPECT_EQ(GetValue(store.get(), "k"), "20");
}

TEST(StoreCheckpoints, NothingUsableBelowTheOldestOffsetOrForAnotherChangelog) {
  TempDir tmp;
  const std::string dir = tmp.sub("s/t");
  StoreCheckpoints cps(dir);
  auto store = OpenStore(dir);
  ASSERT_TRUE(store->Put("k", "v").ok());
  ASSERT_TRUE(cps.Create(store.get(), {kChangelog, 5}).ok());
  store.reset();
  auto below = cps.Usable(kChangelog, 6, 100);  // changelog truncated past the checkpoint
  ASSERT_TRUE(below.ok());
  EXPECT_FALSE(below->has_value());
  auto other = cps.Usable("eddy.other#0", 0, 100);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
  auto none = StoreCheckpoints(tmp.sub("s/none")).Usable(kChangelog, 0, 100);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST(StoreCheckpoints, AHalfBuiltCheckpointIsNeverUsed) {
  TempDir tmp;
  const std::string dir = tmp.sub("s/t");
  StoreCheckpoints cps(dir);
  auto store = OpenStore(dir);
  ASSERT_TRUE(store->Put("k", "1").ok());
  ASSERT_TRUE(cps.Create(store.get(), {kChangelog, 1}).ok());
  ASSERT_TRUE(store->Put("k", "2").ok());
  SetStoreCheckpointCrashBeforeRenameForTest(true);
  EXPECT_FALSE(cps.Create(store.get(), {kChangelog, 2}).ok());
  SetStoreCheckpointCrashBeforeRenameForTest(false);
  store.reset();
  EXPECT_TRUE(fs::exists(cps.root() + "/tmp-2"));
  auto usable = cps.Usable(kChangelog, 0, 2);
  ASSERT_TRUE(usable.ok());
  ASSERT_TRUE(usable->has_value());
  EXPECT_EQ((*usable)->offset, 1);
  EXPECT_FALSE(fs::exists(cps.root() + "/tmp-2")) << "a half-built checkpoint must be removed";
}

}  // namespace
}  // namespace eddy::state
