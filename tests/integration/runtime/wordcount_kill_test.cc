// Integration: the wordcount job over 1,000,000 generated lines in standalone mode, with its
// container killed (SIGKILL) at five random moments and restarted each time by the runner. At
// the end the RocksDB stores and their changelogs hold exactly the expected count of every word,
// and the last value per word in the output topic is exact.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <random>
#include <thread>

#include <fstream>

#include "nlohmann/json.hpp"
#include "rocksdb/db.h"
#include "tests/integration/runtime/runtime_test_util.h"

namespace eddy::runtime::testing {
namespace {

namespace fs = std::filesystem;

// Reads the store of task "Partition <p>" under `state_dir` directly with RocksDB.
std::map<std::string, int64_t> ReadRocksStore(const std::string& state_dir,
                                              const std::string& store, int p) {
  std::map<std::string, int64_t> out;
  auto path = fs::path(state_dir) / store / ("Partition_" + std::to_string(p));
  rocksdb::Options opts;
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::OpenForReadOnly(opts, path.string(), &raw);
  EXPECT_TRUE(s.ok()) << path << ": " << s.ToString();
  if (!s.ok()) return out;
  std::unique_ptr<rocksdb::DB> db(raw);
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    out[it->key().ToString()] = DecodeInt64BE(it->value().ToString());
  }
  return out;
}

// Counts one partition's words: each task counts the words of its input partition.
struct WordcountRun {
  std::string dir;
  Logd logd;
  int partitions = 4;
  std::vector<std::map<std::string, int64_t>> expected;  // per partition

  void MakeInput(int64_t n_lines, int vocabulary, uint64_t seed, bool create = true) {
    logstore::ClientOptions co;
    co.bootstrap = logd.native;
    auto admin = logstore::AdminClient::Connect(co);
    ASSERT_TRUE(admin.ok());
    if (create) {
      ASSERT_TRUE((*admin)->CreateTopic("wordcount-lines", partitions).ok());
    }
    std::map<std::string, int64_t> total;
    auto lines = MakeCorpus(n_lines, vocabulary, seed, &total);
    if (create) expected.assign(partitions, {});
    logstore::ProducerOptions o;
    o.client = co;
    auto p = logstore::Producer::Create(o);
    ASSERT_TRUE(p.ok());
    for (size_t i = 0; i < lines.size(); ++i) {
      int part = static_cast<int>(i % partitions);
      ASSERT_TRUE((*p)->Send("wordcount-lines", part, std::nullopt, lines[i]).ok());
      size_t a = 0;
      const std::string& l = lines[i];
      while (a < l.size()) {
        size_t b = l.find(' ', a);
        if (b == std::string::npos) b = l.size();
        expected[part][l.substr(a, b - a)]++;
        a = b + 1;
      }
    }
    ASSERT_TRUE((*p)->Close().ok());
  }

