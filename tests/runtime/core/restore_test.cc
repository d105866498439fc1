// Restore bounds against a real eddy-logd: replay stops at the checkpointed changelog offset,
// a local store checkpoint (made at commit) not ahead of the task checkpoint replays only the
// tail, one ahead of it is never used, writes in the live directory after a commit are never
// trusted, no checkpoint = empty store.
#include <gtest/gtest.h>

#include <filesystem>

#include "log-store/client/admin_client.h"
#include "log-store/client/producer.h"
#include "rocksdb/db.h"
#include "runtime/container/task_stores.h"
#include "runtime/standalone/child_process.h"
#include "runtime/state/store_checkpoints.h"

namespace eddy::runtime {
namespace {

namespace fs = std::filesystem;

class RestoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/eddy-restore-XXXXXX";
    dir_ = mkdtemp(tmpl);
    ASSERT_TRUE(logd_
                    .Start({std::string(EDDY_BIN_DIR) + "/eddy-logd", "--data-dir", dir_ + "/log",
                            "--listen", "127.0.0.1:0"},
                           true)
                    .ok());
    auto line = logd_.ReadLineContaining("listening on", std::chrono::seconds(30));
    ASSERT_TRUE(line.ok());
    addr_ = line->substr(line->rfind(' ') + 1);
    logstore::ClientOptions co;
    co.bootstrap = addr_;
    auto admin = logstore::AdminClient::Connect(co);
    ASSERT_TRUE(admin.ok());
    ASSERT_TRUE((*admin)->CreateTopic("cl", 1, {{"cleanup.policy", "compact"}}).ok());
    // Changelog: offsets 0..9 write k<i%3> = v<i>; offset 10 deletes k0.
    logstore::ProducerOptions po;
    po.client = co;
    auto p = logstore::Producer::Create(po);
    ASSERT_TRUE(p.ok());
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE((*p)->Send("cl", 0, "k" + std::to_string(i % 3), "v" + std::to_string(i)).ok());
    }
    ASSERT_TRUE((*p)->Send("cl", 0, std::string("k0"), std::nullopt).ok());
    ASSERT_TRUE((*p)->Close().ok());
    Config::Map m = {{"job.name", "r"},
                     {"task.class", "T"},
                     {"task.inputs", "eddy.in"},
                     {"systems.eddy.factory", "eddy"},
                     {"systems.eddy.bootstrap.servers", addr_},
                     {"stores.s.factory", "rocksdb"},
                     {"stores.s.changelog", "eddy.cl"}};
    config_ = Config(m);
    auto j = ParseJobConfig(config_, dir_, dir_);
    ASSERT_TRUE(j.ok()) << j.status();
    job_ = *j;
    task_.name = "Partition 0";
    task_.changelog_partition = 0;
    hub_ = std::make_unique<SystemsHub>(job_.systems);
  }
  void TearDown() override {
    hub_.reset();
    logd_.Stop(std::chrono::seconds(5));
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Restores with a checkpoint at changelog offset `target` (-1 = no checkpoint), then commits
  // (a local store checkpoint at `target`) unless `commit` is false; returns k0..k2 ("-" =
  // absent).
  std::vector<std::string> RestoreTo(int64_t target, bool commit = true) {
    MetricsRegistry metrics;
    auto ts = TaskStores::Open(job_, config_, task_, hub_.get(), &metrics);
    EXPECT_TRUE(ts.ok()) << ts.status();
    Checkpoint cp;
    cp.changelogs["s"] = {{"eddy", "cl", 0}, target};
    auto s = (*ts)->Restore(target < 0 ? nullptr : &cp);
    EXPECT_TRUE(s.ok()) << s;
    std::vector<std::string> out;
    auto h = (*ts)->Handle("s");
    EXPECT_TRUE(h.ok());
    for (int k = 0; k < 3; ++k) {
      auto v = h->store->Get("k" + std::to_string(k));
      out.push_back(v.ok() && v->has_value() ? **v : "-");
    }
    last_restored_ = metrics.NewCounter("store.Partition 0.s", "restore-records").Get();
    last_from_checkpoint_ =
        metrics.NewGauge("store.Partition 0.s", "restore-from-local-checkpoint").Get();
    last_start_ = metrics.NewGauge("store.Partition 0.s", "restore-start-offset").Get();
    std::map<std::string, std::pair<Ssp, int64_t>> offs;
    if (commit && target >= 0) offs["s"] = {Ssp{"eddy", "cl", 0}, target};
    EXPECT_TRUE((*ts)->Persist(offs).ok());
    EXPECT_TRUE((*ts)->Close().ok());
    return out;
  }
  std::string StoreDir() { return job_.store_base_dir + "/s/Partition_0"; }

  std::string dir_, addr_;
  ChildProcess logd_;
  Config config_;
  JobConfig job_;
  TaskModel task_;
  std::unique_ptr<SystemsHub> hub_;
  int64_t last_restored_ = 0;
  double last_from_checkpoint_ = -1;
  double last_start_ = -1;
};

