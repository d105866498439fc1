// The coordinator's metrics and Prometheus discovery without a grid: a ClusterManager (real
// RocksDB metadata, no log store needed for nodes) registers nodes and takes heartbeats; its
// /metrics counts them and shows nodes by state, and /api/v1/prometheus-targets over a real
// HttpServer answers 401 without the token and lists the nodes' HTTP endpoints with it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "coordinator/common/auth.h"
#include "coordinator/server/cluster_manager.h"
#include "coordinator/server/cluster_probe.h"
#include "coordinator/server/prometheus_targets.h"
#include "httplib.h"
#include "log-store/http/http_server.h"
#include "log-store/http/metrics_endpoint.h"
#include "nlohmann/json.hpp"

namespace eddy::cluster {
namespace {
namespace fs = std::filesystem;

class ClusterMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/eddy-cmetrics-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto store = MetadataStore::Open(dir_ + "/meta");
    ASSERT_TRUE(store.ok()) << store.status();
    auto packages = PackageStore::Open(dir_ + "/packages", 1 << 20);
    ASSERT_TRUE(packages.ok()) << packages.status();
    ManagerOptions o;
    o.work_dir = dir_ + "/tmp";
    o.node_lost = std::chrono::milliseconds(60000);
    m_ = std::make_unique<ClusterManager>(o, std::move(*store), std::move(*packages));
    ASSERT_TRUE(m_->Load().ok());
  }
  void TearDown() override {
    m_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void Register(const std::string& id, const std::string& http) {
    v1::RegisterRequest r;
    r.set_node_id(id);
    r.set_host("127.0.0.1");
    r.set_address("127.0.0.1:1");
    r.set_http_address(http);
    r.mutable_resources()->set_memory_mb(1024);
    r.mutable_resources()->set_cpu_cores(1);
    m_->Register(r);
  }
  std::string Scrape(const std::string& address) {
    auto colon = address.rfind(':');
    httplib::Client c(address.substr(0, colon), std::stoi(address.substr(colon + 1)));
    auto r = c.Get("/metrics");
    return r && r->status == 200 ? r->body : "";
  }

  std::string dir_;
  std::unique_ptr<ClusterManager> m_;
};

TEST_F(ClusterMetricsTest, CountsRegistrationsHeartbeatsAndNodesByState) {
  Register("node-0", "127.0.0.1:9100");
  Register("node-1", "127.0.0.1:9101");
  v1::HeartbeatRequest hb;
  hb.set_node_id("node-0");
  m_->Heartbeat(hb);
  m_->Heartbeat(hb);
  m_->Heartbeat(hb);

  http::HttpServer server;
  http::ServeMetrics(server, {std::make_shared<ClusterMetrics>(m_.get())});
  auto bound = server.Start("127.0.0.1:0");
  ASSERT_TRUE(bound.ok()) << bound.status();
  std::string text = Scrape(*bound);
  EXPECT_NE(text.find("eddy_coordinator_registrations_total 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("eddy_coordinator_heartbeats_total 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("eddy_coordinator_nodes{state=\"alive\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("eddy_coordinator_nodes{state=\"lost\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("eddy_coordinator_jobs{state=\"running\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("eddy_coordinator_container_failures_total{reason=\"oom\"} 0\n"),
            std::string::npos)
      << text;
}

TEST_F(ClusterMetricsTest, DiscoveryNeedsTheTokenAndListsEveryDaemon) {
  Register("node-0", "127.0.0.1:9100");
  Register("node-1", "");  // an older node without an HTTP endpoint: left out
  http::HttpServer server;
  ServePrometheusTargets(server, m_.get(), "s3cret", "127.0.0.1:9090");
  auto bound = server.Start("127.0.0.1:0");
  ASSERT_TRUE(bound.ok()) << bound.status();
  auto colon = bound->rfind(':');
  httplib::Client c(bound->substr(0, colon), std::stoi(bound->substr(colon + 1)));

  auto none = c.Get("/api/v1/prometheus-targets");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  auto wrong = c.Get("/api/v1/prometheus-targets", {{"Authorization", "Bearer s3cre"}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  auto basic = c.Get("/api/v1/prometheus-targets", {{"Authorization", "Basic s3cret"}});
  ASSERT_TRUE(basic);
  EXPECT_EQ(basic->status, 401);

  auto ok = c.Get("/api/v1/prometheus-targets", {{"Authorization", "Bearer s3cret"}});
  ASSERT_TRUE(ok);
  ASSERT_EQ(ok->status, 200) << ok->body;
  auto groups = nlohmann::json::parse(ok->body);
  ASSERT_EQ(groups.size(), 3u) << ok->body;
  EXPECT_EQ(groups[0]["targets"][0], "127.0.0.1:9090");
  EXPECT_EQ(groups[0]["labels"]["daemon"], "eddy-logd");
  EXPECT_EQ(groups[1]["targets"][0], *bound);
  EXPECT_EQ(groups[1]["labels"]["daemon"], "eddy-coordinator");
  EXPECT_EQ(groups[2]["targets"][0], "127.0.0.1:9100");
  EXPECT_EQ(groups[2]["labels"]["daemon"], "eddy-node");
  EXPECT_EQ(groups[2]["labels"]["node"], "node-0");
}

TEST(TokenMatches, ComparesTheWholeBearerValue) {
  EXPECT_TRUE(TokenMatches("Bearer abc", "abc"));
  EXPECT_FALSE(TokenMatches("Bearer abcd", "abc"));
  EXPECT_FALSE(TokenMatches("Bearer ab", "abc"));
  EXPECT_FALSE(TokenMatches("bearer abc", "abc"));
  EXPECT_FALSE(TokenMatches("", "abc"));
  EXPECT_TRUE(TokenMatches("", ""));  // no token configured: no check
}

TEST(ReasonOf, NamesHowAnAttemptFailed) {
  AttemptRecord r;
  r.end = AttemptEnd::kExited;
  r.exit_code = 1;
  EXPECT_STREQ(FailureReasonName(ReasonOf(r)), "exit");
  r.signal = 9;
  EXPECT_STREQ(FailureReasonName(ReasonOf(r)), "signal");
  r.detail = "out of memory";
  EXPECT_STREQ(FailureReasonName(ReasonOf(r)), "oom");
  r.end = AttemptEnd::kNodeLost;
  EXPECT_STREQ(FailureReasonName(ReasonOf(r)), "node_lost");
  r.end = AttemptEnd::kLogStoreFenced;
  EXPECT_STREQ(FailureReasonName(ReasonOf(r)), "fenced");
}

}  // namespace
}  // namespace eddy::cluster
