#include "coordinator/node/node_agent.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "coordinator/common/auth.h"
#include "coordinator/common/properties.h"
#include "coordinator/common/sha256.h"
#include "coordinator/package/job_package.h"
#include "grpcpp/grpcpp.h"
#include "runtime/job/names.h"

namespace eddy::cluster {
namespace fs = std::filesystem;

struct NodeAgent::Running {
  v1::StartContainer spec;
  ContainerProcess proc;
  std::string work_dir;
  bool started = false;
  bool stop_requested = false;
  std::chrono::steady_clock::time_point kill_at = std::chrono::steady_clock::time_point::max();
  std::string error;  // could not start
  bool reported_exit = false;
  v1::ContainerReport::Fence fenced = v1::ContainerReport::NOT_FENCED;
};

namespace {
std::string ReadFile(const std::string& p) {
  std::ifstream f(p);
  if (!f) return "";
  std::stringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}
std::string Key(const std::string& job, const std::string& cid, int64_t attempt) {
  return absl::StrCat(job, "/", cid, "/", attempt);
}
}  // namespace

NodeAgent::NodeAgent(NodeOptions o) : opt_(std::move(o)), fence_(opt_.node_id) {
  grpc::ChannelArguments args;
  // Back within a second of the coordinator coming back (a restart, a healed link), not after
  // gRPC's default backoff of up to two minutes.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  args.SetMaxReceiveMessageSize(64 << 20);  // packages come in 1 MiB chunks
  // No BDP probing: a package download is read at the pace the node writes it to disk, not
  // buffered in a flow-control window grown to the package's size.
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  stub_ = v1::Coordinator::NewStub(
      grpc::CreateCustomChannel(opt_.coordinator, grpc::InsecureChannelCredentials(), args));
  fs::create_directories(opt_.data_dir + "/packages");
  fs::create_directories(opt_.data_dir + "/containers");
  fs::create_directories(opt_.data_dir + "/stores");
}

NodeAgent::~NodeAgent() = default;

v1::ContainerReport NodeAgent::Report(Running& r) {
  v1::ContainerReport c;
  c.set_job(r.spec.job());
  c.set_container_id(r.spec.container_id());
  c.set_generation(r.spec.generation());
  c.set_attempt(r.spec.attempt());
  c.set_pid(r.proc.pid());
  c.set_work_dir(r.work_dir);
  c.set_stop_requested(r.stop_requested);
  c.set_memory_mb(r.spec.resources().memory_mb());
  c.set_cpu_cores(r.spec.resources().cpu_cores());
  c.set_fenced(r.fenced);
  if (!r.started || r.proc.exited()) {
    c.set_state(v1::ContainerReport::EXITED);
    c.set_exit_code(r.started ? r.proc.exit_code() : -1);
    c.set_signal(r.proc.signal());
    c.set_oom(r.proc.oom());
    c.set_error(r.started ? r.proc.StderrTail() : r.error);
    return c;
  }
  std::string addr = ReadFile(r.work_dir + "/inspect.addr");
  c.set_inspect_address(addr);
  c.set_http_address(ReadFile(r.work_dir + "/http.addr"));  // its /metrics, once it serves
  c.set_state(addr.empty() ? v1::ContainerReport::STARTING : v1::ContainerReport::RUNNING);
  return c;
}

void NodeAgent::NoteReports(const google::protobuf::RepeatedPtrField<v1::ContainerReport>& reports,
                            bool acknowledged) {
  if (!opt_.probe) return;
  std::vector<ContainerSample> samples;
  for (const auto& c : reports) {
    ContainerSample s;
    s.job = c.job();
    s.container = c.container_id();
    s.attempt = c.attempt();
    s.pid = c.pid();
    s.memory_mb = c.memory_mb();
    s.cpu_cores = c.cpu_cores();
    switch (c.state()) {
      case v1::ContainerReport::STARTING:
        s.state = "starting";
        break;
      case v1::ContainerReport::RUNNING:
        s.state = "running";
        break;
      default:
        s.state = "exited";
        break;
    }
    samples.push_back(std::move(s));
    if (!acknowledged || c.state() != v1::ContainerReport::EXITED) continue;
    ExitReason why = ExitReason::kExit;
    if (c.fenced() == v1::ContainerReport::SELF_FENCED) {
      why = ExitReason::kSelfFenced;
    } else if (c.fenced() == v1::ContainerReport::SUPERSEDED) {
      why = ExitReason::kSuperseded;
    } else if (c.pid() <= 0) {
      why = ExitReason::kNotStarted;
    } else if (c.stop_requested()) {
      why = ExitReason::kStopped;
    } else if (c.oom()) {
      why = ExitReason::kOom;
    } else if (c.signal() != 0) {
      why = ExitReason::kSignal;
    }
    opt_.probe->Exited(why);
  }
  opt_.probe->SetContainers(std::move(samples));
}

absl::Status NodeAgent::RegisterNow() {
  MarkSelfFenced();
  v1::RegisterRequest req;
  req.set_node_id(opt_.node_id);
  req.set_host(opt_.host);
  req.set_address(opt_.address);
  req.set_http_address(opt_.http_address);
  req.mutable_resources()->set_memory_mb(opt_.memory_mb);
  req.mutable_resources()->set_cpu_cores(opt_.cores);
  for (auto& [k, r] : containers_) *req.add_containers() = Report(*r);
  v1::RegisterResponse resp;
  grpc::ClientContext ctx;
  AddToken(&ctx, opt_.token);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  auto sent = std::chrono::steady_clock::now();
  auto s = stub_->Register(&ctx, req, &resp);
  if (!s.ok()) {
    NoteUnreachable(sent);
    return FromGrpc(s, "register with " + opt_.coordinator);
  }
  registered_ = true;
  NoteReports(req.containers(), /*acknowledged=*/true);
  if (resp.heartbeat_ms() > 0) heartbeat_ = std::chrono::milliseconds(resp.heartbeat_ms());
  fence_.Configure(std::chrono::milliseconds(resp.node_lost_ms()), heartbeat_);
  fence_.Answered(sent);
  KillUnassigned(resp.assigned(), "the coordinator did not adopt it when this node registered");
  for (auto it = containers_.begin(); it != containers_.end();) {
    if (it->second->reported_exit || (it->second->started && it->second->proc.exited()) ||
        !it->second->started) {
      it = containers_.erase(it);
    } else {
      ++it;
    }
  }
  CleanStores(resp.live_jobs());
  std::fprintf(stderr, "eddy-node %s: registered with %s\n", opt_.node_id.c_str(),
               opt_.coordinator.c_str());
  return absl::OkStatus();
}

void NodeAgent::MarkSelfFenced() {
  for (const auto& k : fence_.TakeFenced()) {
    if (auto it = containers_.find(k); it != containers_.end()) {
      it->second->fenced = v1::ContainerReport::SELF_FENCED;
    }
  }
}

void NodeAgent::Reap() {
  MarkSelfFenced();
  auto now = std::chrono::steady_clock::now();
  for (auto& [k, r] : containers_) {
    if (!r->started) continue;
    if (r->proc.Poll()) {
      fence_.Untrack(k);
      continue;
    }
    if (now >= r->kill_at) r->proc.Kill();
  }
}

void NodeAgent::NoteUnreachable(std::chrono::steady_clock::time_point sent) {
  // Only a refusal seen now says something about now: gRPC may report an older error.
  auto at = std::chrono::steady_clock::now();
  if (ConnectionRefused(opt_.coordinator, std::chrono::milliseconds(300))) fence_.Refused(at);
  (void)sent;
}

void NodeAgent::KillUnassigned(const google::protobuf::RepeatedPtrField<v1::AttemptRef>& assigned,
                               const char* why) {
  MarkSelfFenced();  // what the fence killed while a call was out is not killed twice
  std::set<std::string> keep;
  for (const auto& a : assigned) keep.insert(Key(a.job(), a.container_id(), a.attempt()));
  for (auto& [k, r] : containers_) {
    if (!r->started || r->proc.exited() || keep.count(k)) continue;
    if (r->fenced != v1::ContainerReport::NOT_FENCED) continue;
    if (!r->proc.Kill()) continue;
    r->fenced = v1::ContainerReport::SUPERSEDED;
    std::fprintf(stderr, "eddy-node %s: SIGKILLed %s (pid %d): superseded: %s\n",
                 opt_.node_id.c_str(), k.c_str(), r->proc.pid(), why);
  }
}

void NodeAgent::Heartbeat() {
  MarkSelfFenced();  // a container seen exited is reported with who killed it
  v1::HeartbeatRequest req;
  req.set_node_id(opt_.node_id);
  std::vector<std::string> exited;
  for (auto& [k, r] : containers_) {
    *req.add_containers() = Report(*r);
    if (!r->started || r->proc.exited()) exited.push_back(k);
  }
  v1::HeartbeatResponse resp;
  grpc::ClientContext ctx;
  AddToken(&ctx, opt_.token);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  auto sent = std::chrono::steady_clock::now();
  auto s = stub_->Heartbeat(&ctx, req, &resp);
  if (!s.ok()) {
    std::fprintf(stderr, "eddy-node %s: heartbeat: %s\n", opt_.node_id.c_str(),
                 s.error_message().c_str());
    NoteUnreachable(sent);
    return;
  }
  NoteReports(req.containers(), /*acknowledged=*/true);
  for (const auto& k : exited) containers_.erase(k);  // the coordinator has seen the exit
  if (resp.reregister()) {
    registered_ = false;
    return;
  }
  fence_.Configure(std::chrono::milliseconds(resp.node_lost_ms()), heartbeat_);
  fence_.Answered(sent);
  // Before anything else: what the coordinator gave to someone else must not run on here.
  if (resp.declared_lost()) {
    std::fprintf(stderr,
                 "eddy-node %s: the coordinator declared this node lost while it could not "
                 "reach it; its containers were restarted elsewhere\n",
                 opt_.node_id.c_str());
  }
  KillUnassigned(resp.assigned(), resp.declared_lost()
                                      ? "this node was declared lost"
                                      : "the coordinator no longer assigns it to this node");
  for (const auto& c : resp.commands()) {
    if (c.has_start()) Start(c.start());
    if (c.has_stop()) Stop(c.stop());
  }
  CleanStores(resp.live_jobs());
}

absl::StatusOr<std::string> NodeAgent::EnsurePackage(const std::string& digest) {
  if (!IsSha256Hex(digest)) {
    return absl::InvalidArgumentError(absl::StrCat("bad package digest '", digest, "'"));
  }
  std::string dir = opt_.data_dir + "/packages/" + digest;
  if (fs::exists(dir + "/.complete")) return dir;
  // Downloaded in chunks to a file, hashed as it comes, unpacked from the file: the node's
  // memory does not grow with the package's size.
  std::string archive = dir + ".tar.gz.part";
  {
    std::ofstream f(archive, std::ios::binary | std::ios::trunc);
    if (!f) return absl::InternalError(absl::StrCat("cannot create ", archive));
    v1::GetPackageRequest req;
    req.set_digest(digest);
    grpc::ClientContext ctx;
    AddToken(&ctx, opt_.token);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(600));
    auto reader = stub_->GetPackage(&ctx, req);
    v1::GetPackageResponse chunk;
    Sha256 hash;
    int64_t got = 0;
    while (reader->Read(&chunk)) {
      f.write(chunk.data().data(), static_cast<std::streamsize>(chunk.data().size()));
      hash.Update(chunk.data());
      got += static_cast<int64_t>(chunk.data().size());
    }
    auto s = reader->Finish();
    if (!s.ok()) {
      fs::remove(archive);
      return FromGrpc(s, "downloading package " + digest);
    }
    f.flush();
    if (!f) {
      fs::remove(archive);
      return absl::InternalError(absl::StrCat("cannot write ", archive, " (disk full?)"));
    }
    std::string sum = hash.FinalHex();
    if (sum != digest) {
      fs::remove(archive);
      return absl::DataLossError(
          absl::StrCat("package ", digest, " arrived (", got, " bytes) with sha256 ", sum));
    }
  }
  std::string tmp = dir + ".tmp";
  std::error_code ec;
  fs::remove_all(tmp, ec);
  auto st = ExtractPackageFile(archive, tmp);
  fs::remove(archive, ec);
  if (!st.ok()) return st;
  std::ofstream(tmp + "/.complete") << digest << "\n";
  fs::remove_all(dir, ec);
  fs::rename(tmp, dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot move package into ", dir));
  return dir;
}

void NodeAgent::Start(const v1::StartContainer& s) {
  auto r = std::make_unique<Running>();
  r->spec = s;
  std::string key = Key(s.job(), s.container_id(), s.attempt());
  auto fail = [&](const absl::Status& st) {
    r->error = std::string(st.message());
    std::fprintf(stderr, "eddy-node %s: cannot start %s: %s\n", opt_.node_id.c_str(), key.c_str(),
                 r->error.c_str());
    containers_[key] = std::move(r);
  };
  // The job and container names become directories under the data dir: a name that is not
  // one plain path component is refused before anything is made (or later removed).
  if (auto st = runtime::CheckName(runtime::NameKind::kJob, "job name", s.job()); !st.ok()) {
    return fail(st);
  }
  if (auto st =
          runtime::CheckName(runtime::NameKind::kContainer,
                             absl::StrCat("job ", s.job(), " container id"), s.container_id());
      !st.ok()) {
    return fail(st);
  }
  r->work_dir = absl::StrCat(opt_.data_dir, "/containers/", s.job(), "/", s.container_id(), "-a",
                             s.attempt());
  auto pkg = EnsurePackage(s.package_digest());
  if (!pkg.ok()) return fail(pkg.status());
  auto it = s.config().find("task.library");
  auto lib = ResolveTaskLibrary(*pkg, it == s.config().end() ? "" : it->second);
  if (!lib.ok()) return fail(lib.status());
  std::error_code ec;
  fs::remove_all(r->work_dir, ec);
  fs::create_directories(r->work_dir, ec);
  std::string stores = opt_.data_dir + "/stores/" + s.job();
  fs::create_directories(stores, ec);
  {
    std::ofstream f(r->work_dir + "/job.properties");
    for (const auto& [k, v] :
         std::map<std::string, std::string>(s.config().begin(), s.config().end())) {
      if (k == "task.library" || k == "job.logged.store.base.dir") continue;
      f << k << "=" << EscapePropertyValue(v) << "\n";
    }
    f << "task.library=" << EscapePropertyValue(*lib) << "\n";
    f << "job.logged.store.base.dir=" << EscapePropertyValue(stores) << "\n";
    std::ofstream m(r->work_dir + "/job-model.json");
    m << s.job_model_json();
  }
  ProcessSpec p;
  p.binary = opt_.container_bin;
  p.args = {"--config",       r->work_dir + "/job.properties",
            "--job-model",    r->work_dir + "/job-model.json",
            "--container-id", s.container_id(),
            "--work-dir",     r->work_dir};
  p.work_dir = r->work_dir;
  // The state service listens on this node's host (--host), where `eddy state` reaches it.
  p.env = {{"EDDY_INSPECT_ADDR_FILE", r->work_dir + "/inspect.addr"},
           {"EDDY_INSPECT_HOST", opt_.host},
           {"EDDY_HTTP_ADDR_FILE", r->work_dir + "/http.addr"},  // its /metrics, same host
           {"EDDY_TOKEN", opt_.token}};
  p.memory_mb = s.resources().memory_mb();
  p.cgroup_name = absl::StrCat("eddy-", opt_.node_id, "-", s.job(), "-", s.container_id());
  if (auto st = r->proc.Start(p); !st.ok()) return fail(st);
  r->started = true;
  if (opt_.probe) opt_.probe->Started();
  fence_.Track(key, &r->proc);
  std::fprintf(stderr, "eddy-node %s: started %s pid %d in %s\n", opt_.node_id.c_str(), key.c_str(),
               r->proc.pid(), r->work_dir.c_str());
  containers_[key] = std::move(r);
}

void NodeAgent::Stop(const v1::StopContainer& s) {
  for (auto& [k, r] : containers_) {
    if (r->spec.job() != s.job() || r->spec.container_id() != s.container_id()) continue;
    if (s.attempt() != 0 && r->spec.attempt() != s.attempt()) continue;
    if (!r->started || r->proc.exited()) continue;
    if (s.kill()) {
      MarkSelfFenced();
      if (r->fenced != v1::ContainerReport::NOT_FENCED) continue;  // killed already
      // A superseded attempt: no final commit.
      if (r->proc.Kill()) {
        r->fenced = v1::ContainerReport::SUPERSEDED;
        std::fprintf(stderr,
                     "eddy-node %s: SIGKILLed %s (pid %d): superseded, on the "
                     "coordinator's order\n",
                     opt_.node_id.c_str(), k.c_str(), r->proc.pid());
      }
      continue;
    }
    if (r->stop_requested) continue;
    r->stop_requested = true;
    r->proc.Terminate();
    r->kill_at = std::chrono::steady_clock::now() + opt_.stop_timeout;
    std::fprintf(stderr, "eddy-node %s: stopping %s\n", opt_.node_id.c_str(), k.c_str());
  }
}

void NodeAgent::CleanStores(const google::protobuf::RepeatedPtrField<std::string>& live) {
  std::set<std::string> keep(live.begin(), live.end());
  for (auto& [k, r] : containers_) keep.insert(r->spec.job());
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(opt_.data_dir + "/stores", ec)) {
    std::string job = e.path().filename().string();
    // Only what this node made: one directory per (valid) job name.
    if (keep.count(job) || !runtime::IsValidName(runtime::NameKind::kJob, job)) continue;
    fs::remove_all(e.path(), ec);
    fs::remove_all(opt_.data_dir + "/containers/" + job, ec);
    std::fprintf(stderr, "eddy-node %s: removed the stores of job %s (no longer exists)\n",
                 opt_.node_id.c_str(), job.c_str());
  }
}

void NodeAgent::Run(const std::atomic<bool>& stop) {
  auto next_hb = std::chrono::steady_clock::now();
  while (!stop) {
    Reap();
    auto now = std::chrono::steady_clock::now();
    if (now >= next_hb) {
      if (!registered_) {
        if (auto s = RegisterNow(); !s.ok()) {
          std::fprintf(stderr, "eddy-node %s: %s\n", opt_.node_id.c_str(),
                       std::string(s.message()).c_str());
        }
      } else {
        Heartbeat();
      }
      next_hb = now + heartbeat_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (auto& [k, r] : containers_) {
    if (r->started) r->proc.Terminate();
  }
  auto deadline = std::chrono::steady_clock::now() + opt_.stop_timeout;
  bool all = false;
  while (!all && std::chrono::steady_clock::now() < deadline) {
    all = true;
    for (auto& [k, r] : containers_) {
      if (r->started && !r->proc.Poll()) all = false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (auto& [k, r] : containers_) {
    if (r->started && !r->proc.exited()) {
      r->proc.Kill();
      while (!r->proc.Poll()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
}

}  // namespace eddy::cluster
