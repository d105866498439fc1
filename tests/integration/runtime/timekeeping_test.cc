// Integration: the runtime's timekeeping with real eddy-logd and eddy-container processes
// (`eddy-container run`, which restarts a killed container) and the test tasks of
// timekeeping_tasks.cc:
// - watermarks over three input partitions of one task, one idle and one slow: the idle one
//   stops holding the watermark after task.watermark.idle.timeout.ms, the slow one holds it
//   while it delivers, and the timers fire exactly when the watermark passes them;
// - timers and the watermark survive kill -9 of the container: no timer lost, none fired twice
//   under exactly_once, the watermark never goes back;
// - an AsyncStreamTask with task.max.concurrency=8 completed from a thread pool with random
//   delays, killed while callbacks are pending: every input processed, exact store counts.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "tests/integration/runtime/runtime_test_util.h"

namespace eddy::runtime::testing {
namespace {

namespace fs = std::filesystem;
using KV = std::pair<std::string, std::string>;

// `flush_every` > 0: a flush (one record batch) every that many records, so the job fetches
// them in small batches.
absl::Status Produce(const std::string& bootstrap, const std::string& topic,
                     const std::vector<KV>& records, size_t flush_every = 0) {
  logstore::ProducerOptions o;
  o.client.bootstrap = bootstrap;
  auto p = logstore::Producer::Create(o);
  if (!p.ok()) return p.status();
  for (size_t i = 0; i < records.size(); ++i) {
    if (auto s = (*p)->Send(topic, 0, records[i].first, records[i].second); !s.ok()) return s;
    if (flush_every > 0 && (i + 1) % flush_every == 0) {
      if (auto s = (*p)->Flush(); !s.ok()) return s;
    }
  }
  return (*p)->Close();
}

// Every (key, value) of partition 0 of `topic` in offset order, read_committed.
absl::StatusOr<std::vector<KV>> ReadAll(const std::string& bootstrap, const std::string& topic) {
  logstore::ClientOptions co;
  co.bootstrap = bootstrap;
  auto admin = logstore::AdminClient::Connect(co);
  if (!admin.ok()) return admin.status();
  logstore::TopicPartition tp{topic, 0};
  auto end = (*admin)->ListOffset(tp, logstore::kLatestOffset);
  if (!end.ok()) return end.status();
  logstore::ConsumerOptions o;
  o.client = co;
  o.fetch_max_wait = std::chrono::milliseconds(50);
  auto c = logstore::Consumer::Create(o);
  if (!c.ok()) return c.status();
  if (auto s = (*c)->Assign({tp}); !s.ok()) return s;
  if (auto s = (*c)->SeekToBeginning({tp}); !s.ok()) return s;
  std::vector<KV> out;
  int64_t next = 0;
  int idle = 0;
  while (next < *end && idle < 200) {
    auto f = (*c)->Poll(std::chrono::milliseconds(100));
    if (!f.ok()) return f.status();
    if (f->empty()) ++idle;
    for (const auto& fp : *f) {
      if (!fp.error.ok()) return fp.error;
      auto cur = fp.Records();
      logstore::Record r;
      while (cur.Next(&r)) {
        next = r.offset + 1;
        out.emplace_back(r.key ? std::string(*r.key) : "", r.value ? std::string(*r.value) : "");
      }
      if (fp.next_offset > next) next = fp.next_offset;
    }
    if (auto pos = (*c)->Position(tp); pos.ok() && *pos > next) next = *pos;
  }
  if (next < *end) return absl::DeadlineExceededError(topic + ": could not read to the end");
  return out;
}

nlohmann::json ReadMetrics(const std::string& path) {
  std::ifstream f(path);
  if (!f) return nullptr;
  return nlohmann::json::parse(f, nullptr, /*allow_exceptions=*/false);
}

double Metric(const nlohmann::json& m, const std::string& group, const std::string& name) {
  if (!m.is_object() || !m.contains(group) || !m[group].contains(name)) return -2;
  return m[group][name].get<double>();
}

// A job under `eddy-container run` with one container.
struct Job {
  std::string dir, work, bootstrap;
  ChildProcess runner;
  pid_t container = 0;

