// Durability and corruption against a real eddy-logd:
// - kill -9 during an acks=all load on `eddy-logd --fsync`: after a restart every acknowledged
//   message is there exactly once, at its acknowledged offset, in send order per partition;
// - a byte flipped inside a sealed segment is reported by `eddy topic consume` (topic,
//   partition, segment, position) with a non-zero exit, and the bad data is not printed.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "log-store/client/admin_client.h"
#include "log-store/client/consumer.h"
#include "log-store/client/producer.h"
#include "tests/integration/logstore/process.h"

namespace eddy::testing {
namespace {

using logstore::TopicPartition;

struct Acked {
  int32_t partition;
  int64_t offset;
  std::string value;
};

TEST(LogStoreCrash, AcksAllSurvivesKill9WithFsync) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  constexpr int kPartitions = 4;
  std::vector<Acked> acked;
  std::mutex mu;
  {
    Broker broker(EDDY_LOGD, data, {"--fsync"});
    ASSERT_TRUE(broker.Start()) << broker.log();
    logstore::ClientOptions co;
    co.bootstrap = broker.bootstrap();
    co.request_timeout = std::chrono::milliseconds(5000);
    auto admin = logstore::AdminClient::Connect(co);
    ASSERT_TRUE(admin.ok());
    ASSERT_TRUE((*admin)->CreateTopic("durable", kPartitions).ok());

    logstore::ProducerOptions po;
    po.client = co;
    po.acks = -1;
    po.retries = 0;  // a retry after a lost answer could append twice; we test acked data only
    po.linger = std::chrono::milliseconds(1);
    po.batch_size = 16 * 1024;
    po.buffer_memory = 4 << 20;
    auto producer = logstore::Producer::Create(po);
    ASSERT_TRUE(producer.ok());
    std::atomic<bool> stop{false};
    std::atomic<int64_t> acks{0};
    std::thread sender([&] {
      for (int64_t i = 0; !stop.load(); ++i) {
        const int32_t p = static_cast<int32_t>(i % kPartitions);
        std::string value = "p" + std::to_string(p) + "-seq-" + std::to_string(i);
        auto st = (*producer)->Send("durable", p, std::nullopt, value, -1, {},
                                    [&, value](const logstore::DeliveryReport& r) {
                                      if (!r.status.ok()) return;
                                      std::lock_guard<std::mutex> l(mu);
                                      acked.push_back({r.partition, r.offset, value});
                                      acks.fetch_add(1);
                                    });
        if (!st.ok()) break;
      }
    });
    // Let a real load build up, then kill the broker in the middle of it.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (acks.load() < 40000 && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    broker.Kill9();
    stop = true;
    sender.join();
    (*producer)->Close().IgnoreError();  // the rest fails: the broker is gone
  }
  ASSERT_GE(acked.size(), 1000u) << "too few acks before the kill to test anything";

