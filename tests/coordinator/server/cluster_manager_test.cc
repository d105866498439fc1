// ClusterManager's persistence contract: a call (Submit, Kill, Scale) whose metadata write
// fails returns an error naming what was not persisted and changes nothing, in memory or on
// disk; a change of the manager's own is written again on the next tick; a job name that is
// not one path component is refused at submit; the task → changelog-partition map survives a
// changed input set, a resubmit and a restart. Real eddy-logd, RocksDB, eddy-package-check;
// the metadata write is broken with the "metadata.write" fault hook.
#include "coordinator/server/cluster_manager.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "coordinator/common/fault_hooks.h"
#include "log-store/client/admin_client.h"
#include "runtime/job/task_partitions.h"
#include "runtime/standalone/child_process.h"

namespace eddy::cluster {
namespace {
namespace fs = std::filesystem;

std::string ReadAll(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class ClusterManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/eddy-cm-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    ASSERT_TRUE(logd_
                    .Start({std::string(EDDY_BIN_DIR) + "/eddy-logd", "--data-dir", dir_ + "/log",
                            "--listen", "127.0.0.1:0"},
                           true)
                    .ok());
    auto line = logd_.ReadLineContaining("listening on", std::chrono::seconds(30));
    ASSERT_TRUE(line.ok()) << line.status();
    addr_ = line->substr(line->rfind(' ') + 1);
    logstore::ClientOptions co;
    co.bootstrap = addr_;
    auto admin = logstore::AdminClient::Connect(co);
    ASSERT_TRUE(admin.ok());
    ASSERT_TRUE((*admin)->CreateTopic("wordcount-lines", 2).ok());
    package_ = ReadAll(std::string(EDDY_BIN_DIR) + "/../jobs/wordcount-lowlevel.tar.gz");
    ASSERT_FALSE(package_.empty());
    Open();
  }
  void TearDown() override {
    FaultHooks::DisarmAll();
    m_.reset();
    logd_.Stop(std::chrono::seconds(5));
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // (Re)opens the manager on the same data dir, as a restarted coordinator would.
  void Open() {
    m_.reset();
    auto store = MetadataStore::Open(dir_ + "/meta");
    ASSERT_TRUE(store.ok()) << store.status();
    auto packages = PackageStore::Open(dir_ + "/packages", 64 << 20);
    ASSERT_TRUE(packages.ok()) << packages.status();
    ManagerOptions o;
    o.default_bootstrap = addr_;
    o.package_check_bin = std::string(EDDY_BIN_DIR) + "/eddy-package-check";
    o.work_dir = dir_ + "/tmp";
    o.node_lost = std::chrono::milliseconds(60000);  // no node is lost during a test
    o.heartbeat = std::chrono::milliseconds(0);
    fs::create_directories(o.work_dir);
    m_ = std::make_unique<ClusterManager>(o, std::move(*store), std::move(*packages));
    ASSERT_TRUE(m_->Load().ok());
  }

  absl::StatusOr<std::string> Submit(std::map<std::string, std::string> overrides = {},
                                     std::vector<std::string>* warnings = nullptr) {
    auto u = m_->packages().BeginUpload(static_cast<int64_t>(package_.size()));
    if (!u.ok()) return u.status();
    if (auto s = (*u)->Append(package_); !s.ok()) return s;
    return m_->Submit(**u, overrides, warnings);
  }

  std::string State(const std::string& job) {
    auto s = m_->GetJob(job);
    return s.ok() ? s->state() : std::string(s.status().message());
  }

  std::string dir_, addr_, package_;
  runtime::ChildProcess logd_;
  std::unique_ptr<ClusterManager> m_;
};

TEST_F(ClusterManagerTest, SubmitWarnsOfUnknownKeysAndRefusesMalformedNumbers) {
  std::vector<std::string> warnings;
  auto r = Submit({{"task.windw.ms", "100"}, {"yarn.package.path", "hdfs://x"}}, &warnings);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("unknown config key task.windw.ms"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[1].find("yarn.package.path is ignored: Eddy packages are submitted with"),
            std::string::npos)
      << warnings[1];
  ASSERT_TRUE(m_->Kill("wordcount").ok());
  for (auto [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"cluster-manager.container.memory.mb", "lots"},
           {"cluster-manager.container.cpu.cores", "abc"},
           {"cluster-manager.container.retry.count", "-5"},
           {"job.host-affinity.enabled", "yes"},
           {"job.container.count", "0"}}) {
    auto bad = Submit({{key, value}});
    ASSERT_FALSE(bad.ok()) << key << "=" << value;
    EXPECT_NE(bad.status().message().find(key), std::string::npos) << bad.status();
    EXPECT_NE(bad.status().message().find(value), std::string::npos) << bad.status();
  }
}

TEST_F(ClusterManagerTest, FailedMetadataWriteFailsSubmitAndKeepsNothing) {
  FaultHooks::Arm("metadata.write");
  auto r = Submit();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("job wordcount was not submitted"), std::string::npos)
      << r.status();
  EXPECT_NE(r.status().message().find("job/wordcount"), std::string::npos) << r.status();
  EXPECT_TRUE(m_->ListJobs().empty());
  EXPECT_TRUE(m_->packages().List().empty()) << "the package of a failed submit is kept";
  Open();
  EXPECT_TRUE(m_->ListJobs().empty());
  // The daemon keeps serving: the same submit works once the disk does.
  auto ok = Submit();
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(State("wordcount"), "RUNNING");
  EXPECT_EQ(m_->packages().List().size(), 1u);
}

