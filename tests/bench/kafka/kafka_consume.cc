// kafka_consume: Kafka-client consume speed next to the native consumer, same broker, same run.
// Starts eddy-logd (found next to this binary, or --logd PATH) with the Kafka listener on, writes
// N records of S bytes into two one-partition topics, one with the native producer (gRPC) and
// one with librdkafka's producer (its defaults: linger.ms 5, batch.num.messages 10000), then
// for R rounds reads each topic from the beginning with
//   kcat-default  `kcat -C -b B -t T -o beginning -e -q` (librdkafka defaults),
//   native        log-store/client Consumer with its defaults,
//   kcat-tuned    kcat-default plus -X queued.min.messages=10000000
//                 -X queued.max.messages.kbytes=2097151 (librdkafka never pauses fetching),
// and prints msgs/s to the last record, the CPU time eddy-logd used for that read (from
// /proc/<pid>/stat), and the median of each over the rounds. kcat's stdout is
// read through a pipe; as it is block-buffered, kcat's clock stops when all but the last 64 KiB
// of records are in (the rest comes at exit, after the final long poll of `-e`; the time to
// exit is printed too). Every reader's output is checked: exactly N records, the i-th value starting with
// i in decimal (no gaps, no duplicates, in order).
// With --analyze every kcat run also gets `-d fetch,protocol` (debug logging only; the fetch
// settings stay the defaults) and the tool prints, from librdkafka's log, how many Fetch
// responses carried data, their mean size, the summed broker round trips, and how long fetching
// was paused because librdkafka's queue was above queued.min.messages (librdkafka 2.0.2 then
// sleeps until its next 1 s broker-thread tick; see docs/benchmarks/kafka.md).
//   kafka_consume [--messages 3000000] [--size 100] [--rounds 3] [--logd PATH] [--kcat PATH]
//                 [--dir DIR] [--analyze] [--logd-arg ARG]... [--skip-native-topic]
//                 [--skip-rdkafka-topic]
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "log-store/client/admin_client.h"
#include "log-store/client/consumer.h"
#include "log-store/client/producer.h"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "kafka_consume: %s\n", what.c_str());
  std::exit(1);
}

// The i-th record's value: i in decimal, then 'x' up to `size` bytes (printable, no newline,
// so kcat's one-line-per-record output can be checked).
std::string Value(int64_t i, size_t size) {
  std::string v = std::to_string(i);
  v.push_back(' ');
  if (v.size() < size) v.append(size - v.size(), 'x');
  return v;
}

// Checks records in order: the value must start with the expected index.
class Checker {
 public:
  bool Check(std::string_view value) {
    int64_t got = 0;
    size_t i = 0;
    while (i < value.size() && value[i] >= '0' && value[i] <= '9') {
      got = got * 10 + (value[i] - '0');
      ++i;
    }
    if (i == 0 || got != next_) {
      if (error_.empty()) {
        error_ = "record " + std::to_string(next_) + ": got value starting \"" +
                 std::string(value.substr(0, std::min<size_t>(value.size(), 24))) + "\"";
      }
      ++next_;
      return false;
    }
    ++next_;
    return true;
  }
  int64_t count() const { return next_; }
  const std::string& error() const { return error_; }

 private:
  int64_t next_ = 0;
  std::string error_;
};

struct Logd {
  pid_t pid = -1;
  std::string native, kafka;
};

Logd StartLogd(const std::string& binary, const std::string& dir,
               const std::vector<std::string>& extra) {
  std::filesystem::create_directories(dir);
  const std::string out = dir + "/logd.out", err = dir + "/logd.err";
  std::vector<std::string> args = {binary,          "--data-dir",       dir + "/data",
                                   "--listen",      "127.0.0.1:0",      "--kafka-listen",
                                   "127.0.0.1:0",   "--http-address",   ""};
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  Logd l;
  if (posix_spawn(&l.pid, binary.c_str(), &fa, nullptr, argv.data(), environ) != 0)
    Die("cannot start " + binary);
  posix_spawn_file_actions_destroy(&fa);
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < deadline && (l.native.empty() || l.kafka.empty())) {
    std::ifstream in(out);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("eddy-logd listening on ", 0) == 0) l.native = line.substr(23);
      if (line.rfind("eddy-logd kafka listening on ", 0) == 0) l.kafka = line.substr(29);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (l.native.empty() || l.kafka.empty()) Die("eddy-logd did not start; see " + err);
  return l;
}