TEST_F(RestoreTest, StopsAtTheCheckpointedOffset) {
  // Offsets < 5: k0=v3, k1=v4, k2=v2.
  EXPECT_EQ(RestoreTo(5), (std::vector<std::string>{"v3", "v4", "v2"}));
  // Everything (< 11): k0 deleted, k1=v7, k2=v8.
  EXPECT_EQ(RestoreTo(11), (std::vector<std::string>{"-", "v7", "v8"}));
}

TEST_F(RestoreTest, NoCheckpointMeansAnEmptyStore) {
  EXPECT_EQ(RestoreTo(-1), (std::vector<std::string>{"-", "-", "-"}));
}

TEST_F(RestoreTest, LocalCheckpointReplaysOnlyTheTail) {
  EXPECT_EQ(RestoreTo(5), (std::vector<std::string>{"v3", "v4", "v2"}));
  EXPECT_EQ(last_from_checkpoint_, 0) << "first restore starts at the changelog start";
  EXPECT_EQ(last_restored_, 5);
  EXPECT_EQ(RestoreTo(8), (std::vector<std::string>{"v6", "v7", "v5"}));
  EXPECT_EQ(last_restored_, 3) << "only offsets 5..7 replayed";
  EXPECT_EQ(last_from_checkpoint_, 1);
  EXPECT_EQ(last_start_, 5);
}

TEST_F(RestoreTest, CheckpointAtTheTargetReplaysNothing) {
  EXPECT_EQ(RestoreTo(11), (std::vector<std::string>{"-", "v7", "v8"}));
  EXPECT_EQ(RestoreTo(11), (std::vector<std::string>{"-", "v7", "v8"}));
  EXPECT_EQ(last_restored_, 0);
  EXPECT_EQ(last_from_checkpoint_, 1);
}

TEST_F(RestoreTest, LocalCheckpointAheadOfTheTaskCheckpointIsNeverUsed) {
  EXPECT_EQ(RestoreTo(11), (std::vector<std::string>{"-", "v7", "v8"}));
  EXPECT_EQ(RestoreTo(5), (std::vector<std::string>{"v3", "v4", "v2"}));
  EXPECT_EQ(last_restored_, 5) << "full restore: the only checkpoint (11) is ahead";
  EXPECT_EQ(last_from_checkpoint_, 0);
}

TEST_F(RestoreTest, CrashBetweenStoreAndTaskCheckpointUsesThePreviousOne) {
  EXPECT_EQ(RestoreTo(5), (std::vector<std::string>{"v3", "v4", "v2"}));  // store cp at 5
  EXPECT_EQ(RestoreTo(8), (std::vector<std::string>{"v6", "v7", "v5"}));  // store cp at 8
  // The task checkpoint still says 6: the store checkpoint at 8 is ahead, the one at 5 is used.
  EXPECT_EQ(RestoreTo(6, false), (std::vector<std::string>{"v3", "v4", "v5"}));
  EXPECT_EQ(last_restored_, 1) << "only offset 5 replayed";
  EXPECT_EQ(last_start_, 5);
  state::StoreCheckpoints cps(StoreDir());
  EXPECT_EQ(cps.List(), std::vector<int64_t>({5}));
}

