// eddy-latency-bench: open-loop end-to-end latency through a stateful job (issue 13).
//   eddy-latency-bench [--rates R1,R2,...] [--seconds S] [--warmup-seconds W] [--keys K]
//                      [--partitions P] [--guarantee at_least_once|exactly_once]
//                      [--producer-linger-ms MS] [--drain-seconds D] [--set k=v]...
//                      [--bin-dir D]
// Starts a real eddy-logd on a temp dir and a real job (`eddy-container run`, which spawns one
// eddy-container) running LatencyCount (latency_count_task.cc): a count per key in a RocksDB
// store logged to a changelog, one output per input. Then, for each rate, a producer thread
// sends rate*S messages at fixed times (open loop: message i is due at start + i/rate and is
// sent when due, whatever the job does; a producer that falls behind sends late messages at
// once), while the main thread reads the job's output. A message's latency is its output's
// arrival minus its SCHEDULED send time, so a stall anywhere (producer, broker, job, commit)
// counts for every message it delays (no coordinated omission). Messages of the first W seconds
// of each rate are checked but not in the percentiles. Exact sorted samples give p50, p99,
// p99.9 and max. The rate actually sustained is the output rate while the job is fed (outputs
// that arrive between the end of the warm-up and the last scheduled send, per second); a rate
// is "sustained" only if every message came out, the producer kept its schedule and that
// output rate is >= 95 % of the target (else the line says NOT SUSTAINED and why). Counts are
// checked: each key's last output count must equal the messages sent for that key so far. One line
// per rate starts with "result " and holds key=value pairs (for scripts and the smoke test,
// tests/bench/runtime/latency_bench_test.cc). Exit code 0 when every message was accounted for and
// every count was exact, 1 otherwise, 2 on bad usage.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "log-store/client/admin_client.h"
#include "log-store/client/consumer.h"
#include "log-store/client/producer.h"
#include "runtime/standalone/child_process.h"

