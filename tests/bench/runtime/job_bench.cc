// eddy-job-bench: whole-system job benchmarks on one machine (Samza's published scenarios).
//   eddy-job-bench [--messages N] [--partitions P] [--keys K] [--restore-records R]
//                  [--scenario all|passthrough|rocksdb|changelog|guarantees|restore]
//                  [--commit-ms MS] [--scrape-metrics off|on|both]
// Starts eddy-logd on a temp dir, produces N 100-byte messages into `bench-in` (P partitions),
// then runs one eddy container (in this process, all P tasks) per scenario until it has consumed
// the input (--until-caught-up semantics), and prints msgs/s, CPU (user+sys of this process and
// of eddy-logd) and peak RSS. Restore: R changelog records of 100 bytes restored into RocksDB.
// passthrough/rocksdb/changelog run with processing.guarantee=at_least_once (comparable with
// earlier figures); `guarantees` runs the RocksDB + changelog job with task.commit.ms=MS (1000) in
// at_least_once and then exactly_once on the same input, and prints the throughput ratio and
// the commit latency p50/p99 of each. --scrape-metrics on: each scenario's container serves
// GET /metrics (ContainerCollector, as eddy-container does) and a thread scrapes it every second;
// both: every scenario runs unscraped, then scraped, on the same input, and the ratio is printed.
#include <httplib.h>
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

#include "eddy/eddy.h"
#include "log-store/client/admin_client.h"
#include "log-store/client/producer.h"
#include "log-store/http/http_server.h"
#include "log-store/http/metrics_endpoint.h"
#include "runtime/container/container.h"
#include "runtime/container/prometheus_collector.h"
#include "runtime/container/task_stores.h"
#include "runtime/standalone/child_process.h"
#include "runtime/standalone/runner.h"

namespace {

using namespace eddy;
using namespace eddy::runtime;
using Clock = std::chrono::steady_clock;

// --- Scenario tasks ---------------------------------------------------------------------------

class PassThrough : public StreamTask {
 public:
  absl::Status Process(const IncomingMessageEnvelope& e, MessageCollector& c,
                       TaskCoordinator&) override {
    // Non-owning envelope: the input record's bytes go straight into the producer's batch.
    auto out = OutgoingMessageEnvelope::View(out_, e.key(), e.message());
    out.WithPartition(e.partition());
    return c.Send(std::move(out));
  }

 private:
  SystemStream out_{"eddy", "bench-out"};
};
EDDY_REGISTER_TASK(PassThrough);

class CountTask : public StreamTask, public InitableTask {
 public:
  absl::Status Init(Context& context) override {
    auto s = context.GetStore<std::string, int64_t>("counts");
    if (!s.ok()) return s.status();
    store_ = *s;
    return absl::OkStatus();
  }
  absl::Status Process(const IncomingMessageEnvelope& e, MessageCollector&,
                       TaskCoordinator&) override {
    key_.assign(*e.key());
    auto c = store_->Get(key_);
    if (!c.ok()) return c.status();
    return store_->Put(key_, c->value_or(0) + 1);
  }

 private:
  KeyValueStore<std::string, int64_t>* store_ = nullptr;
  std::string key_;
};
EDDY_REGISTER_TASK(CountTask);

// --- Measurement ------------------------------------------------------------------------------

struct Usage {
  double cpu_s = 0;
  long rss_kb = 0;
};

Usage SelfUsage() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return {ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
              ru.ru_stime.tv_usec / 1e6,
          ru.ru_maxrss};
}

Usage ProcUsage(pid_t pid) {
  Usage u;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(stat)), {});
  auto close = s.rfind(')');
  if (close != std::string::npos) {
    std::istringstream in(s.substr(close + 2));
    std::string f;
    unsigned long ut = 0, st = 0;
    for (int i = 3; i <= 15; ++i) {
      in >> f;
      if (i == 14) ut = std::stoul(f);
      if (i == 15) st = std::stoul(f);
    }
    u.cpu_s = static_cast<double>(ut + st) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) u.rss_kb = std::stol(line.substr(6));
  }
  return u;
}

