#include "coordinator/server/cluster_manager.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "coordinator/common/sha256.h"
#include "coordinator/package/job_package.h"
#include "coordinator/server/app_submit.h"
#include "coordinator/server/job_planner.h"
#include "coordinator/server/job_record.h"
#include "coordinator/server/package_check.h"
#include "coordinator/server/standby_placement.h"
#include "eddy/config.h"
#include "runtime/job/config_keys.h"
#include "runtime/job/names.h"
#include "runtime/job/standby_model.h"

namespace eddy::cluster {
namespace fs = std::filesystem;

struct ClusterManager::Node {
  std::string id, host, address, http_address;
  int64_t memory_mb = 0;
  double cores = 0;
  Clock::time_point last_seen;
  bool alive = true;
  bool tell_lost = false;  // declared lost; said in the next heartbeat answer
  int64_t stale_reports = 0, times_lost = 0;
  std::map<std::string, v1::ContainerReport> reports;  // job/cid/attempt → last report
  std::vector<v1::NodeCommand> outbox;
};

namespace {

using Ctr = ContainerState;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool Active(const std::string& state) { return IsActive(state); }

std::string Describe(const v1::ContainerReport& r) {
  std::string s;
  if (r.oom())
    s = "out of memory";
  else if (r.signal() != 0)
    s = absl::StrCat("killed by signal ", r.signal());
  else
    s = absl::StrCat("exit code ", r.exit_code());
  // The last line of stderr says why a container gave up (a signal says it by itself).
  if (!r.error().empty() && r.signal() == 0) {
    std::string e = r.error();
    auto nl = e.rfind('\n');
    absl::StrAppend(&s, ": ", nl == std::string::npos ? e : e.substr(nl + 1));
  }
  return s;
}

// An RPC's change that could not be written: the caller is told, and nothing changed.
absl::Status NotPersisted(const std::string& what, const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat(what, ": the coordinator could not persist it (",
                                             s.message(), "); nothing was changed, try again"));
}

}  // namespace

ClusterManager::ClusterManager(ManagerOptions o, std::unique_ptr<MetadataStore> store,
                               std::unique_ptr<PackageStore> packages)
    : opt_(std::move(o)),
      store_(std::move(store)),
      packages_(std::move(packages)),
      started_(Clock::now()) {}
ClusterManager::~ClusterManager() = default;

absl::Status ClusterManager::Persist(const Job& j) {
  return store_->PutJob(j.name, EncodeJobRecord(j));
}

void ClusterManager::PersistOrRetry(Job& j) {
  if (auto s = Persist(j); !s.ok()) {
    if (!j.dirty) {
      std::fprintf(stderr, "eddy-coordinator: persisting job %s: %s (retried every tick)\n",
                   j.name.c_str(), std::string(s.message()).c_str());
    }
    j.dirty = true;
    return;
  }
  j.dirty = false;
}

bool ClusterManager::PackageInUse(const std::string& digest) const {
  for (const auto& [name, j] : jobs_) {
    if (j->digest == digest) return true;
  }
  return false;
}

absl::Status ClusterManager::Load() {
  if (auto s = store_->MigratePackages([&](const std::string& digest, std::string_view bytes) {
        return packages_->Put(digest, bytes);
      });
      !s.ok()) {
    return s;
  }
  auto jobs = store_->LoadJobs();
  if (!jobs.ok()) return jobs.status();
  std::lock_guard<std::mutex> l(mu_);
  for (const auto& [name, text] : *jobs) {
    auto j = std::make_unique<Job>();
    if (auto s = DecodeJobRecord(name, text, j.get()); !s.ok()) return s;
    // A job an older coordinator accepted with a name that cannot be a path: kept for the
    // record (status shows why), never placed.
    if (auto s = runtime::CheckName(runtime::NameKind::kJob, "job.name", j->name);
        !s.ok() && j->state != "FAILED" && j->state != "KILLED") {
      j->state = "FAILED";
      j->reason = std::string(s.message());
      MarkUnstartedStopped(*j);
      for (auto& [id, c] : j->containers) c.state = "stopped";
      PersistOrRetry(*j);
    }
    // Give the nodes one node-lost period to report what still runs before placing anew.
    j->adopt_until = Clock::now() + opt_.node_lost + opt_.heartbeat;
    jobs_[name] = std::move(j);
  }
  // Packages no job refers to (a submit that died between storing and recording it).
  for (const auto& digest : packages_->List()) {
    if (!PackageInUse(digest)) (void)packages_->Remove(digest);
  }
  return absl::OkStatus();
}

std::vector<std::string> ClusterManager::LiveJobs() const {
  std::vector<std::string> out;
  for (const auto& [name, j] : jobs_) {
    if (j->state == "RUNNING" || j->state == "SCALING") out.push_back(name);
  }
  return out;
}

