// The dashboard's parts without a grid: token checks (bearer, cookie, login form), the
// embedded files, the parsing of a container's metrics, and its routes served by a real
// HttpServer over a real (empty) ClusterManager: 401 without the token, JSON with it.
#include "coordinator/server/dashboard/dashboard.h"

#include <httplib.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "coordinator/common/auth.h"
#include "coordinator/server/dashboard/container_probe.h"
#include "coordinator/server/dashboard/dashboard_auth.h"
#include "coordinator/server/dashboard/job_sampler.h"
#include "coordinator/server/dashboard/static_assets.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace eddy::dashboard {
namespace {

http::Request Req(std::string path, std::multimap<std::string, std::string> headers = {}) {
  http::Request r;
  r.method = "GET";
  r.path = std::move(path);
  r.headers = std::move(headers);
  return r;
}

std::string HeaderOf(const http::Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST(DashboardAuth, TokenEqualsComparesWholeTokens) {
  EXPECT_TRUE(cluster::TokenEquals("abc", "abc"));
  EXPECT_FALSE(cluster::TokenEquals("abd", "abc"));
  EXPECT_FALSE(cluster::TokenEquals("ab", "abc"));
  EXPECT_FALSE(cluster::TokenEquals("abcd", "abc"));
  EXPECT_FALSE(cluster::TokenEquals("", "abc"));
  EXPECT_TRUE(cluster::TokenEquals("", ""));
}

TEST(DashboardAuth, BearerOrCookieWithTheTokenOnly) {
  DashboardAuth a("s3cret");
  EXPECT_FALSE(a.Allowed(Req("/")));
  EXPECT_TRUE(a.Allowed(Req("/", {{"authorization", "Bearer s3cret"}})));
  EXPECT_FALSE(a.Allowed(Req("/", {{"Authorization", "Bearer s3cre"}})));
  EXPECT_FALSE(a.Allowed(Req("/", {{"Authorization", "Bearer s3cret2"}})));
  EXPECT_FALSE(a.Allowed(Req("/", {{"Authorization", "s3cret"}})));
  EXPECT_TRUE(a.Allowed(Req("/", {{"Cookie", "a=1; eddy_token=s3cret; b=2"}})));
  EXPECT_FALSE(a.Allowed(Req("/", {{"Cookie", "eddy_token=wrong"}})));
  EXPECT_FALSE(a.Allowed(Req("/", {{"Cookie", "xeddy_token=s3cret"}})));
  EXPECT_FALSE(a.Allowed(Req("/", {{"Cookie", "eddy_token="}})));
  EXPECT_TRUE(DashboardAuth("").Allowed(Req("/")));
}

TEST(DashboardAuth, LoginSetsAStrictHttpOnlyCookieOrRefusesVisibly) {
  DashboardAuth a("s3cret");
  http::Request r = Req("/login");
  r.method = "POST";
  r.body = "token=s3cret%0A&next=%2Fjob%3Fname%3Dx";
  auto ok = a.Login(r, "<form><!--MESSAGE--></form>");
  EXPECT_EQ(ok.status, 303);
  EXPECT_EQ(HeaderOf(ok, "Location"), "/job?name=x");
  EXPECT_EQ(HeaderOf(ok, "Set-Cookie"), "eddy_token=s3cret; Path=/; HttpOnly; SameSite=Strict");

  r.body = "token=s3cret&next=%2F%2Fevil.example";
  EXPECT_EQ(HeaderOf(a.Login(r, ""), "Location"), "/");
  r.body = "token=s3cret&next=%2Fa%0D%0ASet-Cookie:x";
  EXPECT_EQ(HeaderOf(a.Login(r, ""), "Location"), "/");

  r.body = "token=%3Cscript%3E";
  auto bad = a.Login(r, "<form><!--MESSAGE--></form>");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(HeaderOf(bad, "Set-Cookie"), "");
  EXPECT_NE(bad.body.find("Wrong token"), std::string::npos) << bad.body;
  EXPECT_EQ(bad.body.find("<script>"), std::string::npos) << "the input is not echoed";
}

TEST(DashboardAuth, CookieAndFormParsing) {
  EXPECT_EQ(CookieValue("a=1;  eddy_token=x ; b", "eddy_token"), "x");
  EXPECT_EQ(CookieValue("", "eddy_token"), "");
  EXPECT_EQ(FormValue("a=1&token=a+b%2Bc%zz", "token"), "a b+c%zz");
  EXPECT_EQ(FormValue("token", "token"), "");
}

TEST(DashboardStaticAssets, EveryPageIsEmbedded) {
  for (const char* name : {"login.html", "overview.html", "job.html", "log.html", "dashboard.js",
                           "overview.js", "job.js", "log.js", "plot.js", "dashboard.css"}) {
    const StaticAsset* a = FindStaticAsset(name);
    ASSERT_NE(a, nullptr) << name;
    EXPECT_GT(a->data.size(), 100u) << name;
  }
  EXPECT_EQ(FindStaticAsset("../dashboard.h"), nullptr);
  EXPECT_NE(FindStaticAsset("login.html")->data.find("<!--MESSAGE-->"), std::string_view::npos);
  EXPECT_EQ(FindStaticAsset("job.js")->content_type, "text/javascript; charset=utf-8");
  // No page builds markup from strings: data goes in as text.
  for (const char* name : {"dashboard.js", "overview.js", "job.js", "log.js", "plot.js"}) {
    EXPECT_EQ(FindStaticAsset(name)->data.find("innerHTML"), std::string_view::npos) << name;
  }
}

TEST(DashboardContainerFigures, TasksAndStoresFromTheMetricsSnapshot) {
  StoreFigures s;
  s.task = "Partition 1";
  s.store = "counts";
  s.keys = 7;
  s.bytes = 70;
  auto f = ParseContainerFigures(R"({
      "task.Partition 1": {"messages-processed": 42, "lag.eddy.lines.1": 5, "lag.eddy.more.1": 2,
                           "process-ns": {"count": 1}},
      "store.Partition 1.counts": {"restore-records": 3, "restore-wall-ms": 1.5,
                                   "restore-from-local-checkpoint": 0},
      "container": {"x": 1}})",
                                 {s});
  ASSERT_EQ(f.tasks.size(), 1u);
  EXPECT_EQ(f.tasks[0].task, "Partition 1");
  EXPECT_EQ(f.tasks[0].processed, 42);
  EXPECT_EQ(f.tasks[0].lag, 7);
  EXPECT_EQ(f.tasks[0].partitions, (std::vector<std::string>{"eddy.lines.1", "eddy.more.1"}));
  ASSERT_EQ(f.stores.size(), 1u);
  EXPECT_EQ(f.stores[0].keys, 7);
  EXPECT_EQ(f.stores[0].restore_records, 3);
  EXPECT_EQ(f.stores[0].restored_from_checkpoint, 0);
  EXPECT_EQ(f.stores[0].cache_hit_rate, -1);
  // Garbage keeps the sizes.
  auto g = ParseContainerFigures("{not json", {s});
  EXPECT_TRUE(g.tasks.empty());
  ASSERT_EQ(g.stores.size(), 1u);
  EXPECT_EQ(g.stores[0].bytes, 70);
}