struct Env {
  std::string dir;
  std::string bootstrap;
  ChildProcess logd;
  int64_t messages = 3000000;
  int32_t partitions = 4;
  int64_t keys = 100000;
  int64_t restore_records = 2000000;
  std::string commit_ms = "1000";  // --commit-ms: task.commit.ms of the guarantees scenario
  bool scrape = false;             // this run serves /metrics and scrapes it every second
};

// While alive: the container's GET /metrics on 127.0.0.1:0 (what eddy-container serves) and a
// thread that scrapes it every second, as a Prometheus server would.
class MetricsScraper {
 public:
  MetricsScraper(const Container& c, const std::string& job) {
    eddy::http::ServeMetrics(http_, {std::make_shared<ContainerCollector>(&c.metrics(), job, "0")});
    auto bound = http_.Start("127.0.0.1:0");
    if (!bound.ok()) {
      std::fprintf(stderr, "metrics http: %s\n", std::string(bound.status().message()).c_str());
      return;
    }
    size_t colon = bound->rfind(':');
    std::string host = bound->substr(0, colon);
    int port = std::stoi(bound->substr(colon + 1));
    thread_ = std::thread([this, host, port] {
      httplib::Client client(host, port);
      std::unique_lock<std::mutex> l(mu_);
      while (!stop_) {
        l.unlock();
        auto r = client.Get("/metrics");
        l.lock();
        if (r && r->status == 200) {
          ++scrapes_;
          bytes_ = static_cast<int64_t>(r->body.size());
        }
        cv_.wait_for(l, std::chrono::seconds(1), [this] { return stop_; });
      }
    });
  }
  ~MetricsScraper() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    http_.Stop();
  }
  int64_t scrapes() {
    std::lock_guard<std::mutex> l(mu_);
    return scrapes_;
  }
  int64_t bytes() {
    std::lock_guard<std::mutex> l(mu_);
    return bytes_;
  }

 private:
  eddy::http::HttpServer http_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  int64_t scrapes_ = 0, bytes_ = 0;
};

Config MakeConfig(const Env& env, const std::string& job, const std::string& cls, bool store,
                  bool changelog, const std::string& guarantee, const std::string& commit_ms) {
  Config::Map m = {{"job.name", job},
                   {"task.class", cls},
                   {"task.inputs", "eddy.bench-in"},
                   {"task.commit.ms", commit_ms},
                   {"processing.guarantee", guarantee},
                   {"systems.eddy.factory", "eddy"},
                   {"systems.eddy.bootstrap.servers", env.bootstrap},
                   {"systems.eddy.samza.offset.default", "oldest"},
                   {"streams.bench-out.samza.system", "eddy"},
                   {"streams.bench-out.partitions", std::to_string(env.partitions)},
                   {"job.logged.store.base.dir", env.dir + "/state-" + job}};
  if (store) {
    m["stores.counts.factory"] = "rocksdb";
    m["stores.counts.key.serde"] = "string";
    m["stores.counts.msg.serde"] = "int64";
    m["stores.counts.object.cache.size"] = "200000";
    m["stores.counts.write.batch.size"] = "100000";
    if (changelog) m["stores.counts.changelog"] = "eddy." + job + "-changelog";
  }
  return Config(m);
}

int64_t runs_before_ = 0;  // records earlier pass-through runs of this process left in bench-out

int64_t Percentile(std::vector<int64_t> v, double q) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// msgs/s of the last RunScenario (for the guarantees ratio).
double last_rate_ = 0;