void ClusterManager::QueueStop(const std::string& node, const std::string& job,
                               const std::string& cid, int64_t attempt, bool kill) {
  auto it = nodes_.find(node);
  if (it == nodes_.end()) return;
  v1::NodeCommand cmd;
  auto* s = cmd.mutable_stop();
  s->set_job(job);
  s->set_container_id(cid);
  s->set_attempt(attempt);
  s->set_kill(kill);
  it->second->outbox.push_back(std::move(cmd));
}

void ClusterManager::FillAssigned(const Node& n,
                                  google::protobuf::RepeatedPtrField<v1::AttemptRef>* out) const {
  for (const auto& [name, j] : jobs_) {
    for (const auto& [id, c] : j->containers) {
      if (c.node != n.id || !Active(c.state)) continue;
      auto* a = out->Add();
      a->set_job(name);
      a->set_container_id(id);
      a->set_attempt(c.attempt);
    }
  }
}

v1::RegisterResponse ClusterManager::Register(const v1::RegisterRequest& r) {
  std::lock_guard<std::mutex> l(mu_);
  auto& n = nodes_[r.node_id()];
  if (!n) n = std::make_unique<Node>();
  n->id = r.node_id();
  n->host = r.host();
  n->address = r.address();
  n->http_address = r.http_address();
  probe_.Registration();
  n->memory_mb = r.resources().memory_mb();
  n->cores = r.resources().cpu_cores();
  n->last_seen = Clock::now();
  n->alive = true;
  n->reports.clear();
  for (const auto& c : r.containers()) {
    n->reports[absl::StrCat(c.job(), "/", c.container_id(), "/", c.attempt())] = c;
    ProcessReport(*n, c);
  }
  // A node registers with every container it runs: what this coordinator placed on it and it
  // does not report died with it (the node restarted).
  for (auto& [name, j] : jobs_) {
    for (auto& [id, c] : j->containers) {
      if (c.node != n->id || !Active(c.state) ||
          n->reports.count(absl::StrCat(name, "/", id, "/", c.attempt))) {
        continue;
      }
      std::string why = absl::StrCat("container ", id, ": node ", n->id,
                                     " registered again without it (the node restarted)");
      c.attempts.End(c.attempt, AttemptEnd::kNodeLost, why, NowMs());
      if (j->state == "RUNNING") {
        Fail(*j, id, why);
      } else {
        c.state = "stopped";
        c.node.clear();
        PersistOrRetry(*j);
      }
    }
  }
  std::fprintf(stderr,
               "eddy-coordinator: node %s registered (%s, %lld MB, %.1f cores, %d "
               "containers)\n",
               n->id.c_str(), n->address.c_str(), static_cast<long long>(n->memory_mb), n->cores,
               r.containers_size());
  v1::RegisterResponse out;
  out.set_heartbeat_ms(opt_.heartbeat.count());
  out.set_node_lost_ms(opt_.node_lost.count());
  for (auto& j : LiveJobs()) out.add_live_jobs(j);
  FillAssigned(*n, out.mutable_assigned());
  return out;
}

v1::HeartbeatResponse ClusterManager::Heartbeat(const v1::HeartbeatRequest& r) {
  std::lock_guard<std::mutex> l(mu_);
  v1::HeartbeatResponse out;
  auto it = nodes_.find(r.node_id());
  if (it == nodes_.end()) {
    out.set_reregister(true);
    return out;
  }
  Node& n = *it->second;
  n.last_seen = Clock::now();
  probe_.Heartbeat();
  if (!n.alive) {
    std::fprintf(stderr,
                 "eddy-coordinator: node %s is back after it was declared lost; it is told to "
                 "kill its superseded containers\n",
                 n.id.c_str());
    n.alive = true;
  }
  if (n.tell_lost) {
    out.set_declared_lost(true);
    n.tell_lost = false;
  }
  n.reports.clear();
  for (const auto& c : r.containers()) {
    n.reports[absl::StrCat(c.job(), "/", c.container_id(), "/", c.attempt())] = c;
    ProcessReport(n, c);
  }
  for (auto& c : n.outbox) *out.add_commands() = std::move(c);
  n.outbox.clear();
  for (auto& j : LiveJobs()) out.add_live_jobs(j);
  out.set_node_lost_ms(opt_.node_lost.count());
  FillAssigned(n, out.mutable_assigned());
  return out;
}