namespace {

using Clock = std::chrono::steady_clock;
using eddy::runtime::ChildProcess;
namespace ls = eddy::logstore;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// user+sys CPU seconds of a process (/proc/<pid>/stat fields 14 and 15), 0 if it is gone.
double CpuSeconds(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string st((std::istreambuf_iterator<char>(f)), {});
  size_t close = st.rfind(')');
  if (close == std::string::npos) return 0;
  std::vector<std::string> fields;
  for (size_t b = close + 2; b < st.size();) {
    size_t e = st.find(' ', b);
    if (e == std::string::npos) e = st.size();
    fields.push_back(st.substr(b, e - b));
    b = e + 1;
  }
  if (fields.size() < 13) return 0;  // fields[0] is field 3 (state)
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  return (std::strtod(fields[11].c_str(), nullptr) + std::strtod(fields[12].c_str(), nullptr)) /
         ticks;
}

// CPU seconds of `pid` and its children (the job's runner and its eddy-container).
double TreeCpuSeconds(pid_t pid) {
  double total = CpuSeconds(pid);
  std::ifstream f("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
  long child = 0;
  while (f >> child) total += CpuSeconds(static_cast<pid_t>(child));
  return total;
}

struct Options {
  std::vector<int64_t> rates = {10000, 100000, 1000000};
  double seconds = 10;
  double warmup_seconds = 1;
  int64_t keys = 1000;
  int32_t partitions = 4;
  std::string guarantee = "at_least_once";
  int64_t producer_linger_ms = -1;  // -1: the producer's default
  double drain_seconds = 15;
  std::vector<std::string> sets;       // job config overrides
  std::string bin_dir = EDDY_BIN_DIR;  // where eddy-logd and eddy-container are
};

// What one rate's run saw. recv_ns[seq] = arrival time of message seq's output (0 = not yet).
struct RunResult {
  int64_t target_rate = 0;
  int64_t sent = 0;
  int64_t received = 0;
  int64_t duplicates = 0;
  int64_t max_send_lag_ns = 0;  // how late the producer sent a message against its schedule
  int64_t start_ns = 0, last_send_ns = 0, last_recv_ns = 0;
  int64_t end_of_schedule_ns = 0;  // when the last message was due
  // Outputs that arrived after the warm-up and before the end of the schedule, and that span:
  // the rate the job kept up while it was being fed.
  int64_t steady_outputs = 0;
  double steady_secs = 0;
  std::vector<int64_t> latencies_ns;  // measured messages (after the warm-up), sorted
  bool counts_exact = true;
  std::string count_error;
  double job_cpu_s = 0, logd_cpu_s = 0;  // CPU the job (runner + container) and eddy-logd used
};

int64_t Quantile(const std::vector<int64_t>& sorted, double q) {
  if (sorted.empty()) return -1;
  // Nearest rank: the smallest sample with at least q of the samples at or below it.
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

// Message value (90 bytes): "<run, 3 digits>:<seq, 12 digits>:" padded with 'x'.
void FormatValue(char* buf, int run, int64_t seq) {  // buf: 96 bytes
  std::snprintf(buf, 96, "%03d:%012" PRId64 ":", run % 1000, seq % 1000000000000);
  std::memset(buf + 17, 'x', 90 - 17);
}

void FormatKey(char* buf, int64_t k) { std::snprintf(buf, 12, "k%09" PRId64, k); }

// A whole decimal integer (std::from_chars: Debian's absl::string_view is not std's).
bool ParseInt(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

bool ParseDouble(const std::string& s, double* out) {
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return !s.empty() && end == s.c_str() + s.size();
}

// Parses "<count>|<run>:<seq>:..." from an output value.
bool ParseOutput(std::string_view v, int64_t* count, int* run, int64_t* seq) {
  size_t bar = v.find('|');
  if (bar == std::string_view::npos || v.size() < bar + 1 + 17) return false;
  int64_t r = 0;
  if (!ParseInt(v.substr(0, bar), count)) return false;
  if (!ParseInt(v.substr(bar + 1, 3), &r)) return false;
  if (!ParseInt(v.substr(bar + 5, 12), seq)) return false;
  *run = static_cast<int>(r);
  return true;
}

class Bench {
 public:
  explicit Bench(Options o) : o_(std::move(o)) {}

  int Main() {
    char tmpl[] = "/tmp/eddy-latency-bench-XXXXXX";
    if (!mkdtemp(tmpl)) {
      std::perror("eddy-latency-bench: mkdtemp");
      return 1;
    }
    dir_ = tmpl;
    int rc = Run();
    job_.Stop(std::chrono::seconds(20));
    logd_.Stop(std::chrono::seconds(10));
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    return rc;
  }

 private:
  int Fail(const std::string& what) {
    std::fprintf(stderr, "eddy-latency-bench: %s\n", what.c_str());
    return 1;
  }

  int Run() {
    if (auto s = logd_.Start(
            {o_.bin_dir + "/eddy-logd", "--data-dir", dir_ + "/log", "--listen", "127.0.0.1:0"},
            true);
        !s.ok()) {
      return Fail("start eddy-logd: " + std::string(s.message()));
    }
    auto line = logd_.ReadLineContaining("listening on", std::chrono::seconds(30));
    if (!line.ok()) return Fail("eddy-logd did not say 'listening on'");
    bootstrap_ = line->substr(line->rfind(' ') + 1);
    ls::ClientOptions co;
    co.bootstrap = bootstrap_;
    auto admin = ls::AdminClient::Connect(co);
    if (!admin.ok()) return Fail(std::string(admin.status().message()));
    for (const char* t : {"lat-in", "lat-out"}) {
      if (auto s = (*admin)->CreateTopic(t, o_.partitions); !s.ok()) {
        return Fail("create topic " + std::string(t) + ": " + std::string(s.message()));
      }
    }
    if (int r = StartJob(); r != 0) return r;

    ls::ProducerOptions po;
    po.client = co;
    if (o_.producer_linger_ms >= 0) po.linger = std::chrono::milliseconds(o_.producer_linger_ms);
    auto producer = ls::Producer::Create(po);
    if (!producer.ok()) return Fail(std::string(producer.status().message()));
    producer_ = std::move(*producer);
    ls::ConsumerOptions cons;
    cons.client = co;
    auto consumer = ls::Consumer::Create(cons);
    if (!consumer.ok()) return Fail(std::string(consumer.status().message()));
    consumer_ = std::move(*consumer);
    std::vector<ls::TopicPartition> tps;
    for (int32_t p = 0; p < o_.partitions; ++p) tps.push_back({"lat-out", p});
    if (auto s = consumer_->Assign(tps); !s.ok()) return Fail(std::string(s.message()));
    sent_per_key_.assign(static_cast<size_t>(o_.keys), 0);
    last_count_.assign(static_cast<size_t>(o_.keys), 0);

    // Warm-up (run 0): until the job answers at all (it starts, creates its changelog, ...).
    std::printf(
        "job          LatencyCount, count per key in RocksDB + changelog, %s, %lld keys, "
        "%d partitions; config overrides:%s\n",
        o_.guarantee.c_str(), static_cast<long long>(o_.keys), o_.partitions,
        overrides_.empty() ? " none" : overrides_.c_str());
    RunResult warm = RunRate(0, 1000, 2.0, 120.0);
    if (warm.received != warm.sent) {
      return Fail("warm-up: the job answered " + std::to_string(warm.received) + " of " +
                  std::to_string(warm.sent) + " messages within 120 s");
    }
    bool ok = warm.counts_exact;
    for (size_t i = 0; i < o_.rates.size(); ++i) {
      RunResult r = RunRate(static_cast<int>(i + 1), o_.rates[i], o_.seconds, o_.drain_seconds);
      ok = Report(r) && ok;
    }
    if (auto s = producer_->Close(); !s.ok()) return Fail(std::string(s.message()));
    int status = 0;
    if (job_.Poll(&status)) return Fail("the job exited during the run");
    return ok ? 0 : 1;
  }

  int StartJob() {
    std::string cfg = dir_ + "/latency.properties";
    std::ofstream f(cfg);
    f << "job.name=latency\n"
      << "task.class=LatencyCount\n"
      << "task.library=" << EDDY_LATENCY_TASK_LIB << "\n"
      << "task.inputs=eddy.lat-in\n"
      << "job.container.count=1\n"
      << "processing.guarantee=" << o_.guarantee << "\n"
      << "systems.eddy.factory=eddy\n"
      << "systems.eddy.bootstrap.servers=" << bootstrap_ << "\n"
      << "systems.eddy.samza.offset.default=oldest\n"
      << "stores.counts.factory=rocksdb\n"
      << "stores.counts.key.serde=string\n"
      << "stores.counts.msg.serde=int64\n"
      << "stores.counts.changelog=eddy.latency-counts-changelog\n"
      << "app.latency.output=eddy.lat-out\n";
    f.close();
    if (!f) return Fail("cannot write " + cfg);
    std::vector<std::string> argv = {
        o_.bin_dir + "/eddy-container", "run", "--config", cfg, "--work-dir", dir_ + "/work"};
    for (const auto& s : o_.sets) {
      argv.push_back("--set");
      argv.push_back(s);
      overrides_ += " " + s;
    }
    if (auto s = job_.Start(argv); !s.ok()) {
      return Fail("start eddy-container run: " + std::string(s.message()));
    }
    return 0;
  }

  // Produces rate*seconds messages of run `run` on schedule while reading the output, until
  // every output came or `drain` seconds after the last scheduled send.
  RunResult RunRate(int run, int64_t rate, double seconds, double drain) {
    RunResult r;
    r.target_rate = rate;
    const int64_t n = std::max<int64_t>(1, static_cast<int64_t>(seconds * rate));
    r.sent = n;
    std::vector<int64_t> recv(static_cast<size_t>(n), 0);
    const double gap_ns = 1e9 / static_cast<double>(rate);
    const double job_cpu0 = TreeCpuSeconds(job_.pid()), logd_cpu0 = CpuSeconds(logd_.pid());
    const int64_t start = NowNs() + 20'000'000;  // 20 ms to get both threads going
    r.start_ns = start;
    std::atomic<bool> producer_failed{false};
    std::atomic<int64_t> last_send{0}, max_lag{0};
    // Sent-per-key counts as of the end of this run, for the count check.
    std::vector<int64_t> expected = sent_per_key_;
    for (int64_t seq = 0; seq < n; ++seq) ++expected[static_cast<size_t>(KeyOf(run, seq))];
    std::thread producer([&] {
      char key[16], value[96];
      int64_t lag = 0;
      for (int64_t seq = 0; seq < n; ++seq) {
        const int64_t due = start + static_cast<int64_t>(static_cast<double>(seq) * gap_ns);
        int64_t now = NowNs();
        if (now < due) {
          // Sleep, never spin: a spinning producer would take one of the machine's cores from
          // the job. The sleep overshoots by ~50-100 us; the messages that fell due meanwhile
          // go out at once, each still measured from its own scheduled time.
          std::this_thread::sleep_for(std::chrono::nanoseconds(due - now));
          now = NowNs();
        }
        lag = std::max(lag, now - due);
        FormatKey(key, KeyOf(run, seq));
        FormatValue(value, run, seq);
        auto s =
            producer_->Send("lat-in", -1, std::string_view(key, 10), std::string_view(value, 90));
        if (!s.ok()) {
          std::fprintf(stderr, "eddy-latency-bench: send: %s\n", std::string(s.message()).c_str());
          producer_failed = true;
          break;
        }
      }
      last_send = NowNs();
      max_lag = lag;
    });
    const int64_t end_of_schedule = start + static_cast<int64_t>(static_cast<double>(n) * gap_ns);
    const int64_t deadline = end_of_schedule + static_cast<int64_t>(drain * 1e9);
    while (r.received < n && NowNs() < deadline) {
      auto got = consumer_->Poll(std::chrono::milliseconds(100));
      if (!got.ok()) {
        std::fprintf(stderr, "eddy-latency-bench: poll lat-out: %s\n",
                     std::string(got.status().message()).c_str());
        break;
      }
      const int64_t now = NowNs();
      for (const auto& fp : *got) {
        auto cur = fp.Records();
        ls::Record rec;
        while (cur.Next(&rec)) {
          int64_t count = 0, seq = 0;
          int rr = 0;
          if (!rec.value || !rec.key || !ParseOutput(*rec.value, &count, &rr, &seq)) {
            r.counts_exact = false;
            r.count_error = "an output record is not '<count>|<run>:<seq>:...'";
            continue;
          }
          int64_t k = 0;
          if (rec.key->size() != 10 || !ParseInt(rec.key->substr(1), &k) || k < 0 || k >= o_.keys) {
            r.counts_exact = false;
            r.count_error = "an output record has a key the bench did not send";
            continue;
          }
          auto& last = last_count_[static_cast<size_t>(k)];
          last = std::max(last, count);
          if (rr != run || seq < 0 || seq >= n) continue;  // an earlier run's duplicate
          if (recv[static_cast<size_t>(seq)] != 0) {
            ++r.duplicates;
            continue;
          }
          recv[static_cast<size_t>(seq)] = now;
          ++r.received;
          r.last_recv_ns = now;
        }
        if (!cur.status().ok()) {
          r.counts_exact = false;
          r.count_error = std::string(cur.status().message());
        }
      }
    }
    producer.join();
    if (auto s = producer_->Flush(); !s.ok()) producer_failed = true;
    r.job_cpu_s = TreeCpuSeconds(job_.pid()) - job_cpu0;
    r.logd_cpu_s = CpuSeconds(logd_.pid()) - logd_cpu0;
    r.last_send_ns = last_send;
    r.max_send_lag_ns = max_lag;
    if (producer_failed) r.sent = -1;
    sent_per_key_ = expected;
    for (int64_t k = 0; k < o_.keys && r.received == n; ++k) {
      if (last_count_[static_cast<size_t>(k)] != expected[static_cast<size_t>(k)]) {
        r.counts_exact = false;
        r.count_error = "key " + std::to_string(k) + ": last output count " +
                        std::to_string(last_count_[static_cast<size_t>(k)]) + ", sent " +
                        std::to_string(expected[static_cast<size_t>(k)]);
        break;
      }
    }
    const int64_t measured_from = start + static_cast<int64_t>(o_.warmup_seconds * 1e9);
    r.end_of_schedule_ns = end_of_schedule;
    const int64_t steady_from = run != 0 ? measured_from : start;
    for (int64_t t : recv) {
      if (t >= steady_from && t <= end_of_schedule) ++r.steady_outputs;
    }
    r.steady_secs = std::max(1e-9, (end_of_schedule - steady_from) / 1e9);
    r.latencies_ns.reserve(static_cast<size_t>(n));
    for (int64_t seq = 0; seq < n; ++seq) {
      const int64_t due = start + static_cast<int64_t>(static_cast<double>(seq) * gap_ns);
      if (due < measured_from && run != 0) continue;
      if (recv[static_cast<size_t>(seq)] == 0) continue;
      r.latencies_ns.push_back(recv[static_cast<size_t>(seq)] - due);
    }
    std::sort(r.latencies_ns.begin(), r.latencies_ns.end());
    return r;
  }

  // Keys cycle through [0, keys) in a fixed shuffle (a multiplicative step coprime to most key
  // counts), so every partition gets an even share and consecutive messages differ in key.
  int64_t KeyOf(int run, int64_t seq) const {
    return static_cast<int64_t>((static_cast<uint64_t>(seq) * 7919u + static_cast<uint64_t>(run)) %
                                static_cast<uint64_t>(o_.keys));
  }

  // Prints one rate's figures; false when a message is missing or a count is wrong.
  bool Report(const RunResult& r) {
    const double ms = 1e6;
    const double send_secs = std::max(1e-9, (r.last_send_ns - r.start_ns) / 1e9);
    const double producer_rate = r.sent > 0 ? r.sent / send_secs : 0;
    const double output_rate = r.steady_outputs / r.steady_secs;
    const double tail_ms = (r.last_recv_ns - r.end_of_schedule_ns) / ms;
    const bool all = r.sent > 0 && r.received == r.sent;
    std::string why;
    if (!all) {
      why = "only " + std::to_string(r.received) + " of " + std::to_string(r.sent) +
            " outputs within the drain time";
    } else if (producer_rate < 0.95 * r.target_rate) {
      why = "the producer fell behind its schedule";
    } else if (output_rate < 0.95 * r.target_rate) {
      why = "the job's output rate while fed is below 95 % of the target";
    }
    const bool sustained = why.empty();
    const auto& l = r.latencies_ns;
    std::printf(
        "rate %8lld msgs/s: sent %lld, out %lld, dup %lld; produce->output latency p50 %.2f ms, "
        "p99 %.2f ms, p99.9 %.2f ms, max %.2f ms (%zu samples); output %.0f msgs/s while fed, "
        "last output %.0f ms after the last send was due (producer %.0f msgs/s, max %.1f ms "
        "behind schedule); CPU job %.2f s + eddy-logd %.2f s%s%s\n",
        static_cast<long long>(r.target_rate), static_cast<long long>(r.sent),
        static_cast<long long>(r.received), static_cast<long long>(r.duplicates),
        Quantile(l, 0.5) / ms, Quantile(l, 0.99) / ms, Quantile(l, 0.999) / ms,
        l.empty() ? -1.0 : l.back() / ms, l.size(), output_rate, tail_ms, producer_rate,
        r.max_send_lag_ns / ms, r.job_cpu_s, r.logd_cpu_s,
        sustained ? "" : " NOT SUSTAINED: ", why.c_str());
    if (!r.counts_exact)
      std::printf("rate %8lld msgs/s: COUNTS WRONG: %s\n", static_cast<long long>(r.target_rate),
                  r.count_error.c_str());
    std::printf(
        "result rate=%lld sent=%lld received=%lld duplicates=%lld samples=%zu p50_us=%lld "
        "p99_us=%lld p999_us=%lld max_us=%lld output_rate=%.0f producer_rate=%.0f "
        "sustained=%d counts_exact=%d job_cpu_s=%.2f logd_cpu_s=%.2f\n",
        static_cast<long long>(r.target_rate), static_cast<long long>(r.sent),
        static_cast<long long>(r.received), static_cast<long long>(r.duplicates), l.size(),
        static_cast<long long>(Quantile(l, 0.5) / 1000),
        static_cast<long long>(Quantile(l, 0.99) / 1000),
        static_cast<long long>(Quantile(l, 0.999) / 1000),
        static_cast<long long>(l.empty() ? -1 : l.back() / 1000), output_rate, producer_rate,
        sustained ? 1 : 0, r.counts_exact ? 1 : 0, r.job_cpu_s, r.logd_cpu_s);
    std::fflush(stdout);
    return all && r.counts_exact;
  }

  Options o_;
  std::string dir_, bootstrap_, overrides_;
  ChildProcess logd_, job_;
  std::unique_ptr<ls::Producer> producer_;
  std::unique_ptr<ls::Consumer> consumer_;
  std::vector<int64_t> sent_per_key_;  // messages sent per key so far (all runs)
  std::vector<int64_t> last_count_;    // the largest count seen in the output per key
};

constexpr char kUsage[] =
    "usage: eddy-latency-bench [--rates R1,R2,...] [--seconds S] [--warmup-seconds W]\n"
    "                          [--keys K] [--partitions P]\n"
    "                          [--guarantee at_least_once|exactly_once]\n"
    "                          [--producer-linger-ms MS] [--drain-seconds D] [--set k=v]...\n"
    "                          [--bin-dir D]  (eddy-logd and eddy-container from D, e.g. an\n"
    "                          older build to compare against; default the build's bin/)\n"
    "Open-loop end-to-end latency: starts eddy-logd and a stateful job (eddy-container run,\n"
    "a count per key in RocksDB + changelog, one output per input), produces at each fixed\n"
    "rate (default 10000,100000,1000000 msgs/s) for S seconds (default 10) and reports\n"
    "produce->output latency p50/p99/p99.9/max, measured from each message's scheduled send\n"
    "time, and the output rate actually sustained. The first W seconds (default 1) of each\n"
    "rate are not in the percentiles. --set passes a job config override (repeatable), e.g.\n"
    "--set task.commit.ms=1000 or --set systems.eddy.producer.linger.ms=5. Defaults: 1000\n"
    "keys, 4 partitions, at_least_once, the producer's default linger, 15 s drain.\n";

int UsageError(const std::string& why) {
  std::fprintf(stderr, "eddy-latency-bench: %s\n%s", why.c_str(), kUsage);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (i + 1 >= argc) return UsageError(a + " needs a value");
    std::string v = argv[++i];
    auto bad = [&] { return UsageError(a + ": bad value '" + v + "'"); };
    if (a == "--rates") {
      o.rates.clear();
      for (size_t b = 0; b <= v.size();) {
        size_t e = v.find(',', b);
        if (e == std::string::npos) e = v.size();
        int64_t r = 0;
        if (!ParseInt(std::string_view(v).substr(b, e - b), &r) || r <= 0 || r > 100'000'000)
          return bad();
        o.rates.push_back(r);
        b = e + 1;
      }
    } else if (a == "--seconds") {
      if (!ParseDouble(v, &o.seconds) || !(o.seconds > 0) || o.seconds > 3600) return bad();
    } else if (a == "--warmup-seconds") {
      if (!ParseDouble(v, &o.warmup_seconds) || o.warmup_seconds < 0) return bad();
    } else if (a == "--drain-seconds") {
      if (!ParseDouble(v, &o.drain_seconds) || o.drain_seconds < 0) return bad();
    } else if (a == "--keys") {
      if (!ParseInt(v, &o.keys) || o.keys < 1 || o.keys > 1'000'000'000) return bad();
    } else if (a == "--partitions") {
      int64_t parts = 0;
      if (!ParseInt(v, &parts) || parts < 1 || parts > 1024) return bad();
      o.partitions = static_cast<int32_t>(parts);
    } else if (a == "--guarantee") {
      if (v != "at_least_once" && v != "exactly_once") return bad();
      o.guarantee = v;
    } else if (a == "--producer-linger-ms") {
      if (!ParseInt(v, &o.producer_linger_ms) || o.producer_linger_ms < 0) return bad();
    } else if (a == "--bin-dir") {
      if (!std::filesystem::exists(v + "/eddy-container") ||
          !std::filesystem::exists(v + "/eddy-logd")) {
        return UsageError("--bin-dir: no eddy-container and eddy-logd in '" + v + "'");
      }
      o.bin_dir = v;
    } else if (a == "--set") {
      if (v.find('=') == std::string::npos)
        return UsageError("--set: expected k=v, got '" + v + "'");
      o.sets.push_back(v);
    } else {
      return UsageError("unknown option " + a);
    }
  }
  if (o.warmup_seconds >= o.seconds) {
    return UsageError("--warmup-seconds must be less than --seconds");
  }
  // The samples of one rate: 8 bytes per message; refuse what would not fit comfortably.
  for (int64_t r : o.rates) {
    if (static_cast<double>(r) * o.seconds > 200e6) {
      return UsageError("--rates x --seconds: more than 200 M messages in one rate");
    }
  }
  return Bench(std::move(o)).Main();
}
