// Integration: eddy-container's metrics where users look. Real eddy-logd, real eddy-container
// (standalone `run` mode) running the wordcount job, real sockets on 127.0.0.1:
//  - GET /metrics (address in <work>/container-0/http.addr) shows every processed message,
//    the consumer lag per partition, store keys and restore figures, with the documented names
//    and labels (docs/METRICS.md, section eddy-container);
//  - metrics.reporters with a snapshot reporter writes JSON snapshots to a topic, read back here;
//  - bad metrics.reporter.* config is an error naming the key;
//  - `eddy group list|describe` shows exact lag of a consumer group (produce N, commit at M:
//    lag N-M) and of an Eddy job (its checkpoints vs the high watermark).
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "nlohmann/json.hpp"
#include "prometheus/text_serializer.h"
#include "runtime/container/job_config.h"
#include "runtime/container/prometheus_collector.h"
#include "tests/integration/runtime/runtime_test_util.h"

namespace eddy::runtime::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Series {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Prometheus text format 0.0.4 → series (comments skipped; label values unescaped for \" \\).
std::vector<Series> ParseExposition(const std::string& text) {
  std::vector<Series> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    Series s;
    size_t i = line.find_first_of("{ ");
    s.name = line.substr(0, i);
    if (i != std::string::npos && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        size_t eq = line.find('=', i);
        std::string key = line.substr(i, eq - i);
        std::string val;
        size_t j = eq + 2;  // after ="
        while (j < line.size() && line[j] != '"') {
          if (line[j] == '\\' && j + 1 < line.size()) ++j;
          val.push_back(line[j++]);
        }
        s.labels[key] = val;
        i = j + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      ++i;
    }
    s.value = std::stod(line.substr(line.find_first_not_of(' ', i)));
    out.push_back(std::move(s));
  }
  return out;
}

std::string ReadFileOr(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

absl::StatusOr<std::string> Scrape(const std::string& address) {
  size_t colon = address.rfind(':');
  httplib::Client c(address.substr(0, colon), std::stoi(address.substr(colon + 1)));
  c.set_read_timeout(10, 0);
  auto r = c.Get("/metrics");
  if (!r) return absl::UnavailableError("GET /metrics on " + address + " failed");
  if (r->status != 200)
    return absl::InternalError("GET /metrics: status " + std::to_string(r->status));
  return r->body;
}

double Sum(const std::vector<Series>& all, const std::string& name,
           const std::map<std::string, std::string>& match = {}) {
  double sum = 0;
  for (const auto& s : all) {
    if (s.name != name) continue;
    bool ok = true;
    for (const auto& [k, v] : match) ok = ok && s.labels.count(k) && s.labels.at(k) == v;
    if (ok) sum += s.value;
  }
  return sum;
}

int Count(const std::vector<Series>& all, const std::string& name) {
  int n = 0;
  for (const auto& s : all) n += s.name == name;
  return n;
}

std::vector<std::string> WordcountArgv(const std::string& work,
                                       const std::vector<std::string>& sets, bool until) {
  std::vector<std::string> argv = {
      std::string(EDDY_BIN_DIR) + "/eddy-container",
      "run",
      "--config",
      std::string(EDDY_SOURCE_DIR) + "/jobs/wordcount-lowlevel/wordcount.properties",
      "--work-dir",
      work};
  if (until) argv.push_back("--until-caught-up");
  argv.push_back("--set");
  argv.push_back("task.library=" + std::string(EDDY_JOBS_DIR) + "/wordcount-lowlevel/lib/libwordcount-lowlevel.so");
  for (const auto& s : sets) {
    argv.push_back("--set");
    argv.push_back(s);
  }
  return argv;
}

// Waits up to `timeout` for the child to exit by itself; its wait status, or -1.
int WaitExit(ChildProcess& p, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  int st = -1;
  while (Clock::now() < deadline) {
    if (p.Poll(&st)) return st;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  p.Stop(std::chrono::seconds(10));
  return -1;
}

// Runs a command, returns its stdout and exit code.
std::pair<std::string, int> RunCommand(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return {"", -1};
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  return {out, WIFEXITED(st) ? WEXITSTATUS(st) : -1};
}

class ContainerMetrics : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("eddy-cmetrics-");
    ASSERT_FALSE(dir_.empty());
    ASSERT_TRUE(logd_.Start(dir_ + "/log", false).ok());
    co_.bootstrap = logd_.native;
    auto admin = logstore::AdminClient::Connect(co_);
    ASSERT_TRUE(admin.ok());
    admin_ = std::move(*admin);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  // `n` lines of one word each, round-robin over the 4 partitions of wordcount-lines.
  void Produce(int n, bool create) {
    if (create) {
      ASSERT_TRUE(admin_->CreateTopic("wordcount-lines", 4).ok());
    }
    logstore::ProducerOptions o;
    o.client = co_;
    auto p = logstore::Producer::Create(o);
    ASSERT_TRUE(p.ok());
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(
          (*p)->Send("wordcount-lines", i % 4, std::nullopt, "w" + std::to_string(i % 50)).ok());
    }
    ASSERT_TRUE((*p)->Close().ok());
  }
  std::string Eddy(const std::string& args) {
    return std::string(EDDY_BIN_DIR) + "/eddy " + args + " --bootstrap " + logd_.native;
  }

  std::string dir_;
  Logd logd_;
  logstore::ClientOptions co_;
  std::unique_ptr<logstore::AdminClient> admin_;
};

TEST_F(ContainerMetrics, PrometheusEndpointShowsProcessedLagAndStores) {
  constexpr int kLines = 2000;
  Produce(kLines, true);
  const std::string work = dir_ + "/work";
  ChildProcess runner;
  ASSERT_TRUE(
      runner
          .Start(WordcountArgv(
              work, {"systems.eddy.bootstrap.servers=" + logd_.native, "task.commit.ms=300"},
              false))
          .ok());
  const std::string addr_file = work + "/container-0/http.addr";
  std::vector<Series> last;
  const auto deadline = Clock::now() + std::chrono::seconds(120);
  bool done = false;
  while (!done && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::string addr = ReadFileOr(addr_file);
    if (addr.empty()) continue;
    auto body = Scrape(addr);
    if (!body.ok()) continue;
    last = ParseExposition(*body);
    done = Sum(last, "eddy_task_messages_processed_total") == kLines &&
           Count(last, "eddy_task_consumer_lag_messages") == 4 &&
           Sum(last, "eddy_task_consumer_lag_messages") == 0 &&
           Sum(last, "eddy_container_commits_total") >= 1;
  }
  ASSERT_TRUE(done) << "processed " << Sum(last, "eddy_task_messages_processed_total") << ", lag "
                    << Sum(last, "eddy_task_consumer_lag_messages");
  // Labels: one series per task and per input partition.
  for (int p = 0; p < 4; ++p) {
    const std::string task = "Partition " + std::to_string(p);
    EXPECT_EQ(Sum(last, "eddy_task_messages_processed_total",
                  {{"job", "wordcount"}, {"container", "0"}, {"task", task}}),
              kLines / 4);
    EXPECT_EQ(Count(last, "eddy_task_consumer_lag_messages"), 4);
    bool found = false;
    for (const auto& s : last) {
      if (s.name == "eddy_task_consumer_lag_messages" && s.labels.at("task") == task) {
        found = s.labels.at("system") == "eddy" && s.labels.at("stream") == "wordcount-lines" &&
                s.labels.at("partition") == std::to_string(p);
      }
    }
    EXPECT_TRUE(found) << task;
    // Process() is timed for one message in 64 (the first of each 64).
    EXPECT_EQ(Sum(last, "eddy_task_process_seconds_count", {{"task", task}}),
              (kLines / 4 + 63) / 64);
    EXPECT_EQ(Sum(last, "eddy_store_restore_done", {{"task", task}, {"store", "wordcount-counts"}}),
              1);
  }
  EXPECT_GT(Sum(last, "eddy_task_process_seconds_sum"), 0);
  EXPECT_GE(Sum(last, "eddy_container_commits_total"), 1);
  EXPECT_EQ(Count(last, "eddy_store_keys"), 4);  // the RocksDB store of each task
  EXPECT_GT(Sum(last, "eddy_store_cache_hits_total", {{"store", "wordcount-counts"}}) +
                Sum(last, "eddy_store_cache_misses_total", {{"store", "wordcount-counts"}}),
            0);
  EXPECT_GE(Count(last, "eddy_store_rocksdb_block_cache_hits_total"), 4);
  EXPECT_GE(Count(last, "eddy_store_rocksdb_write_stall_seconds_total"), 4);

  // More input while it runs: processed grows by exactly that much.
  Produce(400, false);
  done = false;
  while (!done && Clock::now() < deadline + std::chrono::seconds(60)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto body = Scrape(ReadFileOr(addr_file));
    if (!body.ok()) continue;
    last = ParseExposition(*body);
    done = Sum(last, "eddy_task_messages_processed_total") == kLines + 400 &&
           Sum(last, "eddy_task_consumer_lag_messages") == 0;
  }
  EXPECT_TRUE(done);
  runner.Signal(SIGTERM);
  int st = runner.Stop(std::chrono::seconds(30));
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << st;
}

TEST_F(ContainerMetrics, SnapshotReporterWritesSnapshotsToATopic) {
  constexpr int kLines = 1000;
  Produce(kLines, true);
  const std::string work = dir_ + "/work";
  ChildProcess runner;
  ASSERT_TRUE(
      runner
          .Start(WordcountArgv(work,
                               {"systems.eddy.bootstrap.servers=" + logd_.native,
                                "metrics.reporters=snap", "metrics.reporter.snap.class=snapshot",
                                "metrics.reporter.snap.stream=eddy.wc-metrics",
                                "metrics.reporter.snap.interval.ms=100"},
                               true))
          .ok());
  int st = WaitExit(runner, std::chrono::seconds(180));
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << st;
  // Only the snapshot reporter: no metrics.json, no /metrics address.
  EXPECT_FALSE(fs::exists(work + "/container-0/metrics.json"));
  EXPECT_FALSE(fs::exists(work + "/container-0/http.addr"));

  auto end = admin_->ListOffset({"wc-metrics", 0}, logstore::kLatestOffset);
  ASSERT_TRUE(end.ok()) << end.status();
  ASSERT_GE(*end, 1);  // at least the final snapshot
  logstore::ConsumerOptions o;
  o.client = co_;
  o.fetch_max_wait = std::chrono::milliseconds(50);
  auto c = logstore::Consumer::Create(o);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->Assign({{"wc-metrics", 0}}).ok());
  ASSERT_TRUE((*c)->SeekToBeginning({{"wc-metrics", 0}}).ok());
  std::vector<std::pair<std::string, nlohmann::json>> snapshots;
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (static_cast<int64_t>(snapshots.size()) < *end && Clock::now() < deadline) {
    auto f = (*c)->Poll(std::chrono::milliseconds(100));
    ASSERT_TRUE(f.ok());
    for (const auto& fp : *f) {
      auto cur = fp.Records();
      logstore::Record r;
      while (cur.Next(&r)) {
        ASSERT_TRUE(r.key && r.value);
        snapshots.emplace_back(std::string(*r.key),
                               nlohmann::json::parse(std::string(*r.value), nullptr, false));
      }
    }
  }
  ASSERT_EQ(static_cast<int64_t>(snapshots.size()), *end);
  int64_t last_time = 0;
  for (const auto& [key, j] : snapshots) {
    EXPECT_EQ(key, "wordcount/0");
    ASSERT_TRUE(j.is_object());
    const auto& h = j["header"];
    EXPECT_EQ(h["job"], "wordcount");
    EXPECT_EQ(h["container"], "0");
    EXPECT_FALSE(h["host"].get<std::string>().empty());
    EXPECT_FALSE(h["version"].get<std::string>().empty());
    EXPECT_GE(h["time"].get<int64_t>(), last_time);
    last_time = h["time"].get<int64_t>();
    EXPECT_TRUE(j["metrics"].contains("task.Partition 0"));
  }
  // The final snapshot counts every message.
  const auto& m = snapshots.back().second["metrics"];
  double processed = 0;
  for (int p = 0; p < 4; ++p) {
    processed += m["task.Partition " + std::to_string(p)]["messages-processed"].get<double>();
  }
  EXPECT_EQ(processed, kLines);
}