void ClusterManager::ProcessReport(Node& n, const v1::ContainerReport& r) {
  bool exited = r.state() == v1::ContainerReport::EXITED;
  auto jit = jobs_.find(r.job());
  Job* job = jit == jobs_.end() ? nullptr : jit->second.get();
  // A report about an attempt this coordinator has superseded (restarted elsewhere, of an
  // older generation, of an unknown job): refused, counted, and the node told to SIGKILL it
  // (a graceful stop would let it commit once more for tasks it no longer owns).
  auto superseded = [&] {
    ++n.stale_reports;
    if (job) {
      ++job->stale_reports;
      auto cit = job->containers.find(r.container_id());
      if (cit != job->containers.end()) cit->second.attempts.NoteLateReport(r, NowMs());
    }
    if (!exited) {
      std::fprintf(stderr,
                   "eddy-coordinator: refused a report of job %s container %s attempt %lld "
                   "from node %s: superseded; the node is told to kill it\n",
                   r.job().c_str(), r.container_id().c_str(), static_cast<long long>(r.attempt()),
                   n.id.c_str());
      QueueStop(n.id, r.job(), r.container_id(), r.attempt(), /*kill=*/true);
    }
  };
  if (!job) return superseded();
  Job& j = *job;
  if (r.generation() != j.generation) return superseded();
  if (j.state == "KILLED" || j.state == "FAILED") {
    auto cit = j.containers.find(r.container_id());
    if (cit == j.containers.end() || cit->second.attempt != r.attempt() ||
        (!cit->second.node.empty() && cit->second.node != n.id)) {
      return superseded();
    }
    if (exited && cit->second.state != "stopped") {
      cit->second.state = "stopped";
      cit->second.inspect.clear();
      cit->second.http.clear();
      cit->second.last_exit = Describe(r);
      cit->second.attempts.End(r.attempt(), AttemptHistory::FromReport(r, true),
                               absl::StrCat("job ", j.state, ": ", Describe(r)), NowMs(),
                               r.exit_code(), r.signal());
      PersistOrRetry(j);
    }
    // Its own attempt of a stopped job: a graceful stop.
    if (!exited && !r.stop_requested()) {
      QueueStop(n.id, r.job(), r.container_id(), r.attempt());
    }
    return;
  }
  auto cit = j.containers.find(r.container_id());
  if (cit == j.containers.end()) return superseded();
  Ctr& c = cit->second;
  if (r.attempt() != c.attempt) return superseded();
  if (c.node.empty() && !exited && (c.state == "pending" || c.state == "failed")) {
    c.node = n.id;  // adopted after a coordinator restart
    c.state = "starting";
    c.attempts.Start(c.attempt, n.id, NowMs());
    std::fprintf(stderr, "eddy-coordinator: job %s container %s adopted on node %s\n",
                 j.name.c_str(), c.id.c_str(), n.id.c_str());
  }
  if (c.node != n.id) return superseded();
  switch (r.state()) {
    case v1::ContainerReport::STARTING:
      if (c.state == "pending") c.state = "starting";
      break;
    case v1::ContainerReport::RUNNING:
      if (c.state == "starting" || c.state == "pending") {
        c.state = "running";
        if (c.last_host != n.id) {
          c.last_host = n.id;
          PersistOrRetry(j);
        }
      }
      c.work_dir = r.work_dir();
      c.inspect = r.inspect_address();
      c.http = r.http_address();
      break;
    case v1::ContainerReport::EXITED:
      if (r.attempt() == c.exited_attempt) break;
      c.exited_attempt = r.attempt();
      c.inspect.clear();
      c.http.clear();
      {
        bool asked = c.stop_sent || j.state == "SCALING";
        AttemptEnd end = AttemptHistory::FromReport(r, asked);
        std::string detail = Describe(r);
        if (end == AttemptEnd::kLogStoreFenced) {
          detail =
              absl::StrCat("exit code ", kExitFencedByLogStore,
                           ": the log store fenced its writes (a newer epoch holds its tasks)");
        } else if (end == AttemptEnd::kSelfFenced) {
          detail =
              absl::StrCat("its node ", n.id,
                           " lost the coordinator and SIGKILLed it before being declared lost");
        } else if (end == AttemptEnd::kStopped) {
          detail = absl::StrCat(j.state == "SCALING" ? "stopped for a rescale: " : "stopped: ",
                                Describe(r));
        }
        c.attempts.End(r.attempt(), end, detail, NowMs(), r.exit_code(), r.signal());
      }
      if (c.stop_sent || r.stop_requested() || j.state == "SCALING") {
        c.state = "stopped";
        c.last_exit = Describe(r);
        PersistOrRetry(j);
      } else {
        Fail(j, c.id, absl::StrCat("container ", c.id, " on node ", n.id, ": ", Describe(r)));
      }
      break;
    default:
      break;
  }
}

