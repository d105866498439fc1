// Issue 13, standby tasks (job.standbytasks.replication.factor) on a real grid: eddy-logd,
// eddy-coordinator, three eddy-node processes and their eddy-container processes on 127.0.0.1.
// The wordcount job runs one active container and one standby container on another node; the
// active's node is killed (kill -9 of eddy-node, whose containers die with it); the active must
// come back on the standby's node from the standby's warm store, replaying only the changelog
// tail past the standby's local checkpoint (asserted on the restore's record counts, from the
// container's metrics through `eddy state stats`), with exact counts; and a new standby must be
// placed on the third node.
#include <signal.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "gtest/gtest.h"
#include "tests/integration/cluster/cluster_harness.h"

namespace eddy::test {
namespace {

constexpr char kJob[] = "wordcount";

std::vector<std::string> Words(int n, int distinct, int salt) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("w" + std::to_string((i * 7 + salt) % distinct));
  return out;
}

void Add(std::map<std::string, int64_t>* m, const std::vector<std::string>& w) {
  for (const auto& x : w) (*m)[x]++;
}

struct StoreFigures {
  int64_t keys = 0, restored = 0;
  std::string from;
  int64_t from_offset = -1, to_offset = -1;
};
// `eddy state stats` rows of store wordcount-counts by task (the active containers only).
std::map<std::string, StoreFigures> Stats(const Grid& g) {
  std::map<std::string, StoreFigures> out;
  auto r = g.Eddy("state stats wordcount wordcount-counts");
  std::istringstream in(r.out);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string container, p, n, store;
    StoreFigures fig;
    int64_t bytes;
    double ms, hit;
    if (f >> container >> p >> n >> store >> fig.keys >> bytes >> fig.restored >> ms >> hit >>
        fig.from >> fig.from_offset >> fig.to_offset) {
      out[p + " " + n] = fig;
    }
  }
  return out;
}

const nlohmann::json* Container(const nlohmann::json& s, const std::string& id) {
  if (!s.contains("containers")) return nullptr;
  for (auto& c : s["containers"]) {
    if (c.value("id", "") == id) return &c;
  }
  return nullptr;
}

// Sum of the standby's store lags (changelog high watermark - applied offset) for
// wordcount-counts, -1 when the standby reports none yet.
int64_t StandbyLag(const nlohmann::json& s, const std::string& standby, int tasks) {
  if (!s.contains("standby_lag") || !s["standby_lag"].contains(standby)) return -1;
  int64_t sum = 0;
  int seen = 0;
  for (auto& [task, stores] : s["standby_lag"][standby].items()) {
    if (!stores.contains("wordcount-counts")) return -1;
    sum += stores["wordcount-counts"].get<int64_t>();
    ++seen;
  }
  return seen == tasks ? sum : -1;
}