  absl::Status Start(const std::string& properties) {
    const std::string config = dir + "/job.properties";
    std::ofstream(config) << properties;
    work = dir + "/work";
    std::vector<std::string> argv = {std::string(EDDY_BIN_DIR) + "/eddy-container",
                                     "run",
                                     "--config",
                                     config,
                                     "--work-dir",
                                     work,
                                     "--set",
                                     "systems.eddy.bootstrap.servers=" + bootstrap,
                                     "--set",
                                     "task.library=" + std::string(EDDY_TIMEKEEPING_TASKS_LIB)};
    if (auto s = runner.Start(argv, true); !s.ok()) return s;
    return AwaitContainer();
  }
  absl::Status AwaitContainer() {
    auto line = runner.ReadLineContaining("container 0 pid", std::chrono::seconds(60));
    if (!line.ok()) return line.status();
    container = std::stoi(line->substr(line->rfind(' ') + 1));
    return absl::OkStatus();
  }
  absl::Status KillAndAwaitRestart() {
    if (::kill(container, SIGKILL) != 0) return absl::InternalError("kill failed");
    return AwaitContainer();
  }
  double Metric(const std::string& group, const std::string& name) const {
    return testing::Metric(ReadMetrics(work + "/container-0/metrics.json"), group, name);
  }
  void Stop() {
    runner.Signal(SIGTERM);
    auto st = WaitExit(runner, std::chrono::seconds(60));
    EXPECT_TRUE(st.has_value() && WIFEXITED(*st) && WEXITSTATUS(*st) == 0)
        << "the runner did not stop cleanly on SIGTERM";
  }
};

std::string Base(const std::string& name, const std::string& guarantee) {
  return "job.name=" + name +
         "\n"
         "task.commit.ms=300\n"
         "processing.guarantee=" +
         guarantee +
         "\n"
         "systems.eddy.factory=eddy\n"
         "systems.eddy.samza.offset.default=oldest\n"
         "cluster-manager.container.retry.count=5\n";
}

std::map<std::string, std::string> LastWatermarkAndAll(const std::vector<KV>& recs) {
  std::map<std::string, std::string> m;
  for (const auto& [k, v] : recs) m[k] = v;
  return m;
}

// One task, three input partitions: tk-a (fast: event times up to 100000 at once), tk-b (slow:
// one record every 100 ms, event times 1000..1590) and tk-c (idle: nothing). The watermark
// reports (one per advance) are b's event times while b delivers (c stopped holding after the
// 2 s idle timeout, a is far ahead), then 100000 once b turned idle too. Every timer fires
// exactly once, and a's late timers only at 100000.
TEST(Timekeeping, IdlePartitionStopsHoldingSlowOneHolds) {
  Job job;
  job.dir = MakeTempDir("eddy-tk-wm-");
  ASSERT_FALSE(job.dir.empty());
  Logd logd;
  ASSERT_TRUE(logd.Start(job.dir + "/log", false).ok());
  job.bootstrap = logd.native;
  logstore::ClientOptions co;
  co.bootstrap = logd.native;
  auto admin = logstore::AdminClient::Connect(co);
  ASSERT_TRUE(admin.ok()) << admin.status();
  for (const char* t : {"tk-a", "tk-b", "tk-c", "tk-fired", "tk-wm"}) {
    ASSERT_TRUE((*admin)->CreateTopic(t, 1).ok()) << t;
  }
  std::vector<KV> a;
  for (int i = 1; i <= 10; ++i) a.emplace_back("a" + std::to_string(i), std::to_string(i * 10000));
  ASSERT_TRUE(Produce(logd.native, "tk-a", a).ok());
  ASSERT_TRUE(job.Start(Base("tk-wm", "exactly_once") +
                        "task.class=TimerProbe\n"
                        "task.inputs=eddy.tk-a,eddy.tk-b,eddy.tk-c\n"
                        "task.watermark.idle.timeout.ms=2000\n")
                  .ok());
  std::set<std::string> b_times;
  std::vector<std::string> all_keys;
  for (const auto& [k, v] : a) all_keys.push_back(k);
  for (int i = 0; i < 60; ++i) {
    std::string ts = std::to_string(1000 + 10 * i);
    b_times.insert(ts);
    all_keys.push_back("b" + std::to_string(i));
    ASSERT_TRUE(Produce(logd.native, "tk-b", {{"b" + std::to_string(i), ts}}).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::vector<KV> wm;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = ReadAll(logd.native, "tk-wm");
        if (r.ok()) wm = *r;
        return !wm.empty() && wm.back().second == "100000";
      },
      std::chrono::seconds(120)))
      << "the watermark never reached a's 100000 (last report: "
      << (wm.empty() ? "none" : wm.back().second) << ")";
  std::vector<KV> fired;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = ReadAll(logd.native, "tk-fired");
        if (r.ok()) fired = *r;
        return fired.size() >= all_keys.size();
      },
      std::chrono::seconds(60)));
  job.Stop();

  // Watermarks: strictly increasing; all but the last are b's event times (b held it while c,
  // silent from the start, did not); at least one such report.
  ASSERT_GE(wm.size(), 2u) << "the slow partition never held the watermark";
  for (size_t i = 0; i + 1 < wm.size(); ++i) {
    EXPECT_TRUE(b_times.count(wm[i].second)) << "report " << i << ": " << wm[i].second;
    EXPECT_LT(std::stoll(wm[i].second), std::stoll(wm[i + 1].second));
  }
  // Timers: each exactly once, never before the watermark passed it; a's timers above b's
  // times fired only when b went idle (at 100000).
  std::map<std::string, std::string> by_key;
  for (const auto& [k, v] : fired) {
    EXPECT_TRUE(by_key.emplace(k, v).second) << "timer " << k << " fired twice";
  }
  EXPECT_EQ(by_key.size(), all_keys.size());
  for (const auto& k : all_keys) {
    ASSERT_TRUE(by_key.count(k)) << "timer " << k << " never fired";
    const std::string& v = by_key[k];
    int64_t ts = std::stoll(v.substr(0, v.find('@')));
    int64_t at = std::stoll(v.substr(v.find('@') + 1));
    EXPECT_LE(ts, at) << k;
    if (k[0] == 'a') {
      EXPECT_EQ(at, 100000) << k << " fired before b went idle";
    } else {
      EXPECT_LT(at, 100000) << k << " (b's) fired only at the end";
    }
  }
  std::error_code ec;
  fs::remove_all(job.dir, ec);
}