void ClusterManager::Fail(Job& j, const std::string& cid, const std::string& why) {
  Ctr& c = j.containers[cid];
  c.state = "failed";
  c.last_exit = why;
  probe_.Failure(c.attempts.Find(c.attempt));
  c.node.clear();
  c.inspect.clear();
  c.http.clear();
  c.pending_since = Clock::now();
  int64_t now = NowMs();
  j.failures_ms.push_back(now);
  while (!j.failures_ms.empty() && j.failures_ms.front() < now - j.retry_window_ms()) {
    j.failures_ms.pop_front();
  }
  std::fprintf(stderr, "eddy-coordinator: job %s: %s\n", j.name.c_str(), why.c_str());
  if (static_cast<int64_t>(j.failures_ms.size()) > j.retry_count()) {
    j.state = "FAILED";
    j.reason = absl::StrCat(
        j.failures_ms.size(), " container failures within ", j.retry_window_ms(),
        " ms (cluster-manager.container.retry.count=", j.retry_count(), "); last: ", why);
    std::fprintf(stderr, "eddy-coordinator: job %s FAILED: %s\n", j.name.c_str(), j.reason.c_str());
    StopAll(j);
  }
  PersistOrRetry(j);
}

void ClusterManager::StopAll(Job& j) {
  for (auto& [id, c] : j.containers) {
    if (!c.node.empty() && Active(c.state)) {
      QueueStop(c.node, j.name, id, c.attempt);
      c.stop_sent = true;
    }
    if (c.state == "pending" || c.state == "failed") c.state = "stopped";
  }
  for (auto& [nid, n] : nodes_) {
    for (auto& [k, r] : n->reports) {
      if (r.job() == j.name && r.state() != v1::ContainerReport::EXITED && !r.stop_requested()) {
        QueueStop(nid, r.job(), r.container_id(), r.attempt());
      }
    }
  }
}

bool ClusterManager::AnyRunning(const Job& j) const {
  for (const auto& [id, c] : j.containers) {
    if (Active(c.state)) return true;
  }
  for (const auto& [nid, n] : nodes_) {
    if (!n->alive) continue;
    for (const auto& [k, r] : n->reports) {
      if (r.job() == j.name && r.state() != v1::ContainerReport::EXITED) return true;
    }
  }
  return false;
}

