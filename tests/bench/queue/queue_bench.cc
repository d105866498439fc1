// eddy-queue-bench: messages/s accepted by 1, 4 and 16 share consumers (threads, one channel
// each) of one share group on a 1-partition topic, against a classic consumer group of 16
// members on a 16-partition topic (one partition each, offsets committed at the end), in the
// same run against one eddy-logd it starts itself (found next to this binary, or --logd PATH).
// Share consumers accept every record; the acknowledgements ride on the next ShareFetch.
//   eddy-queue-bench [--messages N] [--size BYTES] [--max-records N] [--logd PATH]
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "log-store/client/admin_client.h"
#include "log-store/client/consumer.h"
#include "log-store/client/producer.h"
#include "log-store/client/share_consumer.h"
#include "log-store/client/share_group_admin.h"
#include "tests/integration/logstore/process.h"

namespace {

using namespace eddy::logstore;
using Clock = std::chrono::steady_clock;

int Die(const std::string& what, const absl::Status& s) {
  std::fprintf(stderr, "eddy-queue-bench: %s: %s\n", what.c_str(), s.ToString().c_str());
  std::exit(1);
}

void Fill(const ClientOptions& co, const std::string& topic, int32_t partitions, int64_t n,
          int size) {
  ProducerOptions po;
  po.client = co;
  po.acks = 1;
  auto p = Producer::Create(po);
  if (!p.ok()) Die("producer", p.status());
  const std::string value(static_cast<size_t>(size), 'x');
  for (int64_t i = 0; i < n; ++i) {
    auto st = (*p)->Send(topic, static_cast<int32_t>(i % partitions), std::nullopt, value);
    if (!st.ok()) Die("send", st);
  }
  if (auto st = (*p)->Close(); !st.ok()) Die("flush", st);
}

// k share consumers until n records are accepted; returns seconds.
double RunShare(const ClientOptions& co, const std::string& topic, const std::string& group, int k,
                int64_t n, int max_records) {
  std::atomic<int64_t> received{0};
  std::atomic<bool> failed{false};
  {
    // The records are there already: start at the earliest (the default is latest, as Kafka's).
    auto admin = ShareGroupAdmin::Connect(co);
    if (!admin.ok()) Die("share admin", admin.status());
    auto st = (*admin)->AlterConfigs(group, {{"share.auto.offset.reset", "earliest"}});
    if (!st.ok()) Die("configure " + group, st);
  }
  std::vector<std::unique_ptr<ShareConsumer>> cs;
  for (int i = 0; i < k; ++i) {
    ShareConsumerOptions o;
    o.client = co;
    o.group = group;
    o.topics = {topic};
    o.max_records = max_records;
    auto c = ShareConsumer::Create(o);
    if (!c.ok()) Die("share consumer", c.status());
    cs.push_back(*std::move(c));
  }
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < k; ++i) {
    threads.emplace_back([&, i] {
      ShareConsumer& c = *cs[i];
      while (received.load() < n && !failed) {
        auto recs = c.Poll(std::chrono::milliseconds(100));
        if (!recs.ok()) {
          std::fprintf(stderr, "poll: %s\n", recs.status().ToString().c_str());
          failed = true;
          break;
        }
        for (const auto& r : *recs) (void)c.Acknowledge(r, ShareAck::kAccept);
        received += static_cast<int64_t>(recs->size());
      }
      auto res = c.Commit();
      if (!res.ok()) failed = true;
    });
  }
  for (auto& t : threads) t.join();
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  for (auto& c : cs) (void)c->Close();
  if (failed) Die("share run", absl::InternalError("a consumer failed"));
  auto admin = ShareGroupAdmin::Connect(co);
  auto d = (*admin)->Describe(group);
  if (d.ok() && !d->partitions.empty()) {
    std::printf("  (%s: accepted_total %lld, redelivered %lld)\n", group.c_str(),
                static_cast<long long>(d->partitions[0].accepted_total),
                static_cast<long long>(d->partitions[0].redelivered_total));
  }
  return secs;
}