int RunScenario(Env& env, const std::string& name, const std::string& cls, bool store,
                bool changelog, const std::string& guarantee = "at_least_once",
                const std::string& commit_ms = "10000") {
  Config cfg = MakeConfig(env, "bench-" + name + (env.scrape ? "-scraped" : ""), cls, store,
                          changelog, guarantee, commit_ms);
  auto job = ParseJobConfig(cfg, env.dir, env.dir);
  if (!job.ok()) {
    std::fprintf(stderr, "%s\n", std::string(job.status().message()).c_str());
    return 1;
  }
  JobModel model;
  {
    SystemsHub hub(job->systems);
    auto m = PlanJob(*job, &hub);
    if (!m.ok()) {
      std::fprintf(stderr, "%s\n", std::string(m.status().message()).c_str());
      return 1;
    }
    model = *m;
  }
  ContainerOptions o;
  o.config = cfg;
  o.job = *job;
  o.model = model;
  o.work_dir = env.dir;
  o.until_caught_up = true;
  Usage s0 = SelfUsage(), l0 = ProcUsage(env.logd.pid());
  auto t0 = Clock::now();
  Container c(std::move(o));
  std::unique_ptr<MetricsScraper> scraper;
  if (env.scrape) scraper = std::make_unique<MetricsScraper>(c, "bench-" + name);
  auto st = c.Run();
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  int64_t scrapes = scraper ? scraper->scrapes() : 0, scrape_bytes = scraper ? scraper->bytes() : 0;
  scraper.reset();
  Usage s1 = SelfUsage(), l1 = ProcUsage(env.logd.pid());
  if (!st.ok()) {
    std::fprintf(stderr, "%s: %s\n", name.c_str(), std::string(st.message()).c_str());
    return 1;
  }
  int64_t n = c.messages_processed();
  last_rate_ = n / secs;
  auto lat = c.commit_latencies_micros();
  if (cls == "PassThrough") {
    // Every input message must have reached bench-out (the view envelopes are copied in time).
    logstore::ClientOptions co;
    co.bootstrap = env.bootstrap;
    auto admin = logstore::AdminClient::Connect(co);
    int64_t out = 0;
    for (int32_t p = 0; admin.ok() && p < env.partitions; ++p) {
      auto end = (*admin)->ListOffset({"bench-out", p}, logstore::kLatestOffset);
      if (end.ok()) out += *end;
    }
    if (out != runs_before_ + n) {
      std::fprintf(stderr, "%s: bench-out holds %lld records, expected %lld\n", name.c_str(),
                   static_cast<long long>(out), static_cast<long long>(runs_before_ + n));
      return 1;
    }
    runs_before_ += n;
  }
  std::printf(
      "%-12s msgs=%lld time=%.2fs rate=%.0f msgs/s (%.1f MB/s) cpu: container %.2fs + logd %.2fs "
      "= %.0f%% of one core; peak RSS: container %ld MB, logd %ld MB\n",
      name.c_str(), static_cast<long long>(n), secs, n / secs, n * 100.0 / secs / 1e6,
      s1.cpu_s - s0.cpu_s, l1.cpu_s - l0.cpu_s,
      100.0 * ((s1.cpu_s - s0.cpu_s) + (l1.cpu_s - l0.cpu_s)) / secs, s1.rss_kb / 1024,
      l1.rss_kb / 1024);
  if (env.scrape) {
    std::printf("%-12s /metrics scraped %lld times (every 1 s), last answer %lld bytes\n",
                name.c_str(), static_cast<long long>(scrapes),
                static_cast<long long>(scrape_bytes));
  }
  std::printf("%-12s %s: %zu commits, commit latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
              name.c_str(), guarantee.c_str(), lat.size(), Percentile(lat, 0.5) / 1000.0,
              Percentile(lat, 0.99) / 1000.0, Percentile(lat, 1.0) / 1000.0);
  std::fflush(stdout);
  return 0;
}