void ClusterManager::Place(Job& j, Clock::time_point now) {
  if (now < j.adopt_until) return;
  // A job submitted again while a container of its previous generation still runs (being
  // killed, or on a node cut off and not yet declared lost, which fences itself before that):
  // nothing of the new generation starts until each one has exited or its node is lost.
  for (const auto& [nid, n] : nodes_) {
    if (!n->alive) continue;
    for (const auto& [k, r] : n->reports) {
      if (r.job() == j.name && r.generation() < j.generation &&
          r.state() != v1::ContainerReport::EXITED) {
        return;
      }
    }
  }
  // Used resources per node.
  std::map<std::string, std::pair<int64_t, double>> used;
  std::map<std::string, int> of_job;
  for (const auto& [name, job] : jobs_) {
    for (const auto& [id, c] : job->containers) {
      if (c.node.empty() || !Active(c.state)) continue;
      used[c.node].first += job->memory_mb();
      used[c.node].second += job->cores();
      if (name == j.name) of_job[c.node]++;
    }
  }
  int alive = 0;
  for (const auto& [nid, n] : nodes_) alive += n->alive ? 1 : 0;
  for (auto& [id, c] : j.containers) {
    if (c.state != "pending" && c.state != "failed") continue;
    int64_t mem = j.memory_mb();
    double cores = j.cores();
    // Standby rules (standby_placement.h): never with its active or a sibling standby.
    const std::set<std::string> excluded = StandbyExcludedNodes(j, id);
    auto fits = [&](const Node& n) {
      return n.alive && !excluded.count(n.id) && n.memory_mb - used[n.id].first >= mem &&
             n.cores - used[n.id].second >= cores - 1e-9;
    };
    Node* pick = nullptr;
    if (j.affinity() && !c.last_host.empty() && !excluded.count(c.last_host)) {
      auto it = nodes_.find(c.last_host);
      if (it != nodes_.end() && fits(*it->second)) {
        pick = it->second.get();
      } else if (it != nodes_.end() && it->second->alive &&
                 now - c.pending_since < std::chrono::milliseconds(j.request_timeout_ms())) {
        continue;  // wait for the last host (cluster-manager.container.request.timeout.ms)
      }
    }
    if (!pick && c.standby_of.empty()) {
      // A standby takeover: the node of a running standby of it, with the standby's share freed.
      ContainerState* s = TakeoverStandby(j, id, [&](const std::string& nid) {
        auto it = nodes_.find(nid);
        return it != nodes_.end() && it->second->alive &&
               it->second->memory_mb - used[nid].first + mem >= mem &&
               it->second->cores - used[nid].second + cores >= cores - 1e-9;
      });
      if (s != nullptr) {
        pick = nodes_[s->node].get();
        QueueStop(s->node, j.name, s->id, s->attempt, /*kill=*/true);
        s->attempts.End(s->attempt, AttemptEnd::kStopped,
                        absl::StrCat("stopped: active container ", id, " took over node ",
                                     s->node, " (standby takeover)"),
                        NowMs());
        std::fprintf(stderr,
                     "eddy-coordinator: job %s container %s: standby takeover: %s on node %s is "
                     "killed, the active starts there from its warm stores\n",
                     j.name.c_str(), id.c_str(), s->id.c_str(), s->node.c_str());
        used[s->node].first -= mem;
        used[s->node].second -= cores;
        of_job[s->node]--;
        s->state = "pending";
        s->node.clear();
        s->inspect.clear();
        s->http.clear();
        s->pending_since = now;
      }
    }
    if (!pick) {
      for (auto& [nid, n] : nodes_) {
        if (!fits(*n)) continue;
        if (!pick) {
          pick = n.get();
          continue;
        }
        int a = of_job[nid], b = of_job[pick->id];
        int64_t fa = n->memory_mb - used[nid].first, fb = pick->memory_mb - used[pick->id].first;
        if (a < b || (a == b && fa > fb)) pick = n.get();
      }
    }
    if (!pick) {  // no node has room (or none the standby rules allow): stays pending
      c.waiting = !c.standby_of.empty() && !excluded.empty()
                      ? StandbyWaitingReason(c, excluded, alive)
                      : "";
      continue;
    }
    c.waiting.clear();
    // An attempt no node ever reported after a coordinator restart ends here.
    c.attempts.End(c.attempt, AttemptEnd::kNodeLost,
                   "no node reported it after the coordinator restarted", NowMs());
    c.attempt++;
    c.attempts.Start(c.attempt, pick->id, NowMs());
    if (c.exited_attempt >= 0 || c.state == "failed") {
      c.restarts++;
      probe_.Restart();
    }
    probe_.Placement();
    c.node = pick->id;
    c.placed_at = now;
    c.state = "starting";
    c.stop_sent = false;
    used[pick->id].first += mem;
    used[pick->id].second += cores;
    of_job[pick->id]++;
    v1::NodeCommand cmd;
    auto* s = cmd.mutable_start();
    s->set_job(j.name);
    s->set_container_id(id);
    s->set_generation(j.generation);
    s->set_attempt(c.attempt);
    s->set_package_digest(j.digest);
    for (const auto& [k, v] : j.config) (*s->mutable_config())[k] = v;
    s->set_job_model_json(j.model_json);
    s->mutable_resources()->set_memory_mb(mem);
    s->mutable_resources()->set_cpu_cores(cores);
    pick->outbox.push_back(std::move(cmd));
    std::fprintf(stderr, "eddy-coordinator: job %s container %s attempt %lld → node %s\n",
                 j.name.c_str(), id.c_str(), static_cast<long long>(c.attempt), pick->id.c_str());
    PersistOrRetry(j);
  }
}

void ClusterManager::Tick() {
  std::lock_guard<std::mutex> l(mu_);
  auto now = Clock::now();
  for (auto& [name, j] : jobs_) {
    if (j->dirty) PersistOrRetry(*j);
  }
  for (auto& [nid, n] : nodes_) {
    if (!n->alive || now - n->last_seen <= opt_.node_lost) continue;
    n->alive = false;
    n->tell_lost = true;
    ++n->times_lost;
    n->reports.clear();
    n->outbox.clear();
    std::fprintf(stderr, "eddy-coordinator: node %s lost (no heartbeat for %lld ms)\n", nid.c_str(),
                 static_cast<long long>(opt_.node_lost.count()));
    for (auto& [name, j] : jobs_) {
      for (auto& [id, c] : j->containers) {
        if (c.node != nid || !Active(c.state)) continue;
        c.attempts.End(
            c.attempt, AttemptEnd::kNodeLost,
            absl::StrCat("node ", nid, " lost: no heartbeat for ", opt_.node_lost.count(), " ms"),
            NowMs());
        if (j->state == "RUNNING") {
          Fail(*j, id, absl::StrCat("container ", id, ": node ", nid, " lost"));
        } else {
          c.state = "stopped";
          c.node.clear();
        }
      }
    }
  }
  for (auto& [name, jp] : jobs_) {
    Job& j = *jp;
    if (j.state == "SCALING") {
      if (now < j.adopt_until) continue;
      for (auto& [id, c] : j.containers) {
        if (!c.node.empty() && Active(c.state) && !c.stop_sent) {
          QueueStop(c.node, j.name, id, c.attempt);
          c.stop_sent = true;
        }
        if (c.state == "pending" || c.state == "failed") c.state = "stopped";
      }
      if (!AnyRunning(j)) {
        j.generation++;
        ApplyModel(j, j.pending);
        j.has_pending = false;
        j.state = "RUNNING";
        std::fprintf(stderr, "eddy-coordinator: job %s rescaled to %zu containers (gen %lld)\n",
                     j.name.c_str(), j.containers.size(), static_cast<long long>(j.generation));
        PersistOrRetry(j);
      }
    }
    if (j.state == "RUNNING") {
      // A start the node never acknowledged (the command was lost with a heartbeat answer).
      for (auto& [id, c] : j.containers) {
        if (c.state != "starting" || c.node.empty() || now < j.adopt_until) continue;
        if (now - c.placed_at < opt_.node_lost + 4 * opt_.heartbeat) continue;
        auto n = nodes_.find(c.node);
        if (n == nodes_.end() || !n->second->alive) continue;
        if (!n->second->reports.count(absl::StrCat(j.name, "/", id, "/", c.attempt))) {
          c.attempts.End(c.attempt, AttemptEnd::kNeverStarted,
                         absl::StrCat("node ", c.node, " never reported starting it"), NowMs());
          Fail(j, id,
               absl::StrCat("container ", id, ": node ", c.node, " never reported starting it"));
        }
      }
      if (j.state == "RUNNING") Place(j, now);
    }
  }
}

