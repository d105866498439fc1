// The issue-8 fault suite: wordcount on a grid of separate hosts (NetnsGrid: one network
// namespace and address per node), input flowing while faults are injected — kill -9 of
// containers, nodes, the coordinator and the broker; SIGSTOP of a node past the loss timeout; a
// node's link cut — in sequences. After healing, every word's count must be exact in the live
// stores and in the output topic read read_committed; the log store's count of writes refused
// from fenced attempts is reported.
//
// Sizes: the default (ctest, label "fault") is a few hundred thousand lines; EDDY_FAULT_FULL=1
// (tests/fault/run.sh --full) runs 1,000,000 lines over 120,000 distinct words. EDDY_FAULT_LINES,
// EDDY_FAULT_VOCABULARY and EDDY_FAULT_RATE (lines/s) override; EDDY_FAULT_JOB_SET adds
// `--set k=v` arguments to the job submit (e.g. "processing.guarantee=exactly_once").
// Every run prints one "FAULT-RESULT" line per sequence with the figures.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include "gtest/gtest.h"
#include "tests/fault/netns_grid.h"
#include "tests/fault/wordcount_load.h"

namespace eddy::test {
namespace {

using Clock = std::chrono::steady_clock;
constexpr char kJob[] = "wordcount";
constexpr char kInput[] = "wordcount-lines";
constexpr char kOutput[] = "wordcount-counts";
constexpr int kPartitions = 6;

int64_t EnvInt(const char* name, int64_t dflt) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoll(v) : dflt;
}
bool Full() { return EnvInt("EDDY_FAULT_FULL", 0) != 0; }

class FaultSuite : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = NetnsGrid::Unavailable(); !why.empty()) GTEST_SKIP() << why;
  }

  void TearDown() override {
    if (grid_ && HasFailure()) {
      // Keep the daemons' and containers' logs of a failed run (not the data: it is large).
      std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
      std::string keep = "/tmp/eddy-fault-logs-" + name + "-" + std::to_string(getpid());
      Sh("mkdir -p " + keep + " && cd " + grid_->dir() +
         " && find . -path '*/stores' -prune -o -path '*/logd/*' -prune -o -path '*/meta' -prune"
         " -o \\( -name '*.log' -o -name 'stderr' -o -name '*.json' -o -name '*.properties' \\)"
         " -type f -exec cp --parents {} " +
         keep + " \\;");
      std::fprintf(stderr, "fault suite: logs of the failed run kept in %s\n", keep.c_str());
    }
    feeder_.reset();
    grid_.reset();
  }

  // A grid of `nodes` hosts, the topics, the corpus, the job with `containers` containers
  // running; then the input starts flowing.
  // `job_set`: more `k=v` settings of the job, for this sequence.
  void Begin(int nodes, int containers, NetnsGridOptions o = {},
             const std::vector<std::string>& job_set = {}) {
    o.nodes = nodes;
    grid_ = std::make_unique<NetnsGrid>(o);
    ASSERT_TRUE(grid_->ok()) << grid_->error();
    CorpusOptions co;
    co.lines = EnvInt("EDDY_FAULT_LINES", Full() ? 1000000 : 240000);
    co.vocabulary = static_cast<int>(EnvInt("EDDY_FAULT_VOCABULARY", Full() ? 120000 : 40000));
    co.partitions = kPartitions;
    co.seed =
        std::hash<std::string>()(::testing::UnitTest::GetInstance()->current_test_info()->name());
    corpus_ = std::make_unique<Corpus>(co);
    if (Full()) {
      ASSERT_GE(corpus_->lines.size(), 1000000u);
      ASSERT_GE(corpus_->distinct, 100000);
    }
    ASSERT_TRUE(grid_->CreateTopic(kInput, kPartitions));
    ASSERT_TRUE(grid_->CreateTopic(kOutput, kPartitions));
    std::map<std::string, std::string> set = {
        {"job.container.count", std::to_string(containers)},
        {"job.host-affinity.enabled", "true"},
        {"cluster-manager.container.memory.mb", "768"},
        {"cluster-manager.container.retry.count", "1000"},
        {"task.commit.ms", "1000"},
        {"task.window.ms", "1000"},
        // A small cache: counts reach RocksDB and the changelog soon after they are made, so a
        // killed attempt leaves changelog writes past its last commit.
        {"stores.wordcount-counts.object.cache.size", "1000"},
    };
    std::vector<std::string> more = job_set;
    if (const char* e = std::getenv("EDDY_FAULT_JOB_SET")) {
      std::istringstream in(e);
      std::string kv;
      while (in >> kv) more.push_back(kv);
    }
    for (const auto& kv : more) {
      auto eq = kv.find('=');
      ASSERT_NE(eq, std::string::npos) << "not k=v: " << kv;
      set[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    std::string args;
    for (const auto& [k, v] : set) args += " --set " + k + "=" + v;
    auto r = grid_->Eddy(std::string("job submit ") + WordcountPackage() + args);
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    ASSERT_TRUE(grid_->WaitRunning(kJob, 120)) << grid_->JobStatus(kJob).dump();
    int rate = static_cast<int>(EnvInt("EDDY_FAULT_RATE", Full() ? 8000 : 4000));
    feeder_ = std::make_unique<Feeder>(*corpus_, grid_->bootstrap(), kInput, rate);
    feeder_->Start();
    t0_ = Clock::now();
    std::fprintf(stderr,
                 "fault suite %s: %zu lines, %lld words, %lld distinct, %d partitions, %d "
                 "containers on %d hosts (10.77.x.11..), %d lines/s\n",
                 Name().c_str(), corpus_->lines.size(), static_cast<long long>(corpus_->words),
                 static_cast<long long>(corpus_->distinct), kPartitions, containers, nodes, rate);
  }

  std::string Name() const {
    return ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }
  void Step(const std::string& what) {
    double s = std::chrono::duration<double>(Clock::now() - t0_).count();
    std::fprintf(stderr, "  [%6.1f s, %7lld lines sent] %s\n", s,
                 static_cast<long long>(feeder_ ? feeder_->sent() : 0), what.c_str());
    steps_ += (steps_.empty() ? "" : " -> ") + what;
  }

  nlohmann::json Status() const { return grid_->JobStatus(kJob); }
  // The container's entry in the job status (empty when absent).
  nlohmann::json ContainerStatus(const std::string& cid) const {
    auto s = Status();
    for (auto& c : s["containers"]) {
      if (c.value("id", "") == cid) return c;
    }
    return nlohmann::json::object();
  }
  std::string NodeOf(const std::string& cid) const {
    return ContainerStatus(cid).value("node", "");
  }
  int NodeIndexOf(const std::string& cid) const { return grid_->NodeIndex(NodeOf(cid)); }
  // Waits until every container runs and none on `node` (the coordinator took its work over).
  bool WaitOff(const std::string& node, int seconds) const {
    auto deadline = Clock::now() + std::chrono::seconds(seconds);
    while (Clock::now() < deadline) {
      auto s = Status();
      bool ok = s.value("state", "") == "RUNNING" && !s["containers"].empty();
      for (auto& c : s["containers"]) {
        ok = ok && c.value("state", "") == "running" && c.value("node", "") != node;
      }
      if (ok) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  // kill -9 of container `cid`'s process; waits until a new attempt of it runs (with
  // `until_assigned`, only until the coordinator has placed the new attempt: it is starting).
  void KillContainer(const std::string& cid, bool until_assigned = false) {
    auto c = ContainerStatus(cid);
    ASSERT_FALSE(c.empty()) << Status().dump();
    std::string attempt = c.value("attempt", "0");
    int pid = ContainerPid(c.value("work_dir", ""));
    ASSERT_GT(pid, 0) << c.dump();
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    Step("kill -9 container " + cid + " (pid " + std::to_string(pid) + ") on " +
         c.value("node", ""));
    auto deadline = Clock::now() + std::chrono::seconds(90);
    while (Clock::now() < deadline) {
      c = ContainerStatus(cid);
      if (c.value("attempt", "0") != attempt &&
          (until_assigned || c.value("state", "") == "running")) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(until_assigned ? 10 : 100));
    }
    if (until_assigned) {
      ASSERT_NE(c.value("attempt", "0"), attempt) << Status().dump();
      Step("container " + cid + " attempt " + c.value("attempt", "") + " " + c.value("state", "") +
           " on " + c.value("node", ""));
      return;
    }
    ASSERT_EQ(c.value("state", ""), "running") << Status().dump();
    ASSERT_NE(c.value("attempt", "0"), attempt) << Status().dump();
    Step("container " + cid + " restarted on " + c.value("node", "") + " (attempt " +
         c.value("attempt", "") + ")");
  }

  void Scale(int containers) {
    int64_t gen = std::atoll(Status().value("generation", "0").c_str());
    auto r = grid_->Eddy("job scale " + std::string(kJob) + " --containers " +
                         std::to_string(containers));
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    Step("scale to " + std::to_string(containers) + " containers (graceful stop: early commit)");
    ASSERT_TRUE(grid_->WaitRunning(kJob, 120, gen + 1)) << Status().dump();
    std::string where;
    auto s = Status();
    for (auto& c : s["containers"]) {
      where += " " + c.value("id", "") + "@" + c.value("node", "");
    }
    Step("running at generation " + std::to_string(gen + 1) + ":" + where);
  }

  // After the last fault: the input all sent, every fault healed, the job running; then the
  // three views checked against what the input topic holds.
  void HealAndCheck(bool duplicates_allowed = false) {
    ASSERT_TRUE(feeder_);
    auto fs = feeder_->Finish();
    ASSERT_TRUE(fs.ok()) << fs.message();
    Step("input all sent");
    ASSERT_TRUE(grid_->WaitRunning(kJob, 180)) << Status().dump();
    auto input = ReadInput(grid_->bootstrap(), kInput, *corpus_);
    ASSERT_TRUE(input.ok()) << input.status().message();
    EXPECT_EQ(input->missing_lines, 0) << "acknowledged input lines lost";
    if (!duplicates_allowed) {
      EXPECT_EQ(input->duplicate_lines, 0);
      CountDiff same = Compare(corpus_->expected, input->counts);
      EXPECT_TRUE(same.ok()) << "the input topic differs from the generated lines: "
                             << same.Summary();
    }
    const PartitionCounts& want = input->counts;
    std::string err;
    CountDiff stores = WaitExact(
        want, 240, [&] { return StoreCounts(*grid_, kJob, kPartitions); }, &err);
    Step("stores checked");
    CountDiff output = WaitExact(
        want, 120, [&] { return OutputCounts(grid_->bootstrap(), kOutput, kPartitions); }, &err);
    Step("output checked");
    FencingFigures fencing = DescribeFencing(grid_->bootstrap());
    std::string result =
        "FAULT-RESULT " + Name() + ": " + (stores.ok() && output.ok() ? "PASS" : "FAIL") +
        "\n  sequence: " + steps_ + "\n  input: " + std::to_string(input->lines) +
        " lines stored (" + std::to_string(input->duplicate_lines) + " stored more than once, " +
        std::to_string(feeder_->resent_batches()) + " batches re-sent)" +
        "\n  stores: " + (stores.under < 0 ? "not readable: " + err : stores.Summary()) +
        "\n  output (read_committed): " + output.Summary() + "\n  log store: " + fencing.Summary() +
        "\n";
    std::fprintf(stderr, "%s", result.c_str());
    RecordProperty("stores_over", static_cast<int>(stores.over));
    RecordProperty("stores_under", static_cast<int>(stores.under));
    RecordProperty("output_over", static_cast<int>(output.over));
    RecordProperty("output_under", static_cast<int>(output.under));
    RecordProperty("fencing", fencing.Summary());
    EXPECT_TRUE(stores.ok()) << "stores: " << stores.Summary() << " " << err;
    EXPECT_TRUE(output.ok()) << "output: " << output.Summary();
  }

  void PauseTakeoverResume(bool agent_only);

  std::unique_ptr<NetnsGrid> grid_;
  std::unique_ptr<Corpus> corpus_;
  std::unique_ptr<Feeder> feeder_;
  Clock::time_point t0_;
  std::string steps_;
};

// crash -> restart -> scale: kill -9 of a container (restarted on its node from its local
// checkpoint), then of the other, then scale up and down while input flows.
TEST_F(FaultSuite, CrashRestartScale) {
  Begin(3, 2);
  feeder_->WaitFraction(0.15);
  KillContainer("0");
  feeder_->WaitFraction(0.3);
  KillContainer("1");
  feeder_->WaitFraction(0.5);
  Scale(3);
  feeder_->WaitFraction(0.7);
  Scale(2);
  HealAndCheck();
}

// kill -9 of a node and a new eddy-node on it at once (a quick reboot, inside the loss
// timeout): the containers it ran are gone and must be started again; then a scale.
TEST_F(FaultSuite, NodeRestartInsideLossTimeout) {
  Begin(3, 2);
  feeder_->WaitFraction(0.25);
  int n = NodeIndexOf("1");
  ASSERT_GE(n, 0);
  std::string attempt = ContainerStatus("1").value("attempt", "0");
  ASSERT_TRUE(grid_->KillNode(n).ok());
  Step("kill -9 " + grid_->node_id(n) + " (eddy-node and its containers)");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_TRUE(grid_->RestartNode(n).ok());
  Step("eddy-node restarted on " + grid_->node_id(n));
  auto deadline = Clock::now() + std::chrono::seconds(60);
  nlohmann::json c;
  while (Clock::now() < deadline) {
    c = ContainerStatus("1");
    if (c.value("state", "") == "running" && c.value("attempt", "0") != attempt) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_NE(c.value("attempt", "0"), attempt)
      << "container 1 died with its node and was never started again: "
      << Status()["containers"].dump();
  Step("container 1 restarted on " + c.value("node", "") + " (attempt " + c.value("attempt", "") +
       ")");
  feeder_->WaitFraction(0.6);
  Scale(3);
  HealAndCheck();
}

// crash -> early commit -> move (issue 8, case 1), twice: kill -9 of a container between
// commits (its changelog holds writes past the last checkpoint); while its new attempt starts, a
// graceful scale (the new attempt's final commit comes before it has processed the dead
// attempt's input again); then the nodes of the tasks die one after the other, so every task is
// rebuilt from its changelog on a host without its local state.
TEST_F(FaultSuite, CrashEarlyCommitMove) {
  // Commits 10 s apart: the killed attempt's changelog tail past its last checkpoint is long.
  Begin(3, 2, {}, {"task.commit.ms=10000"});
  feeder_->WaitFraction(0.15);
  KillContainer("0", /*until_assigned=*/true);
  Scale(3);
  feeder_->WaitFraction(0.35);
  KillContainer("1", /*until_assigned=*/true);
  Scale(2);
  for (const char* cid : {"0", "1"}) {
    feeder_->WaitFraction(std::string(cid) == "0" ? 0.55 : 0.75);
    int n = NodeIndexOf(cid);
    ASSERT_GE(n, 0);
    std::string lost = grid_->node_id(n);
    ASSERT_TRUE(grid_->KillNode(n).ok());
    Step("kill -9 " + lost + " (move: its tasks go to hosts without their local state)");
    ASSERT_TRUE(WaitOff(lost, 120)) << Status().dump();
    Step("tasks of " + lost + " running elsewhere");
    ASSERT_TRUE(grid_->RestartNode(n).ok());
    Step("eddy-node restarted on " + lost);
  }
  HealAndCheck();
}

// pause -> takeover -> resume -> second fault (issue 8, case 2), on two hosts: SIGSTOP of host
// A past the loss timeout (`agent_only`: of its eddy-node alone, its containers keep running as
// zombies), the coordinator restarts its containers on B, SIGCONT (the old containers run again
// and commit once more before they are stopped); then kill -9 of B, so every task goes back to
// A, where the old attempts' local state and checkpoints are.
void FaultSuite::PauseTakeoverResume(bool agent_only) {
  NetnsGridOptions o;
  Begin(2, 2, o);
  feeder_->WaitFraction(0.2);
  int n = NodeIndexOf("0");
  ASSERT_GE(n, 0);
  std::string paused = grid_->node_id(n);
  auto old = grid_->ContainerPidsOnNode(n);
  ASSERT_TRUE(grid_->PauseNode(n, agent_only).ok());
  Step("SIGSTOP " + (agent_only ? "eddy-node of " + paused + " (its " + std::to_string(old.size()) +
                                      " containers keep running)"
                                : "host " + paused + " (eddy-node and " +
                                      std::to_string(old.size()) + " containers)"));
  ASSERT_TRUE(WaitOff(paused, o.node_lost_ms / 1000 + 120)) << Status().dump();
  Step("takeover: the containers of " + paused + " run elsewhere");
  // The new attempts process input for a while; zombies, if any, too.
  std::this_thread::sleep_for(std::chrono::seconds(4));
  ASSERT_TRUE(grid_->ResumeNode(n).ok());
  Step("SIGCONT " + paused);
  feeder_->WaitFraction(0.6);
  int alive = 0;
  for (pid_t p : old) alive += ::kill(p, 0) == 0;
  Step(std::to_string(alive) + " of the old containers of " + paused + " still alive");
  int m = NodeIndexOf("0");
  ASSERT_GE(m, 0);
  std::string second = grid_->node_id(m);
  ASSERT_TRUE(grid_->KillNode(m).ok());
  Step("second fault: kill -9 " + second);
  ASSERT_TRUE(WaitOff(second, 120)) << Status().dump();
  Step("tasks of " + second + " running elsewhere");
  ASSERT_TRUE(grid_->RestartNode(m).ok());
  Step("eddy-node restarted on " + second);
  HealAndCheck();
}

TEST_F(FaultSuite, PauseTakeoverResumeSecondFault) { PauseTakeoverResume(false); }
TEST_F(FaultSuite, PauseAgentTakeoverResumeSecondFault) { PauseTakeoverResume(true); }

// link cut -> takeover -> heal: node 0's interface down past the loss timeout (it and its
// containers are cut off from the coordinator and the broker), its work restarted elsewhere,
// the link up again; then kill -9 of the host now running container 0.
TEST_F(FaultSuite, LinkCutTakeoverHeal) {
  NetnsGridOptions o;
  Begin(3, 2, o);
  feeder_->WaitFraction(0.2);
  int n = NodeIndexOf("0");
  ASSERT_GE(n, 0);
  std::string cut = grid_->node_id(n);
  ASSERT_TRUE(grid_->CutLink(n).ok());
  Step("link of " + cut + " cut");
  bool off = WaitOff(cut, o.node_lost_ms / 1000 + 120);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  ASSERT_TRUE(grid_->HealLink(n).ok());
  Step("link of " + cut + " healed");
  ASSERT_TRUE(off) << Status().dump();
  feeder_->WaitFraction(0.6);
  int m = NodeIndexOf("0");
  ASSERT_GE(m, 0);
  std::string second = grid_->node_id(m);
  ASSERT_TRUE(grid_->KillNode(m).ok());
  Step("kill -9 " + second);
  ASSERT_TRUE(WaitOff(second, 120)) << Status().dump();
  ASSERT_TRUE(grid_->RestartNode(m).ok());
  Step("eddy-node restarted on " + second);
  HealAndCheck();
}

// kill -9 of the broker (eddy-logd --fsync) twice mid-run, restarted on its data dir and
// address each time; lines whose send was not acknowledged are sent again (they may be stored
// twice: the expected counts come from the input topic as stored).
TEST_F(FaultSuite, BrokerKill9WithFsync) {
  NetnsGridOptions o;
  o.fsync = true;
  Begin(3, 2, o);
  for (double at : {0.3, 0.6}) {
    feeder_->WaitFraction(at);
    ASSERT_TRUE(grid_->KillBroker().ok());
    Step("kill -9 eddy-logd");
    std::this_thread::sleep_for(std::chrono::seconds(2));
    auto s = grid_->RestartBroker();
    ASSERT_TRUE(s.ok()) << s.message();
    Step("eddy-logd restarted");
  }
  HealAndCheck(/*duplicates_allowed=*/true);
}

// kill -9 of the coordinator mid-run, a container killed while it is down, then a new
// coordinator on the same data dir and address; later a second kill -9 and restart.
TEST_F(FaultSuite, CoordinatorKill9) {
  Begin(3, 2);
  feeder_->WaitFraction(0.3);
  ASSERT_TRUE(grid_->KillCoordinator().ok());
  Step("kill -9 eddy-coordinator");
  int n = -1;
  for (int i = 0; i < grid_->nodes() && n < 0; ++i) {
    if (!grid_->ContainerPidsOnNode(i).empty()) n = i;
  }
  ASSERT_GE(n, 0);
  auto pids = grid_->ContainerPidsOnNode(n);
  ASSERT_EQ(::kill(pids[0], SIGKILL), 0);
  Step("kill -9 a container on " + grid_->node_id(n) + " while the coordinator is down");
  std::this_thread::sleep_for(std::chrono::seconds(2));
  auto s = grid_->RestartCoordinator();
  ASSERT_TRUE(s.ok()) << s.message();
  Step("eddy-coordinator restarted");
  ASSERT_TRUE(grid_->WaitRunning(kJob, 120)) << Status().dump();
  feeder_->WaitFraction(0.6);
  ASSERT_TRUE(grid_->KillCoordinator().ok());
  Step("kill -9 eddy-coordinator");
  std::this_thread::sleep_for(std::chrono::seconds(1));
  s = grid_->RestartCoordinator();
  ASSERT_TRUE(s.ok()) << s.message();
  Step("eddy-coordinator restarted");
  HealAndCheck();
}

}  // namespace
}  // namespace eddy::test