int RunRestore(Env& env) {
  logstore::ClientOptions co;
  co.bootstrap = env.bootstrap;
  auto admin = logstore::AdminClient::Connect(co);
  if (!admin.ok()) return 1;
  (void)(*admin)->CreateTopic("bench-restore-changelog", 1, {{"cleanup.policy", "compact"}});
  logstore::ProducerOptions po;
  po.client = co;
  auto p = logstore::Producer::Create(po);
  if (!p.ok()) return 1;
  std::string value(90, 'v');
  char key[32];
  for (int64_t i = 0; i < env.restore_records; ++i) {
    std::snprintf(key, sizeof(key), "k%09lld", static_cast<long long>(i));
    if (!(*p)->Send("bench-restore-changelog", 0, std::string_view(key, 10), value).ok()) return 1;
  }
  if (!(*p)->Close().ok()) return 1;
  Config::Map m = {{"job.name", "bench-restore"},
                   {"task.class", "CountTask"},
                   {"task.inputs", "eddy.bench-in"},
                   {"systems.eddy.factory", "eddy"},
                   {"systems.eddy.bootstrap.servers", env.bootstrap},
                   {"stores.counts.factory", "rocksdb"},
                   {"stores.counts.changelog", "eddy.bench-restore-changelog"},
                   {"job.logged.store.base.dir", env.dir + "/state-restore"}};
  Config cfg(m);
  auto job = ParseJobConfig(cfg, env.dir, env.dir);
  if (!job.ok()) return 1;
  SystemsHub hub(job->systems);
  MetricsRegistry metrics;
  TaskModel task;
  task.name = "Partition 0";
  auto ts = TaskStores::Open(*job, cfg, task, &hub, &metrics);
  if (!ts.ok()) return 1;
  Checkpoint cp;
  cp.changelogs["counts"] = {{"eddy", "bench-restore-changelog", 0}, env.restore_records};
  Usage s0 = SelfUsage(), l0 = ProcUsage(env.logd.pid());
  auto t0 = Clock::now();
  auto st = (*ts)->Restore(&cp);
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  Usage s1 = SelfUsage(), l1 = ProcUsage(env.logd.pid());
  if (!st.ok()) {
    std::fprintf(stderr, "restore: %s\n", std::string(st.message()).c_str());
    return 1;
  }
  int64_t n = metrics.NewCounter("store.Partition 0.counts", "restore-records").Get();
  std::printf(
      "%-12s records=%lld time=%.2fs rate=%.0f records/s cpu: container %.2fs + logd %.2fs; "
      "peak RSS: container %ld MB, logd %ld MB\n",
      "restore", static_cast<long long>(n), secs, n / secs, s1.cpu_s - s0.cpu_s,
      l1.cpu_s - l0.cpu_s, s1.rss_kb / 1024, l1.rss_kb / 1024);
  return n == env.restore_records ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  // As eddy-container does: keep multi-MB fetch buffers and record vectors in the heap instead
  // of mmap/munmap (and page-faulting) them on every poll.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  Env env;
  std::string scenario = "all";
  std::string scrape_mode = "off";
  const char* kUsage =
      "usage: eddy-job-bench [--messages N] [--partitions P] [--keys K] [--restore-records R]\n"
      "                      [--scenario all|passthrough|rocksdb|changelog|guarantees|restore]\n"
      "                      [--commit-ms MS]  (task.commit.ms of the guarantees scenario)\n"
      "                      [--scrape-metrics off|on|both]  (serve and scrape /metrics every "
      "second)\n"
      "Runs eddy-container jobs against a real eddy-logd and prints msgs/s per scenario.\n";
  for (int i = 1; i < argc; i += 2) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "eddy-job-bench: %s needs a value\n%s", a.c_str(), kUsage);
      return 2;
    }
    if (a == "--messages")
      env.messages = std::atoll(argv[i + 1]);
    else if (a == "--partitions")
      env.partitions = std::atoi(argv[i + 1]);
    else if (a == "--keys")
      env.keys = std::atoll(argv[i + 1]);
    else if (a == "--restore-records")
      env.restore_records = std::atoll(argv[i + 1]);
    else if (a == "--scenario")
      scenario = argv[i + 1];
    else if (a == "--commit-ms")
      env.commit_ms = argv[i + 1];
    else if (a == "--scrape-metrics") {
      scrape_mode = argv[i + 1];
      if (scrape_mode != "off" && scrape_mode != "on" && scrape_mode != "both") {
        std::fprintf(stderr,
                     "eddy-job-bench: --scrape-metrics: expected off, on or both, got '%s'\n%s",
                     argv[i + 1], kUsage);
        return 2;
      }
    } else {
      std::fprintf(stderr, "eddy-job-bench: unknown option %s\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  char tmpl[] = "/tmp/eddy-job-bench-XXXXXX";
  env.dir = mkdtemp(tmpl);
  if (!env.logd
           .Start({std::string(EDDY_BIN_DIR) + "/eddy-logd", "--data-dir", env.dir + "/log",
                   "--listen", "127.0.0.1:0"},
                  true)
           .ok()) {
    return 1;
  }
  auto line = env.logd.ReadLineContaining("listening on", std::chrono::seconds(30));
  if (!line.ok()) return 1;
  env.bootstrap = line->substr(line->rfind(' ') + 1);
  int rc = 0;
  bool jobs = scenario != "restore";
  if (jobs) {
    logstore::ClientOptions co;
    co.bootstrap = env.bootstrap;
    auto admin = logstore::AdminClient::Connect(co);
    if (!admin.ok() || !(*admin)->CreateTopic("bench-in", env.partitions).ok()) return 1;
    logstore::ProducerOptions po;
    po.client = co;
    auto p = logstore::Producer::Create(po);
    if (!p.ok()) return 1;
    std::string value(90, 'x');
    char key[32];
    auto t0 = Clock::now();
    for (int64_t i = 0; i < env.messages; ++i) {
      std::snprintf(key, sizeof(key), "k%09lld", static_cast<long long>(i % env.keys));
      if (!(*p)->Send("bench-in", static_cast<int32_t>(i % env.partitions),
                      std::string_view(key, 10), value)
               .ok()) {
        return 1;
      }
    }
    if (!(*p)->Close().ok()) return 1;
    double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf(
        "input        %lld messages of 100 bytes (10-byte key + 90-byte value) in %d "
        "partitions, produced in %.2fs\n",
        static_cast<long long>(env.messages), env.partitions, secs);
  }
  // --scrape-metrics both: unscraped, then scraped, same input; prints scraped / unscraped.
  auto run = [&](const std::string& name, const std::string& cls, bool store, bool changelog) {
    if (scrape_mode != "both") {
      env.scrape = scrape_mode == "on";
      return RunScenario(env, name, cls, store, changelog);
    }
    env.scrape = false;
    int r = RunScenario(env, name, cls, store, changelog);
    double off = last_rate_;
    env.scrape = true;
    r |= RunScenario(env, name, cls, store, changelog);
    if (r == 0) {
      std::printf("%-12s scraped / not scraped throughput = %.3fx\n", name.c_str(),
                  last_rate_ / off);
    }
    return r;
  };
  if (scenario == "all" || scenario == "passthrough") {
    rc |= run("passthrough", "PassThrough", false, false);
  }
  if (scenario == "all" || scenario == "rocksdb") {
    rc |= run("rocksdb", "CountTask", true, false);
  }
  if (scenario == "all" || scenario == "changelog") {
    rc |= run("changelog", "CountTask", true, true);
  }
  if (scenario == "all" || scenario == "guarantees") {
    int r = RunScenario(env, "alo", "CountTask", true, true, "at_least_once", env.commit_ms);
    double alo = last_rate_;
    r |= RunScenario(env, "eos", "CountTask", true, true, "exactly_once", env.commit_ms);
    double eos = last_rate_;
    if (r == 0) {
      std::printf("guarantees   exactly_once / at_least_once throughput = %.2fx (goal >= 0.8x)\n",
                  eos / alo);
    }
    rc |= r;
  }
  if (scenario == "all" || scenario == "restore") rc |= RunRestore(env);
  env.logd.Stop(std::chrono::seconds(10));
  std::error_code ec;
  std::filesystem::remove_all(env.dir, ec);
  return rc;
}