absl::StatusOr<std::string> ClusterManager::PackagePath(const std::string& digest) {
  return packages_->Path(digest);
}

absl::StatusOr<std::string> ClusterManager::Submit(
    PackageStore::Upload& upload, const std::map<std::string, std::string>& overrides,
    std::vector<std::string>* warnings) {
  auto digest = upload.Finish("");
  if (!digest.ok()) return digest.status();
  static std::atomic<int> seq{0};
  fs::path dir = fs::path(opt_.work_dir) /
                 absl::StrCat("submit-", getpid(), "-", seq.fetch_add(1), "-", NowMs());
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  } cleanup{dir};
  // An archive cannot unpack to more than a few times the package limit (a gzip bomb).
  if (auto s = ExtractPackageFile(upload.path(), dir.string(), 4 * packages_->max_bytes());
      !s.ok()) {
    return s;
  }
  auto config = ReadPackageConfig(dir.string());
  if (!config.ok()) return config.status();
  for (const auto& [k, v] : overrides) (*config)[k] = v;
  // Samza's spellings first, then every key against the table of known keys.
  std::vector<std::string> config_warnings;
  {
    const Config checked =
        runtime::ApplySamzaAliases(Config(Config::Map(config->begin(), config->end())));
    auto w = runtime::CheckConfigKeys(checked);
    if (!w.ok()) return w.status();
    config_warnings = std::move(*w);
    config->clear();
    for (const auto& [k, v] : checked.entries()) (*config)[k] = v;
  }
  // job.name and job.id become directories on every node and the checkpoint topic's name.
  auto name_it = config->find("job.name");
  if (name_it == config->end() || name_it->second.empty()) {
    return absl::InvalidArgumentError("config key job.name is missing");
  }
  if (auto s = runtime::CheckName(runtime::NameKind::kJob, "config key job.name", name_it->second);
      !s.ok()) {
    return s;
  }
  if (auto it = config->find("job.id"); it != config->end()) {
    if (auto s = runtime::CheckName(runtime::NameKind::kJobId, "config key job.id", it->second);
        !s.ok()) {
      return s;
    }
  }
  for (auto& [k, v] : *config) {
    // systems.<sys>.factory=eddy without bootstrap.servers → this grid's log store.
    const std::string suffix = ".factory";
    if (k.rfind("systems.", 0) == 0 && k.size() > suffix.size() &&
        k.compare(k.size() - suffix.size(), suffix.size(), suffix) == 0 && v == "eddy") {
      std::string sys = k.substr(8, k.size() - 8 - suffix.size());
      std::string bk = "systems." + sys + ".bootstrap.servers";
      if (config->find(bk) == config->end() && !opt_.default_bootstrap.empty()) {
        (*config)[bk] = opt_.default_bootstrap;
      }
    }
  }
  if (auto s = CheckPackageLayout(dir.string(), *config); !s.ok()) return s;
  auto lib = ResolveTaskLibrary(dir.string(), config->at("task.library"));
  if (!lib.ok()) return lib.status();
  // The runtime's own config parsing and the task registry, in a child process; with
  // app.class the child describes the application too (app_submit.h merges and plans it).
  std::optional<AppDescription> app;
  if (!opt_.package_check_bin.empty()) {
    if (auto s = CheckPackageInChild(opt_.package_check_bin, dir.string(), *config, *lib, &app);
        !s.ok()) {
      return s;
    }
  }
  if (auto s = ApplySubmittedApp(app, config->count("app.class") > 0, &*config, &config_warnings);
      !s.ok()) {
    return s;
  }
  auto standby_factor = runtime::StandbyFactor(*config);
  if (!standby_factor.ok()) return standby_factor.status();
  auto model = PlanJob(*config);
  if (!model.ok()) return model.status();
  std::string name = config->at("job.name");
  std::lock_guard<std::mutex> l(mu_);
  auto old = jobs_.find(name);
  if (old != jobs_.end() && (old->second->state == "RUNNING" || old->second->state == "SCALING")) {
    return absl::AlreadyExistsError(absl::StrCat("job ", name,
                                                 " is already running; kill it "
                                                 "first or scale it"));
  }
  auto j = std::make_unique<Job>();
  j->name = name;
  j->digest = *digest;
  j->config = *config;
  j->submitted_ms = NowMs();
  if (old != jobs_.end()) j->changelog_partitions = old->second->changelog_partitions;
  if (old != jobs_.end()) KeepResetEpoch(old->second->config, &j->config);
  for (auto& line : KeepChangelogPartitions(name, &j->changelog_partitions, &*model)) {
    config_warnings.push_back(std::move(line));
  }
  runtime::AddStandbyContainers(*standby_factor, &*model);
  {
    int alive = 0;
    for (const auto& [nid, n] : nodes_) alive += n->alive ? 1 : 0;
    if (auto w = StandbyNodeWarning(name, *standby_factor, alive); !w.empty()) {
      config_warnings.push_back(std::move(w));
    }
  }
  ApplyModel(*j, *model);
  if (old != jobs_.end()) {
    // A resubmitted job: keep the last hosts for host affinity.
    for (auto& [id, c] : j->containers) {
      auto o = old->second->containers.find(id);
      if (o != old->second->containers.end()) {
        c.last_host = o->second.last_host;
        c.attempt = o->second.attempt;
        c.attempts = o->second.attempts;
      }
    }
    j->generation = old->second->generation + 1;
  }
  // The package first, then the record that refers to it: a crash in between leaves a package
  // no job refers to, removed at the next start.
  if (auto s = packages_->Commit(upload); !s.ok()) {
    return NotPersisted(absl::StrCat("job ", name, " was not submitted: package ", *digest), s);
  }
  if (auto s = Persist(*j); !s.ok()) {
    if (!PackageInUse(*digest)) (void)packages_->Remove(*digest);
    return NotPersisted(absl::StrCat("job ", name, " was not submitted: its job record"), s);
  }
  jobs_[name] = std::move(j);
  std::fprintf(stderr, "eddy-coordinator: job %s submitted (package %s, %s, %zu containers)\n",
               name.c_str(), digest->substr(0, 12).c_str(),
               PackageStore::DescribeSize(upload.size()).c_str(), static_cast<size_t>(model->ActiveContainerCount()));
  for (const auto& w : config_warnings) {
    std::fprintf(stderr, "eddy-coordinator: job %s: warning: %s\n", name.c_str(), w.c_str());
  }
  if (warnings) *warnings = std::move(config_warnings);
  return name;
}