coordinator::v1::JobStatus RunningJob(const std::string& name, int containers) {
  coordinator::v1::JobStatus j;
  j.set_job(name);
  j.set_state("RUNNING");
  for (int i = 0; i < containers; ++i) {
    auto* c = j.add_containers();
    c->set_id(std::to_string(i));
    c->set_state("running");
    c->set_inspect_address("127.0.0.1:" + std::to_string(1000 + i));
  }
  return j;
}

TEST(DashboardJobSampler, RatesLagErrorsAndABoundedHistory) {
  std::vector<coordinator::v1::JobStatus> jobs = {RunningJob("j", 2)};
  int64_t processed = 0;
  bool fail_second = false;
  JobSampler::Stats stats = [&](const std::string& c,
                                const std::string& a) -> absl::StatusOr<ContainerFigures> {
    if (c == "1" && fail_second) return absl::UnavailableError("container 1 at " + a + ": down");
    ContainerFigures f;
    TaskFigures t;
    t.task = "Partition " + c;
    t.processed = processed;
    t.lag = 10;
    t.has_lag = true;
    f.tasks.push_back(t);
    StoreFigures s;
    s.task = t.task;
    s.store = "counts";
    s.keys = 3;
    f.stores.push_back(s);
    return f;
  };
  JobSampler sampler(
      {std::chrono::milliseconds(1000), 4, 8}, [&] { return jobs; }, stats);
  EXPECT_EQ(sampler.Figures("j")["sampled_ms"], 0);
  sampler.SampleOnce();
  auto f = sampler.Figures("j");
  ASSERT_EQ(f["tasks"].size(), 2u) << f.dump();
  EXPECT_TRUE(f["tasks"][0]["messages_per_s"].is_null()) << "one sample gives no rate yet";
  EXPECT_EQ(f["stores"].size(), 2u);
  for (int i = 0; i < 10; ++i) {
    processed += 100;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    sampler.SampleOnce();
  }
  f = sampler.Figures("j");
  EXPECT_GT(f["tasks"][0]["messages_per_s"].get<double>(), 0) << f.dump();
  auto series = sampler.Series("j");
  ASSERT_EQ(series["points"].size(), 4u) << "the ring keeps `points` samples";
  EXPECT_GT(series["points"][3][1].get<double>(), 0);
  EXPECT_EQ(series["points"][3][2].get<double>(), 20) << "lag summed over tasks";
  // A container that does not answer is named; its tasks are left out of that sample.
  fail_second = true;
  sampler.SampleOnce();
  f = sampler.Figures("j");
  ASSERT_EQ(f["errors"].size(), 1u);
  EXPECT_NE(f["errors"][0].get<std::string>().find("container 1"), std::string::npos);
  EXPECT_EQ(f["tasks"].size(), 1u);
  // A counter that goes back (the container restarted) gives no rate rather than a negative.
  fail_second = false;
  processed = 5;
  sampler.SampleOnce();
  for (const auto& t : sampler.Figures("j")["tasks"]) {
    EXPECT_TRUE(t["messages_per_s"].is_null() || t["messages_per_s"].get<double>() >= 0);
  }
  // A job the coordinator no longer lists is dropped.
  jobs.clear();
  sampler.SampleOnce();
  EXPECT_EQ(sampler.Figures("j")["sampled_ms"], 0);
  EXPECT_EQ(sampler.Series("j")["points"].size(), 0u);
}

