// eddy-txn-bench: transactions through eddy-logd's native API. Starts one eddy-logd (next to
// this binary, or --logd PATH), then with one client:
//  1. commit latency: InitTransactions once, then N x {BeginTransaction, 100 records of 100 B
//     round-robin over 3 partitions, CommitTransaction}; p50/p99/max of one cycle;
//  2. fetch throughput of the same topic loaded with M records in transactions of 10,000
//     (every tenth aborted), read back whole with read_committed and with read_uncommitted.
//   eddy-txn-bench [--txns N] [--records M] [--logd PATH] [--dir DIR]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "log-store/client/admin_client.h"
#include "log-store/client/consumer.h"
#include "log-store/client/producer.h"
#include "tests/integration/logstore/process.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kPartitions = 3;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

int64_t Pct(std::vector<int64_t> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// Reads every partition to its end for the isolation level; returns records seen.
int64_t ReadAll(const eddy::logstore::ClientOptions& co, const std::string& topic, bool committed,
                const std::vector<int64_t>& ends, double* secs) {
  eddy::logstore::ConsumerOptions o;
  o.client = co;
  o.read_committed = committed;
  o.fetch_max_wait = std::chrono::milliseconds(10);
  auto c = eddy::logstore::Consumer::Create(o);
  if (!c.ok()) return -1;
  std::vector<eddy::logstore::TopicPartition> tps;
  for (int p = 0; p < kPartitions; ++p) tps.push_back({topic, p});
  if (!(*c)->Assign(tps).ok()) return -1;
  int64_t n = 0;
  const auto t0 = Clock::now();
  for (;;) {
    bool done = true;
    for (int p = 0; p < kPartitions; ++p)
      if (*(*c)->Position(tps[p]) < ends[p]) done = false;
    if (done) break;
    auto polled = (*c)->Poll(std::chrono::milliseconds(100));
    if (!polled.ok()) return -1;
    for (auto& fp : *polled) {
      auto cur = fp.Records();
      eddy::logstore::Record r;
      while (cur.Next(&r)) ++n;
    }
  }
  *secs = Seconds(Clock::now() - t0);
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t txns = 2000, records = 3000000;
  std::string logd = (std::filesystem::path(argv[0]).parent_path() / "eddy-logd").string();
  std::string dir;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::printf("usage: eddy-txn-bench [--txns N] [--records M] [--logd PATH] [--dir DIR]\n");
      return 0;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "eddy-txn-bench: %s needs a value\n", a.c_str());
      return 2;
    }
    const char* v = argv[++i];
    if (a == "--txns")
      txns = std::atoll(v);
    else if (a == "--records")
      records = std::atoll(v);
    else if (a == "--logd")
      logd = v;
    else if (a == "--dir")
      dir = v;
    else {
      std::fprintf(stderr, "eddy-txn-bench: unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  eddy::testing::TempDir tmp;
  if (dir.empty()) dir = tmp.path();
  eddy::testing::Broker broker(logd, dir + "/data");
  if (!broker.Start()) {
    std::fprintf(stderr, "eddy-txn-bench: eddy-logd did not start: %s\n", broker.log().c_str());
    return 1;
  }
  eddy::logstore::ClientOptions co;
  co.bootstrap = broker.bootstrap();
  auto admin = eddy::logstore::AdminClient::Connect(co);
  if (!admin.ok() || !(*admin)->CreateTopic("lat", kPartitions).ok() ||
      !(*admin)->CreateTopic("load", kPartitions).ok()) {
    std::fprintf(stderr, "eddy-txn-bench: cannot create topics\n");
    return 1;
  }
  eddy::logstore::ProducerOptions po;
  po.client = co;
  po.acks = -1;
  po.linger = std::chrono::milliseconds(0);
  po.transactional_id = "bench";
  auto p = eddy::logstore::Producer::Create(po);
  if (!p.ok() || !(*p)->InitTransactions().ok()) {
    std::fprintf(stderr, "eddy-txn-bench: InitTransactions failed\n");
    return 1;
  }
  const std::string value(100, 'v');
  std::vector<int64_t> lat;
  for (int64_t t = 0; t < txns; ++t) {
    const auto t0 = Clock::now();
    absl::Status st = (*p)->BeginTransaction();
    for (int i = 0; st.ok() && i < 100; ++i)
      st = (*p)->Send("lat", i % kPartitions, std::nullopt, value);
    if (st.ok()) st = (*p)->CommitTransaction();
    if (!st.ok()) {
      std::fprintf(stderr, "eddy-txn-bench: transaction %lld: %s\n", static_cast<long long>(t),
                   st.ToString().c_str());
      return 1;
    }
    lat.push_back(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count());
  }
  std::printf(
      "commit cycle (Begin, 100 x 100 B to 3 partitions, Commit), %lld txns: "
      "p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
      static_cast<long long>(txns), Pct(lat, 0.5) / 1000.0, Pct(lat, 0.99) / 1000.0,
      Pct(lat, 1.0) / 1000.0);

  // Load: transactions of 10,000 records, every tenth aborted.
  po.transactional_id = "bench-load";
  po.linger = std::chrono::milliseconds(5);
  auto loader = eddy::logstore::Producer::Create(po);
  if (!loader.ok() || !(*loader)->InitTransactions().ok()) return 1;
  int64_t committed_records = 0;
  const auto l0 = Clock::now();
  for (int64_t sent = 0, t = 0; sent < records; ++t) {
    if (!(*loader)->BeginTransaction().ok()) return 1;
    const int64_t n = std::min<int64_t>(10000, records - sent);
    for (int64_t i = 0; i < n; ++i) {
      if (!(*loader)->Send("load", static_cast<int32_t>(i % kPartitions), std::nullopt, value).ok())
        return 1;
    }
    sent += n;
    const bool abort = t % 10 == 9;
    absl::Status st = abort ? (*loader)->AbortTransaction() : (*loader)->CommitTransaction();
    if (!st.ok()) return 1;
    if (!abort) committed_records += n;
  }
  const double load_s = Seconds(Clock::now() - l0);
  std::printf("transactional produce: %lld records in %.2f s = %.2f M records/s\n",
              static_cast<long long>(records), load_s, records / load_s / 1e6);
  std::vector<int64_t> ends;
  {
    auto info = (*admin)->DescribeTopic("load");
    if (!info.ok()) return 1;
    for (int q = 0; q < kPartitions; ++q) {
      auto e = (*admin)->ListOffset({"load", q}, eddy::logstore::kLatestOffset);
      if (!e.ok()) return 1;
      ends.push_back(*e);
    }
  }
  double rc_s = 0, ru_s = 0;
  const int64_t rc = ReadAll(co, "load", true, ends, &rc_s);
  const int64_t ru = ReadAll(co, "load", false, ends, &ru_s);
  std::printf("fetch read_committed:   %lld records (expected %lld) in %.2f s = %.2f M records/s\n",
              static_cast<long long>(rc), static_cast<long long>(committed_records), rc_s,
              rc / rc_s / 1e6);
  std::printf("fetch read_uncommitted: %lld records (expected %lld) in %.2f s = %.2f M records/s\n",
              static_cast<long long>(ru), static_cast<long long>(records), ru_s, ru / ru_s / 1e6);
  std::printf("read_committed / read_uncommitted bytes-independent ratio (records/s): %.2f\n",
              (rc / rc_s) / (ru / ru_s));
  return rc == committed_records && ru == records ? 0 : 1;
}