namespace {
void FillStatus(const ClusterManager::Job& j,
                const std::map<std::string, std::unique_ptr<ClusterManager::Node>>& nodes,
                v1::JobStatus* out);
}

std::vector<v1::JobStatus> ClusterManager::ListJobs() {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<v1::JobStatus> out;
  for (const auto& [name, j] : jobs_) {
    out.emplace_back();
    FillStatus(*j, nodes_, &out.back());
  }
  return out;
}

absl::StatusOr<v1::JobStatus> ClusterManager::GetJob(const std::string& job) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = jobs_.find(job);
  if (it == jobs_.end()) return absl::NotFoundError(absl::StrCat("job ", job, " is unknown"));
  v1::JobStatus s;
  FillStatus(*it->second, nodes_, &s);
  return s;
}

namespace {
void FillStatus(const ClusterManager::Job& j,
                const std::map<std::string, std::unique_ptr<ClusterManager::Node>>& nodes,
                v1::JobStatus* out) {
  out->set_job(j.name);
  out->set_state(j.state);
  out->set_reason(j.reason);
  out->set_container_count(j.model.ActiveContainerCount());  // standbys are listed, not counted
  out->set_generation(j.generation);
  out->set_package_digest(j.digest);
  out->set_job_model_json(j.model_json);
  out->set_submitted_ms(j.submitted_ms);
  out->set_stale_reports(j.stale_reports);
  for (const auto& [k, v] : j.config) (*out->mutable_config())[k] = v;
  std::vector<const Ctr*> cs;
  for (const auto& [id, c] : j.containers) cs.push_back(&c);
  std::sort(cs.begin(), cs.end(), [](const Ctr* a, const Ctr* b) {
    return a->id.size() != b->id.size() ? a->id.size() < b->id.size() : a->id < b->id;
  });
  for (const Ctr* c : cs) {
    auto* o = out->add_containers();
    o->set_id(c->id);
    o->set_state(c->state);
    o->set_node(c->node);
    std::string nid = c->node.empty() ? c->last_host : c->node;
    if (auto it = nodes.find(nid); it != nodes.end()) {
      o->set_host(it->second->host);
      o->set_node_address(it->second->address);
      if (c->node.empty()) o->set_node(nid);
    }
    for (const auto& t : c->tasks) o->add_tasks(t);
    o->set_restarts(c->restarts);
    o->set_attempt(c->attempt);
    o->set_last_exit(c->last_exit);
    o->set_work_dir(c->work_dir);
    o->set_inspect_address(c->state == "running" ? c->inspect : "");
    o->set_http_address(c->state == "running" ? c->http : "");
    o->set_generation(j.generation);
    o->set_standby_of(c->standby_of);
    o->set_waiting(c->waiting);
    c->attempts.Fill(o);
  }
}
}  // namespace