TEST_F(RestoreTest, WritesInTheLiveDirectoryAfterACommitAreNotTrusted) {
  EXPECT_EQ(RestoreTo(5), (std::vector<std::string>{"v3", "v4", "v2"}));
  {
    // What RocksDB may flush on its own after a commit, before a kill -9.
    rocksdb::DB* raw = nullptr;
    rocksdb::Options o;
    ASSERT_TRUE(rocksdb::DB::Open(o, StoreDir(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "k1", "after-commit").ok());
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "k9", "after-commit").ok());
    ASSERT_TRUE(db->Flush(rocksdb::FlushOptions()).ok());
  }
  EXPECT_EQ(RestoreTo(5), (std::vector<std::string>{"v3", "v4", "v2"}));
  EXPECT_EQ(last_restored_, 0);
  EXPECT_EQ(last_from_checkpoint_, 1);
}

// A 1,000,000-key store (100-byte values): the restart after a commit replays only the 50,000
// records written after it, from the local checkpoint. Prints the restore times (the figure for
// docs/benchmarks/runtime.md; not asserted).
TEST_F(RestoreTest, MillionKeyStoreRestartReplaysOnlyTheTail) {
  logstore::ClientOptions co;
  co.bootstrap = addr_;
  auto admin = logstore::AdminClient::Connect(co);
  ASSERT_TRUE(admin.ok());
  ASSERT_TRUE((*admin)->CreateTopic("big", 1, {{"cleanup.policy", "compact"}}).ok());
  logstore::ProducerOptions po;
  po.client = co;
  auto p = logstore::Producer::Create(po);
  ASSERT_TRUE(p.ok());
  const std::string value(100, 'v');
  char key[32];
  auto produce = [&](int from, int to, const std::string& v) {
    for (int i = from; i < to; ++i) {
      std::snprintf(key, sizeof(key), "key%08d", static_cast<int>((int64_t{i} * 7919) % 1000000));
      ASSERT_TRUE((*p)->Send("big", 0, std::string_view(key, 11), v).ok());
    }
    ASSERT_TRUE((*p)->Flush().ok());
  };
  produce(0, 1000000, value);
  Config::Map m = config_.entries();
  m["stores.s.changelog"] = "eddy.big";
  Config config(m);
  auto restore = [&](int64_t target, int64_t* restored, double* from_cp) {
    MetricsRegistry metrics;
    auto ts = TaskStores::Open(job_, config, task_, hub_.get(), &metrics);
    ASSERT_TRUE(ts.ok()) << ts.status();
    Checkpoint cp;
    cp.changelogs["s"] = {{"eddy", "big", 0}, target};
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE((*ts)->Restore(&cp).ok());
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    *restored = metrics.NewCounter("store.Partition 0.s", "restore-records").Get();
    *from_cp = metrics.NewGauge("store.Partition 0.s", "restore-from-local-checkpoint").Get();
    std::printf("restore to %lld: %lld records in %.0f ms (from local checkpoint: %.0f)\n",
                static_cast<long long>(target), static_cast<long long>(*restored), ms, *from_cp);
    auto h = (*ts)->Handle("s");
    ASSERT_TRUE(h.ok());
    auto v = h->store->Get("key00000000");
    ASSERT_TRUE(v.ok() && v->has_value());
    auto t1 = std::chrono::steady_clock::now();
    ASSERT_TRUE((*ts)->Persist({{"s", {Ssp{"eddy", "big", 0}, target}}}).ok());
    std::printf(
        "commit checkpoint: %.0f ms\n",
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1).count());
    ASSERT_TRUE((*ts)->Close().ok());
  };
  int64_t restored = 0;
  double from_cp = -1;
  restore(1000000, &restored, &from_cp);  // first start: the whole changelog
  EXPECT_EQ(restored, 1000000);
  EXPECT_EQ(from_cp, 0);
  produce(0, 50000, std::string(100, 'w'));  // written after the commit at 1,000,000
  restore(1050000, &restored, &from_cp);     // restart: the tail only
  EXPECT_EQ(restored, 50000);
  EXPECT_EQ(from_cp, 1);
  ASSERT_TRUE((*p)->Close().ok());
}

}  // namespace
}  // namespace eddy::runtime
