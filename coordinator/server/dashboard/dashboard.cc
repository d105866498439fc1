#include "coordinator/server/dashboard/dashboard.h"

#include <mutex>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "coordinator/server/dashboard/cluster_views.h"
#include "coordinator/server/dashboard/container_probe.h"
#include "coordinator/server/dashboard/dashboard_auth.h"
#include "coordinator/server/dashboard/job_sampler.h"
#include "coordinator/server/dashboard/static_assets.h"
#include "log-store/client/admin_client.h"
#include "nlohmann/json.hpp"

namespace eddy::dashboard {
namespace {

using http::Request;
using http::Response;

// Scripts and styles only from this site, nothing inline, no frames: a string that slipped
// into the DOM as markup could still not run.
constexpr char kPolicy[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

void Harden(Response* r) {
  r->headers.emplace_back("X-Content-Type-Options", "nosniff");
  r->headers.emplace_back("Cache-Control", "no-store");
  r->headers.emplace_back("Referrer-Policy", "no-referrer");
  r->headers.emplace_back("Content-Security-Policy", kPolicy);
  r->headers.emplace_back("X-Frame-Options", "DENY");
}

Response Json(int status, const nlohmann::json& j) {
  // Log lines and config values may be any bytes: invalid UTF-8 becomes U+FFFD rather than an
  // exception.
  auto r = Response::Json(status, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  Harden(&r);
  return r;
}

Response Error(int status, absl::string_view message) {
  return Json(status, nlohmann::json{{"error", std::string(message)}});
}

int HttpStatus(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kInvalidArgument:
      return 400;
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
      return 502;  // the dashboard's own token was refused by a node or container
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

Response Asset(std::string_view name) {
  const StaticAsset* a = FindStaticAsset(name);
  if (a == nullptr) return Response::Text(404, "no such file: " + std::string(name) + "\n");
  Response r;
  r.content_type = std::string(a->content_type);
  r.body = std::string(a->data);
  Harden(&r);
  return r;
}

}  // namespace

struct Dashboard::Impl {
  Impl(cluster::ClusterManager& m, DashboardOptions o)
      : manager(m),
        options(std::move(o)),
        auth(options.token),
        probe(options.token, options.rpc_deadline),
        sampler(
            JobSamplerOptions{options.sample_interval, options.sample_points, 64},
            [this] { return manager.ListJobs(); },
            [this](const std::string& c, const std::string& a) { return probe.Stats(c, a); }) {}

  cluster::ClusterManager& manager;
  const DashboardOptions options;
  const DashboardAuth auth;
  const ContainerProbe probe;
  JobSampler sampler;
  std::mutex admin_mu;
  std::shared_ptr<logstore::AdminClient> admin;  // connected on first use

  absl::StatusOr<std::shared_ptr<logstore::AdminClient>> Admin() {
    std::lock_guard<std::mutex> l(admin_mu);
    if (admin) return admin;
    if (options.log_store.empty()) {
      return absl::FailedPreconditionError(
          "the coordinator was started without --log-store: it knows no log store to list "
          "topics from");
    }
    logstore::ClientOptions o;
    o.bootstrap = options.log_store;
    o.request_timeout = options.rpc_deadline;
    auto a = logstore::AdminClient::Connect(o);
    if (!a.ok()) return a.status();
    admin = std::move(*a);
    return admin;
  }

  Response Topics() {
    auto a = Admin();
    if (!a.ok())
      return Error(503, absl::StrCat("log store ", options.log_store, ": ", a.status().message()));
    auto t = TopicsJson(**a, options.max_topics);
    if (!t.ok()) return Error(HttpStatus(t.status()), t.status().message());
    (*t)["log_store"] = options.log_store;
    return Json(200, *t);
  }

  // /api/v1/jobs/JOB[/containers[/CID/log] | /tasks | /stores | /series]
  Response JobRoute(const Request& r) {
    std::vector<std::string> parts =
        absl::StrSplit(r.path.substr(std::string_view("/api/v1/jobs/").size()), '/');
    if (parts.empty() || parts[0].empty()) return Error(404, "no job named in the path");
    const std::string& name = parts[0];
    auto job = manager.GetJob(name);
    if (!job.ok()) return Error(HttpStatus(job.status()), job.status().message());
    if (parts.size() == 1) {
      auto j = JobJson(*job);
      j["figures"] = sampler.Figures(name);
      return Json(200, j);
    }
    const std::string& what = parts[1];
    if (parts.size() == 2 && what == "containers") {
      return Json(200, JobJson(*job)["containers"]);
    }
    if (parts.size() == 2 && what == "tasks") return Json(200, Tasks(*job));
    if (parts.size() == 2 && what == "stores") {
      auto f = sampler.Figures(name);
      return Json(200, nlohmann::json{{"sampled_ms", f["sampled_ms"]},
                                      {"stores", f["stores"]},
                                      {"errors", f["errors"]}});
    }
    if (parts.size() == 2 && what == "series") return Json(200, sampler.Series(name));
    if (parts.size() == 4 && what == "containers" && parts[3] == "log") {
      return Log(r, *job, parts[2]);
    }
    return Error(404, absl::StrCat("no such path: ", r.path));
  }

  // The tasks of the job model, each with its figures from the last sample.
  nlohmann::json Tasks(const coordinator::v1::JobStatus& job) {
    auto summary = JobSummaryJson(job);
    auto f = sampler.Figures(job.job());
    std::map<std::string, nlohmann::json> sampled;
    for (const auto& t : f["tasks"]) sampled[t.value("task", "")] = t;
    nlohmann::json out = nlohmann::json::array();
    for (auto t : summary["tasks"]) {
      auto it = sampled.find(t.value("task", ""));
      if (it != sampled.end()) {
        t["processed"] = it->second["processed"];
        t["lag"] = it->second["lag"];
        t["messages_per_s"] = it->second["messages_per_s"];
        t["partitions"] = it->second["partitions"];
        t["sampled_container"] = it->second["container"];
      } else {
        t["processed"] = nullptr;
        t["lag"] = nullptr;
        t["messages_per_s"] = nullptr;
      }
      out.push_back(std::move(t));
    }
    return {{"sampled_ms", f["sampled_ms"]}, {"tasks", std::move(out)}, {"errors", f["errors"]}};
  }

  Response Log(const Request& r, const coordinator::v1::JobStatus& job, const std::string& cid) {
    const coordinator::v1::ContainerStatus* c = nullptr;
    for (const auto& x : job.containers()) {
      if (x.id() == cid) c = &x;
    }
    if (c == nullptr) return Error(404, absl::StrCat("job ", job.job(), " has no container ", cid));
    std::string file = r.Query("file", "stderr");
    if (file != "stderr" && file != "stdout") {
      return Error(400, "file must be stderr or stdout");
    }
    int64_t offset = -1;
    std::string off = r.Query("offset", "-1");
    if (!absl::SimpleAtoi(off, &offset) || offset < -1) {
      return Error(400, "offset must be -1 (the last 64 KiB) or a byte offset >= 0");
    }
    if (c->node_address().empty()) {
      return Error(503, absl::StrCat("container ", cid, " is on no node (", c->state(), ")"));
    }
    auto chunk =
        probe.ReadLog(c->node_address(), job.job(), cid, file, offset, options.max_log_bytes);
    if (!chunk.ok()) return Error(HttpStatus(chunk.status()), chunk.status().message());
    return Json(200, nlohmann::json{{"job", job.job()},
                                    {"container", cid},
                                    {"node", c->node()},
                                    {"attempt", c->attempt()},
                                    {"file", file},
                                    {"path", chunk->path},
                                    {"offset", offset},
                                    {"next_offset", chunk->next_offset},
                                    {"data", chunk->data}});
  }

  Response Jobs() {
    nlohmann::json jobs = nlohmann::json::array();
    for (const auto& j : manager.ListJobs()) {
      auto s = JobSummaryJson(j);
      s.erase("tasks");
      s.erase("config");
      std::map<std::string, int> by_state;
      int64_t restarts = 0;
      for (const auto& c : j.containers()) {
        by_state[c.state()]++;
        restarts += c.restarts();
      }
      s["containers_by_state"] = by_state;
      s["restarts"] = restarts;
      jobs.push_back(std::move(s));
    }
    return Json(200, nlohmann::json{{"jobs", std::move(jobs)}});
  }

  Response Nodes() {
    nlohmann::json nodes = nlohmann::json::array();
    for (const auto& n : manager.ListNodes()) nodes.push_back(NodeJson(n));
    return Json(200, nlohmann::json{{"nodes", std::move(nodes)}});
  }
};

Dashboard::Dashboard(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Dashboard::~Dashboard() = default;

std::unique_ptr<Dashboard> RegisterDashboard(http::HttpServer& http,
                                             cluster::ClusterManager& manager,
                                             DashboardOptions options) {
  auto impl = std::make_unique<Dashboard::Impl>(manager, std::move(options));
  Dashboard::Impl* d = impl.get();
  // Every route but the login page and its style sheet goes through `gate`.
  auto gate = [d](auto handler) {
    return [d, handler](const Request& r) -> Response {
      if (!d->auth.Allowed(r)) return DashboardAuth::Refuse(r);
      return handler(r);
    };
  };
  auto login_page = [d] {
    const StaticAsset* a = FindStaticAsset("login.html");
    std::string page = a ? std::string(a->data) : "<!--MESSAGE-->";
    if (d->auth.insecure()) {
      page = absl::StrReplaceAll(
          page, {{"<!--MESSAGE-->",
                  "<p class=\"note\">This coordinator runs --insecure: any token is "
                  "accepted.</p>"}});
    }
    return page;
  };
  http.Handle("GET", "/login", [login_page](const Request&) {
    Response r;
    r.content_type = "text/html; charset=utf-8";
    r.body = absl::StrReplaceAll(login_page(), {{"<!--MESSAGE-->", ""}});
    Harden(&r);
    return r;
  });
  http.Handle("POST", "/login", [d, login_page](const Request& r) {
    auto out = d->auth.Login(r, login_page());
    Harden(&out);
    return out;
  });
  http.Handle("POST", "/logout", [](const Request&) { return DashboardAuth::Logout(); });
  http.Handle("GET", "/static/dashboard.css",
              [](const Request&) { return Asset("dashboard.css"); });
  http.HandlePrefix("GET", "/static/", gate([](const Request& r) {
                      return Asset(std::string_view(r.path).substr(8));
                    }));
  http.Handle("GET", "/", gate([](const Request&) { return Asset("overview.html"); }));
  http.Handle("GET", "/job", gate([](const Request&) { return Asset("job.html"); }));
  http.Handle("GET", "/log", gate([](const Request&) { return Asset("log.html"); }));
  http.Handle("GET", "/api/v1/jobs", gate([d](const Request&) { return d->Jobs(); }));
  http.HandlePrefix("GET", "/api/v1/jobs/", gate([d](const Request& r) { return d->JobRoute(r); }));
  http.Handle("GET", "/api/v1/nodes", gate([d](const Request&) { return d->Nodes(); }));
  http.Handle("GET", "/api/v1/topics", gate([d](const Request&) { return d->Topics(); }));
  // Anything else under /api/ or elsewhere: 401 first (nothing about the routes leaks), then 404.
  http.HandlePrefix("GET", "/api/", gate([](const Request& r) {
                      return Error(404, absl::StrCat("no such API route: ", r.path));
                    }));
  http.HandlePrefix("GET", "/", gate([](const Request& r) {
                      return Response::Text(404, absl::StrCat("no such page: ", r.path, "\n"));
                    }));
  d->sampler.Start();
  return std::unique_ptr<Dashboard>(new Dashboard(std::move(impl)));
}

}  // namespace eddy::dashboard