absl::Status ClusterManager::Kill(const std::string& job) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = jobs_.find(job);
  if (it == jobs_.end()) return absl::NotFoundError(absl::StrCat("job ", job, " is unknown"));
  Job& j = *it->second;
  // Written before it is done: a kill the metadata does not hold would be undone by a restart.
  Job next = j;
  next.state = "KILLED";
  next.reason = "killed by the user";
  MarkUnstartedStopped(next);
  if (auto s = Persist(next); !s.ok()) {
    return NotPersisted(absl::StrCat("job ", job, " was not killed: its job record"), s);
  }
  j.state = next.state;
  j.reason = next.reason;
  j.dirty = false;
  StopAll(j);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ClusterManager::Scale(const std::string& job, int32_t containers) {
  std::map<std::string, std::string> config;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = jobs_.find(job);
    if (it == jobs_.end()) return absl::NotFoundError(absl::StrCat("job ", job, " is unknown"));
    if (it->second->state != "RUNNING") {
      return absl::FailedPreconditionError(absl::StrCat("job ", job, " is ", it->second->state,
                                                        "; only a RUNNING job can be scaled"));
    }
    config = it->second->config;
  }
  auto model = PlanJob(config, containers);
  if (!model.ok()) return model.status();
  std::lock_guard<std::mutex> l(mu_);
  auto it = jobs_.find(job);
  if (it == jobs_.end() || it->second->state != "RUNNING") {
    return absl::FailedPreconditionError(absl::StrCat("job ", job, " changed state"));
  }
  Job& j = *it->second;
  Job next = j;
  auto changes = KeepChangelogPartitions(job, &next.changelog_partitions, &*model);
  if (auto f = runtime::StandbyFactor(config); f.ok()) runtime::AddStandbyContainers(*f, &*model);
  next.pending = *model;
  next.has_pending = true;
  next.state = "SCALING";
  if (auto s = Persist(next); !s.ok()) {
    return NotPersisted(
        absl::StrCat("job ", job, " was not scaled to ", containers, " containers: its job record"),
        s);
  }
  j.pending = std::move(next.pending);
  j.changelog_partitions = std::move(next.changelog_partitions);
  for (const auto& line : changes) std::fprintf(stderr, "eddy-coordinator: %s\n", line.c_str());
  j.has_pending = true;
  j.state = "SCALING";
  j.dirty = false;
  return j.generation + 1;
}

std::vector<v1::NodeStatus> ClusterManager::ListNodes() {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<v1::NodeStatus> out;
  auto now = Clock::now();
  for (const auto& [nid, n] : nodes_) {
    v1::NodeStatus s;
    s.set_node_id(nid);
    s.set_host(n->host);
    s.set_address(n->address);
    s.set_http_address(n->http_address);
    s.mutable_resources()->set_memory_mb(n->memory_mb);
    s.mutable_resources()->set_cpu_cores(n->cores);
    s.set_alive(n->alive);
    s.set_stale_reports(n->stale_reports);
    s.set_times_lost(n->times_lost);
    s.set_last_heartbeat_ms_ago(
        std::chrono::duration_cast<std::chrono::milliseconds>(now - n->last_seen).count());
    int64_t mem = 0;
    double cores = 0;
    for (const auto& [name, j] : jobs_) {
      for (const auto& [id, c] : j->containers) {
        if (c.node != nid || !Active(c.state)) continue;
        mem += j->memory_mb();
        cores += j->cores();
        s.add_containers(name + "/" + id);
      }
    }
    s.mutable_used()->set_memory_mb(mem);
    s.mutable_used()->set_cpu_cores(cores);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace eddy::cluster
