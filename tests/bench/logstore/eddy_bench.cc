// eddy-bench: whole-system load tool for the log store. Starts eddy-logd itself (found next to
// this binary, or --logd PATH), then runs produce and consume of fixed-size messages through the
// C++ client over loopback gRPC: 1 and 8 partitions, acks=1 and acks=all (the acks=all runs go
// to a second broker started with --fsync). Prints msgs/s, MB/s, p50/p99 produce request
// latency, peak RSS of client and brokers, and a plain-file write() reference of the same bytes
// measured in the same run.
//   eddy-bench [--messages N] [--size BYTES] [--logd PATH] [--dir DIR] [--fsync-messages N]
#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "log-store/client/admin_client.h"
#include "log-store/client/consumer.h"
#include "log-store/client/producer.h"
#include "tests/integration/logstore/process.h"

namespace {

using namespace eddy::logstore;
using Clock = std::chrono::steady_clock;

long PeakRssKb(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

struct Result {
  double secs = 0;
  int64_t msgs = 0;
  int64_t bytes = 0;  // payload bytes
  int64_t p50_us = -1, p99_us = -1;
};

void Print(const std::string& name, const Result& r, double file_mbps) {
  const double mbps = r.bytes / r.secs / 1e6;
  std::printf("%-34s %10.0f msgs/s %8.1f MB/s", name.c_str(), r.msgs / r.secs, mbps);
  if (r.p50_us >= 0) {
    std::printf("  p50 %6.2f ms  p99 %6.2f ms", r.p50_us / 1000.0, r.p99_us / 1000.0);
  } else {
    std::printf("  %27s", "");
  }
  if (file_mbps > 0) std::printf("  %.2fx file", mbps / file_mbps);
  std::printf("\n");
  std::fflush(stdout);
}

Result Produce(const std::string& bootstrap, const std::string& topic, int partitions, int acks,
               int64_t n, size_t size) {
  ProducerOptions po;
  po.client.bootstrap = bootstrap;
  po.acks = acks;
  po.batch_size = 1000 * 1000;
  po.max_request_bytes = 8 << 20;
  po.max_in_flight = 16;
  po.buffer_memory = 256 << 20;
  auto producer = Producer::Create(po);
  if (!producer.ok()) {
    std::fprintf(stderr, "producer: %s\n", producer.status().ToString().c_str());
    std::exit(1);
  }
  std::string value(size, 'x');
  const auto t0 = Clock::now();
  for (int64_t i = 0; i < n; ++i) {
    std::memcpy(value.data(), &i, std::min(sizeof(i), size));
    auto st =
        (*producer)->Send(topic, static_cast<int32_t>(i % partitions), std::nullopt, value, 0);
    if (!st.ok()) {
      std::fprintf(stderr, "send: %s\n", st.ToString().c_str());
      std::exit(1);
    }
  }
  auto st = (*producer)->Flush();
  const auto t1 = Clock::now();
  if (!st.ok()) {
    std::fprintf(stderr, "flush: %s\n", st.ToString().c_str());
    std::exit(1);
  }
  Result r;
  r.secs = Seconds(t1 - t0);
  r.msgs = n;
  r.bytes = n * static_cast<int64_t>(size);
  auto lat = (*producer)->RequestLatenciesMicros();
  std::sort(lat.begin(), lat.end());
  if (!lat.empty()) {
    r.p50_us = lat[lat.size() / 2];
    r.p99_us = lat[std::min(lat.size() - 1, lat.size() * 99 / 100)];
  }
  return r;
}

Result Consume(const std::string& bootstrap, const std::string& topic, int partitions, int64_t n) {
  ConsumerOptions co;
  co.client.bootstrap = bootstrap;
  co.max_partition_fetch_bytes = std::max(1 << 20, (16 << 20) / partitions);
  co.fetch_max_bytes = 16 << 20;
  co.fetch_max_wait = std::chrono::milliseconds(100);
  auto consumer = Consumer::Create(co);
  if (!consumer.ok()) std::exit(1);
  std::vector<TopicPartition> tps;
  for (int p = 0; p < partitions; ++p) tps.push_back({topic, p});
  if (!(*consumer)->Assign(tps).ok()) std::exit(1);
  int64_t got = 0, bytes = 0;
  const auto t0 = Clock::now();
  while (got < n) {
    auto polled = (*consumer)->Poll(std::chrono::milliseconds(1000));
    if (!polled.ok()) {
      std::fprintf(stderr, "poll: %s\n", polled.status().ToString().c_str());
      std::exit(1);
    }
    for (auto& fp : *polled) {
      if (!fp.error.ok()) {
        std::fprintf(stderr, "fetch: %s\n", fp.error.ToString().c_str());
        std::exit(1);
      }
      auto it = fp.Records();
      Record rec;
      while (it.Next(&rec)) {
        ++got;
        bytes += rec.value ? static_cast<int64_t>(rec.value->size()) : 0;
      }
    }
  }
  Result r;
  r.secs = Seconds(Clock::now() - t0);
  r.msgs = got;
  r.bytes = bytes;
  return r;
}

// The same payload bytes written to a file with write() in 1 MiB chunks (page cache; no fsync
// unless `sync`).
double FileAppendMBps(const std::string& path, int64_t total, bool sync) {
  std::string chunk(1 << 20, 'x');
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return -1;
  const auto t0 = Clock::now();
  for (int64_t done = 0; done < total;) {
    const size_t n = static_cast<size_t>(std::min<int64_t>(total - done, chunk.size()));
    if (::write(fd, chunk.data(), n) != static_cast<ssize_t>(n)) break;
    if (sync) ::fdatasync(fd);
    done += static_cast<int64_t>(n);
  }
  const double secs = Seconds(Clock::now() - t0);
  ::close(fd);
  ::unlink(path.c_str());
  return total / secs / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // reuse heap for the MiB-sized batch buffers
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  int64_t n = 3000000;
  size_t size = 100;
  std::string logd = (std::filesystem::path(argv[0]).parent_path() / "eddy-logd").string();
  std::string base = std::filesystem::temp_directory_path().string();
  const char* kUsage =
      "usage: eddy-bench [--messages N] [--size B] [--logd PATH] [--dir D]\n"
      "Starts two eddy-logd (page cache and --fsync) and measures native produce and consume\n"
      "against a plain write() of the same records. Defaults: 3000000 messages of 100 bytes.\n";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "eddy-bench: %s needs a value\n%s", a.c_str(), kUsage);
      return 2;
    }
    const char* v = argv[++i];
    if (a == "--messages")
      n = std::atoll(v);
    else if (a == "--size")
      size = static_cast<size_t>(std::atoll(v));
    else if (a == "--logd")
      logd = v;
    else if (a == "--dir")
      base = v;
    else {
      std::fprintf(stderr, "eddy-bench: unknown option %s\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  if (n <= 0 || size == 0) {
    std::fprintf(stderr, "eddy-bench: --messages and --size must be > 0\n");
    return 2;
  }
  const std::string dir = base + "/eddy-bench-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  eddy::testing::Broker plain(logd, dir + "/plain");
  eddy::testing::Broker synced(logd, dir + "/fsync", {"--fsync"});
  if (!plain.Start() || !synced.Start()) {
    std::fprintf(stderr, "eddy-bench: cannot start %s\n", logd.c_str());
    return 1;
  }
  auto admin_plain = AdminClient::Connect({.bootstrap = plain.bootstrap()});
  auto admin_sync = AdminClient::Connect({.bootstrap = synced.bootstrap()});
  std::printf("eddy-bench: %lld messages of %zu bytes per scenario, one client, loopback gRPC\n",
              static_cast<long long>(n), size);
  const double file_mbps = FileAppendMBps(dir + "/ref", n * static_cast<int64_t>(size), false);
  std::printf("%-34s %10.0f msgs/s %8.1f MB/s  (reference)\n", "plain file write()",
              file_mbps * 1e6 / size, file_mbps);
  const std::map<std::string, std::string> cfg = {{"max.message.bytes", "4194304"},
                                                  {"segment.bytes", "1073741824"}};
  for (int partitions : {1, 8}) {
    const std::string t1 = "bench-p" + std::to_string(partitions) + "-acks1";
    const std::string ta = "bench-p" + std::to_string(partitions) + "-acksall";
    if (!(*admin_plain)->CreateTopic(t1, partitions, cfg).ok() ||
        !(*admin_sync)->CreateTopic(ta, partitions, cfg).ok()) {
      std::fprintf(stderr, "eddy-bench: cannot create topics\n");
      return 1;
    }
    const std::string p = std::to_string(partitions) + "p";
    Print("produce " + p + " acks=1", Produce(plain.bootstrap(), t1, partitions, 1, n, size),
          file_mbps);
    Print("produce " + p + " acks=all (--fsync)",
          Produce(synced.bootstrap(), ta, partitions, -1, n, size), file_mbps);
    Print("consume " + p, Consume(plain.bootstrap(), t1, partitions, n), file_mbps);
    (*admin_plain)->DeleteTopic(t1).IgnoreError();
    (*admin_sync)->DeleteTopic(ta).IgnoreError();
  }
  std::printf("peak RSS: client %ld KiB, broker %ld KiB, broker --fsync %ld KiB\n",
              PeakRssKb("self"), PeakRssKb(std::to_string(plain.pid())),
              PeakRssKb(std::to_string(synced.pid())));
  plain.Stop();
  synced.Stop();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
