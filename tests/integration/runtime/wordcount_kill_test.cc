// Integration: the wordcount job over 1,000,000 generated lines in standalone mode, with its
// container killed (SIGKILL) at five random moments and restarted each time by the runner. At
// the end the RocksDB stores and their changelogs hold exactly the expected count of every word,
// and the last value per word in the output topic is exact.
// Then issue 8's sequences, in both processing.guarantee modes (WordcountFaults): crash → early
// commit → move to a fresh host, and a zombie container fenced by a newer attempt.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "log-store/proto/log_store.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "rocksdb/db.h"
#include "runtime/container/commit_protocol.h"
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

  // The lines of MakeInput without producing them (the topic is created); ProduceSlowly sends
  // them while the job runs.
  std::vector<std::pair<int, std::string>> MakeLines(int64_t n_lines, int vocabulary,
                                                     uint64_t seed) {
    logstore::ClientOptions co;
    co.bootstrap = logd.native;
    auto admin = logstore::AdminClient::Connect(co);
    EXPECT_TRUE(admin.ok());
    if (admin.ok()) {
      EXPECT_TRUE((*admin)->CreateTopic("wordcount-lines", partitions).ok());
    }
    std::map<std::string, int64_t> total;
    auto lines = MakeCorpus(n_lines, vocabulary, seed, &total);
    expected.assign(partitions, {});
    std::vector<std::pair<int, std::string>> out;
    for (size_t i = 0; i < lines.size(); ++i) {
      int part = static_cast<int>(i % partitions);
      const std::string& l = lines[i];
      size_t a = 0;
      while (a < l.size()) {
        size_t b = l.find(' ', a);
        if (b == std::string::npos) b = l.size();
        expected[part][l.substr(a, b - a)]++;
        a = b + 1;
      }
      out.emplace_back(part, std::move(lines[i]));
    }
    return out;
  }

  // Sends `lines` in `chunks` equal parts, one every `every` (input that flows while the job
  // runs and faults happen). Returns the first error.
  absl::Status ProduceSlowly(const std::vector<std::pair<int, std::string>>& lines, int chunks,
                             std::chrono::milliseconds every) {
    logstore::ProducerOptions o;
    o.client.bootstrap = logd.native;
    auto p = logstore::Producer::Create(o);
    if (!p.ok()) return p.status();
    size_t per = (lines.size() + chunks - 1) / chunks;
    for (size_t i = 0; i < lines.size(); ++i) {
      if (auto s = (*p)->Send("wordcount-lines", lines[i].first, std::nullopt, lines[i].second);
          !s.ok()) {
        return s;
      }
      if ((i + 1) % per == 0) {
        if (auto s = (*p)->Flush(); !s.ok()) return s;
        std::this_thread::sleep_for(every);
      }
    }
    return (*p)->Close();
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
      std::string(EDDY_SOURCE_DIR) + "/jobs/wordcount-lowlevel/wordcount.properties",
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
                                               "/wordcount-lowlevel/lib/libwordcount-lowlevel.so",
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
      "task.library=" + std::string(EDDY_JOBS_DIR) + "/wordcount-lowlevel/lib/libwordcount-lowlevel.so",
      "task.commit.ms=300",
      "task.window.ms=300",
      "streams.wordcount-counts.partitions=4",
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
                                    "/wordcount-lowlevel/lib/libwordcount-lowlevel.so",
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

// Issue 8's fault sequences, run once per processing.guarantee. The input (200 k lines, 20 k
// distinct words) flows while the faults happen; the store caches are small so the changelog is
// written between commits too (a dead attempt leaves a real tail behind).
class WordcountFaults : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    run_.dir = MakeTempDir("eddy-wc-fault-");
    ASSERT_FALSE(run_.dir.empty());
    ASSERT_TRUE(run_.logd.Start(run_.dir + "/log", false).ok());
    lines_ = run_.MakeLines(200000, 20000, 8080808);
    size_t words = 0;
    for (const auto& e : run_.expected) words += e.size();
    EXPECT_GT(words, 15000u);
  }
  void TearDown() override {
    if (producer_.joinable()) producer_.join();
    std::error_code ec;
    if (!HasFailure()) fs::remove_all(run_.dir, ec);
  }

  // The input flows for about 8 s from a thread of the test.
  void StartInput() {
    producer_ = std::thread([this] { input_status_ = run_.ProduceSlowly(lines_, 80, ms(100)); });
  }
  void FinishInput() {
    if (producer_.joinable()) producer_.join();
    ASSERT_TRUE(input_status_.ok()) << input_status_;
  }
  static std::chrono::milliseconds ms(int64_t n) { return std::chrono::milliseconds(n); }

  std::vector<std::string> Sets() const {
    return {"systems.eddy.bootstrap.servers=" + run_.logd.native,
            "task.library=" + std::string(EDDY_JOBS_DIR) + "/wordcount-lowlevel/lib/libwordcount-lowlevel.so",
            "processing.guarantee=" + GetParam(),
            "task.commit.ms=1000",
            "task.window.ms=300",
            "streams.wordcount-counts.partitions=4",
            "stores.wordcount-counts.object.cache.size=200",
            "stores.wordcount-pending.object.cache.size=200",
            "cluster-manager.container.retry.count=0"};
  }
  // `eddy-container run` in `work` (runs until SIGTERM unless `until_caught_up`).
  void StartRunner(ChildProcess& r, const std::string& work, bool until_caught_up) {
    auto argv = RunnerArgv(work, Sets());
    if (!until_caught_up) argv.erase(std::find(argv.begin(), argv.end(), "--until-caught-up"));
    ASSERT_TRUE(r.Start(argv, true).ok());
  }
  static pid_t ContainerPid(ChildProcess& r) {
    auto line = r.ReadLineContaining("container 0 pid", std::chrono::seconds(60));
    EXPECT_TRUE(line.ok()) << line.status();
    return line.ok() ? std::stoi(line->substr(line->rfind(' ') + 1)) : -1;
  }
  // Requests the log store refused because a newer epoch of their transactional id existed
  // (produce, AddPartitionsToTxn, EndTxn), from DescribeTransactions.
  int64_t FencedRequestsRefused() const {
    auto stub = logstore::v1::LogStore::NewStub(
        grpc::CreateChannel(run_.logd.native, grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    logstore::v1::DescribeTransactionsRequest req;
    logstore::v1::DescribeTransactionsResponse resp;
    auto st = stub->DescribeTransactions(&ctx, req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    int64_t n = resp.fenced_produce_refused() + resp.fenced_end_txn_refused();
    for (const auto& t : resp.transactions()) n += t.fenced_requests();
    return n;
  }
  static double Commits(const std::string& work) {
    return Metric(ReadMetrics(work + "/container-0/metrics.json"), "container", "commits");
  }

  WordcountRun run_;
  std::vector<std::pair<int, std::string>> lines_;
  std::thread producer_;
  absl::Status input_status_;
};

// kill -9 mid-way between commits; the restarted attempt (same work dir: local checkpoints)
// commits early, before it processes anything (a graceful stop that arrives during its restore);
// then the tasks move to a fresh work dir (full changelog restore) and finish the input. Without
// read_committed restore (exactly_once) or the trim (at_least_once), the full restore replays
// the dead attempt's changelog tail and over-counts its words.
TEST_P(WordcountFaults, CrashThenEarlyCommitThenMoveKeepsCountsExact) {
  StartInput();
  const std::string w1 = run_.dir + "/host1", w2 = run_.dir + "/host2";
  {
    ChildProcess r1;
    StartRunner(r1, w1, false);
    pid_t pid = ContainerPid(r1);
    ASSERT_GT(pid, 0);
    ASSERT_TRUE(WaitFor([&] { return Commits(w1) >= 2; }, std::chrono::seconds(60)))
        << "no commits";
    // Mid-way between two commits (task.commit.ms=1000).
    double c = Commits(w1);
    ASSERT_TRUE(WaitFor([&] { return Commits(w1) > c; }, std::chrono::seconds(30)));
    std::this_thread::sleep_for(ms(500));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    auto st = WaitExit(r1, std::chrono::seconds(30));
    ASSERT_TRUE(st.has_value()) << "runner 1 did not stop after its container died";
  }
  {
    // The restarted attempt: SIGTERM as soon as its signal handler is in place (the state
    // service's address file is written after it), so its final commit comes before it re-wrote
    // the dead attempt's keys.
    const std::string addr_file = run_.dir + "/inspect-addr";
    ::setenv("EDDY_INSPECT_ADDR_FILE", addr_file.c_str(), 1);
    ChildProcess r2;
    StartRunner(r2, w1, false);
    pid_t pid = ContainerPid(r2);
    ::unsetenv("EDDY_INSPECT_ADDR_FILE");
    ASSERT_GT(pid, 0);
    ASSERT_TRUE(WaitFor([&] { return fs::exists(addr_file); }, std::chrono::seconds(60)));
    ASSERT_EQ(::kill(pid, SIGTERM), 0);
    auto st = WaitExit(r2, std::chrono::seconds(60));
    ASSERT_TRUE(st.has_value()) << "the restarted container did not stop on SIGTERM";
    ASSERT_TRUE(WIFEXITED(*st) && WEXITSTATUS(*st) == 0) << "runner 2 status " << *st;
  }
  FinishInput();
  ChildProcess r3;  // a fresh host: no local state, full restore from the changelogs
  StartRunner(r3, w2, true);
  auto st = WaitExit(r3, std::chrono::seconds(100));
  ASSERT_TRUE(st.has_value()) << "the job did not finish";
  ASSERT_TRUE(WIFEXITED(*st) && WEXITSTATUS(*st) == 0) << "runner 3 status " << *st;
  nlohmann::json m = ReadMetrics(w2 + "/container-0/metrics.json");
  EXPECT_EQ(Metric(m, "store.Partition 0.wordcount-counts", "restore-from-local-checkpoint"), 0)
      << "the move did not restore from the changelog";
  run_.Check(w2);
}

// A zombie: the first container is SIGSTOPped (a paused node) and a second attempt of the same
// tasks starts elsewhere, which fences it; resumed, the first stops itself with the fenced exit
// code and nothing it wrote after the second attempt's start is visible: counts stay exact.
TEST_P(WordcountFaults, ZombieIsFencedAndStopsItself) {
  StartInput();
  const std::string w1 = run_.dir + "/host1", w2 = run_.dir + "/host2";
  ChildProcess r1, r2;
  StartRunner(r1, w1, false);
  pid_t zombie = ContainerPid(r1);
  ASSERT_GT(zombie, 0);
  ASSERT_TRUE(WaitFor([&] { return Commits(w1) >= 2; }, std::chrono::seconds(60)));
  std::this_thread::sleep_for(ms(400));  // mid-way between commits: a tail and an open txn
  ASSERT_EQ(::kill(zombie, SIGSTOP), 0);
  StartRunner(r2, w2, false);
  ASSERT_GT(ContainerPid(r2), 0);
  ASSERT_TRUE(WaitFor([&] { return Commits(w2) >= 2; }, std::chrono::seconds(60)))
      << "the second attempt does not commit";
  ASSERT_EQ(::kill(zombie, SIGCONT), 0);
  auto st1 = WaitExit(r1, std::chrono::seconds(60));
  ASSERT_TRUE(st1.has_value()) << "the resumed zombie did not stop itself";
  EXPECT_TRUE(WIFEXITED(*st1) && WEXITSTATUS(*st1) == kExitFenced)
      << "runner 1 status " << *st1 << " (expected exit code " << kExitFenced << ")";
  EXPECT_GT(FencedRequestsRefused(), 0) << "the log store refused no write of the zombie";
  FinishInput();
  r2.Signal(SIGTERM);
  auto st2 = WaitExit(r2, std::chrono::seconds(60));
  ASSERT_TRUE(st2.has_value());
  ASSERT_TRUE(WIFEXITED(*st2) && WEXITSTATUS(*st2) == 0) << "runner 2 status " << *st2;
  ChildProcess r3;  // the second attempt's host finishes the input
  StartRunner(r3, w2, true);
  auto st3 = WaitExit(r3, std::chrono::seconds(100));
  ASSERT_TRUE(st3.has_value()) << "the job did not finish";
  ASSERT_TRUE(WIFEXITED(*st3) && WEXITSTATUS(*st3) == 0) << "runner 3 status " << *st3;
  run_.Check(w2);
}

INSTANTIATE_TEST_SUITE_P(Guarantees, WordcountFaults,
                         ::testing::Values("exactly_once", "at_least_once"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
}  // namespace eddy::runtime::testing