// Watermarks across an intermediate stream: two tasks (GroupByPartition over tk-src and the
// intermediate tk-mid, 2 partitions each) send source records on through tk-mid; timers come
// from tk-mid records. Source partition 0 reaches 2000, partition 1 5000: the watermark of tk-mid
// (and of both tasks) is min over the two writers = 2000, so exactly the timers <= 2000 fire.
// Then partition 0 reaches 10000: the watermark is 5000 and every timer has fired, once. No
// control record ever reaches Process (it would register a timer keyed by a task name).
TEST(Timekeeping, WatermarkCrossesAnIntermediateStream) {
  Job job;
  job.dir = MakeTempDir("eddy-tk-mid-");
  ASSERT_FALSE(job.dir.empty());
  Logd logd;
  ASSERT_TRUE(logd.Start(job.dir + "/log", false).ok());
  job.bootstrap = logd.native;
  logstore::ClientOptions co;
  co.bootstrap = logd.native;
  auto admin = logstore::AdminClient::Connect(co);
  ASSERT_TRUE(admin.ok()) << admin.status();
  ASSERT_TRUE((*admin)->CreateTopic("tk-src", 2).ok());
  ASSERT_TRUE((*admin)->CreateTopic("tk-mid", 2).ok());
  ASSERT_TRUE((*admin)->CreateTopic("tk-fired", 1).ok());
  ASSERT_TRUE((*admin)->CreateTopic("tk-wm", 1).ok());
  logstore::ProducerOptions po;
  po.client.bootstrap = logd.native;
  auto producer = logstore::Producer::Create(po);
  ASSERT_TRUE(producer.ok());
  std::map<std::string, int64_t> timers;  // key -> ts
  for (int i = 0; i <= 10; ++i) {
    int64_t t0 = 1000 + 100 * i, t1 = 1000 + 400 * i;
    timers["p0-" + std::to_string(i)] = t0;
    timers["p1-" + std::to_string(i)] = t1;
    ASSERT_TRUE((*producer)->Send("tk-src", 0, "p0-" + std::to_string(i), std::to_string(t0)).ok());
    ASSERT_TRUE((*producer)->Send("tk-src", 1, "p1-" + std::to_string(i), std::to_string(t1)).ok());
  }
  ASSERT_TRUE((*producer)->Flush().ok());
  ASSERT_TRUE(job.Start(Base("tk-mid", "exactly_once") + "task.class=Repartitioner\n"
                                                         "task.inputs=eddy.tk-src,eddy.tk-mid\n"
                                                         "streams.tk-mid.samza.intermediate=true\n"
                                                         "task.watermark.idle.timeout.ms=600000\n")
                  .ok());
  auto watermarks = [&]() {
    auto r = ReadAll(logd.native, "tk-wm");
    return r.ok() ? LastWatermarkAndAll(*r) : std::map<std::string, std::string>{};
  };
  auto fired_keys = [&](std::vector<KV>* all) {
    std::map<std::string, std::string> m;
    auto r = ReadAll(logd.native, "tk-fired");
    if (!r.ok()) return m;
    if (all) *all = *r;
    for (const auto& [k, v] : *r) m[k] = v;
    return m;
  };
  size_t due = 0;
  for (const auto& [k, ts] : timers) due += ts <= 2000 ? 1 : 0;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto w = watermarks();
        return w["Partition 0"] == "2000" && w["Partition 1"] == "2000" &&
               fired_keys(nullptr).size() >= due;
      },
      std::chrono::seconds(120)))
      << "watermarks " << watermarks()["Partition 0"] << ", " << watermarks()["Partition 1"];
  // Settled: nothing above 2000 fires (the writers' minimum holds both tasks).
  std::this_thread::sleep_for(std::chrono::seconds(2));
  auto first = fired_keys(nullptr);
  EXPECT_EQ(first.size(), due);
  for (const auto& [k, v] : first) {
    ASSERT_TRUE(timers.count(k)) << "unexpected timer " << k << " (a control record processed?)";
    EXPECT_LE(timers[k], 2000) << k;
  }
  EXPECT_EQ(watermarks()["Partition 1"], "2000") << "partition 1 ran ahead of the other writer";

  ASSERT_TRUE((*producer)->Send("tk-src", 0, "p0-end", "10000").ok());
  ASSERT_TRUE((*producer)->Close().ok());
  timers["p0-end"] = 10000;  // past 5000: never fires
  ASSERT_TRUE(WaitFor(
      [&] {
        auto w = watermarks();
        return w["Partition 0"] == "5000" && w["Partition 1"] == "5000" &&
               fired_keys(nullptr).size() >= timers.size() - 1;
      },
      std::chrono::seconds(120)))
      << "watermarks " << watermarks()["Partition 0"] << ", " << watermarks()["Partition 1"];
  std::vector<KV> all;
  auto second = fired_keys(&all);
  job.Stop();
  EXPECT_EQ(all.size(), timers.size() - 1) << "a timer fired twice";
  for (const auto& [k, ts] : timers) {
    if (ts > 5000) {
      EXPECT_FALSE(second.count(k)) << k;
    } else {
      ASSERT_TRUE(second.count(k)) << "timer " << k << " never fired";
      int64_t at = std::stoll(second[k].substr(second[k].find('@') + 1));
      EXPECT_GE(at, ts) << k;
    }
  }
  std::error_code ec;
  fs::remove_all(job.dir, ec);
}

