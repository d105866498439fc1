// eddy-job-bench: whole-system job benchmarks on one machine (Samza's published scenarios).
//   eddy-job-bench [--messages N] [--partitions P] [--keys K] [--restore-records R]
//                  [--scenario all|passthrough|rocksdb|changelog|guarantees|restore]
//                  [--commit-ms MS] [--scrape-metrics off|on|both]
//                  [--distribution D[:K][,D[:K]...]] [--store-option KEY=VALUE]...
//                  [--restore-modes bulk,direct]
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
// --distribution: the input's keys: cyclic (key i % K, the default: every key in turn), uniform
// (uniformly random over K keys) or zipf (Zipf-distributed over K keys, theta 0.99 as YCSB, the
// ranks scattered over the key space); with several, each gets its own input topic
// (bench-in-<D>) and every scenario runs on each in turn, so they are measured in the same run.
// :K gives that distribution its own key count (else --keys). --store-option sets
// stores.counts.KEY=VALUE of every store scenario (and of the restore), for A/B runs.
// Restore: the changelog holds R records of R/2 distinct keys in random order (each key written
// twice, one in ten last written as a tombstone); --restore-modes runs the restore once per mode
// on the same changelog: bulk (sorted SST files ingested, the default) and direct (WriteBatches,
// stores.counts.restore.bulk.load=false), and checks that both stores hold the same entries.
#include <httplib.h>
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
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
  std::string input = "bench-in";  // the input topic of the scenarios
  std::string suffix;              // of job names, one per input distribution
  std::vector<std::pair<std::string, std::string>> store_options;  // --store-option
  std::vector<std::string> restore_modes = {"bulk"};
};

// Keys of the input: the n-th message's key index in [0, keys).
class KeySequence {
 public:
  KeySequence(std::string dist, int64_t keys) : dist_(std::move(dist)), keys_(keys), rng_(42) {
    if (dist_ == "zipf") {
      // YCSB's ZipfianGenerator (Gray et al., "Quickly generating billion-record synthetic
      // databases"), theta 0.99.
      for (int64_t i = 1; i <= keys_; ++i) zetan_ += 1.0 / std::pow(static_cast<double>(i), kTheta);
      const double zeta2 = 1.0 + 1.0 / std::pow(2.0, kTheta);
      alpha_ = 1.0 / (1.0 - kTheta);
      eta_ =
          (1.0 - std::pow(2.0 / static_cast<double>(keys_), 1.0 - kTheta)) / (1.0 - zeta2 / zetan_);
    }
  }
  int64_t Next(int64_t n) {
    if (dist_ == "cyclic") return n % keys_;
    if (dist_ == "uniform") return static_cast<int64_t>(rng_() % static_cast<uint64_t>(keys_));
    const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
    const double uz = u * zetan_;
    int64_t rank;
    if (uz < 1.0) {
      rank = 0;
    } else if (uz < 1.0 + std::pow(0.5, kTheta)) {
      rank = 1;
    } else {
      rank = static_cast<int64_t>(static_cast<double>(keys_) *
                                  std::pow(eta_ * u - eta_ + 1.0, alpha_));
    }
    rank = std::min(rank, keys_ - 1);
    // Scatter the ranks over the key space (a bijection: the multiplier is a prime above keys;
    // no overflow below 2^32 keys).
    return static_cast<int64_t>((static_cast<uint64_t>(rank) * 2654435761u) %
                                static_cast<uint64_t>(keys_));
  }