  void Check(const std::string& work) {
    for (int p = 0; p < partitions; ++p) {
      SCOPED_TRACE("partition " + std::to_string(p));
      const auto& exp = expected[p];
      // 1. The task's RocksDB store, read directly.
      auto store = ReadRocksStore(work + "/state", "wordcount-counts", p);
      EXPECT_EQ(store.size(), exp.size());
      int64_t wrong = 0;
      for (const auto& [w, n] : exp) {
        if (store[w] != n) ++wrong;
      }
      EXPECT_EQ(wrong, 0) << "words with a wrong count in the RocksDB store";
    }
    // 2. The changelog's and 3. the output's last value per word, per partition.
    auto cl = ReadLastValuesPerPartition(logd.native, "wordcount-counts-changelog");
    ASSERT_TRUE(cl.ok()) << cl.status();
    auto outv = ReadLastValuesPerPartition(logd.native, "wordcount-counts");
    ASSERT_TRUE(outv.ok()) << outv.status();
    ASSERT_EQ(cl->size(), static_cast<size_t>(partitions));
    ASSERT_EQ(outv->size(), static_cast<size_t>(partitions));
    for (int p = 0; p < partitions; ++p) {
      SCOPED_TRACE("partition " + std::to_string(p));
      const auto& exp = expected[p];
      EXPECT_EQ((*cl)[p].size(), exp.size());
      EXPECT_EQ((*outv)[p].size(), exp.size());
      int64_t wrong_cl = 0, wrong_out = 0;
      for (const auto& [w, n] : exp) {
        auto it = (*cl)[p].find(w);
        if (it == (*cl)[p].end() || DecodeInt64BE(it->second) != n) ++wrong_cl;
        auto ot = (*outv)[p].find(w);
        if (ot == (*outv)[p].end() || ot->second != std::to_string(n)) ++wrong_out;
      }
      EXPECT_EQ(wrong_cl, 0) << "words with a wrong count in the changelog";
      EXPECT_EQ(wrong_out, 0) << "words whose last output value is wrong";
    }
  }
};

std::vector<std::string> RunnerArgv(const std::string& work, const std::vector<std::string>& sets) {
  std::vector<std::string> argv = {
      std::string(EDDY_BIN_DIR) + "/eddy-container",
      "run",
      "--config",
      std::string(EDDY_SOURCE_DIR) + "/jobs/wordcount/wordcount.properties",
      "--work-dir",
      work,
      "--until-caught-up"};
  for (const auto& s : sets) {
    argv.push_back("--set");
    argv.push_back(s);
  }
  return argv;
}

TEST(WordcountKill, ExactCountsAfterFiveKills) {
  WordcountRun run;
  run.dir = MakeTempDir("eddy-wc-kill-");
  ASSERT_FALSE(run.dir.empty());
  ASSERT_TRUE(run.logd.Start(run.dir + "/log", false).ok());
  // EDDY_WC_LINES / EDDY_WC_KILLS shrink the run when debugging.
  int64_t n_lines = getenv("EDDY_WC_LINES") ? std::atoll(getenv("EDDY_WC_LINES")) : 1000000;
  int n_kills = getenv("EDDY_WC_KILLS") ? std::atoi(getenv("EDDY_WC_KILLS")) : 5;
  run.MakeInput(n_lines, 20000, 20261121);

  std::string work = run.dir + "/work";
  ChildProcess runner;
  ASSERT_TRUE(runner
                  .Start(RunnerArgv(work, {"systems.eddy.bootstrap.servers=" + run.logd.native,
                                           "task.library=" + std::string(EDDY_JOBS_DIR) +
                                               "/wordcount/lib/libwordcount.so",
                                           "task.commit.ms=300", "task.window.ms=300",
                                           "streams.wordcount-counts.partitions=4",
                                           "cluster-manager.container.retry.count=10"}),
                         true)
                  .ok());
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> delay_ms(1000, 3000);
  int kills = 0;
  for (int i = 0; i < n_kills; ++i) {
    auto line = runner.ReadLineContaining("container 0 pid", std::chrono::seconds(60));
    ASSERT_TRUE(line.ok()) << "after " << kills << " kills: " << line.status();
    pid_t pid = std::stoi(line->substr(line->rfind(' ') + 1));
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    ASSERT_EQ(::kill(pid, SIGKILL), 0) << "container already gone after " << kills << " kills";
    ++kills;
  }
  EXPECT_EQ(kills, n_kills);
  int st = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(240);
  while (!runner.Poll(&st) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_FALSE(runner.running()) << "the job did not finish";
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << "runner status " << st;
  run.Check(work);
  std::error_code ec;
  fs::remove_all(run.dir, ec);
}

// metrics.json of a container, or null while it is missing or half-written.
nlohmann::json ReadMetrics(const std::string& path) {
  std::ifstream f(path);
  if (!f) return nullptr;
  return nlohmann::json::parse(f, nullptr, /*allow_exceptions=*/false);
}

double Metric(const nlohmann::json& m, const std::string& group, const std::string& name) {
  if (!m.is_object() || !m.contains(group) || !m[group].contains(name)) return -2;
  return m[group][name].get<double>();
}

// kill -9 of the container after a few commits: the runner restarts it on the same host, each
// task's RocksDB store is rebuilt from its local commit checkpoint and only the changelog tail
// after it is replayed (the restore metrics say so), and the final counts are exact.
TEST(WordcountKill, RestartAfterKillReplaysOnlyTheChangelogTail) {
  WordcountRun run;
  run.dir = MakeTempDir("eddy-wc-tail-");
  ASSERT_FALSE(run.dir.empty());
  ASSERT_TRUE(run.logd.Start(run.dir + "/log", false).ok());
  run.MakeInput(300000, 200000, 424242);  // ~170k distinct words (keys)
  size_t keys = 0;
  for (const auto& e : run.expected) keys += e.size();
  EXPECT_GT(keys, 100000u);

  const std::string work = run.dir + "/work";
  const std::string metrics = work + "/container-0/metrics.json";
  std::vector<std::string> sets = {
      "systems.eddy.bootstrap.servers=" + run.logd.native,
      "task.library=" + std::string(EDDY_JOBS_DIR) + "/wordcount/lib/libwordcount.so",
      "task.commit.ms=300", "task.window.ms=300", "streams.wordcount-counts.partitions=4",
      "cluster-manager.container.retry.count=5"};
  std::vector<std::string> argv = RunnerArgv(work, sets);
  argv.erase(std::find(argv.begin(), argv.end(), "--until-caught-up"));  // runs until SIGTERM
  ChildProcess runner;
  ASSERT_TRUE(runner.Start(argv, true).ok());
  auto line = runner.ReadLineContaining("container 0 pid", std::chrono::seconds(60));
  ASSERT_TRUE(line.ok()) << line.status();
  pid_t pid = std::stoi(line->substr(line->rfind(' ') + 1));
  // A few commits with data in the stores.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    nlohmann::json m = ReadMetrics(metrics);
    if (Metric(m, "container", "commits") >= 3 &&
        Metric(m, "store.Partition 0.wordcount-counts", "checkpoints-created") >= 2) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(::kill(pid, SIGKILL), 0) << "the container is already gone";
  auto line2 = runner.ReadLineContaining("container 0 pid", std::chrono::seconds(60));
  ASSERT_TRUE(line2.ok()) << "not restarted: " << line2.status();
  ASSERT_NE(std::stoi(line2->substr(line2->rfind(' ') + 1)), pid);

  // The restarted container's first commit writes its restore metrics.
  nlohmann::json m;
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    m = ReadMetrics(metrics);
    bool all = true;
    for (int p = 0; p < run.partitions; ++p) {
      std::string g = "store.Partition " + std::to_string(p) + ".wordcount-counts";
      if (Metric(m, g, "restore-from-local-checkpoint") != 1) all = false;
    }
    if (all) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  int64_t tail_total = 0, changelog_total = 0;
  for (int p = 0; p < run.partitions; ++p) {
    SCOPED_TRACE("partition " + std::to_string(p));
    std::string g = "store.Partition " + std::to_string(p) + ".wordcount-counts";
    EXPECT_EQ(Metric(m, g, "restore-from-local-checkpoint"), 1) << m.dump();
    double start = Metric(m, g, "restore-start-offset");
    double end = Metric(m, g, "restore-end-offset");
    double restored = Metric(m, g, "restore-records");
    EXPECT_GE(start, 0);
    EXPECT_LE(start, end);
    EXPECT_LE(restored, end - start) << "replayed more than the tail";
    tail_total += static_cast<int64_t>(restored);
    changelog_total += static_cast<int64_t>(end);
  }
  EXPECT_GT(changelog_total, 0);
  EXPECT_LT(tail_total, changelog_total) << "the restart replayed the whole changelog";

  // Stop cleanly, then finish the input with a fresh run; counts must be exact.
  runner.Signal(SIGTERM);
  int st = 0;
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!runner.Poll(&st) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_FALSE(runner.running()) << "the runner did not stop on SIGTERM";
  ChildProcess finisher;
  ASSERT_TRUE(finisher.Start(RunnerArgv(work, sets), true).ok());
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(180);
  while (!finisher.Poll(&st) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_FALSE(finisher.running()) << "the job did not finish";
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << "runner status " << st;
  run.Check(work);
  std::error_code ec;
  fs::remove_all(run.dir, ec);
}

// The same job reading its input through the `kafka` system (librdkafka) from eddy-logd's Kafka
// listener; stores, changelogs, checkpoints and output stay on the native system.
TEST(WordcountKafka, ExactCountsThroughTheKafkaListener) {
  WordcountRun run;
  run.dir = MakeTempDir("eddy-wc-kafka-");
  ASSERT_TRUE(run.logd.Start(run.dir + "/log", true).ok()) << "eddy-logd --kafka-listen";
  run.partitions = 2;
  run.MakeInput(50000, 2000, 99);
  std::string work = run.dir + "/work";
  ChildProcess runner;
  ASSERT_TRUE(
      runner
          .Start(
              RunnerArgv(work, {"systems.eddy.bootstrap.servers=" + run.logd.native,
                                "systems.kafka.factory=kafka",
                                "systems.kafka.bootstrap.servers=" + run.logd.kafka,
                                "systems.kafka.samza.offset.default=oldest",
                                "task.inputs=kafka.wordcount-lines", "task.checkpoint.system=eddy",
                                "task.library=" + std::string(EDDY_JOBS_DIR) +
                                    "/wordcount/lib/libwordcount.so",
                                "task.commit.ms=300", "streams.wordcount-counts.partitions=2",
                                "cluster-manager.container.retry.count=0"}),
              false)
          .ok());
  int st = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!runner.Poll(&st) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_FALSE(runner.running()) << "the job did not finish";
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << "runner status " << st;
  run.Check(work);
  std::error_code ec;
  fs::remove_all(run.dir, ec);
}

}  // namespace
}  // namespace eddy::runtime::testing