class TimersKill : public ::testing::TestWithParam<std::string> {};

// One partition, event times 1000 + 10 i, a timer per record 500 ms of event time later (due
// 50 records on). Phase 1: 1500 records, everything committed, kill -9 of the idle container:
// after the restart a record with an old event time (5000) does not move the watermark back.
// Phase 2: 1500 more records, kill -9 in the middle, then a record at 10^9 flushes every timer.
// Every timer fired (none lost), exactly once under exactly_once; the watermark reports never go
// back under exactly_once.
TEST_P(TimersKill, TimersAndWatermarkSurviveKill9) {
  const bool eos = GetParam() == "exactly_once";
  Job job;
  job.dir = MakeTempDir("eddy-tk-kill-");
  ASSERT_FALSE(job.dir.empty());
  Logd logd;
  ASSERT_TRUE(logd.Start(job.dir + "/log", false).ok());
  job.bootstrap = logd.native;
  logstore::ClientOptions co;
  co.bootstrap = logd.native;
  auto admin = logstore::AdminClient::Connect(co);
  ASSERT_TRUE(admin.ok()) << admin.status();
  for (const char* t : {"tk-in", "tk-fired", "tk-wm"}) {
    ASSERT_TRUE((*admin)->CreateTopic(t, 1).ok()) << t;
  }
  constexpr int kN = 3000;
  std::vector<KV> in;
  for (int i = 0; i < kN; ++i) in.emplace_back(std::to_string(i), std::to_string(1000 + 10 * i));
  ASSERT_TRUE(Produce(logd.native, "tk-in", {in.begin(), in.begin() + kN / 2}, 20).ok());
  ASSERT_TRUE(job.Start(Base("tk-kill", GetParam()) +
                        "task.class=TimerProbe\n"
                        "task.inputs=eddy.tk-in\n"
                        "app.probe.delay.ms=500\n"
                        "app.probe.sleep.us=4000\n"
                        // Small fetches: the watermark is recomputed between batches.
                        "systems.eddy.consumer.max.partition.fetch.bytes=2048\n")
                  .ok());
  const std::string last1 = in[kN / 2 - 1].second;
  auto last_wm = [&]() -> std::string {
    auto r = ReadAll(logd.native, "tk-wm");
    return r.ok() && !r->empty() ? r->back().second : "";
  };
  ASSERT_TRUE(WaitFor([&] { return last_wm() == last1; }, std::chrono::seconds(120)))
      << "watermark " << last_wm();
  // Two more commits: the watermark is in the committed timer store.
  double commits = job.Metric("container", "commits");
  ASSERT_TRUE(WaitFor([&] { return job.Metric("container", "commits") >= commits + 2; },
                      std::chrono::seconds(60)));
  const double pending_before = job.Metric("task.Partition 0", "timers-pending");
  EXPECT_EQ(pending_before, 50) << "the last 50 timers are not due yet";
  ASSERT_TRUE(job.KillAndAwaitRestart().ok());
  // Restored before any new input: the watermark and the pending timers.
  ASSERT_TRUE(
      WaitFor([&] { return job.Metric("task.Partition 0", "watermark") == std::stod(last1); },
              std::chrono::seconds(60)))
      << "watermark after restart " << job.Metric("task.Partition 0", "watermark");
  EXPECT_EQ(job.Metric("task.Partition 0", "timers-pending"), 50);

  std::vector<KV> phase2 = {{"late", "5000"}};
  phase2.insert(phase2.end(), in.begin() + kN / 2, in.end());
  ASSERT_TRUE(Produce(logd.native, "tk-in", phase2, 20).ok());
  // kill -9 in the middle of phase 2.
  ASSERT_TRUE(WaitFor(
      [&] {
        std::string w = last_wm();
        return !w.empty() && std::stoll(w) >= 1000 + 10 * (kN / 2 + 300);
      },
      std::chrono::seconds(120)));
  ASSERT_LT(std::stoll(last_wm()), std::stoll(in.back().second)) << "too fast to kill midway";
  ASSERT_TRUE(job.KillAndAwaitRestart().ok());
  ASSERT_TRUE(Produce(logd.native, "tk-in", {{"end", "1000000000"}}).ok());
  ASSERT_TRUE(WaitFor([&] { return last_wm() == "1000000000"; }, std::chrono::seconds(120)))
      << "watermark " << last_wm();
  std::vector<KV> fired;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = ReadAll(logd.native, "tk-fired");
        if (!r.ok()) return false;
        fired = *r;
        std::set<std::string> keys;
        for (const auto& [k, v] : fired) keys.insert(k);
        return keys.size() >= kN + 1;
      },
      std::chrono::seconds(60)));
  job.Stop();

  std::map<std::string, int> times;
  for (const auto& [k, v] : fired) {
    ++times[k];
    int64_t ts = std::stoll(v.substr(0, v.find('@')));
    int64_t at = std::stoll(v.substr(v.find('@') + 1));
    EXPECT_LE(ts, at) << "timer " << k << " fired before the watermark passed it";
  }
  int dups = 0;
  for (int i = 0; i < kN; ++i) {
    std::string k = std::to_string(i);
    ASSERT_TRUE(times.count(k)) << "timer " << k << " lost";
    if (times[k] > 1) ++dups;
  }
  ASSERT_TRUE(times.count("late"));
  EXPECT_FALSE(times.count("end")) << "a timer past the watermark fired";
  EXPECT_EQ(times.size(), static_cast<size_t>(kN + 1));
  if (eos) {
    EXPECT_EQ(dups, 0) << "timers fired twice under exactly_once";
    EXPECT_EQ(fired.size(), static_cast<size_t>(kN + 1));
  }
  // The watermark never goes back: exactly_once shows only committed reports (the restore puts
  // the committed watermark back); the phase-1 restart had nothing uncommitted, so the "late"
  // record must never appear as a watermark in either mode.
  auto wm = ReadAll(logd.native, "tk-wm");
  ASSERT_TRUE(wm.ok());
  for (size_t i = 0; i < wm->size(); ++i) {
    EXPECT_NE((*wm)[i].second, "5000") << "the watermark went back after the restart";
    if (eos && i > 0) {
      EXPECT_LT(std::stoll((*wm)[i - 1].second), std::stoll((*wm)[i].second)) << "report " << i;
    }
  }
  std::printf("timers kill (%s): %zu firings for %d timers, %d fired more than once\n",
              GetParam().c_str(), fired.size(), kN + 1, dups);
  std::error_code ec;
  fs::remove_all(job.dir, ec);
}

