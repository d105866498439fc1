// Issue 11's must-show test: a real grid (`eddy grid up`), a job, and a real Prometheus server
// (Debian's /usr/bin/prometheus on 127.0.0.1) that finds every daemon through the coordinator's
// service discovery, using the prometheus.yml `eddy grid up` wrote (scrape interval shortened
// to 1 s). Checks through Prometheus' HTTP API that series of eddy-logd, eddy-coordinator,
// eddy-node and eddy-container arrived, and that the consumer lag of a job that is slower than
// its input grows (a later query of the lag gives a larger value than an earlier one). Skipped
// only when /usr/bin/prometheus is absent.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "log-store/client/producer.h"
#include "nlohmann/json.hpp"
#include "tests/integration/cluster/cluster_harness.h"

namespace eddy::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr char kPrometheus[] = "/usr/bin/prometheus";
constexpr char kJob[] = "slow-task";

std::string ReadFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::pair<std::string, int> HostPort(const std::string& hp) {
  auto colon = hp.rfind(':');
  return {hp.substr(0, colon), std::stoi(hp.substr(colon + 1))};
}

// A port the OS says is free right now (bound to 127.0.0.1:0, read back, closed).
int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

std::string SlowTaskPackage() { return BinDir() + "/../jobs/slow-task.tar.gz"; }

// Polls `f` every 500 ms until it returns true or `seconds` pass.
template <typename F>
bool WaitFor(int seconds, F f) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return f();
}