// A classic group of `partitions` members, one partition each, from the start to the end.
double RunClassic(const ClientOptions& co, const std::string& topic, int partitions) {
  auto admin = AdminClient::Connect(co);
  std::vector<int64_t> ends(partitions);
  for (int p = 0; p < partitions; ++p) {
    auto e = (*admin)->ListOffset({topic, p}, kLatestOffset);
    if (!e.ok()) Die("list offsets", e.status());
    ends[p] = *e;
  }
  std::vector<std::unique_ptr<Consumer>> cs;
  for (int p = 0; p < partitions; ++p) {
    ConsumerOptions o;
    o.client = co;
    o.group = "bench-classic";
    auto c = Consumer::Create(o);
    if (!c.ok()) Die("consumer", c.status());
    if (auto st = (*c)->Assign({{topic, p}}); !st.ok()) Die("assign", st);
    cs.push_back(*std::move(c));
  }
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int p = 0; p < partitions; ++p) {
    threads.emplace_back([&, p] {
      Consumer& c = *cs[p];
      int64_t count = 0;
      while (*c.Position({topic, p}) < ends[p]) {
        auto polled = c.Poll(std::chrono::milliseconds(100));
        if (!polled.ok()) Die("poll", polled.status());
        for (auto& fp : *polled) {
          auto it = fp.Records();
          Record r;
          while (it.Next(&r)) ++count;
        }
      }
      (void)c.CommitPositions();
      (void)count;
    });
  }
  for (auto& t : threads) t.join();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  int64_t n = 200000;
  int size = 100;
  int max_records = 500;
  std::string logd;
  const char* usage =
      "usage: eddy-queue-bench [--messages N] [--size B] [--max-records N] [--logd PATH]\n"
      "Messages/s accepted by 1, 4 and 16 share consumers on one partition, against a classic\n"
      "consumer group of 16 on 16 partitions, in the same run (a real eddy-logd).\n";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::printf("%s", usage);
      return 0;
    }
  }
  if (argc % 2 == 0) {
    std::fprintf(stderr, "eddy-queue-bench: %s needs a value\n%s", argv[argc - 1], usage);
    return 2;
  }
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--messages")
      n = std::atoll(argv[i + 1]);
    else if (a == "--size")
      size = std::atoi(argv[i + 1]);
    else if (a == "--max-records")
      max_records = std::atoi(argv[i + 1]);
    else if (a == "--logd")
      logd = argv[i + 1];
    else {
      std::fprintf(stderr, "eddy-queue-bench: unknown option %s\n%s", a.c_str(), usage);
      return 2;
    }
  }
  if (logd.empty()) {
    logd = (std::filesystem::canonical("/proc/self/exe").parent_path() / "eddy-logd").string();
  }
  eddy::testing::TempDir dir;
  eddy::testing::Broker broker(logd, dir.path() + "/data");
  if (!broker.Start()) {
    std::fprintf(stderr, "eddy-queue-bench: cannot start %s: %s\n", logd.c_str(),
                 broker.log().c_str());
    return 1;
  }
  ClientOptions co;
  co.bootstrap = broker.bootstrap();
  auto admin = AdminClient::Connect(co);
  for (int k : {1, 4, 16}) {
    if (auto st = (*admin)->CreateTopic("q" + std::to_string(k), 1); !st.ok()) Die("create", st);
  }
  if (auto st = (*admin)->CreateTopic("c16", 16); !st.ok()) Die("create", st);
  for (int k : {1, 4, 16}) Fill(co, "q" + std::to_string(k), 1, n, size);
  Fill(co, "c16", 16, n, size);
  std::printf("eddy-queue-bench: %lld messages of %d bytes per scenario, max_records %d\n",
              static_cast<long long>(n), size, max_records);
  const double classic = RunClassic(co, "c16", 16);
  std::printf("%-42s %10.0f msgs/s\n", "classic group, 16 members, 16 partitions", n / classic);
  for (int k : {1, 4, 16}) {
    const double s =
        RunShare(co, "q" + std::to_string(k), "bench-" + std::to_string(k), k, n, max_records);
    std::printf("%-42s %10.0f msgs/s  %.3fx classic\n",
                ("share group, " + std::to_string(k) + " consumer(s), 1 partition").c_str(), n / s,
                (n / s) / (n / classic));
  }
  broker.Stop();
  return 0;
}