INSTANTIATE_TEST_SUITE_P(Guarantees, TimersKill,
                         ::testing::Values("exactly_once", "at_least_once"));

class AsyncKill : public ::testing::TestWithParam<std::string> {};

// AsyncProbe with task.max.concurrency=8, completions from 4 pool threads after random delays
// (out of order), kill -9 while callbacks are pending, restart: every input has its output
// (exactly once under exactly_once) and the per-word counts in the store are exact.
TEST_P(AsyncKill, CheckpointsNeverSkipAnUnfinishedMessage) {
  const bool eos = GetParam() == "exactly_once";
  Job job;
  job.dir = MakeTempDir("eddy-tk-async-");
  ASSERT_FALSE(job.dir.empty());
  Logd logd;
  ASSERT_TRUE(logd.Start(job.dir + "/log", false).ok());
  job.bootstrap = logd.native;
  logstore::ClientOptions co;
  co.bootstrap = logd.native;
  auto admin = logstore::AdminClient::Connect(co);
  ASSERT_TRUE(admin.ok()) << admin.status();
  for (const char* t : {"tk-words", "tk-async-out", "tk-counts"}) {
    ASSERT_TRUE((*admin)->CreateTopic(t, 1).ok()) << t;
  }
  constexpr int kN = 3000;
  std::vector<KV> in;
  std::map<std::string, int64_t> expected;
  for (int i = 0; i < kN; ++i) {
    std::string w = "w" + std::to_string((i * 7) % 41);
    in.emplace_back("k" + std::to_string(i), w);
    ++expected[w];
  }
  ASSERT_TRUE(Produce(logd.native, "tk-words", in).ok());
  ASSERT_TRUE(job.Start(Base("tk-async", GetParam()) +
                        "task.class=AsyncProbe\n"
                        "task.inputs=eddy.tk-words\n"
                        "task.max.concurrency=8\n"
                        "task.callback.timeout.ms=30000\n"
                        "app.probe.max.delay.ms=20\n"
                        "stores.async-counts.factory=rocksdb\n"
                        "stores.async-counts.key.serde=string\n"
                        "stores.async-counts.msg.serde=int64\n"
                        "stores.async-counts.changelog=eddy.tk-async-counts-changelog\n")
                  .ok());
  auto out_end = [&]() -> int64_t {
    auto e = (*admin)->ListOffset({"tk-async-out", 0}, logstore::kLatestOffset);
    return e.ok() ? *e : -1;
  };
  // Kill twice while it runs (callbacks pending: 8 in flight almost all the time).
  for (int64_t at : {kN / 4, kN / 2}) {
    ASSERT_TRUE(WaitFor([&] { return out_end() >= at; }, std::chrono::seconds(120)));
    ASSERT_LT(out_end(), kN + kN / 2) << "too fast to kill in the middle";
    ASSERT_TRUE(job.KillAndAwaitRestart().ok());
  }
  std::vector<KV> out;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = ReadAll(logd.native, "tk-async-out");
        if (!r.ok()) return false;
        out = *r;
        std::set<std::string> keys;
        for (const auto& [k, v] : out) keys.insert(k);
        return keys.size() >= static_cast<size_t>(kN);
      },
      std::chrono::seconds(180)));
  // Counts settle on the exact totals (the last count per word).
  std::map<std::string, std::string> last;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = ReadAll(logd.native, "tk-counts");
        if (!r.ok()) return false;
        last = LastWatermarkAndAll(*r);
        for (const auto& [w, n] : expected) {
          if (!last.count(w) || last[w] != std::to_string(n)) return false;
        }
        return true;
      },
      std::chrono::seconds(60)));
  EXPECT_EQ(job.Metric("task.Partition 0", "callbacks-completed-twice"), 0);
  job.Stop();
  std::map<std::string, int> seen;
  for (const auto& [k, v] : out) ++seen[k];
  for (const auto& [k, w] : in) {
    ASSERT_TRUE(seen.count(k)) << "input " << k << " skipped";
  }
  if (eos) {
    EXPECT_EQ(out.size(), static_cast<size_t>(kN)) << "outputs duplicated";
  }
  for (const auto& [w, n] : expected) EXPECT_EQ(last[w], std::to_string(n)) << w;
  std::printf("async kill (%s): %zu outputs for %d inputs\n", GetParam().c_str(), out.size(), kN);
  std::error_code ec;
  fs::remove_all(job.dir, ec);
}

INSTANTIATE_TEST_SUITE_P(Guarantees, AsyncKill, ::testing::Values("exactly_once", "at_least_once"));

}  // namespace
}  // namespace eddy::runtime::testing
