#include "tests/fault/netns_grid.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "coordinator/common/auth.h"
#include "nlohmann/json.hpp"

namespace eddy::test {
namespace fs = std::filesystem;

namespace {

constexpr char kNetnsPrefix[] = "eddyf-";  // eddyf-<subnet>-<creator pid>-n<i>

std::string ReadFrom(const std::string& path, size_t offset) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return "";
  f.seekg(static_cast<std::streamoff>(offset));
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

size_t FileSize(const std::string& path) {
  std::error_code ec;
  auto n = fs::file_size(path, ec);
  return ec ? 0 : static_cast<size_t>(n);
}

bool PidAlive(pid_t pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

std::vector<pid_t> NetnsPids(const std::string& netns) {
  std::vector<pid_t> out;
  auto r = Sh("ip netns pids " + netns);
  std::istringstream in(r.out);
  pid_t p;
  while (in >> p) out.push_back(p);
  return out;
}

std::string Cmdline(pid_t pid) {
  std::string s = ReadFrom("/proc/" + std::to_string(pid) + "/cmdline", 0);
  for (auto& c : s) {
    if (c == '\0') c = ' ';
  }
  return s;
}

// Namespaces (and their bridge) left by runs whose process is gone: killed by a timeout, say.
void RemoveStaleNamespaces() {
  auto r = Sh("ip netns list");
  std::istringstream in(r.out);
  std::string line;
  std::set<int> stale_subnets, live_subnets;
  std::vector<std::string> stale;
  while (std::getline(in, line)) {
    std::string name = line.substr(0, line.find(' '));
    if (name.rfind(kNetnsPrefix, 0) != 0) continue;
    int subnet = 0, pid = 0;
    if (std::sscanf(name.c_str() + sizeof(kNetnsPrefix) - 1, "%d-%d-", &subnet, &pid) != 2) {
      continue;
    }
    if (PidAlive(pid)) {
      live_subnets.insert(subnet);
      continue;
    }
    stale.push_back(name);
    stale_subnets.insert(subnet);
  }
  for (const auto& ns : stale) {
    for (pid_t p : NetnsPids(ns)) ::kill(p, SIGKILL);
    Sh("ip netns del " + ns);
  }
  for (int s : stale_subnets) {
    if (!live_subnets.count(s)) Sh("ip link del efbr" + std::to_string(s));
  }
}

}  // namespace

std::string NetnsGrid::Unavailable() {
  if (geteuid() != 0) return "the fault suite makes network namespaces: it needs root";
  std::string probe = "eddyf-probe-" + std::to_string(getpid());
  auto r = Sh("ip netns add " + probe);
  if (r.code != 0) return "`ip netns add` does not work here: " + r.err;
  Sh("ip netns del " + probe);
  r = Sh("ip link add efprobe" + std::to_string(getpid() % 100000) + " type bridge");
  if (r.code != 0) return "cannot make a bridge (`ip link add type bridge`): " + r.err;
  Sh("ip link del efprobe" + std::to_string(getpid() % 100000));
  return "";
}

NetnsGrid::NetnsGrid(NetnsGridOptions o) : Grid(NoStart{}), opt_(o) {
  auto fail = [&](const absl::Status& s) {
    error_ = std::string(s.message());
    std::fprintf(stderr, "netns grid: %s\n", error_.c_str());
    ok_ = false;
  };
  RemoveStaleNamespaces();
  if (auto s = SetUpNetwork(); !s.ok()) {
    fail(s);
    return;
  }
  auto token = cluster::CreateTokenFile(dir_ + "/token");
  if (!token.ok()) {
    fail(token.status());
    return;
  }
  std::string bin = BinDir();
  logd_.name = "logd";
  logd_.argv = {bin + "/eddy-logd", "--data-dir", dir_ + "/logd", "--listen", host_ip_ + ":0"};
  if (opt_.fsync) logd_.argv.push_back("--fsync");
  logd_.log = dir_ + "/logd.log";
  if (auto s = Start(&logd_, "eddy-logd listening on "); !s.ok()) {
    fail(s);
    return;
  }
  WriteGridJson();
  coordinator_.name = "coordinator";
  coordinator_.argv = {bin + "/eddy-coordinator",
                       "--data-dir",
                       dir_ + "/coordinator",
                       "--listen",
                       host_ip_ + ":0",
                       "--token-file",
                       dir_ + "/token",
                       "--log-store",
                       logd_.address,
                       "--heartbeat-ms",
                       std::to_string(opt_.heartbeat_ms),
                       "--node-lost-ms",
                       std::to_string(opt_.node_lost_ms)};
  coordinator_.log = dir_ + "/coordinator.log";
  if (auto s = Start(&coordinator_, "listening on "); !s.ok()) {
    fail(s);
    return;
  }
  WriteGridJson();
  for (auto& n : nodes_) {
    n.name = n.id;
    n.argv = {bin + "/eddy-node",
              "--coordinator",
              coordinator_.address,
              "--data-dir",
              dir_ + "/" + n.id,
              "--node-id",
              n.id,
              "--token-file",
              dir_ + "/token",
              "--memory-mb",
              std::to_string(opt_.node_memory_mb),
              "--cores",
              std::to_string(opt_.node_cores),
              "--listen",
              n.ip + ":0",
              "--host",
              n.ip};
    n.log = dir_ + "/" + n.id + ".log";
    if (auto s = Start(&n, "listening on "); !s.ok()) {
      fail(s);
      return;
    }
    WriteGridJson();
  }
  // Every node registered (it heartbeats the coordinator through its own link).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = Eddy("node list");
    int up = 0;
    for (const auto& n : nodes_) up += r.out.find(n.id) != std::string::npos;
    if (r.code == 0 && up == static_cast<int>(nodes_.size()) &&
        r.out.find("LOST") == std::string::npos) {
      ok_ = true;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  fail(absl::DeadlineExceededError("the nodes did not register with the coordinator at " +
                                   coordinator_.address + " in 30 s: " + Eddy("node list").out));
}

NetnsGrid::~NetnsGrid() { TearDown(); }

absl::Status NetnsGrid::SetUpNetwork() {
  // A free 10.77.N.0/24: the bridge name efbr<N> is the lock (ip link add fails if it exists).
  int start = 20 + static_cast<int>(getpid() % 200);
  for (int k = 0; k < 230 && subnet_ < 0; ++k) {
    int n = 20 + (start - 20 + k) % 230;
    if (Sh("ip -o addr show | grep -q ' 10\\.77\\." + std::to_string(n) + "\\.'").code == 0) {
      continue;
    }
    if (Sh("ip link add efbr" + std::to_string(n) + " type bridge").code == 0) subnet_ = n;
  }
  if (subnet_ < 0) return absl::ResourceExhaustedError("no free subnet 10.77.N.0/24 for a bridge");
  std::string sn = std::to_string(subnet_);
  bridge_ = "efbr" + sn;
  host_ip_ = "10.77." + sn + ".1";
  auto r =
      Sh("ip addr add " + host_ip_ + "/24 dev " + bridge_ + " && ip link set " + bridge_ + " up");
  if (r.code != 0) return absl::InternalError("bridge " + bridge_ + ": " + r.err);
  for (int i = 0; i < opt_.nodes; ++i) {
    Node n;
    n.id = "node-" + std::to_string(i);
    n.ip = "10.77." + sn + "." + std::to_string(11 + i);
    n.netns = absl::StrCat(kNetnsPrefix, subnet_, "-", getpid(), "-n", i);
    n.veth_host = absl::StrCat("efv", subnet_, "h", i);
    n.veth_node = absl::StrCat("efv", subnet_, "n", i);
    nodes_.push_back(n);
    std::string script = "set -e; ip netns add " + n.netns + "; ip link add " + n.veth_host +
                         " type veth peer name " + n.veth_node + "; ip link set " + n.veth_node +
                         " netns " + n.netns + "; ip link set " + n.veth_host + " master " +
                         bridge_ + "; ip link set " + n.veth_host + " up; ip -n " + n.netns +
                         " addr add " + n.ip + "/24 dev " + n.veth_node + "; ip -n " + n.netns +
                         " link set " + n.veth_node + " up; ip -n " + n.netns + " link set lo up";
    r = Sh(script);
    if (r.code != 0) return absl::InternalError("namespace " + n.netns + ": " + r.err);
  }
  return absl::OkStatus();
}

absl::Status NetnsGrid::Start(Daemon* d, const std::string& marker) {
  size_t from = FileSize(d->log);
  int nsfd = -1;
  if (!d->netns.empty()) {
    nsfd = open(("/run/netns/" + d->netns).c_str(), O_RDONLY | O_CLOEXEC);
    if (nsfd < 0) return absl::NotFoundError("network namespace " + d->netns + " is gone");
  }
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed for " + d->name);
  if (pid == 0) {
    if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) != 0) _exit(126);
    setsid();
    int fd = open(d->log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int nul = open("/dev/null", O_RDONLY);
    dup2(nul, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    for (int i = 3; i < 1024; ++i) close(i);
    std::vector<char*> a;
    for (const auto& s : d->argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    execv(a[0], a.data());
    _exit(127);
  }
  if (nsfd >= 0) close(nsfd);
  d->pid = pid;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string text = ReadFrom(d->log, from);
    auto at = text.find(marker);
    if (at != std::string::npos) {
      auto start = at + marker.size();
      auto end = text.find_first_of(" \n", start);
      if (end != std::string::npos) {
        d->address = text.substr(start, end - start);
        // A restart takes the same address (clients and grid.json keep it).
        for (size_t i = 0; i + 1 < d->argv.size(); ++i) {
          if (d->argv[i] == "--listen" && d->argv[i + 1].ends_with(":0") && d->netns.empty()) {
            d->argv[i + 1] = d->address;
          }
        }
        return absl::OkStatus();
      }
    }
    if (waitpid(pid, nullptr, WNOHANG) == pid) {
      d->pid = -1;
      return absl::InternalError(
          absl::StrCat(d->name, " exited at start; see ", d->log, ":\n", text));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  Reap(d);
  return absl::DeadlineExceededError(d->name + " did not start in 30 s; see " + d->log);
}

void NetnsGrid::Reap(Daemon* d) {
  if (d->pid > 0) waitpid(d->pid, nullptr, 0);
  d->pid = -1;
}

void NetnsGrid::WriteGridJson() const {
  nlohmann::json g;
  g["dir"] = dir_;
  g["logd"] = {{"pid", logd_.pid}, {"address", logd_.address}};
  if (!coordinator_.address.empty()) {
    g["coordinator"] = {{"pid", coordinator_.pid}, {"address", coordinator_.address}};
  }
  g["nodes"] = nlohmann::json::array();
  for (const auto& n : nodes_) {
    if (n.pid > 0 || !n.address.empty()) {
      g["nodes"].push_back({{"id", n.id}, {"pid", n.pid}, {"address", n.address}});
    }
  }
  std::ofstream(dir_ + "/grid.json.tmp") << g.dump(2) << "\n";
  std::error_code ec;
  fs::rename(dir_ + "/grid.json.tmp", dir_ + "/grid.json", ec);
}

int NetnsGrid::NodeIndex(const std::string& id) const {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].id == id) return static_cast<int>(i);
  }
  return -1;
}

absl::Status NetnsGrid::KillNode(int i) {
  Node& n = nodes_[i];
  if (n.pid <= 0) return absl::FailedPreconditionError(n.id + " is not running");
  if (::kill(n.pid, SIGKILL) != 0) return absl::InternalError("kill -9 of " + n.id + " failed");
  Reap(&n);
  for (pid_t p : n.paused) ::kill(p, SIGCONT);
  n.paused.clear();
  // PR_SET_PDEATHSIG takes the containers down; wait until the namespace is empty of them.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!ContainerPidsOnNode(i).empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  WriteGridJson();
  return absl::OkStatus();
}

absl::Status NetnsGrid::RestartNode(int i) {
  Node& n = nodes_[i];
  if (n.pid > 0) return absl::FailedPreconditionError(n.id + " is still running");
  auto s = Start(&n, "listening on ");
  WriteGridJson();
  return s;
}

absl::Status NetnsGrid::PauseNode(int i, bool agent_only) {
  Node& n = nodes_[i];
  if (n.pid <= 0) return absl::FailedPreconditionError(n.id + " is not running");
  // The agent first, so it cannot see its containers stop.
  if (::kill(n.pid, SIGSTOP) != 0) return absl::InternalError("SIGSTOP of " + n.id + " failed");
  n.paused.push_back(n.pid);
  if (!agent_only) {
    for (pid_t p : NetnsPids(n.netns)) {
      if (p != n.pid && ::kill(p, SIGSTOP) == 0) n.paused.push_back(p);
    }
  }
  return absl::OkStatus();
}

absl::Status NetnsGrid::ResumeNode(int i) {
  Node& n = nodes_[i];
  if (n.paused.empty()) return absl::FailedPreconditionError(n.id + " is not paused");
  // Containers first, then the agent (a host waking up: everything runs again at once).
  for (auto it = n.paused.rbegin(); it != n.paused.rend(); ++it) ::kill(*it, SIGCONT);
  n.paused.clear();
  return absl::OkStatus();
}

absl::Status NetnsGrid::CutLink(int i) {
  auto r = Sh("ip -n " + nodes_[i].netns + " link set " + nodes_[i].veth_node + " down");
  if (r.code != 0) return absl::InternalError("cutting the link of " + nodes_[i].id + ": " + r.err);
  return absl::OkStatus();
}

absl::Status NetnsGrid::HealLink(int i) {
  auto r = Sh("ip -n " + nodes_[i].netns + " link set " + nodes_[i].veth_node + " up");
  if (r.code != 0) return absl::InternalError("healing the link of " + nodes_[i].id + ": " + r.err);
  return absl::OkStatus();
}

absl::Status NetnsGrid::KillCoordinator() {
  if (coordinator_.pid <= 0 || ::kill(coordinator_.pid, SIGKILL) != 0) {
    return absl::InternalError("kill -9 of eddy-coordinator failed");
  }
  Reap(&coordinator_);
  return absl::OkStatus();
}

absl::Status NetnsGrid::RestartCoordinator() {
  auto s = Start(&coordinator_, "listening on ");
  WriteGridJson();
  return s;
}

absl::Status NetnsGrid::KillBroker() {
  if (logd_.pid <= 0 || ::kill(logd_.pid, SIGKILL) != 0) {
    return absl::InternalError("kill -9 of eddy-logd failed");
  }
  Reap(&logd_);
  return absl::OkStatus();
}

absl::Status NetnsGrid::RestartBroker() {
  // Its port may be held for a moment by the dying process' socket: retry a few times.
  absl::Status s;
  for (int k = 0; k < 20; ++k) {
    s = Start(&logd_, "eddy-logd listening on ");
    if (s.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  WriteGridJson();
  return s;
}

std::vector<pid_t> NetnsGrid::ContainerPidsOnNode(int i) const {
  std::vector<pid_t> out;
  for (pid_t p : NetnsPids(nodes_[i].netns)) {
    if (Cmdline(p).find("eddy-container") != std::string::npos) out.push_back(p);
  }
  return out;
}

void NetnsGrid::TearDown() {
  for (auto& n : nodes_) {
    for (pid_t p : n.paused) ::kill(p, SIGCONT);
  }
  // Everything in the nodes' namespaces (eddy-node and its containers, zombies included).
  for (auto& n : nodes_) {
    if (n.netns.empty()) continue;
    for (int round = 0; round < 50; ++round) {
      auto pids = NetnsPids(n.netns);
      if (pids.empty()) break;
      for (pid_t p : pids) ::kill(p, SIGKILL);
      if (n.pid > 0) Reap(&n);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (n.pid > 0) {
      ::kill(n.pid, SIGKILL);
      Reap(&n);
    }
  }
  for (Daemon* d : {&coordinator_, &logd_}) {
    if (d->pid > 0) {
      ::kill(d->pid, SIGKILL);
      Reap(d);
    }
  }
  WriteGridJson();  // no live pids: the base class' `eddy grid down` touches nothing
  for (auto& n : nodes_) Sh("ip netns del " + n.netns);
  if (!bridge_.empty()) Sh("ip link del " + bridge_);
}

}  // namespace eddy::test
