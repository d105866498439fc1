// Issue 10, replay (Kappa): `eddy job reset` then a rerun gives the same results as the first
// run, exact per key, with ReplayCount (replay_app.cc: a two-stage application registered with
// AppRegistry by hand, planned by the coordinator at submit: intermediate stream, changelogged
// store). On a real grid (eddy-logd, eddy-coordinator, eddy-node, eddy-container on 127.0.0.1)
// and standalone (`eddy run --reset-to-earliest`). Also: a reset of a running job without
// --restart is refused and changes nothing; --to-timestamp recomputes only from T.
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "log-store/client/admin_client.h"
#include "log-store/client/consumer.h"
#include "log-store/client/producer.h"
#include "runtime/standalone/child_process.h"
#include "tests/integration/cluster/cluster_harness.h"

namespace eddy::test {
namespace {
namespace fs = std::filesystem;

constexpr char kJob[] = "replay";
constexpr int kPartitions = 4;

using Values = std::map<std::string, std::vector<int64_t>>;  // word → its counts in the output

std::string ReadFile(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// The package: lib/libreplay_app.so and config/replay.properties.
std::string WritePackage(const std::string& dir, const std::string& extra_config) {
  std::string props =
      "job.name=replay\n"
      "app.class=ReplayCount\n"
      "task.library=libreplay_app.so\n"
      "app.replay.input=eddy.replay-in\n"
      "app.replay.output=eddy.replay-out\n"
      "systems.eddy.factory=eddy\n"
      "systems.eddy.samza.offset.default=oldest\n"
      "task.commit.ms=300\n"
      "task.shutdown.ms=10000\n"
      "job.container.count=2\n"
      "cluster-manager.container.memory.mb=1024\n" +
      extra_config;
  std::string path = dir + "/replay.tar.gz";
  bool ok = WriteTarGz(path, {{"lib", "", 'd', ""},
                              {"lib/libreplay_app.so", ReadFile(EDDY_REPLAY_APP_LIB), 'f', ""},
                              {"config", "", 'd', ""},
                              {"config/replay.properties", props, 'f', ""}});
  return ok ? path : "";
}

std::unique_ptr<logstore::AdminClient> Admin(const std::string& bootstrap) {
  logstore::ClientOptions o;
  o.bootstrap = bootstrap;
  auto a = logstore::AdminClient::Connect(o);
  return a.ok() ? std::move(*a) : nullptr;
}

// One record per word (key = value = word) with record timestamp `ts_ms`.
bool ProduceAt(const std::string& bootstrap, const std::vector<std::string>& words, int64_t ts_ms) {
  logstore::ProducerOptions o;
  o.client.bootstrap = bootstrap;
  auto p = logstore::Producer::Create(o);
  if (!p.ok()) return false;
  for (const auto& w : words) {
    if (!(*p)->Send("replay-in", -1, w, w, ts_ms).ok()) return false;
  }
  return (*p)->Close().ok();
}

std::map<int32_t, int64_t> EndOffsets(const std::string& bootstrap, const std::string& topic) {
  std::map<int32_t, int64_t> out;
  auto a = Admin(bootstrap);
  for (int32_t p = 0; a && p < kPartitions; ++p) {
    auto e = a->ListOffset({topic, p}, logstore::kLatestOffset);
    out[p] = e.ok() ? *e : -1;
  }
  return out;
}

// The output's records from `from` (per partition) to its current end, read_committed.
Values ReadOutput(const std::string& bootstrap, const std::map<int32_t, int64_t>& from) {
  Values out;
  logstore::ConsumerOptions o;
  o.client.bootstrap = bootstrap;
  o.fetch_max_wait = std::chrono::milliseconds(50);
  auto c = logstore::Consumer::Create(o);
  if (!c.ok()) return out;
  auto end = EndOffsets(bootstrap, "replay-out");
  std::vector<logstore::TopicPartition> tps;
  for (int32_t p = 0; p < kPartitions; ++p) tps.push_back({"replay-out", p});
  if (!(*c)->Assign(tps).ok()) return out;
  std::map<int32_t, int64_t> next;
  for (const auto& tp : tps) {
    next[tp.partition] = from.count(tp.partition) ? from.at(tp.partition) : 0;
    (void)(*c)->Seek(tp, next[tp.partition]);
  }
  for (int idle = 0; idle < 40;) {
    bool done = true;
    for (const auto& [p, n] : next) done = done && n >= end[p];
    if (done) break;
    auto f = (*c)->Poll(std::chrono::milliseconds(100));
    if (!f.ok()) break;
    if (f->empty()) ++idle;
    for (const auto& fp : *f) {
      auto cur = fp.Records();
      logstore::Record r;
      while (cur.Next(&r)) {
        if (r.key && r.value) out[std::string(*r.key)].push_back(std::stoll(std::string(*r.value)));
      }
      next[fp.tp.partition] = std::max(next[fp.tp.partition], fp.next_offset);
    }
    for (const auto& tp : tps) {
      if (auto pos = (*c)->Position(tp); pos.ok())
        next[tp.partition] = std::max(next[tp.partition], *pos);
    }
  }
  return out;
}

// 1, 2, ..., n for every word with n occurrences in `words`.
Values Expected(const std::vector<std::vector<std::string>>& batches) {
  std::map<std::string, int64_t> n;
  for (const auto& b : batches) {
    for (const auto& w : b) n[w]++;
  }
  Values out;
  for (const auto& [w, k] : n) {
    for (int64_t i = 1; i <= k; ++i) out[w].push_back(i);
  }
  return out;
}

// Polls until the output from `from` equals `want` (generous deadline; fails fast once a word's
// counts go past what is wanted, i.e. state survived a reset or a record was counted twice).
::testing::AssertionResult WaitOutput(const std::string& bootstrap,
                                      const std::map<int32_t, int64_t>& from, const Values& want,
                                      int seconds = 180) {
  Values got;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    got = ReadOutput(bootstrap, from);
    if (got == want) return ::testing::AssertionSuccess();
    for (const auto& [w, v] : got) {
      auto it = want.find(w);
      if (it == want.end() || v.size() > it->second.size() ||
          !std::equal(v.begin(), v.end(), it->second.begin())) {
        std::string seq;
        for (int64_t x : v) seq += std::to_string(x) + " ";
        return ::testing::AssertionFailure() << "word " << w << ": output counts " << seq;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  size_t n = 0, m = 0;
  for (const auto& [w, v] : got) n += v.size();
  for (const auto& [w, v] : want) m += v.size();
  return ::testing::AssertionFailure()
         << "output did not reach the expected counts: " << n << " of " << m << " records";
}

std::vector<std::string> Words(int n, int distinct, int salt) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("w" + std::to_string((i * 7 + salt) % distinct));
  return out;
}

class ReplayGrid : public ::testing::Test {
 protected:
  void SetUp() override {
    grid_ = std::make_unique<Grid>(1);
    ASSERT_TRUE(grid_->ok());
    ASSERT_TRUE(grid_->CreateTopic("replay-in", kPartitions));
    ASSERT_TRUE(grid_->CreateTopic("replay-out", kPartitions));
    char tmpl[] = "/tmp/eddy-replay-pkg-XXXXXX";
    pkg_dir_ = mkdtemp(tmpl);
  }
  void TearDown() override {
    grid_.reset();
    std::error_code ec;
    fs::remove_all(pkg_dir_, ec);
  }
  std::string Submit(const std::string& extra) {
    auto path = WritePackage(pkg_dir_, extra);
    auto r = grid_->Eddy("job submit " + path);
    return r.code == 0 ? r.out + r.err : "FAILED " + r.out + r.err;
  }
  std::unique_ptr<Grid> grid_;
  std::string pkg_dir_;
};

// The coordinator plans the application: merged config in the job record, the intermediate
// stream created with the input's partition count, the store's changelog in the config; a
// user key the application also sets is a submit warning.
TEST_F(ReplayGrid, CoordinatorPlansTheApplication) {
  auto out =
      Submit("stores.replay-counts.key.serde=string\nstores.replay-counts.factory=inmemory\n");
  ASSERT_EQ(out.find("FAILED"), std::string::npos) << out;
  EXPECT_NE(out.find("stores.replay-counts.factory=inmemory kept (the application would set "
                     "rocksdb)"),
            std::string::npos)
      << out;
  ASSERT_TRUE(grid_->WaitRunning(kJob, 90)) << grid_->JobStatus(kJob).dump();
  auto s = grid_->JobStatus(kJob);
  EXPECT_EQ(s["config"].value("task.inputs", ""), "eddy.replay-in,eddy.replay-1-by-word");
  EXPECT_EQ(s["config"].value("streams.replay-1-by-word.samza.intermediate", ""), "true");
  EXPECT_EQ(s["config"].value("stores.replay-counts.changelog", ""),
            "eddy.replay-1-replay-counts-changelog");
  auto a = Admin(grid_->bootstrap());
  ASSERT_TRUE(a);
  auto n = a->PartitionCount("replay-1-by-word");
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, kPartitions);
  // Four tasks, each reading one partition of the input and of the intermediate stream.
  EXPECT_NE(s.value("job_model_json", "").find("replay-1-by-word"), std::string::npos);
  // Scale plans from the stored merged config.
  auto r = grid_->Eddy("job scale replay --containers 1");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  ASSERT_TRUE(grid_->WaitRunning(kJob, 90, 2)) << grid_->JobStatus(kJob).dump();
  auto words = Words(300, 23, 0);
  ASSERT_TRUE(ProduceAt(grid_->bootstrap(), words, -1));
  EXPECT_TRUE(WaitOutput(grid_->bootstrap(), {}, Expected({words})));
}

// An existing intermediate topic with another partition count is a clear submit error.
TEST_F(ReplayGrid, IntermediateTopicWithOtherPartitionCountIsRefused) {
  ASSERT_TRUE(grid_->CreateTopic("replay-1-by-word", 3));
  auto out = Submit("");
  EXPECT_NE(out.find("FAILED"), std::string::npos) << out;
  EXPECT_NE(out.find("intermediate stream eddy.replay-1-by-word exists with 3 partitions but the "
                     "job needs 4"),
            std::string::npos)
      << out;
  auto r = grid_->Eddy("job status replay");
  EXPECT_NE(r.code, 0) << "the job must not exist: " << r.out;
}

// Reset with --restart on a running job: the rerun's output equals the first run's, word by
// word (1..n again: no state, no old intermediate records survived). at_least_once with host
// affinity: the local store checkpoint taken at the last commit sits exactly at the changelog's
// end, so only the reset epoch keeps it from being restored.
TEST_F(ReplayGrid, ResetToEarliestWithRestartRecomputesTheSameResults) {
  auto out = Submit("processing.guarantee=at_least_once\njob.host-affinity.enabled=true\n");
  ASSERT_EQ(out.find("FAILED"), std::string::npos) << out;
  ASSERT_TRUE(grid_->WaitRunning(kJob, 90)) << grid_->JobStatus(kJob).dump();
  auto words = Words(2000, 41, 3);
  ASSERT_TRUE(ProduceAt(grid_->bootstrap(), words, -1));
  const Values want = Expected({words});
  ASSERT_TRUE(WaitOutput(grid_->bootstrap(), {}, want));
  const auto mark = EndOffsets(grid_->bootstrap(), "replay-out");
  const int64_t gen = std::stoll(grid_->JobStatus(kJob).value("generation", "0"));

  auto r = grid_->Eddy("job reset replay --to-earliest --restart --output json");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.value("reset_epoch", ""), "1") << r.out;
  EXPECT_EQ(j.value("checkpoints_written", ""), "4") << r.out;
  EXPECT_EQ(j.value("input_partitions", ""), "4") << r.out;
  EXPECT_EQ(j.value("intermediate_partitions", ""), "4") << r.out;
  EXPECT_EQ(j.value("changelog_partitions", ""), "4") << r.out;
  EXPECT_TRUE(j.value("restarted", false)) << r.out;
  ASSERT_TRUE(grid_->WaitRunning(kJob, 90, gen + 1)) << grid_->JobStatus(kJob).dump();
  EXPECT_TRUE(WaitOutput(grid_->bootstrap(), mark, want));
  EXPECT_EQ(grid_->JobStatus(kJob)["config"].value("job.reset.epoch", ""), "1");
  // The changelog holds only the rerun's writes.
  auto a = Admin(grid_->bootstrap());
  auto d = a->DescribeTopic("replay-1-replay-counts-changelog");
  ASSERT_TRUE(d.ok()) << d.status();
  for (const auto& p : d->partitions) EXPECT_GT(p.log_start_offset, 0) << p.partition;
}

// A running job without --restart: refused with a message that says what to do, and nothing
// changed (same generation, no epoch, changelog untouched, counting goes on from where it was).
TEST_F(ReplayGrid, ResetOfARunningJobWithoutRestartIsRefused) {
  auto out = Submit("");
  ASSERT_EQ(out.find("FAILED"), std::string::npos) << out;
  ASSERT_TRUE(grid_->WaitRunning(kJob, 90)) << grid_->JobStatus(kJob).dump();
  auto first = Words(500, 17, 1);
  ASSERT_TRUE(ProduceAt(grid_->bootstrap(), first, -1));
  ASSERT_TRUE(WaitOutput(grid_->bootstrap(), {}, Expected({first})));
  auto a = Admin(grid_->bootstrap());
  auto before = a->DescribeTopic("replay-1-replay-counts-changelog");
  ASSERT_TRUE(before.ok());
  auto s0 = grid_->JobStatus(kJob);

  auto r = grid_->Eddy("job reset replay --to-earliest");
  EXPECT_NE(r.code, 0) << r.out;
  EXPECT_NE(r.err.find("is RUNNING"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--restart"), std::string::npos) << r.err;
  auto bad = grid_->Eddy("job reset replay");
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.err.find("--to-earliest"), std::string::npos) << bad.err;

  auto s1 = grid_->JobStatus(kJob);
  EXPECT_EQ(s1.value("state", ""), "RUNNING");
  EXPECT_EQ(s1.value("generation", ""), s0.value("generation", ""));
  EXPECT_FALSE(s1["config"].contains("job.reset.epoch"));
  auto after = a->DescribeTopic("replay-1-replay-counts-changelog");
  ASSERT_TRUE(after.ok());
  for (size_t i = 0; i < after->partitions.size(); ++i) {
    EXPECT_EQ(after->partitions[i].log_start_offset, before->partitions[i].log_start_offset);
  }
  // State kept: more input continues the counts (first + second), nothing recounted.
  auto second = Words(200, 17, 5);
  ASSERT_TRUE(ProduceAt(grid_->bootstrap(), second, -1));
  EXPECT_TRUE(WaitOutput(grid_->bootstrap(), {}, Expected({first, second})));
}

// --to-timestamp on a stopped job, then a resubmit: only the records at/after T are
// recomputed, from empty state; the resubmitted job keeps the reset epoch.
TEST_F(ReplayGrid, ResetToTimestampRecomputesOnlyFromT) {
  auto out = Submit("");
  ASSERT_EQ(out.find("FAILED"), std::string::npos) << out;
  ASSERT_TRUE(grid_->WaitRunning(kJob, 90)) << grid_->JobStatus(kJob).dump();
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  auto old_words = Words(800, 29, 2), new_words = Words(600, 19, 4);
  ASSERT_TRUE(ProduceAt(grid_->bootstrap(), old_words, now - 600000));
  ASSERT_TRUE(ProduceAt(grid_->bootstrap(), new_words, now - 1000));
  ASSERT_TRUE(WaitOutput(grid_->bootstrap(), {}, Expected({old_words, new_words})));
  auto k = grid_->Eddy("job kill replay");
  ASSERT_EQ(k.code, 0) << k.out << k.err;
  // Wait until its containers are gone (a reset of a job still stopping is refused).
  std::string last;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  CmdResult r;
  while (std::chrono::steady_clock::now() < deadline) {
    r = grid_->Eddy("job reset replay --to-timestamp " + std::to_string(now - 300000));
    if (r.code == 0 || r.err.find("still stopping") == std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("it stays stopped"), std::string::npos) << r.out;
  EXPECT_EQ(grid_->JobStatus(kJob).value("state", ""), "KILLED");
  const auto mark = EndOffsets(grid_->bootstrap(), "replay-out");
  out = Submit("");
  ASSERT_EQ(out.find("FAILED"), std::string::npos) << out;
  ASSERT_TRUE(grid_->WaitRunning(kJob, 90)) << grid_->JobStatus(kJob).dump();
  EXPECT_EQ(grid_->JobStatus(kJob)["config"].value("job.reset.epoch", ""), "1");
  EXPECT_TRUE(WaitOutput(grid_->bootstrap(), mark, Expected({new_words})));
}

// Standalone: `eddy run` on the same application's low-level config (the runner plans
// applications in the streamapi work; here the generated keys are written out), stopped, then
// `eddy run --reset-to-earliest`: the same output again.
TEST(ReplayStandalone, RunResetToEarliestRecomputesTheSameResults) {
  char tmpl[] = "/tmp/eddy-replay-run-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  runtime::ChildProcess logd;
  ASSERT_TRUE(
      logd.Start({BinDir() + "/eddy-logd", "--data-dir", dir + "/log", "--listen", "127.0.0.1:0"},
                 true)
          .ok());
  auto line = logd.ReadLineContaining("eddy-logd listening on", std::chrono::seconds(30));
  ASSERT_TRUE(line.ok());
  const std::string bootstrap = line->substr(line->rfind(' ') + 1);
  auto a = Admin(bootstrap);
  ASSERT_TRUE(a);
  for (const char* t : {"replay-in", "replay-out", "replay-1-by-word"}) {
    ASSERT_TRUE(a->CreateTopic(t, kPartitions).ok()) << t;
  }
  {
    std::ofstream f(dir + "/replay.properties");
    f << "job.name=replay\ntask.class=ReplayCount\ntask.library=" << EDDY_REPLAY_APP_LIB << "\n"
      << "task.inputs=eddy.replay-in,eddy.replay-1-by-word\n"
      << "streams.replay-1-by-word.samza.intermediate=true\n"
      << "stores.replay-counts.factory=rocksdb\nstores.replay-counts.key.serde=string\n"
      << "stores.replay-counts.msg.serde=int64\n"
      << "stores.replay-counts.changelog=eddy.replay-1-replay-counts-changelog\n"
      << "systems.eddy.factory=eddy\nsystems.eddy.bootstrap.servers=" << bootstrap << "\n"
      << "systems.eddy.samza.offset.default=oldest\ntask.commit.ms=300\n"
      << "processing.guarantee=at_least_once\njob.container.count=2\n";
  }
  auto run = [&](const std::vector<std::string>& extra) {
    auto p = std::make_unique<runtime::ChildProcess>();
    std::vector<std::string> argv = {BinDir() + "/eddy",         "run",        "--config",
                                     dir + "/replay.properties", "--work-dir", dir + "/work"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    EXPECT_TRUE(p->Start(argv, false).ok());
    return p;
  };
  auto words = Words(1500, 31, 6);
  ASSERT_TRUE(ProduceAt(bootstrap, words, -1));
  const Values want = Expected({words});
  {
    auto p = run({});
    ASSERT_TRUE(WaitOutput(bootstrap, {}, want));
    p->Stop(std::chrono::seconds(30));
  }
  const auto mark = EndOffsets(bootstrap, "replay-out");
  {
    auto p = run({"--reset-to-earliest"});
    EXPECT_TRUE(WaitOutput(bootstrap, mark, want));
    p->Stop(std::chrono::seconds(30));
  }
  // A bad flag value is a usage error naming the flag.
  {
    auto r = Sh(BinDir() + "/eddy run --config " + dir + "/replay.properties --work-dir " + dir +
                "/work --reset-to-timestamp yesterday");
    EXPECT_EQ(r.code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("--to-timestamp=yesterday"), std::string::npos) << r.err;
  }
  logd.Stop(std::chrono::seconds(10));
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace eddy::test
