// `eddy job submit|list|status|kill|logs|scale` (and `reset`, job_reset_command.cc): talks to eddy-coordinator (and to a node's log
// service for logs).
#include <time.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "coordinator/cli/cluster_client.h"
#include "coordinator/cli/cluster_commands.h"
#include "coordinator/cli/output.h"
#include "coordinator/common/sha256.h"
#include "eddy/config.h"
#include "nlohmann/json.hpp"

namespace eddy::cli {
namespace cv1 = coordinator::v1;

void AddClusterFlags(CLI::App* c, ClusterFlags* f) {
  c->add_option("--coordinator", f->coordinator,
                "HOST:PORT of eddy-coordinator "
                "(default: $EDDY_COORDINATOR, else the grid dir's grid.json)");
  c->add_option("--token-file", f->token_file,
                "token file (default: $EDDY_TOKEN_FILE, else "
                "<grid dir>/token)");
  c->add_option("--dir,--grid-dir", f->grid_dir,
                "grid dir (default: $EDDY_GRID_DIR, else ~/.eddy/grid)");
}

namespace {

std::string Clock(int64_t ms) {
  if (ms <= 0) return "-";
  time_t t = static_cast<time_t>(ms / 1000);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

// One line per attempt, oldest first: number, node, start (UTC), how it ended and why.
void PrintAttempts(const cv1::ContainerStatus& c) {
  for (const auto& a : c.attempts()) {
    std::string how = a.end();
    if (a.end() != "running") {
      absl::StrAppend(&how, " at ", Clock(a.ended_ms()));
      if (!a.detail().empty()) absl::StrAppend(&how, ": ", a.detail());
    }
    std::printf("     attempt %-3lld on %-10s started %s  %s\n",
                static_cast<long long>(a.attempt()), a.node().empty() ? "-" : a.node().c_str(),
                Clock(a.started_ms()).c_str(), how.c_str());
  }
}

// Consumer lag per task: the sum over its input partitions of the container's "lag.<ssp>"
// gauges (high watermark - next offset, as of the container's last fetch), read from each
// running container's state service. Tasks of containers that are not running or do not
// answer are absent.
// Per running task, from its container's metrics snapshot: the input lag (sum of its lag.*
// gauges) and, per store, the restore's progress (runtime/container/changelog_replay.h:
// restore-offset between restore-start-offset and restore-end-offset, restore-done once done).
struct TaskFiguresCli {
  std::map<std::string, int64_t> lag;
  // task -> "store 37% (offset 370000 of [0, 1000000)), other done"
  std::map<std::string, std::string> restore;
};

TaskFiguresCli TaskFigures(ClusterClient& cl, const cv1::JobStatus& s) {
  TaskFiguresCli out;
  auto& lag = out.lag;
  for (const auto& c : s.containers()) {
    if (!c.standby_of().empty()) continue;  // StandbyLag
    if (c.state() != "running" || c.inspect_address().empty()) continue;
    runtime::v1::StateStatsRequest r;
    r.set_store("-");  // no store's figures, only the metrics snapshot
    runtime::v1::StateStatsResponse resp;
    auto st = cl.Container(c.inspect_address())->Stats(cl.Context(10).get(), r, &resp);
    if (!st.ok()) continue;
    nlohmann::json m = nlohmann::json::parse(resp.metrics_json(), nullptr, false);
    if (!m.is_object()) continue;
    for (const auto& [group, metrics] : m.items()) {
      if (!metrics.is_object()) continue;
      if (group.rfind("store.", 0) == 0 && metrics.contains("restore-done") &&
          group.find(".engine") == std::string::npos) {
        // store.<task>.<store>: task names may hold dots, store names do not.
        const std::string rest = group.substr(6);
        const size_t dot = rest.rfind('.');
        if (dot == std::string::npos) continue;
        const std::string task = rest.substr(0, dot), store = rest.substr(dot + 1);
        const double done = metrics.value("restore-done", 0.0);
        const double from = metrics.value("restore-start-offset", -1.0);
        const double to = metrics.value("restore-end-offset", -1.0);
        const double at = metrics.value("restore-offset", -1.0);
        std::string text;
        if (done > 0) {
          text = store + " done";
        } else if (from >= 0 && to > from && at >= from) {
          text = absl::StrCat(store, " ", static_cast<int>(100.0 * (at - from) / (to - from)),
                              "% (offset ", static_cast<int64_t>(at), " of [",
                              static_cast<int64_t>(from), ", ", static_cast<int64_t>(to), "))");
        } else {
          text = store + " starting";
        }
        std::string& all = out.restore[task];
        all += (all.empty() ? "" : ", ") + text;
        continue;
      }
      if (group.rfind("task.", 0) != 0) continue;
      const std::string task = group.substr(5);
      for (const auto& [name, v] : metrics.items()) {
        if (name.rfind("lag.", 0) != 0 || !v.is_number()) continue;
        lag[task] += static_cast<int64_t>(v.get<double>());
      }
    }
  }
  return out;
}

// Lag of every standby container's stores: container id → task → store → changelog high
// watermark - applied offset (the "standby.<task>" gauges "lag.<store>",
// runtime/container/standby_task.h), read from each running standby's state service.
using StandbyLags = std::map<std::string, std::map<std::string, std::map<std::string, int64_t>>>;
StandbyLags StandbyLag(ClusterClient& cl, const cv1::JobStatus& s) {
  StandbyLags out;
  for (const auto& c : s.containers()) {
    if (c.standby_of().empty() || c.state() != "running" || c.inspect_address().empty()) continue;
    runtime::v1::StateStatsRequest r;
    r.set_store("-");
    runtime::v1::StateStatsResponse resp;
    auto st = cl.Container(c.inspect_address())->Stats(cl.Context(10).get(), r, &resp);
    if (!st.ok()) continue;
    nlohmann::json m = nlohmann::json::parse(resp.metrics_json(), nullptr, false);
    if (!m.is_object()) continue;
    for (const auto& [group, metrics] : m.items()) {
      if (group.rfind("standby.", 0) != 0 || !metrics.is_object()) continue;
      const std::string task = group.substr(8);
      for (const auto& [name, v] : metrics.items()) {
        if (name.rfind("lag.", 0) != 0 || !v.is_number()) continue;
        out[c.id()][task][name.substr(4)] = static_cast<int64_t>(v.get<double>());
      }
    }
  }
  return out;
}

void PrintStandbys(const cv1::JobStatus& s, const StandbyLags& lags) {
  bool any = false;
  for (const auto& c : s.containers()) any = any || !c.standby_of().empty();
  if (!any) return;
  std::printf("%-14s %-4s %-9s %-10s %-26s %-20s %12s\n", "STANDBY", "OF", "STATE", "NODE",
              "TASK", "STORE", "LAG");
  for (const auto& c : s.containers()) {
    if (c.standby_of().empty()) continue;
    auto cl = lags.find(c.id());
    for (const auto& t : c.tasks()) {
      const std::map<std::string, int64_t>* stores = nullptr;
      if (cl != lags.end()) {
        if (auto it = cl->second.find(t); it != cl->second.end()) stores = &it->second;
      }
      if (stores == nullptr || stores->empty()) {
        std::printf("%-14s %-4s %-9s %-10s %-26s %-20s %12s\n", c.id().c_str(),
                    c.standby_of().c_str(), c.state().c_str(),
                    c.node().empty() ? "-" : c.node().c_str(), t.c_str(), "-", "-");
        continue;
      }
      for (const auto& [store, lag] : *stores) {
        std::printf("%-14s %-4s %-9s %-10s %-26s %-20s %12lld\n", c.id().c_str(),
                    c.standby_of().c_str(), c.state().c_str(),
                    c.node().empty() ? "-" : c.node().c_str(), t.c_str(), store.c_str(),
                    static_cast<long long>(lag));
      }
    }
    if (!c.waiting().empty()) std::printf("     waiting: %s\n", c.waiting().c_str());
  }
}

void PrintStatus(const cv1::JobStatus& s, const TaskFiguresCli& figures) {
  const auto& lag = figures.lag;
  std::printf("job %s: %s (generation %lld, %d containers, package %s)\n", s.job().c_str(),
              s.state().c_str(), static_cast<long long>(s.generation()), s.container_count(),
              s.package_digest().substr(0, 12).c_str());
  if (!s.reason().empty()) std::printf("reason: %s\n", s.reason().c_str());
  if (s.stale_reports() > 0) {
    std::printf(
        "refused %lld reports from superseded attempts (their nodes were told to kill "
        "them)\n",
        static_cast<long long>(s.stale_reports()));
  }
  std::printf("%-4s %-9s %-10s %-8s %-8s %s\n", "ID", "STATE", "NODE", "RESTARTS", "ATTEMPT",
              "TASKS / LAST EXIT");
  for (const auto& c : s.containers()) {
    std::printf("%-4s %-9s %-10s %-8lld %-8lld %s\n", c.id().c_str(), c.state().c_str(),
                c.node().empty() ? "-" : c.node().c_str(), static_cast<long long>(c.restarts()),
                static_cast<long long>(c.attempt()), absl::StrJoin(c.tasks(), ", ").c_str());
    if (!c.last_exit().empty()) std::printf("     last exit: %s\n", c.last_exit().c_str());
    PrintAttempts(c);
  }
  std::printf("%-26s %-4s %12s  %s\n", "TASK", "ID", "LAG", "RESTORE");
  for (const auto& c : s.containers()) {
    if (!c.standby_of().empty()) continue;  // PrintStandbys
    for (const auto& t : c.tasks()) {
      auto it = lag.find(t);
      auto r = figures.restore.find(t);
      std::printf("%-26s %-4s %12s  %s\n", t.c_str(), c.id().c_str(),
                  it == lag.end() ? "-" : std::to_string(it->second).c_str(),
                  r == figures.restore.end() ? "-" : r->second.c_str());
    }
  }
}

}  // namespace

void AddJobCommand(CLI::App& app, Action* action) {
  auto* job = app.add_subcommand("job", "submit, list, inspect, scale and kill jobs");
  job->require_subcommand(1);
  auto flags = std::make_shared<ClusterFlags>();

  {  // submit
    auto* c = job->add_subcommand("submit", "submit a job package (.tar.gz)");
    AddClusterFlags(c, flags.get());
    auto pkg = std::make_shared<std::string>();
    auto config = std::make_shared<std::string>();
    auto sets = std::make_shared<std::vector<std::string>>();
    auto wait = std::make_shared<bool>(false);
    c->add_option("package", *pkg, "the job package")->required();
    c->add_option("--config", *config, ".properties with overrides on the package's config");
    c->add_option("--set", *sets, "key=value override (repeatable)");
    c->add_flag("--wait", *wait, "wait until every container is running");
    c->callback([=] {
      *action = [=]() -> int {
        // The package is hashed, then sent, in chunks: never held whole in memory.
        auto digest = cluster::Sha256FileHex(*pkg);
        if (!digest.ok()) return Fail("job submit", digest.status());
        std::ifstream f(*pkg, std::ios::binary);
        if (!f) return Fail("job submit", absl::NotFoundError("cannot read " + *pkg));
        f.seekg(0, std::ios::end);
        int64_t size = f.tellg();
        f.seekg(0);
        cv1::SubmitJobRequest req;
        req.set_digest(*digest);
        req.set_package_size(size);
        if (!config->empty()) {
          auto cfg = LoadPropertiesFile(*config);
          if (!cfg.ok()) return Fail("job submit", cfg.status());
          for (const auto& [k, v] : cfg->entries()) (*req.mutable_config())[k] = v;
        }
        for (const auto& s : *sets) {
          auto eq = s.find('=');
          if (eq == std::string::npos || eq == 0) {
            std::fprintf(stderr, "eddy job submit: --set %s: expected key=value\n", s.c_str());
            return kExitUsage;
          }
          (*req.mutable_config())[s.substr(0, eq)] = s.substr(eq + 1);
        }
        auto cl = ClusterClient::Connect(*flags);
        if (!cl.ok()) return Fail("job submit", cl.status());
        cv1::SubmitJobResponse resp;
        auto ctx = cl->Context(600);
        auto writer = cl->coordinator().SubmitJob(ctx.get(), &resp);
        std::string buf(1 << 20, '\0');
        bool first = true;
        while (first || f) {
          f.read(buf.data(), static_cast<std::streamsize>(buf.size()));
          if (!first) req.Clear();
          req.set_package(buf.data(), static_cast<size_t>(f.gcount()));
          first = false;
          if (!writer->Write(req)) break;  // the coordinator answered early (refused)
        }
        writer->WritesDone();
        auto st = writer->Finish();
        if (!st.ok()) return Fail("job submit", FromGrpc(st, "submit " + *pkg));
        for (const auto& w : resp.warnings()) {
          std::fprintf(stderr, "eddy job submit: warning: %s\n", w.c_str());
        }
        std::printf("submitted job %s\n", resp.job().c_str());
        if (!*wait) return kExitOk;
        while (true) {
          cv1::JobRequest r;
          r.set_job(resp.job());
          cv1::JobStatus s;
          auto gs = cl->coordinator().GetJob(cl->Context().get(), r, &s);
          if (!gs.ok()) return Fail("job submit", FromGrpc(gs, "status"));
          if (s.state() == "FAILED") {
            std::fprintf(stderr, "eddy job submit: job %s FAILED: %s\n", s.job().c_str(),
                         s.reason().c_str());
            return kExitFailure;
          }
          bool all = s.container_count() > 0;
          for (const auto& c2 : s.containers()) {
            // A standby held back by the placement rules (too few nodes) is not waited for.
            all = all && (c2.state() == "running" || !c2.waiting().empty());
          }
          if (all) break;
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        std::printf("job %s running\n", resp.job().c_str());
        return kExitOk;
      };
    });
  }
  {  // list
    auto* c = job->add_subcommand("list", "list jobs");
    AddClusterFlags(c, flags.get());
    auto out = std::make_shared<OutputFlags>();
    AddOutputFlag(c, out.get());
    c->callback([=] {
      *action = [=]() -> int {
        auto cl = ClusterClient::Connect(*flags);
        if (!cl.ok()) return Fail("job list", cl.status());
        cv1::ListJobsResponse resp;
        auto st = cl->coordinator().ListJobs(cl->Context().get(), cv1::ListJobsRequest(), &resp);
        if (!st.ok()) return Fail("job list", FromGrpc(st, "list jobs"));
        if (out->json()) {
          PrintJson(ProtoToJson(resp));
          return kExitOk;
        }
        std::printf("%-24s %-8s %-10s %s\n", "JOB", "STATE", "CONTAINERS", "RUNNING");
        for (const auto& j : resp.jobs()) {
          int running = 0;
          for (const auto& c2 : j.containers()) running += c2.state() == "running";
          std::printf("%-24s %-8s %-10d %d\n", j.job().c_str(), j.state().c_str(),
                      j.container_count(), running);
        }
        return kExitOk;
      };
    });
  }
  auto job_name = std::make_shared<std::string>();
  {  // status
    auto* c = job->add_subcommand("status", "a job's state, containers, nodes, tasks, restarts");
    AddClusterFlags(c, flags.get());
    auto out = std::make_shared<OutputFlags>();
    c->add_option("job", *job_name, "job name")->required();
    AddOutputFlag(c, out.get());
    c->callback([=] {
      *action = [=]() -> int {
        auto cl = ClusterClient::Connect(*flags);
        if (!cl.ok()) return Fail("job status", cl.status());
        cv1::JobRequest r;
        r.set_job(*job_name);
        cv1::JobStatus s;
        auto st = cl->coordinator().GetJob(cl->Context().get(), r, &s);
        if (!st.ok()) return Fail("job status", FromGrpc(st, "job " + *job_name));
        const TaskFiguresCli figures = TaskFigures(*cl, s);
        const auto standby_lag = StandbyLag(*cl, s);
        if (out->json()) {
          // The JobStatus message, plus "task_lag": {task: messages} and "task_restore":
          // {task: progress of each store's restore} of the running tasks, and "standby_lag":
          // {standby container: {task: {store: changelog records behind}}}.
          nlohmann::json j = ProtoToJson(s);
          j["task_lag"] = figures.lag;
          j["task_restore"] = figures.restore;
          j["standby_lag"] = standby_lag;
          PrintJson(j);
        } else {
          PrintStatus(s, figures);
          PrintStandbys(s, standby_lag);
        }
        return kExitOk;
      };
    });
  }
  {  // kill
    auto* c = job->add_subcommand("kill", "stop every container of a job");
    AddClusterFlags(c, flags.get());
    c->add_option("job", *job_name, "job name")->required();
    c->callback([=] {
      *action = [=]() -> int {
        auto cl = ClusterClient::Connect(*flags);
        if (!cl.ok()) return Fail("job kill", cl.status());
        cv1::JobRequest r;
        r.set_job(*job_name);
        cv1::KillJobResponse resp;
        auto st = cl->coordinator().KillJob(cl->Context().get(), r, &resp);
        if (!st.ok()) return Fail("job kill", FromGrpc(st, "job " + *job_name));
        std::printf("job %s killed\n", job_name->c_str());
        return kExitOk;
      };
    });
  }
  AddJobResetCommand(job, flags.get(), action);
  {  // scale
    auto* c = job->add_subcommand("scale", "change job.container.count of a running job");
    AddClusterFlags(c, flags.get());
    auto n = std::make_shared<int>(0);
    c->add_option("job", *job_name, "job name")->required();
    c->add_option("--containers", *n, "new container count")
        ->required()
        ->check(WholeNumber(1, 10000));
    c->callback([=] {
      *action = [=]() -> int {
        auto cl = ClusterClient::Connect(*flags);
        if (!cl.ok()) return Fail("job scale", cl.status());
        cv1::ScaleJobRequest r;
        r.set_job(*job_name);
        r.set_containers(*n);
        cv1::ScaleJobResponse resp;
        auto st = cl->coordinator().ScaleJob(cl->Context(60).get(), r, &resp);
        if (!st.ok()) return Fail("job scale", FromGrpc(st, "job " + *job_name));
        std::printf("job %s scaling to %d containers (generation %lld)\n", job_name->c_str(), *n,
                    static_cast<long long>(resp.generation()));
        return kExitOk;
      };
    });
  }
  {  // logs
    auto* c = job->add_subcommand("logs", "a container's stderr (or stdout)");
    AddClusterFlags(c, flags.get());
    auto cid = std::make_shared<std::string>();
    auto follow = std::make_shared<bool>(false);
    auto out = std::make_shared<bool>(false);
    c->add_option("job", *job_name, "job name")->required();
    c->add_option("--container", *cid, "container id (default: every container)");
    c->add_flag("--follow,-f", *follow, "keep printing new lines");
    c->add_flag("--stdout", *out, "stdout instead of stderr");
    c->callback([=] {
      *action = [=]() -> int {
        auto cl = ClusterClient::Connect(*flags);
        if (!cl.ok()) return Fail("job logs", cl.status());
        std::map<std::string, int64_t> offsets;
        while (true) {
          cv1::JobRequest r;
          r.set_job(*job_name);
          cv1::JobStatus s;
          auto st = cl->coordinator().GetJob(cl->Context().get(), r, &s);
          if (!st.ok()) return Fail("job logs", FromGrpc(st, "job " + *job_name));
          bool any = false;
          for (const auto& c2 : s.containers()) {
            if (!cid->empty() && c2.id() != *cid) continue;
            any = true;
            if (c2.node_address().empty()) continue;
            auto node = cl->Node(c2.node_address());
            cv1::ReadLogRequest lr;
            lr.set_job(*job_name);
            lr.set_container_id(c2.id());
            lr.set_file(*out ? "stdout" : "stderr");
            std::string k = c2.id() + "@" + c2.node() + "#" + std::to_string(c2.attempt());
            lr.set_offset(offsets.count(k) ? offsets[k] : (*follow ? -1 : 0));
            cv1::ReadLogResponse resp;
            auto ls = node->ReadLog(cl->Context().get(), lr, &resp);
            if (!ls.ok()) {
              if (!*follow)
                std::fprintf(stderr, "container %s: %s\n", c2.id().c_str(),
                             ls.error_message().c_str());
              continue;
            }
            if (!*follow && cid->empty()) {
              std::printf("==> container %s on %s (%s) <==\n", c2.id().c_str(), c2.node().c_str(),
                          resp.path().c_str());
            }
            std::fwrite(resp.data().data(), 1, resp.data().size(), stdout);
            offsets[k] = resp.next_offset();
          }
          if (!any) {
            return Fail("job logs",
                        absl::NotFoundError("job " + *job_name + " has no container " + *cid));
          }
          std::fflush(stdout);
          if (!*follow) return kExitOk;
          std::this_thread::sleep_for(std::chrono::milliseconds(500));
        }
      };
    });
  }
}

}  // namespace eddy::cli
