// Smoke test of eddy-latency-bench (latency_bench.cc): a short run at two low rates through the
// real eddy-logd and eddy-container must account for every message (sent = received, no
// duplicates, exact counts per key) and give ordered percentiles. No timing assertion: how fast
// is the benchmark's business, not the test's.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "runtime/standalone/child_process.h"

namespace {

std::map<std::string, std::string> ParseResult(const std::string& line) {
  std::map<std::string, std::string> kv;
  std::istringstream in(line);
  std::string word;
  while (in >> word) {
    size_t eq = word.find('=');
    if (eq != std::string::npos) kv[word.substr(0, eq)] = word.substr(eq + 1);
  }
  return kv;
}

int64_t Num(const std::map<std::string, std::string>& kv, const std::string& key) {
  auto it = kv.find(key);
  if (it == kv.end()) {
    ADD_FAILURE() << "no " << key << "= in the result line";
    return -2;
  }
  return std::stoll(it->second);
}

TEST(LatencyBench, AccountsForEveryMessageAndOrdersPercentiles) {
  eddy::runtime::ChildProcess bench;
  ASSERT_TRUE(bench
                  .Start({std::string(EDDY_BIN_DIR) + "/eddy-latency-bench", "--rates", "2000,5000",
                          "--seconds", "2", "--warmup-seconds", "0.5", "--keys", "100",
                          "--drain-seconds", "60"},
                         true)
                  .ok());
  const int64_t rates[] = {2000, 5000};
  for (int64_t rate : rates) {
    auto line = bench.ReadLineContaining("result rate=", std::chrono::minutes(4));
    ASSERT_TRUE(line.ok()) << "no result line for rate " << rate << ": " << line.status();
    auto kv = ParseResult(*line);
    EXPECT_EQ(Num(kv, "rate"), rate);
    const int64_t sent = Num(kv, "sent");
    EXPECT_EQ(sent, rate * 2) << *line;
    EXPECT_EQ(Num(kv, "received"), sent) << *line;
    EXPECT_EQ(Num(kv, "duplicates"), 0) << *line;
    EXPECT_EQ(Num(kv, "counts_exact"), 1) << *line;
    // Samples: the messages after the 0.5 s warm-up, every one of them received.
    const int64_t samples = Num(kv, "samples");
    EXPECT_GT(samples, 0) << *line;
    EXPECT_LE(samples, sent) << *line;
    EXPECT_GE(samples, rate * 3 / 2 - 1) << *line;
    const int64_t p50 = Num(kv, "p50_us"), p99 = Num(kv, "p99_us"), p999 = Num(kv, "p999_us"),
                  max = Num(kv, "max_us");
    EXPECT_GE(p50, 0) << *line;
    EXPECT_LE(p50, p99) << *line;
    EXPECT_LE(p99, p999) << *line;
    EXPECT_LE(p999, max) << *line;
  }
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (!bench.Poll(&status) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_FALSE(bench.running()) << "eddy-latency-bench did not exit";
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(LatencyBench, BadArgumentsAreNamed) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--rates", "10,x"}, {"--seconds", "0"}, {"--guarantee", "maybe"}, {"--bogus", "1"}}) {
    eddy::runtime::ChildProcess bench;
    std::vector<std::string> argv = {std::string(EDDY_BIN_DIR) + "/eddy-latency-bench"};
    argv.insert(argv.end(), args.begin(), args.end());
    ASSERT_TRUE(bench.Start(argv).ok());
    int status = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!bench.Poll(&status) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_FALSE(bench.running()) << args[0];
    ASSERT_TRUE(WIFEXITED(status)) << args[0];
    EXPECT_EQ(WEXITSTATUS(status), 2) << args[0];  // usage error, nothing started
  }
}

}  // namespace