// The conversion itself, on a registry filled by hand: runtime groups by their fixed names, the
// job's own groups under eddy_user_ with the group as a label, a kind clash dropped.
TEST(ContainerCollector, ConvertsRuntimeAndUserMetrics) {
  MetricsRegistry r;
  r.NewCounter("task.Partition 1", "messages-processed").Inc(7);
  r.NewGauge("task.Partition 1", "lag.eddy.some.stream[1]").Set(42);
  r.NewTimer("container", "commit-ns").UpdateNs(2'000'000'000);
  r.NewCounter("orders", "orders-seen").Inc(3);
  r.NewGauge("orders", "queue depth").Set(5);
  r.NewTimer("orders", "lookup-ns").UpdateNs(500'000'000);
  r.NewGauge("other", "orders-seen_total").Set(1);  // same family name, another kind: dropped
  ContainerCollector c(&r, "shop", "2");
  auto text = prometheus::TextSerializer().Serialize(c.Collect());
  auto all = ParseExposition(text);
  EXPECT_EQ(Sum(all, "eddy_task_messages_processed_total",
                {{"job", "shop"}, {"container", "2"}, {"task", "Partition 1"}}),
            7);
  EXPECT_EQ(Sum(all, "eddy_task_consumer_lag_messages",
                {{"system", "eddy"}, {"stream", "some.stream"}, {"partition", "1"}}),
            42);
  EXPECT_EQ(Sum(all, "eddy_container_commit_seconds_count"), 1);
  EXPECT_EQ(Sum(all, "eddy_container_commit_seconds_sum"), 2.0);
  EXPECT_EQ(Sum(all, "eddy_user_orders_seen_total", {{"group", "orders"}}), 3);
  EXPECT_EQ(Count(all, "eddy_user_orders_seen_total"), 1) << text;
  EXPECT_EQ(Sum(all, "eddy_user_queue_depth", {{"group", "orders"}}), 5);
  EXPECT_EQ(Sum(all, "eddy_user_lookup_seconds_sum", {{"group", "orders"}}), 0.5);
  EXPECT_NE(text.find("# TYPE eddy_user_orders_seen_total counter"), std::string::npos) << text;
}

TEST(MetricsReportersConfig, BadKeysAreErrorsNamingTheKey) {
  Config::Map base = {{"job.name", "j"},
                      {"task.class", "T"},
                      {"task.inputs", "eddy.in"},
                      {"systems.eddy.factory", "eddy"}};
  auto parse = [&](Config::Map extra) {
    auto m = base;
    for (auto& [k, v] : extra) m[k] = v;
    return ParseJobConfig(Config(m), "/tmp", "/tmp");
  };
  auto ok = parse({});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_TRUE(ok->reporters.prometheus);
  EXPECT_TRUE(ok->reporters.file);
  EXPECT_TRUE(ok->reporters.snapshots.empty());

  auto only_prom = parse({{"metrics.reporters", "prometheus"}});
  ASSERT_TRUE(only_prom.ok()) << only_prom.status();
  EXPECT_TRUE(only_prom->reporters.prometheus);
  EXPECT_FALSE(only_prom->reporters.file);

  auto unknown = parse({{"metrics.reporters", "x"}, {"metrics.reporter.x.class", "jmx"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("metrics.reporter.x.class"), std::string::npos)
      << unknown.status();
  EXPECT_NE(unknown.status().message().find("jmx"), std::string::npos);

  auto no_class = parse({{"metrics.reporters", "mine"}});
  ASSERT_FALSE(no_class.ok());
  EXPECT_NE(no_class.status().message().find("metrics.reporter.mine.class"), std::string::npos);

  auto no_stream = parse({{"metrics.reporters", "s"}, {"metrics.reporter.s.class", "snapshot"}});
  ASSERT_FALSE(no_stream.ok());
  EXPECT_NE(no_stream.status().message().find("metrics.reporter.s.stream"), std::string::npos)
      << no_stream.status();

  auto bad_system = parse({{"metrics.reporters", "s"},
                           {"metrics.reporter.s.class", "snapshot"},
                           {"metrics.reporter.s.stream", "kafka.metrics"}});
  ASSERT_FALSE(bad_system.ok());
  EXPECT_NE(bad_system.status().message().find("metrics.reporter.s.stream"), std::string::npos);
  EXPECT_NE(bad_system.status().message().find("'kafka'"), std::string::npos);

  auto samza = parse({{"metrics.reporters", "snapshot"},
                      {"metrics.reporter.snapshot.class",
                       "org.apache.samza.metrics.reporter.MetricsSnapshotReporterFactory"},
                      {"metrics.reporter.snapshot.stream", "eddy.metrics"}});
  ASSERT_TRUE(samza.ok()) << samza.status();
  ASSERT_EQ(samza->reporters.snapshots.size(), 1u);
  EXPECT_EQ(samza->reporters.snapshots[0].stream, "metrics");
  EXPECT_EQ(samza->reporters.snapshots[0].interval_ms, 60000);
}

TEST_F(ContainerMetrics, GroupDescribeShowsExactLagOfAConsumerGroup) {
  ASSERT_TRUE(admin_->CreateTopic("orders", 2).ok());
  logstore::ProducerOptions o;
  o.client = co_;
  auto p = logstore::Producer::Create(o);
  ASSERT_TRUE(p.ok());
  for (int i = 0; i < 100; ++i) ASSERT_TRUE((*p)->Send("orders", 0, std::nullopt, "x").ok());
  for (int i = 0; i < 30; ++i) ASSERT_TRUE((*p)->Send("orders", 1, std::nullopt, "y").ok());
  ASSERT_TRUE((*p)->Close().ok());
  ASSERT_TRUE(admin_->CommitOffsets("billing", {{{"orders", 0}, 40}, {{"orders", 1}, 30}}).ok());

  auto [out, rc] = RunCommand(Eddy("group describe billing --output json"));
  ASSERT_EQ(rc, 0) << out;
  auto j = nlohmann::json::parse(out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << out;
  EXPECT_EQ(j["group"], "billing");
  EXPECT_EQ(j["kind"], "consumer");
  EXPECT_EQ(j["lag"], 60);
  ASSERT_EQ(j["partitions"].size(), 2u);
  EXPECT_EQ(j["partitions"][0]["committed"], 40);
  EXPECT_EQ(j["partitions"][0]["high_watermark"], 100);
  EXPECT_EQ(j["partitions"][0]["lag"], 60);
  EXPECT_EQ(j["partitions"][1]["lag"], 0);

  auto [list, rc2] = RunCommand(Eddy("group list --output json"));
  ASSERT_EQ(rc2, 0) << list;
  auto l = nlohmann::json::parse(list, nullptr, false);
  ASSERT_TRUE(l.is_object()) << list;
  bool found = false;
  for (const auto& g : l["groups"]) {
    if (g["group"] == "billing") found = g["lag"] == 60 && g["partitions"].size() == 2;
  }
  EXPECT_TRUE(found) << list;

  auto [text, rc3] = RunCommand(Eddy("group describe billing"));
  ASSERT_EQ(rc3, 0);
  EXPECT_NE(text.find("group billing (consumer): lag 60"), std::string::npos) << text;

  auto [missing, rc4] = RunCommand(Eddy("group describe nobody 2>&1"));
  EXPECT_EQ(rc4, 1);
  EXPECT_NE(missing.find("group 'nobody'"), std::string::npos) << missing;
}

TEST_F(ContainerMetrics, GroupDescribeShowsExactLagOfAnEddyJob) {
  Produce(800, true);
  const std::string work = dir_ + "/work";
  ChildProcess runner;
  ASSERT_TRUE(
      runner.Start(WordcountArgv(work, {"systems.eddy.bootstrap.servers=" + logd_.native}, true))
          .ok());
  int st = WaitExit(runner, std::chrono::seconds(180));
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << st;
  Produce(120, false);  // 30 per partition the job has not read

  auto [out, rc] = RunCommand(Eddy("group describe wordcount --output json"));
  ASSERT_EQ(rc, 0) << out;
  auto j = nlohmann::json::parse(out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << out;
  EXPECT_EQ(j["kind"], "job");
  EXPECT_EQ(j["lag"], 120);
  ASSERT_EQ(j["partitions"].size(), 4u);
  for (const auto& p : j["partitions"]) {
    EXPECT_EQ(p["topic"], "wordcount-lines");
    EXPECT_EQ(p["committed"], 200);
    EXPECT_EQ(p["high_watermark"], 230);
    EXPECT_EQ(p["lag"], 30);
    EXPECT_EQ(p["task"], "Partition " + std::to_string(p["partition"].get<int>()));
  }
  auto [list, rc2] = RunCommand(Eddy("group list"));
  ASSERT_EQ(rc2, 0);
  EXPECT_NE(list.find("wordcount"), std::string::npos) << list;
}

}  // namespace
}  // namespace eddy::runtime::testing