// One grid, one slow job with a producer that keeps feeding it, and one Prometheus server,
// shared by the tests of the suite.
class PrometheusTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(kPrometheus)) return;
    grid_ = new Grid(1);
    if (!grid_->ok()) return;
    // The job: slower (20 ms per message) than its input (~200 messages/s below).
    if (!grid_->CreateTopic("slow-in", 1)) return;
    // Small fetches (about one producer batch each): the container's lag is measured at each
    // fetch (high watermark - end of what it fetched), so it must not fetch the whole backlog
    // at once.
    auto r = grid_->Eddy("job submit " + SlowTaskPackage() +
                         " --set cluster-manager.container.memory.mb=256"
                         " --set systems.eddy.consumer.max.partition.fetch.bytes=1024");
    if (r.code != 0) {
      std::fprintf(stderr, "job submit failed: %s%s\n", r.out.c_str(), r.err.c_str());
      return;
    }
    if (!grid_->WaitRunning(kJob, 60)) {
      std::fprintf(stderr, "job not running: %s\n", grid_->JobStatus(kJob).dump().c_str());
      return;
    }
    stop_ = new std::atomic<bool>(false);
    produced_ = new std::atomic<int64_t>(0);
    producer_ = new std::thread([bootstrap = grid_->bootstrap()] {
      logstore::ProducerOptions o;
      o.client.bootstrap = bootstrap;
      auto p = logstore::Producer::Create(o);
      if (!p.ok()) return;
      // Bounded: at most 60 000 messages (5 minutes at this rate).
      while (!stop_->load() && produced_->load() < 60000) {
        for (int i = 0; i < 20; ++i) {
          if ((*p)->Send("slow-in", 0, "k", "message").ok()) ++*produced_;
        }
        (void)(*p)->Flush();
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      (void)(*p)->Close();
    });

    // Prometheus with the grid's own prometheus.yml, scraping every second.
    std::string yml = ReadFile(grid_->dir() + "/prometheus.yml");
    yml = absl::StrReplaceAll(yml, {{"15s", "1s"}});
    const std::string dir = grid_->dir() + "/prometheus";
    fs::create_directories(dir);
    std::ofstream(dir + "/prometheus.yml") << yml;
    prom_port_ = FreePort();
    prom_pid_ = ::fork();
    if (prom_pid_ == 0) {
      int log = ::open((dir + "/prometheus.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(log, 1);
      ::dup2(log, 2);
      std::string config = "--config.file=" + dir + "/prometheus.yml";
      std::string storage = "--storage.tsdb.path=" + dir + "/data";
      std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(prom_port_);
      ::execl(kPrometheus, kPrometheus, config.c_str(), storage.c_str(), listen.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }

  static void TearDownTestSuite() {
    if (prom_pid_ > 0) {
      ::kill(prom_pid_, SIGTERM);
      ::waitpid(prom_pid_, nullptr, 0);
      prom_pid_ = -1;
    }
    if (producer_) {
      stop_->store(true);
      producer_->join();
      delete producer_;
      producer_ = nullptr;
    }
    delete grid_;
    grid_ = nullptr;
  }

  void SetUp() override {
    if (!fs::exists(kPrometheus)) {
      GTEST_SKIP() << kPrometheus
                   << " is absent: install Debian's prometheus package "
                      "(third_party/install-deps.sh) to run this test";
    }
    ASSERT_NE(grid_, nullptr);
    ASSERT_TRUE(grid_->ok()) << "eddy grid up failed";
    ASSERT_NE(producer_, nullptr) << "the slow job did not start: " << grid_->JobStatus(kJob);
    ASSERT_GT(prom_pid_, 0);
  }

  // GET against Prometheus' HTTP API; the parsed body, or null.
  static json PromGet(const std::string& path, const httplib::Params& params = {}) {
    httplib::Client c("127.0.0.1", prom_port_);
    c.set_connection_timeout(5);
    c.set_read_timeout(10);
    auto r = c.Get(path, params, httplib::Headers{});
    if (!r || r->status != 200) return nullptr;
    try {
      return json::parse(r->body);
    } catch (...) {
      return nullptr;
    }
  }

  // The samples of an instant query: each result's labels and value.
  static std::vector<std::pair<json, double>> Query(const std::string& q) {
    std::vector<std::pair<json, double>> out;
    json j = PromGet("/api/v1/query", {{"query", q}});
    if (j.is_null() || j.value("status", "") != "success") return out;
    for (const auto& r : j["data"]["result"]) {
      out.emplace_back(r["metric"], std::stod(r["value"][1].get<std::string>()));
    }
    return out;
  }

  // The `daemon` labels of the active targets whose health is "up".
  static std::set<std::string> UpDaemons(std::string* all) {
    std::set<std::string> up;
    json j = PromGet("/api/v1/targets");
    if (j.is_null()) return up;
    *all = j.dump();
    for (const auto& t : j["data"]["activeTargets"]) {
      if (t.value("health", "") == "up" && t["labels"].contains("daemon")) {
        up.insert(t["labels"]["daemon"].get<std::string>());
      }
    }
    return up;
  }

  static Grid* grid_;
  static std::thread* producer_;
  static std::atomic<bool>* stop_;
  static std::atomic<int64_t>* produced_;
  static pid_t prom_pid_;
  static int prom_port_;
};

Grid* PrometheusTest::grid_ = nullptr;
std::thread* PrometheusTest::producer_ = nullptr;
std::atomic<bool>* PrometheusTest::stop_ = nullptr;
std::atomic<int64_t>* PrometheusTest::produced_ = nullptr;
pid_t PrometheusTest::prom_pid_ = -1;
int PrometheusTest::prom_port_ = 0;

// `eddy grid up` wrote where each daemon serves its metrics, a prometheus.yml pointing at the
// coordinator's discovery, and the discovery answers only with the grid's token.
TEST_F(PrometheusTest, GridUpWritesDiscoveryConfigBehindTheToken) {
  json g = grid_->GridJson();
  const std::string logd_http = g["logd"].value("http", "");
  const std::string coord_http = g["coordinator"].value("http", "");
  const std::string node_http = g["nodes"][0].value("http", "");
  ASSERT_FALSE(logd_http.empty()) << g.dump();
  ASSERT_FALSE(coord_http.empty()) << g.dump();
  ASSERT_FALSE(node_http.empty()) << g.dump();

  std::string yml = ReadFile(grid_->dir() + "/prometheus.yml");
  EXPECT_NE(yml.find("http://" + coord_http + "/api/v1/prometheus-targets"), std::string::npos)
      << yml;
  EXPECT_NE(yml.find("credentials_file: " + grid_->dir() + "/token"), std::string::npos) << yml;

  auto [host, port] = HostPort(coord_http);
  httplib::Client c(host, port);
  auto none = c.Get("/api/v1/prometheus-targets");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  auto wrong = c.Get("/api/v1/prometheus-targets", {{"Authorization", "Bearer not-the-token"}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  std::string token = ReadFile(grid_->dir() + "/token");
  while (!token.empty() && (token.back() == '\n' || token.back() == ' ')) token.pop_back();
  auto right = c.Get("/api/v1/prometheus-targets", {{"Authorization", "Bearer " + token}});
  ASSERT_TRUE(right);
  ASSERT_EQ(right->status, 200) << right->body;
  std::map<std::string, std::string> by_daemon;
  for (const auto& group : json::parse(right->body)) {
    for (const auto& t : group["targets"]) {
      by_daemon[group["labels"]["daemon"].get<std::string>()] = t.get<std::string>();
    }
  }
  EXPECT_EQ(by_daemon["eddy-logd"], logd_http) << right->body;
  EXPECT_EQ(by_daemon["eddy-coordinator"], coord_http) << right->body;
  EXPECT_EQ(by_daemon["eddy-node"], node_http) << right->body;
}

// Prometheus scrapes eddy-logd, eddy-coordinator and eddy-node, and their series carry what
// the grid holds: the job's input partition, its running container.
TEST_F(PrometheusTest, SeriesOfEveryDaemonArrive) {
  std::string targets;
  bool up = WaitFor(120, [&] {
    auto d = UpDaemons(&targets);
    return d.count("eddy-logd") && d.count("eddy-coordinator") && d.count("eddy-node");
  });
  ASSERT_TRUE(up) << "targets: " << targets << "\nprometheus log:\n"
                  << ReadFile(grid_->dir() + "/prometheus/prometheus.log");

  auto positive = [](const std::string& q) {
    return WaitFor(60, [&] {
      auto r = Query(q);
      return !r.empty() && r.front().second > 0;
    });
  };
  EXPECT_TRUE(positive(R"(eddy_logd_partition_high_watermark{topic="slow-in",partition="0"})"));
  EXPECT_TRUE(positive(R"(eddy_logd_records_total{listener="native",api="produce"})"));
  EXPECT_TRUE(positive(R"(eddy_logd_requests_total{listener="native",api="fetch"})"));
  EXPECT_TRUE(positive(R"(eddy_coordinator_containers{state="running"})"));
  EXPECT_TRUE(positive(R"(eddy_coordinator_nodes{state="alive"})"));
  EXPECT_TRUE(positive(R"(eddy_coordinator_heartbeats_total)"));
  EXPECT_TRUE(positive(R"(eddy_node_containers{state="running"})"));
  EXPECT_TRUE(positive(R"(eddy_node_container_resident_memory_bytes{job="slow-task"})"));
  EXPECT_TRUE(positive(R"(eddy_node_container_cpu_seconds_total{job="slow-task"})"));
}

// Prometheus scrapes the job's container (found through discovery as it runs) and the lag of
// the job, slower than its input, grows between two queries.
TEST_F(PrometheusTest, ContainerSeriesArriveAndTheLagOfAStalledJobGrows) {
  std::string targets;
  bool up = WaitFor(120, [&] { return UpDaemons(&targets).count("eddy-container") > 0; });
  ASSERT_TRUE(up) << "no eddy-container target is up; targets: " << targets;
  EXPECT_TRUE(WaitFor(60, [] {
    auto r = Query(R"(eddy_task_messages_processed_total{job="slow-task"})");
    return !r.empty() && r.front().second > 0;
  }));

  const std::string lag =
      R"(sum(eddy_task_consumer_lag_messages{job="slow-task",stream="slow-in"}))";
  double first = 0;
  ASSERT_TRUE(WaitFor(60, [&] {
    auto r = Query(lag);
    if (r.empty()) return false;
    first = r.front().second;
    return first > 0;
  })) << "no lag series of job slow-task";
  double later = first;
  EXPECT_TRUE(WaitFor(90,
                      [&] {
                        auto r = Query(lag);
                        if (!r.empty()) later = r.front().second;
                        return later > first;
                      }))
      << "lag did not grow: first " << first << ", later " << later << " (produced "
      << produced_->load() << ")";
  std::printf("consumer lag of %s: %.0f, later %.0f messages\n", kJob, first, later);
}

}  // namespace
}  // namespace eddy::test