 private:
  static constexpr double kTheta = 0.99;
  std::string dist_;
  int64_t keys_;
  std::mt19937_64 rng_;
  double zetan_ = 0, alpha_ = 0, eta_ = 0;
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
                   {"task.inputs", "eddy." + env.input},
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
    for (const auto& [k, v] : env.store_options) m["stores.counts." + k] = v;
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
  Config cfg = MakeConfig(env, "bench-" + name + env.suffix + (env.scrape ? "-scraped" : ""), cls,
                          store, changelog, guarantee, commit_ms);
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
      "= %.0f%% of one core, %.2f us/msg; peak RSS: container %ld MB, logd %ld MB\n",
      (name + env.suffix).c_str(), static_cast<long long>(n), secs, n / secs,
      n * 100.0 / secs / 1e6, s1.cpu_s - s0.cpu_s, l1.cpu_s - l0.cpu_s,
      100.0 * ((s1.cpu_s - s0.cpu_s) + (l1.cpu_s - l0.cpu_s)) / secs,
      1e6 * (s1.cpu_s - s0.cpu_s) / static_cast<double>(std::max<int64_t>(n, 1)), s1.rss_kb / 1024,
      l1.rss_kb / 1024);
  if (env.scrape) {
    std::printf("%-12s /metrics scraped %lld times (every 1 s), last answer %lld bytes\n",
                name.c_str(), static_cast<long long>(scrapes),
                static_cast<long long>(scrape_bytes));
  }
  std::printf("%-12s %s: %zu commits, commit latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
              (name + env.suffix).c_str(), guarantee.c_str(), lat.size(),
              Percentile(lat, 0.5) / 1000.0, Percentile(lat, 0.99) / 1000.0,
              Percentile(lat, 1.0) / 1000.0);
  std::fflush(stdout);
  return 0;
}