TEST_F(ClusterManagerTest, FailedMetadataWriteFailsKillAndScaleAndChangesNothing) {
  ASSERT_TRUE(Submit().ok());
  FaultHooks::Arm("metadata.write");
  auto k = m_->Kill("wordcount");
  ASSERT_FALSE(k.ok());
  EXPECT_NE(k.message().find("job wordcount was not killed"), std::string::npos) << k;
  EXPECT_NE(k.message().find("could not persist"), std::string::npos) << k;
  EXPECT_EQ(State("wordcount"), "RUNNING");

  FaultHooks::Arm("metadata.write");
  auto sc = m_->Scale("wordcount", 2);
  ASSERT_FALSE(sc.ok());
  EXPECT_NE(sc.status().message().find("job wordcount was not scaled to 2 containers"),
            std::string::npos)
      << sc.status();
  auto st = m_->GetJob("wordcount");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->state(), "RUNNING");
  EXPECT_EQ(st->container_count(), 1);
  EXPECT_EQ(st->generation(), 1);

  // Disk agrees with memory: a restarted coordinator sees the job as it was.
  Open();
  st = m_->GetJob("wordcount");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->state(), "RUNNING");
  EXPECT_EQ(st->container_count(), 1);

  // Once writes work again, so do the calls, and they survive a restart.
  ASSERT_TRUE(m_->Scale("wordcount", 2).ok());
  EXPECT_EQ(State("wordcount"), "SCALING");
  ASSERT_TRUE(m_->Kill("wordcount").ok());
  Open();
  EXPECT_EQ(State("wordcount"), "KILLED");
}

TEST_F(ClusterManagerTest, OwnChangeThatCannotBeWrittenIsWrittenOnTheNextTick) {
  ASSERT_TRUE(Submit().ok());
  v1::RegisterRequest reg;
  reg.set_node_id("node-0");
  reg.set_host("127.0.0.1");
  reg.mutable_resources()->set_memory_mb(8192);
  reg.mutable_resources()->set_cpu_cores(4);
  m_->Register(reg);
  FaultHooks::Arm("metadata.write");
  m_->Tick();  // places container 0 (attempt 1); its record cannot be written
  auto st = m_->GetJob("wordcount");
  ASSERT_TRUE(st.ok());
  ASSERT_EQ(st->containers(0).attempt(), 1);
  m_->Tick();  // written now
  Open();
  st = m_->GetJob("wordcount");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->containers(0).attempt(), 1) << "the placement never reached the metadata";
}