TEST(DashboardJobSampler, SamplesAtMostMaxJobs) {
  std::vector<coordinator::v1::JobStatus> jobs;
  for (int i = 0; i < 5; ++i) jobs.push_back(RunningJob("j" + std::to_string(i), 1));
  JobSampler sampler(
      {std::chrono::milliseconds(1000), 4, 3}, [&] { return jobs; },
      [](const std::string&, const std::string&) -> absl::StatusOr<ContainerFigures> {
        return ContainerFigures{};
      });
  sampler.SampleOnce();
  int sampled = 0;
  for (const auto& j : jobs) sampled += sampler.Figures(j.job())["sampled_ms"] != 0;
  EXPECT_EQ(sampled, 3);
}

class DashboardRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/eddy-dashboard-unit-XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto store = cluster::MetadataStore::Open(dir_ + "/meta");
    ASSERT_TRUE(store.ok()) << store.status();
    auto packages = cluster::PackageStore::Open(dir_ + "/packages", 1 << 20);
    ASSERT_TRUE(packages.ok()) << packages.status();
    cluster::ManagerOptions o;
    o.work_dir = dir_;
    manager_ =
        std::make_unique<cluster::ClusterManager>(o, std::move(*store), std::move(*packages));
    ASSERT_TRUE(manager_->Load().ok());
    DashboardOptions d;
    d.token = "tok";
    d.sample_interval = std::chrono::milliseconds(50);
    dashboard_ = RegisterDashboard(http_, *manager_, d);
    auto bound = http_.Start("127.0.0.1:0");
    ASSERT_TRUE(bound.ok()) << bound.status();
    port_ = std::atoi(bound->substr(bound->rfind(':') + 1).c_str());
  }
  void TearDown() override {
    http_.Stop();
    dashboard_.reset();
    manager_.reset();
    std::filesystem::remove_all(dir_);
  }
  httplib::Result Get(const std::string& path, bool token) {
    httplib::Client c("127.0.0.1", port_);
    httplib::Headers h;
    if (token) h.emplace("Authorization", "Bearer tok");
    return c.Get(path, h);
  }

  std::string dir_;
  std::unique_ptr<cluster::ClusterManager> manager_;
  http::HttpServer http_;
  std::unique_ptr<Dashboard> dashboard_;
  int port_ = 0;
};

TEST_F(DashboardRoutes, EverythingButTheLoginPageNeedsTheToken) {
  for (const char* p :
       {"/", "/job?name=x", "/log", "/static/job.js", "/api/v1/jobs", "/api/v1/jobs/x",
        "/api/v1/nodes", "/api/v1/topics", "/api/v2/nothing", "/no/such/page"}) {
    auto r = Get(p, false);
    ASSERT_TRUE(r) << p;
    EXPECT_EQ(r->status, 401) << p;
  }
  auto login = Get("/login", false);
  ASSERT_TRUE(login);
  EXPECT_EQ(login->status, 200);
  EXPECT_NE(login->body.find("name=\"token\""), std::string::npos);
  EXPECT_NE(login->get_header_value("Content-Security-Policy").find("script-src 'self'"),
            std::string::npos);
}

TEST_F(DashboardRoutes, ApiAnswersJsonWithTheToken) {
  auto r = Get("/api/v1/jobs", true);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(nlohmann::json::parse(r->body)["jobs"].size(), 0u);
  r = Get("/api/v1/nodes", true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  r = Get("/api/v1/jobs/nosuch", true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404) << r->body;
  EXPECT_NE(nlohmann::json::parse(r->body)["error"].get<std::string>().find("nosuch"),
            std::string::npos);
  r = Get("/api/v1/topics", true);  // no --log-store given
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503) << r->body;
  EXPECT_NE(r->body.find("--log-store"), std::string::npos) << r->body;
  r = Get("/job?name=x", true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("/static/job.js"), std::string::npos);
  r = Get("/static/nothing.js", true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
}

}  // namespace
}  // namespace eddy::dashboard