// Restore: one changelog, restored once per --restore-modes entry into a fresh store.
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
  // Record i writes key (i * prime) mod K, so keys come in random order and, with K < R, each is
  // written R/K times; every 16th record is a tombstone.
  const int64_t r_count = env.restore_records;
  const int64_t k_count = std::max<int64_t>(1, std::min(env.keys, r_count));
  for (int64_t i = 0; i < r_count; ++i) {
    int64_t k = static_cast<int64_t>((static_cast<uint64_t>(i) * 2654435761u) %
                                     static_cast<uint64_t>(k_count));
    std::snprintf(key, sizeof(key), "k%09lld", static_cast<long long>(k));
    std::optional<std::string_view> v;
    if (i % 16 != 15) v = value;
    if (!(*p)->Send("bench-restore-changelog", 0, std::string_view(key, 10), v).ok()) return 1;
  }
  if (!(*p)->Close().ok()) return 1;
  std::printf(
      "restore      changelog: %lld records, %lld distinct keys in random order, 1 in 16 "
      "a tombstone\n",
      static_cast<long long>(r_count), static_cast<long long>(k_count));
  std::vector<std::pair<std::string, double>> rates;
  std::vector<std::unique_ptr<TaskStores>> keep;  // the restored stores, compared at the end
  std::vector<std::unique_ptr<SystemsHub>> hubs;
  std::vector<std::unique_ptr<MetricsRegistry>> registries;
  for (const std::string& mode : env.restore_modes) {
    Config::Map m = {{"job.name", "bench-restore-" + mode},
                     {"task.class", "CountTask"},
                     {"task.inputs", "eddy.bench-in"},
                     {"systems.eddy.factory", "eddy"},
                     {"systems.eddy.bootstrap.servers", env.bootstrap},
                     {"stores.counts.factory", "rocksdb"},
                     {"stores.counts.changelog", "eddy.bench-restore-changelog"},
                     {"stores.counts.restore.bulk.load", mode == "bulk" ? "true" : "false"},
                     {"job.logged.store.base.dir", env.dir + "/state-restore-" + mode}};
    for (const auto& [k, v] : env.store_options) m["stores.counts." + k] = v;
    Config cfg(m);
    auto job = ParseJobConfig(cfg, env.dir, env.dir);
    if (!job.ok()) {
      std::fprintf(stderr, "restore: %s\n", std::string(job.status().message()).c_str());
      return 1;
    }
    hubs.push_back(std::make_unique<SystemsHub>(job->systems));
    registries.push_back(std::make_unique<MetricsRegistry>());
    TaskModel task;
    task.name = "Partition 0";
    auto ts = TaskStores::Open(*job, cfg, task, hubs.back().get(), registries.back().get());
    if (!ts.ok()) {
      std::fprintf(stderr, "restore: %s\n", std::string(ts.status().message()).c_str());
      return 1;
    }
    Checkpoint cp;
    cp.changelogs["counts"] = {{"eddy", "bench-restore-changelog", 0}, r_count};
    Usage s0 = SelfUsage(), l0 = ProcUsage(env.logd.pid());
    auto t0 = Clock::now();
    auto st = (*ts)->Restore(&cp);
    double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    Usage s1 = SelfUsage(), l1 = ProcUsage(env.logd.pid());
    if (!st.ok()) {
      std::fprintf(stderr, "restore %s: %s\n", mode.c_str(), std::string(st.message()).c_str());
      return 1;
    }
    int64_t n = registries.back()->NewCounter("store.Partition 0.counts", "restore-records").Get();
    std::printf(
        "%-12s records=%lld time=%.2fs rate=%.0f records/s cpu: container %.2fs + logd %.2fs; "
        "peak RSS: container %ld MB, logd %ld MB\n",
        ("restore/" + mode).c_str(), static_cast<long long>(n), secs, n / secs, s1.cpu_s - s0.cpu_s,
        l1.cpu_s - l0.cpu_s, s1.rss_kb / 1024, l1.rss_kb / 1024);
    std::fflush(stdout);
    if (n != r_count) {
      std::fprintf(stderr, "restore %s: restored %lld records, expected %lld\n", mode.c_str(),
                   static_cast<long long>(n), static_cast<long long>(r_count));
      return 1;
    }
    rates.push_back({mode, n / secs});
    keep.push_back(std::move(*ts));
  }
  // Every mode must give the same store: same keys, same values, no deleted key left.
  for (size_t i = 1; i < keep.size(); ++i) {
    auto a = keep[0]->Handle("counts");
    auto b = keep[i]->Handle("counts");
    if (!a.ok() || !b.ok()) return 1;
    auto ia = a->store->All();
    auto ib = b->store->All();
    if (!ia.ok() || !ib.ok()) return 1;
    int64_t entries = 0;
    bool same = true;
    for (; (*ia)->Valid() && (*ib)->Valid(); (*ia)->Next(), (*ib)->Next(), ++entries) {
      if ((*ia)->key() != (*ib)->key() || (*ia)->value() != (*ib)->value()) {
        same = false;
        break;
      }
    }
    same = same && !(*ia)->Valid() && !(*ib)->Valid();
    (*ia)->Close();
    (*ib)->Close();
    if (!same) {
      std::fprintf(stderr, "restore: the %s store differs from the %s store\n",
                   env.restore_modes[i].c_str(), env.restore_modes[0].c_str());
      return 1;
    }
    std::printf("restore      %s and %s stores are equal: %lld entries\n",
                env.restore_modes[0].c_str(), env.restore_modes[i].c_str(),
                static_cast<long long>(entries));
  }
  for (size_t i = 1; i < rates.size(); ++i) {
    std::printf("restore      %s / %s = %.2fx\n", rates[0].first.c_str(), rates[i].first.c_str(),
                rates[0].second / rates[i].second);
  }
  return 0;
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
  std::string distributions = "cyclic";
  const char* kUsage =
      "usage: eddy-job-bench [--messages N] [--partitions P] [--keys K] [--restore-records R]\n"
      "                      [--scenario all|passthrough|rocksdb|changelog|guarantees|restore]\n"
      "                      [--commit-ms MS]  (task.commit.ms of the guarantees scenario)\n"
      "                      [--scrape-metrics off|on|both]  (serve and scrape /metrics every "
      "second)\n"
      "                      [--distribution cyclic|uniform|zipf[:K][,...]]  (input keys)\n"
      "                      [--store-option KEY=VALUE]...  (stores.counts.KEY of store jobs)\n"
      "                      [--restore-modes bulk|direct[,...]]  (restore once per mode)\n"
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
    else if (a == "--distribution")
      distributions = argv[i + 1];
    else if (a == "--store-option") {
      std::string kv = argv[i + 1];
      size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        std::fprintf(stderr, "eddy-job-bench: --store-option: expected KEY=VALUE, got '%s'\n%s",
                     kv.c_str(), kUsage);
        return 2;
      }
      env.store_options.push_back({kv.substr(0, eq), kv.substr(eq + 1)});
    } else if (a == "--restore-modes") {
      env.restore_modes.clear();
      std::stringstream in(argv[i + 1]);
      std::string mode;
      while (std::getline(in, mode, ',')) {
        if (mode != "bulk" && mode != "direct") {
          std::fprintf(stderr,
                       "eddy-job-bench: --restore-modes: expected bulk or direct, got '%s'\n%s",
                       mode.c_str(), kUsage);
          return 2;
        }
        env.restore_modes.push_back(mode);
      }
      if (env.restore_modes.empty()) {
        std::fprintf(stderr, "eddy-job-bench: --restore-modes: empty\n%s", kUsage);
        return 2;
      }
    } else if (a == "--scrape-metrics") {
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
  // (name, keys) per input distribution.
  std::vector<std::pair<std::string, int64_t>> dists;
  {
    std::stringstream in(distributions);
    std::string d;
    while (std::getline(in, d, ',')) {
      int64_t keys = env.keys;
      size_t colon = d.find(':');
      if (colon != std::string::npos) {
        keys = std::atoll(d.c_str() + colon + 1);
        d.resize(colon);
      }
      if ((d != "cyclic" && d != "uniform" && d != "zipf") || keys < 1) {
        std::fprintf(stderr,
                     "eddy-job-bench: --distribution: expected cyclic, uniform or zipf with an "
                     "optional :KEYS >= 1, got '%s'\n%s",
                     distributions.c_str(), kUsage);
        return 2;
      }
      dists.push_back({d, keys});
    }
    if (dists.empty()) {
      std::fprintf(stderr, "eddy-job-bench: --distribution: empty\n%s", kUsage);
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
  for (const auto& [dist, keys] : dists) {
    if (!jobs) break;
    const bool several = dists.size() > 1;
    env.input = several ? "bench-in-" + dist + "-" + std::to_string(keys) : "bench-in";
    env.suffix = several ? "-" + dist + "-" + std::to_string(keys) : "";
    logstore::ClientOptions co;
    co.bootstrap = env.bootstrap;
    auto admin = logstore::AdminClient::Connect(co);
    if (!admin.ok() || !(*admin)->CreateTopic(env.input, env.partitions).ok()) return 1;
    logstore::ProducerOptions po;
    po.client = co;
    auto p = logstore::Producer::Create(po);
    if (!p.ok()) return 1;
    std::string value(90, 'x');
    char key[32];
    KeySequence seq(dist, keys);
    auto t0 = Clock::now();
    for (int64_t i = 0; i < env.messages; ++i) {
      std::snprintf(key, sizeof(key), "k%09lld", static_cast<long long>(seq.Next(i)));
      if (!(*p)->Send(env.input, static_cast<int32_t>(i % env.partitions),
                      std::string_view(key, 10), value)
               .ok()) {
        return 1;
      }
    }
    if (!(*p)->Close().ok()) return 1;
    double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf(
        "input        %s: %lld messages of 100 bytes (10-byte key + 90-byte value, %s keys over "
        "%lld) in %d partitions, produced in %.2fs\n",
        env.input.c_str(), static_cast<long long>(env.messages), dist.c_str(),
        static_cast<long long>(keys), env.partitions, secs);
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
  }
  if (scenario == "all" || scenario == "restore") rc |= RunRestore(env);
  env.logd.Stop(std::chrono::seconds(10));
  std::error_code ec;
  std::filesystem::remove_all(env.dir, ec);
  return rc;
}
