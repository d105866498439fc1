// The coordinator's web dashboard in a real browser (issue 11): a grid (`eddy grid up`) runs the
// wordcount job; headless Chromium, driven through chromedriver's WebDriver protocol, logs in
// with the grid's token, opens the job and reads its containers from the DOM; the test kills
// one container process with SIGKILL and waits until the page shows it restarted (its
// restarts count and attempt number grow). A wrong token is refused on the page and by the API.
// Screenshots go to the test's temp dir and build/dashboard-screenshot.png.
#include <httplib.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "gtest/gtest.h"
#include "tests/integration/cluster/cluster_harness.h"
#include "tests/integration/dashboard/web_driver.h"

namespace eddy::test {
namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr char kJob[] = "wordcount";
// A config value that is markup: the page must show it as text.
constexpr char kMarkup[] = "<img src=x id=injected onerror=alert(1)><b>bold</b>";

std::string ReadFile(const std::string& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

struct Http {
  std::string host;
  int port = 0;
  httplib::Result Get(const std::string& path, const httplib::Headers& h = {}) const {
    httplib::Client c(host, port);
    c.set_read_timeout(30);
    return c.Get(path, h);
  }
};

Http ParseHttp(const std::string& hp) {
  auto colon = hp.rfind(':');
  return {hp.substr(0, colon), std::atoi(hp.c_str() + colon + 1)};
}

// Polls `f` until it returns true or `seconds` pass.
template <typename F>
bool WaitFor(int seconds, F f) {
  auto deadline = Clock::now() + std::chrono::seconds(seconds);
  while (Clock::now() < deadline) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return f();
}

// The containers table as the page shows it: id → {state, restarts, attempt}.
const char kContainersScript[] = R"(
  const out = {};
  for (const tr of document.querySelectorAll('#containers tbody tr[data-container]')) {
    const cell = (c) => (tr.querySelector(c) || {}).textContent || '';
    out[tr.getAttribute('data-container')] = {
      state: cell('.c-state'), restarts: Number(cell('.c-restarts')),
      attempt: Number(cell('.c-attempt')), node: cell('.c-node')};
  }
  return out;)";

void SavePng(const std::string& png, const std::string& path) {
  std::ofstream f(path, std::ios::binary);
  f.write(png.data(), static_cast<std::streamsize>(png.size()));
}

TEST(Dashboard, LoginSeeContainersKillOneSeeItRestartedWrongTokenRefused) {
  const std::string chromium = FindChromium(), driver = FindChromedriver();
  if (chromium.empty() || driver.empty()) {
    GTEST_SKIP() << "needs Debian's chromium and chromium-driver (chromium: "
                 << (chromium.empty() ? "missing" : chromium)
                 << ", chromedriver: " << (driver.empty() ? "missing" : driver) << ")";
  }
  Grid g(2);
  ASSERT_TRUE(g.ok());
  const std::string token = ReadFile(g.dir() + "/token");
  ASSERT_FALSE(token.empty());
  auto gj = g.GridJson();
  ASSERT_TRUE(gj.contains("coordinator")) << gj.dump();
  const std::string http_address = gj["coordinator"].value("http", "");
  ASSERT_FALSE(http_address.empty()) << gj.dump();
  const Http http = ParseHttp(http_address);
  const std::string base = "http://" + http_address;

  ASSERT_TRUE(g.CreateTopic("wordcount-lines", 4));
  ASSERT_TRUE(g.CreateTopic("wordcount-counts", 4));
  auto sub = g.Eddy("job submit " + WordcountPackage() +
                    " --set job.container.count=2 --set cluster-manager.container.memory.mb=512"
                    " --set task.commit.ms=500 --set 'app.dashboard-test.note=" +
                    kMarkup + "'");
  ASSERT_EQ(sub.code, 0) << sub.out << sub.err;
  ASSERT_TRUE(g.WaitRunning(kJob, 90)) << g.JobStatus(kJob).dump();

  // 1. The API without a token, with a wrong one, with the right one.
  {
    auto r = http.Get("/api/v1/jobs");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401) << r->body;
    r = http.Get("/api/v1/jobs", {{"Authorization", "Bearer not-the-token"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401) << r->body;
    r = http.Get("/api/v1/jobs/" + std::string(kJob), {{"Cookie", "eddy_token=wrong"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401) << r->body;
    r = http.Get("/job?name=wordcount");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401);
    r = http.Get("/api/v1/jobs", {{"Authorization", "Bearer " + token}});
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    auto j = nlohmann::json::parse(r->body);
    ASSERT_EQ(j["jobs"].size(), 1u) << r->body;
    EXPECT_EQ(j["jobs"][0]["name"], kJob);
  }

  char tmpl[] = "/tmp/eddy-dashboard-test-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  auto wd = WebDriver::Start(driver, chromium, dir);
  ASSERT_TRUE(wd.ok()) << wd.status();
  WebDriver& b = **wd;

  // 2. A wrong token is refused, visibly.
  ASSERT_TRUE(b.Navigate(base + "/job?name=wordcount").ok());
  ASSERT_TRUE(WaitFor(30, [&] {
    auto u = b.CurrentUrl();
    return u.ok() && u->find("/login") != std::string::npos && b.Find("#token").ok();
  })) << "a page without the token should send the browser to /login";
  {
    auto input = b.Find("#token");
    ASSERT_TRUE(input.ok()) << input.status();
    ASSERT_TRUE(b.Type(*input, "not-the-token").ok());
    auto button = b.Find("#login-button");
    ASSERT_TRUE(button.ok());
    ASSERT_TRUE(b.Click(*button).ok());
    std::string shown;
    ASSERT_TRUE(WaitFor(30, [&] {
      auto e = b.Find("#login-error");
      if (!e.ok()) return false;
      auto t = b.Text(*e);
      shown = t.ok() ? *t : "";
      return !shown.empty();
    })) << "no refusal shown";
    EXPECT_NE(shown.find("Wrong token"), std::string::npos) << shown;
    auto png = b.Screenshot();
    ASSERT_TRUE(png.ok()) << png.status();
    SavePng(*png, dir + "/dashboard-wrong-token.png");
  }

  // 3. The right token: the cookie lets the job page in.
  {
    auto input = b.Find("#token");
    ASSERT_TRUE(input.ok());
    ASSERT_TRUE(b.Type(*input, token).ok());
    ASSERT_TRUE(b.Click(b.Find("#login-button").value()).ok());
    ASSERT_TRUE(WaitFor(30, [&] { return b.Find("#jobs").ok(); })) << "no overview after login";
    auto cookie = b.Script("return document.cookie;");
    ASSERT_TRUE(cookie.ok());
    EXPECT_EQ(cookie->get<std::string>().find("eddy_token"), std::string::npos)
        << "the token cookie must be HttpOnly";
    // The overview lists the job and both nodes.
    ASSERT_TRUE(WaitFor(30, [&] {
      return b.Find("#jobs tr[data-job=\"wordcount\"]").ok() &&
             b.Find("#nodes tr[data-node=\"node-1\"]").ok();
    }));
  }
  ASSERT_TRUE(b.Navigate(base + "/job?name=wordcount").ok());
  nlohmann::json shown;
  ASSERT_TRUE(WaitFor(60,
                      [&] {
                        auto s = b.Script(kContainersScript);
                        if (!s.ok() || !s->is_object() || s->size() != 2) return false;
                        shown = *s;
                        for (auto& [id, c] : s->items()) {
                          if (c["state"] != "running") return false;
                        }
                        return true;
                      }))
      << "the page should show two running containers: " << shown.dump();
  EXPECT_EQ(shown["0"]["restarts"], 0) << shown.dump();
  const int64_t attempt_before = shown["0"]["attempt"].get<int64_t>();
  EXPECT_GE(attempt_before, 1);

  // 4. Config values are shown as text, not run as markup.
  {
    auto v = b.Script(
        "const td = document.querySelector('#config tr[data-key=\"app.dashboard-test.note\"] "
        ".cfg-value'); return [td ? td.textContent : null, !!document.getElementById('injected'),"
        " td ? td.querySelectorAll('*').length : -1];");
    ASSERT_TRUE(v.ok());
    EXPECT_EQ((*v)[0], kMarkup) << v->dump();
    EXPECT_EQ((*v)[1], false) << "markup from a config value became an element";
    EXPECT_EQ((*v)[2], 0);
  }

  // 5. Throughput: after a first sample, words produced now show up as processed messages and
  // a sample with a positive rate; the topic's end offsets add up to what was produced.
  auto api = [&](const std::string& path) {
    auto r = http.Get(path, {{"Authorization", "Bearer " + token}});
    if (!r || r->status != 200) return nlohmann::json();
    return nlohmann::json::parse(r->body, nullptr, false);
  };
  ASSERT_TRUE(WaitFor(30, [&] {
    auto s = api("/api/v1/jobs/wordcount/series");
    return s.is_object() && !s["points"].empty();
  }));
  std::vector<std::string> words;
  for (int i = 0; i < 3000; ++i) words.push_back("w" + std::to_string(i % 97));
  ASSERT_TRUE(g.Produce("wordcount-lines", words));
  int64_t processed = 0;
  ASSERT_TRUE(WaitFor(90,
                      [&] {
                        auto t = api("/api/v1/jobs/wordcount/tasks");
                        if (!t.is_object()) return false;
                        processed = 0;
                        for (auto& x : t["tasks"]) {
                          if (x["processed"].is_number())
                            processed += x["processed"].get<int64_t>();
                        }
                        return processed == static_cast<int64_t>(words.size());
                      }))
      << "tasks processed " << processed << " of " << words.size();
  ASSERT_TRUE(WaitFor(30, [&] {
    auto s = api("/api/v1/jobs/wordcount/series");
    for (auto& p : s["points"]) {
      if (p[1].get<double>() > 0) return true;
    }
    return false;
  })) << api("/api/v1/jobs/wordcount/series").dump();
  {
    auto t = api("/api/v1/topics");
    ASSERT_TRUE(t.is_object());
    bool found = false;
    for (auto& x : t["topics"]) {
      if (x["name"] != "wordcount-lines") continue;
      found = true;
      EXPECT_EQ(x["partitions"].size(), 4u);
      EXPECT_EQ(x["messages"], static_cast<int64_t>(words.size())) << x.dump();
    }
    EXPECT_TRUE(found) << t.dump();
    // Every sample asks each container anew (one that answers late is left out of that
    // sample, with an error): wait for a sample with all 97 words in the stores.
    nlohmann::json st;
    EXPECT_TRUE(WaitFor(60, [&] {
      st = api("/api/v1/jobs/wordcount/stores");
      if (!st.is_object()) return false;
      int64_t keys = 0;
      for (auto& x : st["stores"]) keys += x["keys"].get<int64_t>();
      return keys == 97;
    })) << st.dump();
    auto n = api("/api/v1/nodes");
    EXPECT_EQ(n["nodes"].size(), 2u) << n.dump();
  }
  // The page's tasks table shows the processed counts too.
  ASSERT_TRUE(WaitFor(30, [&] {
    auto v = b.Script(
        "let n = 0; for (const td of document.querySelectorAll('#tasks .t-processed')) "
        "n += Number(td.textContent.replace(/,/g, '')) || 0; return n;");
    return v.ok() && v->is_number() && v->get<int64_t>() == static_cast<int64_t>(words.size());
  }));

  // 6. Kill container 0's process; the page shows it restarted.
  auto status = g.JobStatus(kJob);
  std::string work_dir;
  for (auto& c : status["containers"]) {
    if (c.value("id", "") == "0") work_dir = c.value("work_dir", "");
  }
  ASSERT_FALSE(work_dir.empty()) << status.dump();
  int pid = ContainerPid(work_dir);
  ASSERT_GT(pid, 0) << "no eddy-container process for " << work_dir;
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  ASSERT_TRUE(WaitFor(120,
                      [&] {
                        auto s = b.Script(kContainersScript);
                        if (!s.ok() || !s->contains("0")) return false;
                        shown = *s;
                        const auto& c = (*s)["0"];
                        return c["restarts"].get<int64_t>() >= 1 &&
                               c["attempt"].get<int64_t>() > attempt_before &&
                               c["state"] == "running";
                      }))
      << "the page should show container 0 restarted: " << shown.dump();
  {
    auto png = b.Screenshot();
    ASSERT_TRUE(png.ok()) << png.status();
    ASSERT_GT(png->size(), 8u);
    EXPECT_EQ(png->substr(1, 3), "PNG");
    SavePng(*png, dir + "/dashboard-job.png");
    SavePng(*png, BinDir() + "/../dashboard-screenshot.png");
    std::fprintf(stderr,
                 "screenshot: %s/../dashboard-screenshot.png (every page's in %s with "
                 "EDDY_KEEP_TEST_DIRS=1)\n",
                 BinDir().c_str(), dir.c_str());
  }

  // 7. The container's log page shows its stderr through the node.
  ASSERT_TRUE(b.Navigate(base + "/log?job=wordcount&container=0").ok());
  std::string where;
  ASSERT_TRUE(WaitFor(30, [&] {
    auto e = b.Find("#where");
    if (!e.ok()) return false;
    auto t = b.Text(*e);
    where = t.ok() ? *t : "";
    return where.find("attempt") != std::string::npos;
  })) << where;
  // The restarted attempt restores its stores and says so on stderr.
  std::string log_text;
  ASSERT_TRUE(WaitFor(30,
                      [&] {
                        auto v = b.Script("return document.getElementById('log').textContent;");
                        log_text = v.ok() && v->is_string() ? v->get<std::string>() : "";
                        return log_text.find("eddy-container: ") != std::string::npos;
                      }))
      << "log page shows: " << log_text;
  {
    auto png = b.Screenshot();
    ASSERT_TRUE(png.ok()) << png.status();
    SavePng(*png, dir + "/dashboard-log.png");
  }
  ASSERT_TRUE(b.Navigate(base + "/").ok());
  ASSERT_TRUE(WaitFor(30, [&] {
    auto v = b.Script(
        "return [...document.querySelectorAll('#topics tbody td:first-child')]"
        ".map((td) => td.textContent);");
    return v.ok() && v->is_array() && v->dump().find("\"wordcount-lines\"") != std::string::npos;
  })) << "the overview should list the topics";
  {
    auto png = b.Screenshot();
    ASSERT_TRUE(png.ok()) << png.status();
    SavePng(*png, dir + "/dashboard-overview.png");
  }
  auto log = api("/api/v1/jobs/wordcount/containers/0/log?file=stderr&offset=0");
  ASSERT_TRUE(log.is_object());
  EXPECT_FALSE(log["path"].get<std::string>().empty()) << log.dump();
  EXPECT_EQ(log["next_offset"].get<int64_t>(),
            static_cast<int64_t>(log["data"].get<std::string>().size()));
  {
    auto r = http.Get("/api/v1/jobs/wordcount/containers/0/log?offset=-7",
                      {{"Authorization", "Bearer " + token}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << r->body;
    r = http.Get("/api/v1/jobs/nosuchjob", {{"Authorization", "Bearer " + token}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404) << r->body;
  }
  // The screenshots stay in `dir` with EDDY_KEEP_TEST_DIRS=1 (like the grid's dir); the job
  // page's is always copied to build/dashboard-screenshot.png.
  if (!std::getenv("EDDY_KEEP_TEST_DIRS")) {
    wd->reset();  // the browser lets go of its profile before it is removed
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
}

}  // namespace
}  // namespace eddy::test
