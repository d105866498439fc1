// Issue 11 on a real grid (eddy-logd, eddy-coordinator, eddy-node, eddy-container on 127.0.0.1):
// the container's /metrics address travels node → coordinator (`eddy job status --json` shows
// containers[].http_address), a scrape of it counts every processed message, and `eddy job
// status` shows the consumer lag of every task; `eddy group describe` shows the job's lag from
// its checkpoints.
#include <httplib.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "gtest/gtest.h"
#include "tests/integration/cluster/cluster_harness.h"

namespace eddy::test {
namespace {

constexpr char kJob[] = "wordcount";

// Sum of the values of every series of family `name` in a Prometheus text answer.
double SumOf(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  std::string line;
  double sum = 0;
  while (std::getline(in, line)) {
    if (line.rfind(name, 0) != 0 || line.size() <= name.size()) continue;
    const char next = line[name.size()];
    if (next != '{' && next != ' ') continue;
    sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

TEST(JobLag, StatusShowsLagPerTaskAndTheContainerServesMetrics) {
  Grid g(1);
  ASSERT_TRUE(g.ok());
  ASSERT_TRUE(g.CreateTopic("wordcount-lines", 4));
  ASSERT_TRUE(g.CreateTopic("wordcount-counts", 4));
  auto r = g.Eddy("job submit " + WordcountPackage() +
                  " --set cluster-manager.container.memory.mb=512 --set task.commit.ms=300");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  ASSERT_TRUE(g.WaitRunning(kJob, 60)) << g.JobStatus(kJob).dump();
  std::vector<std::string> words;
  for (int i = 0; i < 2000; ++i) words.push_back("w" + std::to_string(i % 37));
  ASSERT_TRUE(g.Produce("wordcount-lines", words));

  // The container's /metrics address reaches the coordinator; a scrape counts every message.
  std::string metrics;
  std::string addr;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    auto s = g.JobStatus(kJob);
    if (s.contains("containers") && s["containers"].size() == 1) {
      addr = s["containers"][0].value("http_address", "");
    }
    if (!addr.empty()) {
      size_t colon = addr.rfind(':');
      httplib::Client c(addr.substr(0, colon), std::stoi(addr.substr(colon + 1)));
      auto resp = c.Get("/metrics");
      if (resp && resp->status == 200) {
        metrics = resp->body;
        if (SumOf(metrics, "eddy_task_messages_processed_total") == 2000 &&
            SumOf(metrics, "eddy_task_consumer_lag_messages") == 0) {
          break;
        }
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  ASSERT_FALSE(addr.empty()) << g.JobStatus(kJob).dump();
  EXPECT_EQ(SumOf(metrics, "eddy_task_messages_processed_total"), 2000) << metrics;
  EXPECT_EQ(SumOf(metrics, "eddy_task_consumer_lag_messages"), 0);

  // `eddy job status`: a lag per task, all caught up.
  auto s = g.JobStatus(kJob);
  ASSERT_TRUE(s.contains("task_lag")) << s.dump();
  EXPECT_EQ(s["task_lag"].size(), 4u) << s.dump();
  for (const auto& [task, lag] : s["task_lag"].items()) EXPECT_EQ(lag, 0) << task;
  // And each task's store restore, finished.
  ASSERT_TRUE(s.contains("task_restore")) << s.dump();
  EXPECT_EQ(s["task_restore"].size(), 4u) << s.dump();
  for (const auto& [task, restore] : s["task_restore"].items()) {
    EXPECT_EQ(restore, "wordcount-counts done, wordcount-pending done") << task;
  }
  auto text = g.Eddy("job status wordcount");
  ASSERT_EQ(text.code, 0);
  EXPECT_NE(text.out.find("Partition 3"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("LAG"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("RESTORE"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("wordcount-counts done"), std::string::npos) << text.out;

  // `eddy group describe wordcount`: from the checkpoints; once a commit covered all 2000
  // messages, lag 0 on every partition.
  bool caught_up = false;
  std::string out;
  while (!caught_up && std::chrono::steady_clock::now() < deadline + std::chrono::seconds(30)) {
    auto d =
        Sh(BinDir() + "/eddy group describe wordcount --output json --bootstrap " + g.bootstrap());
    out = d.out + d.err;
    try {
      auto j = nlohmann::json::parse(d.out);
      int64_t committed = 0;
      for (const auto& p : j["partitions"]) committed += p["committed"].get<int64_t>();
      caught_up =
          j["kind"] == "job" && j["lag"] == 0 && committed == 2000 && j["partitions"].size() == 4;
    } catch (...) {
    }
    if (!caught_up) std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  EXPECT_TRUE(caught_up) << out;
}

}  // namespace
}  // namespace eddy::test
