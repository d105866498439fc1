// Restore bounds against a real eddy-logd: replay stops at the checkpointed changelog offset,
// a usable local store + OFFSET file replays only the tail, a local store ahead of the
// checkpoint is wiped and restored from the changelog's start, no checkpoint = empty store.
#include <gtest/gtest.h>

#include <filesystem>

#include "log-store/client/admin_client.h"
#include "log-store/client/producer.h"
#include "runtime/container/task_stores.h"
#include "runtime/standalone/child_process.h"
#include "runtime/state/offset_file.h"

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

  // Restores with a checkpoint at changelog offset `target` (-1 = no checkpoint); returns
  // k0..k2 ("-" = absent).
  std::vector<std::string> RestoreTo(int64_t target) {
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
    EXPECT_TRUE((*ts)->Persist({}).ok());  // flush the engine (WAL is off)
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

TEST_F(RestoreTest, LocalStoreWithOffsetFileReplaysOnlyTheTail) {
  EXPECT_EQ(RestoreTo(5), (std::vector<std::string>{"v3", "v4", "v2"}));
  ASSERT_TRUE(state::WriteOffsetFile(StoreDir(), {"eddy.cl#0", 5}).ok());
  EXPECT_EQ(RestoreTo(8), (std::vector<std::string>{"v6", "v7", "v5"}));
  EXPECT_EQ(last_restored_, 3) << "only offsets 5..7 replayed";
}

TEST_F(RestoreTest, LocalStoreAheadOfTheCheckpointIsWipedAndRestoredFromScratch) {
  EXPECT_EQ(RestoreTo(11), (std::vector<std::string>{"-", "v7", "v8"}));
  ASSERT_TRUE(state::WriteOffsetFile(StoreDir(), {"eddy.cl#0", 11}).ok());
  EXPECT_EQ(RestoreTo(5), (std::vector<std::string>{"v3", "v4", "v2"}));
  EXPECT_EQ(last_restored_, 5);
}

TEST_F(RestoreTest, LocalStoreWithoutOffsetFileIsNotTrusted) {
  EXPECT_EQ(RestoreTo(11), (std::vector<std::string>{"-", "v7", "v8"}));
  ASSERT_TRUE(state::RemoveOffsetFile(StoreDir()).ok());
  EXPECT_EQ(RestoreTo(5), (std::vector<std::string>{"v3", "v4", "v2"}));
}

}  // namespace
}  // namespace eddy::runtime