  Broker broker(EDDY_LOGD, data, {"--fsync"});
  ASSERT_TRUE(broker.Start()) << broker.log();
  logstore::ConsumerOptions copts;
  copts.client.bootstrap = broker.bootstrap();
  copts.fetch_max_wait = std::chrono::milliseconds(10);
  auto consumer = logstore::Consumer::Create(copts);
  ASSERT_TRUE(consumer.ok());
  auto admin = logstore::AdminClient::Connect(copts.client);
  ASSERT_TRUE(admin.ok());
  std::vector<TopicPartition> tps;
  std::map<int32_t, int64_t> end;
  for (int32_t p = 0; p < kPartitions; ++p) {
    tps.push_back({"durable", p});
    auto e = (*admin)->ListOffset({"durable", p}, logstore::kLatestOffset);
    ASSERT_TRUE(e.ok()) << e.status();
    end[p] = *e;
  }
  ASSERT_TRUE((*consumer)->Assign(tps).ok());
  std::map<int32_t, std::map<int64_t, std::string>> log;  // partition -> offset -> value
  std::map<std::string, int> seen;
  for (;;) {
    bool done = true;
    for (const auto& tp : tps) {
      if (*(*consumer)->Position(tp) < end[tp.partition]) done = false;
    }
    if (done) break;
    auto polled = (*consumer)->Poll(std::chrono::milliseconds(200));
    ASSERT_TRUE(polled.ok()) << polled.status();
    for (auto& fp : *polled) {
      ASSERT_TRUE(fp.error.ok()) << fp.error;
      auto it = fp.Records();
      logstore::Record r;
      while (it.Next(&r)) {
        std::string v(r.value.value_or(""));
        log[fp.tp.partition][r.offset] = v;
        ++seen[v];
      }
      ASSERT_TRUE(it.status().ok()) << it.status();
    }
  }
  // Every acknowledged message: present, once, at the offset it was acknowledged with.
  for (const auto& a : acked) {
    ASSERT_EQ(seen[a.value], 1) << a.value;
    ASSERT_EQ(log[a.partition][a.offset], a.value)
        << "partition " << a.partition << " offset " << a.offset;
  }
  // Send order per partition: sequence numbers grow with offsets, no duplicate anywhere.
  for (const auto& [p, recs] : log) {
    int64_t last = -1;
    for (const auto& [off, v] : recs) {
      const int64_t seq = std::stoll(v.substr(v.rfind('-') + 1));
      ASSERT_GT(seq, last) << "partition " << p << " offset " << off;
      last = seq;
    }
  }
  for (const auto& [v, n] : seen) ASSERT_EQ(n, 1) << v;
  EXPECT_EQ(broker.Stop(), 0);
}

TEST(LogStoreCrash, FlippedByteInASegmentIsReportedNotServed) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  Broker broker(EDDY_LOGD, data);
  ASSERT_TRUE(broker.Start()) << broker.log();
  auto eddy = [&](std::vector<std::string> args, const std::string& in = "") {
    args.insert(args.begin(), EDDY_CLI);
    args.push_back("--bootstrap");
    args.push_back(broker.bootstrap());
    return RunProcess(args, in);
  };
  ASSERT_EQ(
      eddy({"topic", "create", "flip", "--partitions", "1", "--config", "segment.bytes=16384"})
          .exit_code,
      0);
  std::set<std::string> sent;
  for (int round = 0; round < 4; ++round) {  // one batch per run: each lands in its own segment
    std::string lines;
    for (int i = 0; i < 300; ++i) {
      std::string l = "round-" + std::to_string(round) + "-line-" + std::to_string(i) +
                      "-padding-padding-padding-padding-padding-padding-padding-padding";
      sent.insert(l);
      lines += l + "\n";
    }
    const std::string in = dir.path() + "/in" + std::to_string(round);
    WriteFile(in, lines);
    auto r = eddy({"topic", "produce", "flip"}, in);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  ASSERT_EQ(broker.Stop(), 0);

  std::vector<std::string> segments;
  for (const auto& e : std::filesystem::directory_iterator(data + "/flip-0")) {
    if (e.path().extension() == ".log") segments.push_back(e.path().string());
  }
  std::sort(segments.begin(), segments.end());
  ASSERT_GE(segments.size(), 2u) << "expected several segments";
  const std::string first = segments.front();
  std::string bytes = ReadFile(first);
  ASSERT_GT(bytes.size(), 1000u);
  const size_t pos = bytes.size() / 2;  // inside a record's value
  bytes[pos] = static_cast<char>(bytes[pos] ^ 0x5a);
  WriteFile(first, bytes);

  ASSERT_TRUE(broker.Start()) << broker.log();
  auto r = eddy({"topic", "consume", "flip", "--from-beginning"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("flip"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("partition 0"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(std::filesystem::path(first).filename().string()), std::string::npos)
      << r.err;
  std::istringstream out(r.out);
  std::string line;
  while (std::getline(out, line)) EXPECT_TRUE(sent.count(line)) << "served bad data: " << line;
  // The broker stays up and serves the intact segments after the bad one.
  r = eddy({"topic", "consume", "flip", "--offset", "300"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 900);
  EXPECT_TRUE(broker.Alive());
}

}  // namespace
}  // namespace eddy::testing
