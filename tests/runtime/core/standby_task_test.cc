// StandbyTask (runtime/container/standby_task.h) and TaskLock against a real eddy-logd: a
// standby applies the changelog up to the task checkpoint's offset and checkpoints its store
// locally there; the active's TaskStores then restores from that checkpoint replaying nothing;
// the lock keeps the two from the same store directories at once.
#include <gtest/gtest.h>

#include <filesystem>

#include "log-store/client/admin_client.h"
#include "log-store/client/producer.h"
#include "runtime/container/standby_task.h"
#include "runtime/container/task_lock.h"
#include "runtime/container/task_stores.h"
#include "runtime/standalone/child_process.h"
#include "runtime/state/store_checkpoints.h"

namespace eddy::runtime {
namespace {

namespace fs = std::filesystem;

class StandbyTaskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/eddy-standby-XXXXXX";
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
  Checkpoint At(int64_t offset) {
    Checkpoint cp;
    cp.changelogs["s"] = {{"eddy", "cl", 0}, offset};
    return cp;
  }

  std::string dir_, addr_;
  ChildProcess logd_;
  Config config_;
  JobConfig job_;
  TaskModel task_;
  std::unique_ptr<SystemsHub> hub_;
};

TEST_F(StandbyTaskTest, KeepsAWarmCheckpointAtTheTaskCheckpointAndTheActiveReplaysNothing) {
  const std::string store_dir = job_.store_base_dir + "/s/Partition_0";
  {
    MetricsRegistry metrics;
    auto sb = StandbyTask::Open(job_, config_, task_, hub_.get(), &metrics,
                                std::chrono::milliseconds(0));
    ASSERT_TRUE(sb.ok()) << sb.status();
    EXPECT_EQ((*sb)->stores(), std::vector<std::string>{"s"});
    ASSERT_TRUE((*sb)->CatchUp(nullptr).ok());  // no checkpoint yet: nothing
    EXPECT_TRUE(state::StoreCheckpoints(store_dir).List().empty());
    auto cp6 = At(6);
    ASSERT_TRUE((*sb)->CatchUp(&cp6).ok());
    EXPECT_EQ(state::StoreCheckpoints(store_dir).List(), std::vector<int64_t>{6});
    EXPECT_EQ(metrics.NewCounter("standby.Partition 0", "records-applied.s").Get(), 6);
    ASSERT_TRUE((*sb)->UpdateLag().ok());
    EXPECT_EQ(metrics.NewGauge("standby.Partition 0", "lag.s").Get(), 5);  // HW 11 - 6
    auto cp11 = At(11);
    ASSERT_TRUE((*sb)->CatchUp(&cp11).ok());
    EXPECT_EQ(state::StoreCheckpoints(store_dir).List(), (std::vector<int64_t>{6, 11}));
    EXPECT_EQ(metrics.NewCounter("standby.Partition 0", "records-applied.s").Get(), 11);
    EXPECT_EQ(metrics.NewGauge("standby.Partition 0", "applied-offset.s").Get(), 11);
    ASSERT_TRUE((*sb)->UpdateLag().ok());
    EXPECT_EQ(metrics.NewGauge("standby.Partition 0", "lag.s").Get(), 0);

    // The active cannot open the task's stores while the standby holds them.
    TaskLock::SetActiveWaitForTest(std::chrono::milliseconds(100));
    MetricsRegistry m2;
    auto blocked = TaskStores::Open(job_, config_, task_, hub_.get(), &m2);
    ASSERT_FALSE(blocked.ok());
    EXPECT_TRUE(absl::IsDeadlineExceeded(blocked.status())) << blocked.status();
    EXPECT_NE(blocked.status().message().find(".locks/Partition_0.lock"), std::string::npos)
        << blocked.status();
    TaskLock::SetActiveWaitForTest(std::chrono::seconds(60));
  }
  // The standby is gone (a takeover): the active restores from its checkpoint at 11.
  MetricsRegistry metrics;
  auto ts = TaskStores::Open(job_, config_, task_, hub_.get(), &metrics);
  ASSERT_TRUE(ts.ok()) << ts.status();
  auto cp = At(11);
  ASSERT_TRUE((*ts)->Restore(&cp).ok());
  EXPECT_EQ(metrics.NewGauge("store.Partition 0.s", "restore-from-local-checkpoint").Get(), 1);
  EXPECT_EQ(metrics.NewCounter("store.Partition 0.s", "restore-records").Get(), 0);
  auto h = (*ts)->Handle("s");
  ASSERT_TRUE(h.ok());
  EXPECT_FALSE(h->store->Get("k0")->has_value());
  EXPECT_EQ(**h->store->Get("k1"), "v7");
  EXPECT_EQ(**h->store->Get("k2"), "v8");
  // And a standby opened now waits for the active's lock, then gives up naming it.
  MetricsRegistry m3;
  auto sb = StandbyTask::Open(job_, config_, task_, hub_.get(), &m3, std::chrono::milliseconds(50));
  ASSERT_FALSE(sb.ok());
  EXPECT_TRUE(absl::IsDeadlineExceeded(sb.status())) << sb.status();
}

TEST(TaskLock, OneHolderAtATime) {
  char tmpl[] = "/tmp/eddy-task-lock-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  {
    auto a = TaskLock::Acquire(dir, "Partition 3", std::chrono::milliseconds(0));
    ASSERT_TRUE(a.ok()) << a.status();
    auto b = TaskLock::Acquire(dir, "Partition 3", std::chrono::milliseconds(30));
    ASSERT_FALSE(b.ok());
    EXPECT_NE(b.status().message().find("Partition_3.lock"), std::string::npos) << b.status();
    auto other = TaskLock::Acquire(dir, "Partition 4", std::chrono::milliseconds(0));
    EXPECT_TRUE(other.ok()) << other.status();
  }
  auto again = TaskLock::Acquire(dir, "Partition 3", std::chrono::milliseconds(0));
  EXPECT_TRUE(again.ok()) << again.status();
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace eddy::runtime