TEST_F(ClusterManagerTest, JobNamesThatAreNotOnePathComponentAreRefusedAtSubmit) {
  for (const char* bad : {"../../../x", "team/wordcount", "..", "a b"}) {
    auto r = Submit({{"job.name", bad}});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
    EXPECT_NE(r.status().message().find("job.name"), std::string::npos) << r.status();
    EXPECT_NE(r.status().message().find(bad), std::string::npos) << r.status();
  }
  auto r = Submit({{"job.id", "1/../../y"}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("job.id"), std::string::npos) << r.status();
  EXPECT_TRUE(m_->ListJobs().empty());
  EXPECT_TRUE(m_->packages().List().empty());
  // And the manager still takes a good one.
  ASSERT_TRUE(Submit().ok());
}

// Issue 8: a changed input set used to renumber every task's changelog partition (here: a new
// stream sorting first under GroupBySystemStreamPartition). The map is kept in the job record.
TEST_F(ClusterManagerTest, ChangelogPartitionsSurviveAChangedInputSetAResubmitAndARestart) {
  const std::string grouper = "job.systemstreampartition.grouper.factory";
  const std::string by_ssp = "GroupBySystemStreamPartitionFactory";
  auto partitions = [&]() {
    auto st = m_->GetJob("wordcount");
    EXPECT_TRUE(st.ok()) << st.status();
    auto m = runtime::JobModelFromJson(st->job_model_json());
    EXPECT_TRUE(m.ok()) << m.status();
    return runtime::TaskPartitionsOf(*m);
  };
  auto ssp = [](const std::string& s, int p) {
    return "SystemStreamPartition [eddy, " + s + ", " + std::to_string(p) + "]";
  };
  auto has = [](const std::vector<std::string>& ws, const std::string& text) {
    for (const auto& w : ws) {
      if (w.find(text) != std::string::npos) return true;
    }
    return false;
  };
  ASSERT_TRUE(Submit({{grouper, by_ssp}}).ok());
  EXPECT_EQ(partitions(), (runtime::TaskPartitions{{ssp("wordcount-lines", 0), 0},
                                                   {ssp("wordcount-lines", 1), 1}}));
  ASSERT_TRUE(m_->Kill("wordcount").ok());

  logstore::ClientOptions co;
  co.bootstrap = addr_;
  auto admin = logstore::AdminClient::Connect(co);
  ASSERT_TRUE(admin.ok());
  ASSERT_TRUE((*admin)->CreateTopic("aaa-lines", 2).ok());
  std::vector<std::string> warnings;
  auto r = Submit({{grouper, by_ssp}, {"task.inputs", "eddy.aaa-lines,eddy.wordcount-lines"}},
                  &warnings);
  ASSERT_TRUE(r.ok()) << r.status();
  const runtime::TaskPartitions both{{ssp("wordcount-lines", 0), 0},
                                     {ssp("wordcount-lines", 1), 1},
                                     {ssp("aaa-lines", 0), 2},
                                     {ssp("aaa-lines", 1), 3}};
  EXPECT_EQ(partitions(), both);
  EXPECT_TRUE(has(warnings, "2 new task(s) get new changelog partitions")) << warnings.size();
  Open();
  EXPECT_EQ(partitions(), both) << "after a coordinator restart";

  // An input dropped: its tasks' partitions stay reserved and it is said.
  ASSERT_TRUE(m_->Kill("wordcount").ok());
  warnings.clear();
  ASSERT_TRUE(Submit({{grouper, by_ssp}, {"task.inputs", "eddy.aaa-lines"}}, &warnings).ok());
  EXPECT_EQ(partitions(),
            (runtime::TaskPartitions{{ssp("aaa-lines", 0), 2}, {ssp("aaa-lines", 1), 3}}));
  EXPECT_TRUE(has(warnings, "2 task(s) no longer have an input partition"));
  Open();
  ASSERT_TRUE(m_->Kill("wordcount").ok());
  ASSERT_TRUE(
      Submit({{grouper, by_ssp}, {"task.inputs", "eddy.aaa-lines,eddy.wordcount-lines"}}).ok());
  EXPECT_EQ(partitions(), both) << "a returning input gets its old partitions back";
}

}  // namespace
}  // namespace eddy::cluster
