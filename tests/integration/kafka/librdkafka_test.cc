// librdkafka C++ programs (kafka_client_tool, separate processes) against eddy-logd's Kafka
// listener: an idempotent producer whose retried batches are not duplicated, a group of three
// consumers over six partitions that rebalances when one leaves and when one is SIGKILLed, and
// CreateTopics through the admin API.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "test_support.h"

namespace eddy::kafka::testing {
namespace {

class LibrdkafkaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  RunResult Tool(std::vector<std::string> args, int timeout_s = 90) {
    args.insert(args.begin(), KAFKA_CLIENT_TOOL_PATH);
    return testing::Run(args, "", timeout_s);
  }
  std::filesystem::path dir_;
};

TEST_F(LibrdkafkaTest, IdempotentProducerRetriesAreNotDuplicated) {
  const std::string kcat = KcatPath();
  ASSERT_FALSE(kcat.empty());
  // Every 10th produce request (more than librdkafka's 5 in flight, so the retries themselves get
  // through) is appended, then its connection is closed unanswered: librdkafka resends the same
  // batch (same producer id and sequence).
  Broker broker(dir_ / "data", {"EDDY_KAFKA_FAULT_DROP_PRODUCE_RESPONSE_EVERY=10"});
  ASSERT_TRUE(broker.ok()) << broker.Stderr();
  const int n = 3000;
  RunResult p = Tool({"produce", "--bootstrap", broker.bootstrap(), "--topic", "idem", "--count",
                      std::to_string(n), "--partitions", "1", "--idempotent", "--prefix", "idem-"});
  ASSERT_EQ(p.exit_code, 0) << p.out << p.err;
  EXPECT_NE(broker.Stderr().find("fault hook: dropping the response"), std::string::npos)
      << "the fault hook never fired, so no retry was forced";

  RunResult c = testing::Run(
      {kcat, "-b", broker.bootstrap(), "-C", "-t", "idem", "-o", "beginning", "-e", "-q"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  auto lines = Lines(c.out);
  std::map<std::string, int> seen;
  for (const auto& l : lines) ++seen[l];
  EXPECT_EQ(lines.size(), static_cast<size_t>(n)) << "duplicates or losses";
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(seen["idem-" + std::to_string(i)], 1) << "message idem-" << i;
  }
}

TEST_F(LibrdkafkaTest, CreateTopicsThroughAdminApi) {
  Broker broker(dir_ / "data");
  ASSERT_TRUE(broker.ok()) << broker.Stderr();
  RunResult r = Tool({"create-topic", "--bootstrap", broker.bootstrap(), "--topic", "admin-made",
                      "--partitions", "4"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("admin-made NO_ERROR"), std::string::npos) << r.out;
  r = Tool({"create-topic", "--bootstrap", broker.bootstrap(), "--topic", "admin-made",
            "--partitions", "4"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("TOPIC_ALREADY_EXISTS"), std::string::npos) << r.out;
  // The topic really has four partitions: produce to partition 3 and read it back.
  r = Tool({"produce", "--bootstrap", broker.bootstrap(), "--topic", "admin-made", "--count", "8",
            "--partitions", "4"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = Tool({"committed", "--bootstrap", broker.bootstrap(), "--topic", "admin-made", "--group",
            "nobody", "--partitions", "4"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Lines(r.out).size(), 4u) << r.out;
}

// Committed offsets of the group per partition (-1001 = none yet).
std::map<int, int64_t> Committed(const std::string& bootstrap) {
  RunResult r = testing::Run({KAFKA_CLIENT_TOOL_PATH, "committed", "--bootstrap", bootstrap,
                              "--topic", "six", "--group", "trio", "--partitions", "6"},
                             "", 30);
  std::map<int, int64_t> out;
  if (r.exit_code != 0) return out;
  for (const auto& line : Lines(r.out)) {
    std::istringstream in(line);
    int p = 0;
    int64_t o = 0;
    if (in >> p >> o) out[p] = o;
  }
  return out;
}

std::set<std::string> ConsumedValues(const std::vector<std::filesystem::path>& files) {
  std::set<std::string> values;
  for (const auto& f : files) {
    for (const auto& line : Lines(ReadFile(f))) {
      std::istringstream in(line);
      std::string p, o, v;
      if (in >> p >> o >> v) values.insert(v);
    }
  }
  return values;
}

TEST_F(LibrdkafkaTest, GroupOfThreeRebalancesOnLeaveAndOnKill) {
  Broker broker(dir_ / "data");
  ASSERT_TRUE(broker.ok()) << broker.Stderr();
  ASSERT_EQ(Tool({"create-topic", "--bootstrap", broker.bootstrap(), "--topic", "six",
                  "--partitions", "6"})
                .exit_code,
            0);
  std::vector<std::filesystem::path> outs;
  std::vector<std::unique_ptr<Process>> consumers;
  for (int i = 0; i < 3; ++i) {
    outs.push_back(dir_ / ("consumer" + std::to_string(i) + ".out"));
    consumers.push_back(std::make_unique<Process>(
        std::vector<std::string>{KAFKA_CLIENT_TOOL_PATH, "consume", "--bootstrap",
                                 broker.bootstrap(), "--topic", "six", "--group", "trio", "--out",
                                 outs.back().string()},
        (dir_ / ("consumer" + std::to_string(i) + ".log")).string(),
        (dir_ / ("consumer" + std::to_string(i) + ".err")).string()));
  }

  // Watch committed offsets the whole time: they must never go backwards.
  std::atomic<bool> stop_watch{false};
  std::mutex mu;
  std::vector<std::string> regressions;
  int snapshots = 0;
  std::thread watcher([&] {
    std::map<int, int64_t> last;
    while (!stop_watch) {
      auto now = Committed(broker.bootstrap());
      std::lock_guard<std::mutex> lock(mu);
      if (!now.empty()) ++snapshots;
      for (const auto& [p, o] : now) {
        if (last.count(p) && o < last[p]) {
          regressions.push_back("partition " + std::to_string(p) + ": " + std::to_string(last[p]) +
                                " -> " + std::to_string(o));
        }
        if (o >= 0) last[p] = o;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
  });

  auto produce_and_wait = [&](const std::string& prefix, int count) {
    RunResult p = Tool({"produce", "--bootstrap", broker.bootstrap(), "--topic", "six", "--count",
                        std::to_string(count), "--partitions", "6", "--prefix", prefix});
    ASSERT_EQ(p.exit_code, 0) << p.err;
    std::set<std::string> missing;
    for (int attempt = 0; attempt < 600; ++attempt) {
      auto got = ConsumedValues(outs);
      missing.clear();
      for (int i = 0; i < count; ++i) {
        if (!got.count(prefix + std::to_string(i))) missing.insert(prefix + std::to_string(i));
      }
      if (missing.empty()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL() << missing.size() << " messages of " << prefix << " never consumed, e.g. "
           << *missing.begin();
  };

  produce_and_wait("round1-", 600);
  // One member leaves cleanly (LeaveGroup).
  consumers[0]->Signal(SIGTERM);
  EXPECT_EQ(consumers[0]->Wait(), 0);
  produce_and_wait("round2-", 600);
  // One member dies: the session timeout (6 s) must expire it and its partitions move.
  consumers[1]->Signal(SIGKILL);
  consumers[1]->Wait();
  produce_and_wait("round3-", 600);

  consumers[2]->Signal(SIGTERM);
  EXPECT_EQ(consumers[2]->Wait(), 0);
  stop_watch = true;
  watcher.join();
  EXPECT_GT(snapshots, 0);
  EXPECT_TRUE(regressions.empty()) << regressions.front();
  // Once everything is consumed and committed, the committed offsets sum to all 1800 messages.
  auto final_offsets = Committed(broker.bootstrap());
  int64_t total = 0;
  for (const auto& [p, o] : final_offsets) total += std::max<int64_t>(o, 0);
  EXPECT_EQ(total, 1800);
  EXPECT_NE(broker.Stderr().find("session timeout"), std::string::npos)
      << "the killed member was never expired";
}

}  // namespace
}  // namespace eddy::kafka::testing