void ProduceNative(const std::string& bootstrap, const std::string& topic, int64_t n,
                   size_t size) {
  eddy::logstore::ProducerOptions po;
  po.client.bootstrap = bootstrap;
  po.acks = 1;
  auto producer = eddy::logstore::Producer::Create(po);
  if (!producer.ok()) Die("native producer: " + producer.status().ToString());
  for (int64_t i = 0; i < n; ++i) {
    auto st = (*producer)->Send(topic, 0, std::nullopt, Value(i, size), 0);
    if (!st.ok()) Die("native send: " + st.ToString());
  }
  if (auto st = (*producer)->Flush(); !st.ok()) Die("native flush: " + st.ToString());
}

void DeliveryCb(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  if (m->err) ++*static_cast<long*>(opaque);
}

void ProduceRdkafka(const std::string& bootstrap, const std::string& topic, int64_t n,
                    size_t size) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  long failed = 0;
  rd_kafka_conf_set_opaque(conf, &failed);
  rd_kafka_conf_set_dr_msg_cb(conf, DeliveryCb);
  for (auto [k, v] : std::vector<std::pair<const char*, const char*>>{
           {"bootstrap.servers", bootstrap.c_str()},
           {"queue.buffering.max.messages", "1000000"},
           {"acks", "1"}}) {
    if (rd_kafka_conf_set(conf, k, v, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK)
      Die(std::string(k) + ": " + errstr);
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (rk == nullptr) Die(std::string("rd_kafka_new: ") + errstr);
  for (int64_t i = 0; i < n; ++i) {
    std::string v = Value(i, size);
    while (true) {
      rd_kafka_resp_err_t err = rd_kafka_producev(
          rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
          RD_KAFKA_V_VALUE(v.data(), v.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) Die(std::string("produce: ") + rd_kafka_err2str(err));
      rd_kafka_poll(rk, 10);
    }
    rd_kafka_poll(rk, 0);
  }
  if (rd_kafka_flush(rk, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR) Die("librdkafka flush timed out");
  rd_kafka_destroy(rk);
  if (failed > 0) Die(std::to_string(failed) + " librdkafka deliveries failed");
}

// Records of kcat's output not waited for (see RunKcat).
int64_t KcatTail(int64_t n, size_t size) {
  return std::min<int64_t>(n - 1, 65536 / static_cast<int64_t>(size + 1) + 1);
}

struct Run {
  double to_last_s = 0;  // start to the last record
  double to_exit_s = 0;  // kcat: start to its exit
  std::string analysis;
};

// librdkafka's debug log of one kcat run (-d fetch,protocol) summarized.
std::string Analyze(const std::string& log) {
  std::istringstream in(log);
  std::string line;
  double first = -1, last_data = -1, rtt_ms = 0, paused_at = -1, paused_s = 0;
  long responses = 0, bytes = 0, pauses = 0;
  auto ts = [](const std::string& l) {
    const size_t a = l.find('|');
    return a == std::string::npos ? -1.0 : std::atof(l.c_str() + a + 1);
  };
  while (std::getline(in, line)) {
    const double t = ts(line);
    if (first < 0 && t > 0) first = t;
    size_t at = line.find("Received FetchResponse (v");
    if (at != std::string::npos) {
      const size_t comma = line.find(", ", at);
      const long size = comma == std::string::npos ? 0 : std::atol(line.c_str() + comma + 2);
      const size_t rtt = line.find("rtt ", at);
      if (size > 1000) {  // carried records (an empty answer is a few dozen bytes)
        ++responses;
        bytes += size;
        last_data = t;
        if (rtt != std::string::npos) rtt_ms += std::atof(line.c_str() + rtt + 4);
      }
    }
    if (line.find("not fetchable: queued.m") != std::string::npos) {
      paused_at = t;
      ++pauses;
    } else if (line.find(") is fetchable") != std::string::npos && paused_at > 0) {
      paused_s += t - paused_at;
      paused_at = -1;
    }
  }
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "%ld data responses, mean %.0f KiB, broker rtt sum %.3f s, fetching paused "
                "%ld x = %.3f s of %.3f s",
                responses, responses ? bytes / 1024.0 / responses : 0.0, rtt_ms / 1000, pauses,
                paused_s, last_data - first);
  return buf;
}

Run RunKcat(const std::string& kcat, const std::string& bootstrap, const std::string& topic,
            int64_t n, size_t size, const std::vector<std::string>& props, bool analyze,
            const std::string& dir) {
  std::vector<std::string> args = {kcat, "-C", "-b", bootstrap, "-t", topic,
                                   "-o", "beginning", "-e", "-q"};
  for (const auto& p : props) {
    args.push_back("-X");
    args.push_back(p);
  }
  if (analyze) {
    args.push_back("-d");
    args.push_back("fetch,protocol");
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int fds[2];
  if (pipe(fds) != 0) Die("pipe");
  const std::string errf = dir + "/kcat.err";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  posix_spawn_file_actions_addopen(&fa, 2, errf.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  const auto t0 = Clock::now();
  pid_t pid;
  if (posix_spawn(&pid, kcat.c_str(), &fa, nullptr, argv.data(), environ) != 0)
    Die("cannot run " + kcat);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  Checker check;
  // kcat's stdout is a block-buffered pipe: its last few KiB come only at exit, after the
  // final long poll of `-e`. So the clock stops when all but the last 64 KiB of records are in.
  const int64_t tail = KcatTail(n, size);
  std::string buf(1 << 20, '\0'), partial;
  Run r;
  while (true) {
    const ssize_t got = read(fds[0], buf.data(), buf.size());
    if (got <= 0) break;
    std::string_view data(buf.data(), static_cast<size_t>(got));
    while (!data.empty()) {
      const size_t nl = data.find('\n');
      if (nl == std::string_view::npos) {
        partial.append(data);
        break;
      }
      if (!partial.empty()) {
        partial.append(data.substr(0, nl));
        check.Check(partial);
        partial.clear();
      } else {
        check.Check(data.substr(0, nl));
      }
      data.remove_prefix(nl + 1);
      if (check.count() == n - tail) r.to_last_s = Seconds(Clock::now() - t0);
    }
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  r.to_exit_s = Seconds(Clock::now() - t0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    Die("kcat failed (status " + std::to_string(status) + "); see " + errf);
  if (check.count() != n || !check.error().empty())
    Die("kcat " + topic + ": " + std::to_string(check.count()) + " records, want " +
        std::to_string(n) + (check.error().empty() ? "" : "; " + check.error()));
  if (analyze) {
    std::ifstream in(errf);
    std::stringstream ss;
    ss << in.rdbuf();
    r.analysis = Analyze(ss.str());
  }
  return r;
}

Run RunNative(const std::string& bootstrap, const std::string& topic, int64_t n) {
  eddy::logstore::ConsumerOptions co;
  co.client.bootstrap = bootstrap;
  const auto t0 = Clock::now();
  auto consumer = eddy::logstore::Consumer::Create(co);
  if (!consumer.ok()) Die("native consumer: " + consumer.status().ToString());
  if (auto st = (*consumer)->Assign({{topic, 0}}); !st.ok()) Die("assign: " + st.ToString());
  Checker check;
  while (check.count() < n) {
    auto polled = (*consumer)->Poll(std::chrono::milliseconds(1000));
    if (!polled.ok()) Die("poll: " + polled.status().ToString());
    for (auto& fp : *polled) {
      if (!fp.error.ok()) Die("fetch: " + fp.error.ToString());
      auto it = fp.Records();
      eddy::logstore::Record rec;
      while (it.Next(&rec)) check.Check(rec.value ? *rec.value : std::string_view());
      if (!it.status().ok()) Die("records: " + it.status().ToString());
    }
  }
  Run r;
  r.to_last_s = r.to_exit_s = Seconds(Clock::now() - t0);
  if (check.count() != n || !check.error().empty())
    Die("native " + topic + ": " + std::to_string(check.count()) + " records, want " +
        std::to_string(n) + (check.error().empty() ? "" : "; " + check.error()));
  return r;
}

// CPU seconds (user + system) process `pid` has used so far, from /proc/<pid>/stat.
double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(stat.substr(paren + 2));
  std::string f;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {  // field 3 is the state
    if (i == 14) utime = std::atol(f.c_str());
    if (i == 15) stime = std::atol(f.c_str());
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int64_t n = 3000000;
  size_t size = 100;
  int rounds = 3;
  bool analyze = false, native_topic = true, rdkafka_topic = true;
  std::string logd = (std::filesystem::path(argv[0]).parent_path() / "eddy-logd").string();
  std::string kcat = "/usr/bin/kcat";
  std::string dir = std::filesystem::temp_directory_path().string() + "/kafka-consume-" +
                    std::to_string(getpid());
  std::vector<std::string> logd_args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--messages") {
      n = std::atoll(value().c_str());
    } else if (a == "--size") {
      size = static_cast<size_t>(std::atoll(value().c_str()));
    } else if (a == "--rounds") {
      rounds = std::atoi(value().c_str());
    } else if (a == "--logd") {
      logd = value();
    } else if (a == "--kcat") {
      kcat = value();
    } else if (a == "--dir") {
      dir = value();
    } else if (a == "--logd-arg") {
      logd_args.push_back(value());
    } else if (a == "--analyze") {
      analyze = true;
    } else if (a == "--skip-native-topic") {
      native_topic = false;
    } else if (a == "--skip-rdkafka-topic") {
      rdkafka_topic = false;
    } else if (a == "--help" || a == "-h") {
      std::printf("usage: kafka_consume [--messages N] [--size B] [--rounds R] [--logd PATH] "
                  "[--kcat PATH] [--dir D] [--analyze] [--logd-arg ARG]... "
                  "[--skip-native-topic] [--skip-rdkafka-topic]\n"
                  "Reads N records of B bytes from one eddy-logd with kcat (default settings), "
                  "the native consumer and kcat (tuned), in the same run, checking every record "
                  "(docs/benchmarks/kafka.md).\n");
      return 0;
    } else {
      std::fprintf(stderr,
                   "usage: kafka_consume [--messages N] [--size B] [--rounds R] [--logd PATH] "
                   "[--kcat PATH] [--dir D] [--analyze] [--logd-arg ARG]... "
                   "[--skip-native-topic] [--skip-rdkafka-topic]\nunknown flag %s\n",
                   a.c_str());
      return 2;
    }
  }
  if (n <= 0 || size < 16 || rounds <= 0) Die("--messages and --rounds must be > 0, --size >= 16");

  Logd l = StartLogd(logd, dir, logd_args);
  std::printf("kafka_consume: %lld x %zu B per topic, 1 partition, %d round(s); eddy-logd pid %d "
              "kafka %s\n",
              static_cast<long long>(n), size, rounds, l.pid, l.kafka.c_str());
  std::fflush(stdout);
  eddy::logstore::ClientOptions copts;
  copts.bootstrap = l.native;
  auto admin = eddy::logstore::AdminClient::Connect(copts);
  if (!admin.ok()) Die("admin: " + admin.status().ToString());
  std::vector<std::pair<std::string, std::string>> topics;  // (label, topic)
  if (native_topic) topics.push_back({"native-produced", "consume-native"});
  if (rdkafka_topic) topics.push_back({"librdkafka-produced", "consume-rdkafka"});
  for (const auto& [label, t] : topics) {
    if (auto st = (*admin)->CreateTopic(t, 1); !st.ok()) Die("create " + t + ": " + st.ToString());
    const auto t0 = Clock::now();
    if (t == "consume-native")
      ProduceNative(l.native, t, n, size);
    else
      ProduceRdkafka(l.kafka, t, n, size);
    std::printf("produced %s (%s) in %.2f s\n", t.c_str(), label.c_str(), Seconds(Clock::now() - t0));
    std::fflush(stdout);
  }

  const std::vector<std::string> tuned = {"queued.min.messages=10000000",
                                          "queued.max.messages.kbytes=2097151"};
  std::map<std::string, std::vector<double>> rates;  // "topic reader" -> msgs/s per round
  for (int round = 1; round <= rounds; ++round) {
    for (const auto& [label, t] : topics) {
      double cpu0 = CpuSeconds(l.pid);
      auto line = [&](const std::string& reader, const Run& r, bool kcat_run) {
        const double rate = (kcat_run ? n - KcatTail(n, size) : n) / r.to_last_s;
        rates[t + " " + reader].push_back(rate);
        const double cpu1 = CpuSeconds(l.pid);
        std::printf("round %d %-16s %-13s %9.2f M msgs/s  (%.3f s to the last record", round,
                    t.c_str(), reader.c_str(), rate / 1e6, r.to_last_s);
        if (kcat_run) std::printf(", %.3f s to exit", r.to_exit_s);
        std::printf("; eddy-logd CPU %.0f ms)\n", (cpu1 - cpu0) * 1000);
        cpu0 = cpu1;
        if (!r.analysis.empty()) std::printf("    %s\n", r.analysis.c_str());
        std::fflush(stdout);
      };
      line("kcat-default", RunKcat(kcat, l.kafka, t, n, size, {}, analyze, dir), true);
      line("native", RunNative(l.native, t, n), false);
      line("kcat-tuned", RunKcat(kcat, l.kafka, t, n, size, tuned, analyze, dir), true);
    }
  }
  std::printf("median over %d round(s):\n", rounds);
  for (const auto& [label, t] : topics) {
    std::printf("  %-16s", t.c_str());
    for (const char* reader : {"kcat-default", "native", "kcat-tuned"})
      std::printf("  %s %.2f M/s", reader, Median(rates[t + " " + reader]) / 1e6);
    std::printf("\n");
  }
  kill(l.pid, SIGTERM);
  int status = 0;
  waitpid(l.pid, &status, 0);
  std::filesystem::remove_all(dir);
  return 0;
}