TEST(Standby, TakesOverWithExactStateAfterNodeLossReplayingOnlyTheTail) {
  Grid g(3);
  ASSERT_TRUE(g.ok());
  ASSERT_TRUE(g.CreateTopic("wordcount-lines", 4));
  ASSERT_TRUE(g.CreateTopic("wordcount-counts", 4));
  auto sub = g.Eddy("job submit " + WordcountPackage() +
                    " --set job.container.count=1 --set job.standbytasks.replication.factor=2"
                    " --set job.host-affinity.enabled=true"
                    " --set cluster-manager.container.memory.mb=512 --set task.commit.ms=300");
  ASSERT_EQ(sub.code, 0) << sub.out << sub.err;
  ASSERT_TRUE(g.WaitRunning(kJob, 90)) << g.JobStatus(kJob).dump();

  auto s = g.JobStatus(kJob);
  ASSERT_EQ(s["containers"].size(), 2u) << s.dump();
  EXPECT_EQ(s.value("container_count", 0), 1);
  const nlohmann::json* active = Container(s, "0");
  const nlohmann::json* standby = Container(s, "0-standby-1");
  ASSERT_TRUE(active && standby) << s.dump();
  EXPECT_EQ(standby->value("standby_of", ""), "0");
  const std::string active_node = active->value("node", "");
  const std::string standby_node = standby->value("node", "");
  ASSERT_FALSE(active_node.empty());
  ASSERT_NE(active_node, standby_node) << "a standby never shares its active's node";

  // State: 40000 words over 4000 keys, in four produce rounds (several commits).
  std::map<std::string, int64_t> expected;
  for (int round = 0; round < 4; ++round) {
    auto w = Words(10000, 4000, round);
    ASSERT_TRUE(g.Produce("wordcount-lines", w));
    Add(&expected, w);
  }
  std::string why;
  ASSERT_TRUE(g.WaitCounts(kJob, expected, 120, &why)) << why;

  // The standby catches up to the last checkpoint: its lag (changelog HW - applied offset) is at
  // most the commit markers written after it (one per commit of each task's transaction).
  int64_t lag = -1;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    s = g.JobStatus(kJob);
    lag = StandbyLag(s, "0-standby-1", 4);
    if (lag >= 0 && lag <= 4) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_GE(lag, 0) << s.dump();
  ASSERT_LE(lag, 4) << s.dump();

  // Loss of the active's node: kill -9 of its eddy-node; its containers die with it.
  auto grid = g.GridJson();
  int npid = -1;
  for (auto& n : grid["nodes"]) {
    if (n["id"] == active_node) npid = n["pid"];
  }
  ASSERT_GT(npid, 0);
  ASSERT_EQ(::kill(npid, SIGKILL), 0);
  auto w = Words(5000, 4000, 9);
  ASSERT_TRUE(g.Produce("wordcount-lines", w));  // arrives while the task moves
  Add(&expected, w);

  // The active comes back on the standby's node; a new standby goes to the third node.
  bool moved = false;
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (!moved && std::chrono::steady_clock::now() < deadline) {
    s = g.JobStatus(kJob);
    const nlohmann::json* a = Container(s, "0");
    const nlohmann::json* sb = Container(s, "0-standby-1");
    moved = a && sb && a->value("state", "") == "running" &&
            a->value("node", "") == standby_node && sb->value("state", "") == "running" &&
            sb->value("node", "") != standby_node && sb->value("node", "") != active_node;
    if (!moved) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(moved) << s.dump();

  // Only the tail was replayed: each task restored from the standby's local checkpoint, at an
  // offset past most of its changelog, and replayed fewer records than the span a full restore
  // replays.
  auto after = Stats(g);
  ASSERT_EQ(after.size(), 4u);
  for (const auto& [task, f] : after) {
    EXPECT_EQ(f.from, "checkpoint") << task;
    EXPECT_GT(f.from_offset, 0) << task;
    EXPECT_LE(f.restored, f.to_offset - f.from_offset) << task;
    // A full restore replays at least one record per key (about 1000 keys per task).
    EXPECT_LT(f.restored, 200) << task << ": from " << f.from_offset << " to " << f.to_offset;
    EXPECT_GE(f.from_offset, 1000) << task << ": the changelog holds about 1000 keys per task";
  }
  ASSERT_TRUE(g.WaitCounts(kJob, expected, 120, &why)) << why;

  // The new standby catches up too.
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    s = g.JobStatus(kJob);
    lag = StandbyLag(s, "0-standby-1", 4);
    if (lag >= 0 && lag <= 4) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_GE(lag, 0) << s.dump();
  EXPECT_LE(lag, 4) << s.dump();
  auto text = g.Eddy("job status wordcount");
  EXPECT_NE(text.out.find("STANDBY"), std::string::npos) << text.out;
}

// Fewer nodes than copies: the standby is never put on its active's node; it waits, and both
// the submit warnings and the job status say so.
TEST(Standby, TooFewNodesIsSaidAndNeverCoLocated) {
  Grid g(1);
  ASSERT_TRUE(g.ok());
  ASSERT_TRUE(g.CreateTopic("wordcount-lines", 4));
  ASSERT_TRUE(g.CreateTopic("wordcount-counts", 4));
  auto bad = g.Eddy("job submit " + WordcountPackage() +
                    " --set job.standbytasks.replication.factor=9");
  EXPECT_NE(bad.code, 0);
  EXPECT_NE((bad.out + bad.err).find("job.standbytasks.replication.factor"), std::string::npos)
      << bad.out << bad.err;
  auto sub = g.Eddy("job submit " + WordcountPackage() +
                    " --set job.standbytasks.replication.factor=2"
                    " --set cluster-manager.container.memory.mb=512");
  ASSERT_EQ(sub.code, 0) << sub.out << sub.err;
  EXPECT_NE((sub.out + sub.err).find("needs 2 nodes"), std::string::npos) << sub.out << sub.err;
  nlohmann::json s;
  bool said = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!said && std::chrono::steady_clock::now() < deadline) {
    s = g.JobStatus(kJob);
    const nlohmann::json* a = Container(s, "0");
    const nlohmann::json* sb = Container(s, "0-standby-1");
    said = a && sb && a->value("state", "") == "running" &&
           sb->value("state", "") == "pending" &&
           sb->value("waiting", "").find("never shares a node") != std::string::npos;
    if (!said) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(said) << s.dump();
  EXPECT_EQ(Container(s, "0-standby-1")->value("node", ""), "");
  EXPECT_EQ(s.value("container_count", 0), 1) << "standbys are not counted as containers";
}

}  // namespace
}  // namespace eddy::test
