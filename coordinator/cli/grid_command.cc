// `eddy grid up|down|status`: a one-machine cluster on 127.0.0.1 — eddy-logd, eddy-coordinator
// and N eddy-node daemons (binaries next to `eddy`), state under the grid dir (--dir, else
// $EDDY_GRID_DIR, else ~/.eddy/grid): grid.json (pids, addresses), token (mode 0600), one data
// dir and log file per daemon.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "coordinator/cli/cluster_client.h"
#include "coordinator/cli/cluster_commands.h"
#include "coordinator/cli/prometheus_config.h"
#include "coordinator/cli/output.h"
#include "coordinator/common/auth.h"
#include "nlohmann/json.hpp"

namespace eddy::cli {
namespace {
namespace fs = std::filesystem;
using json = nlohmann::json;

std::string SelfDir() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "." : p.parent_path().string();
}

// Starts `argv` detached (own session), stdout+stderr to `log`; waits for `marker` in the log
// and returns the pid and the word after it (the address).
absl::StatusOr<std::pair<pid_t, std::string>> Daemon(const std::vector<std::string>& argv,
                                                     const std::string& log,
                                                     const std::string& marker) {
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    setsid();
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int nul = open("/dev/null", O_RDONLY);
    dup2(nul, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    for (int i = 3; i < 1024; ++i) close(i);
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    execv(a[0], a.data());
    std::fprintf(stderr, "cannot exec %s\n", a[0]);
    _exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream f(log);
    std::stringstream ss;
    ss << f.rdbuf();
    std::string text = ss.str();
    auto at = text.find(marker);
    if (at != std::string::npos) {
      auto start = at + marker.size();
      auto end = text.find_first_of(" \n", start);
      if (end != std::string::npos) return std::make_pair(pid, text.substr(start, end - start));
    }
    if (::kill(pid, 0) != 0 || waitpid(pid, nullptr, WNOHANG) == pid) {
      return absl::InternalError(absl::StrCat(argv[0], " exited at start; see ", log, ":\n", text));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  return absl::DeadlineExceededError(absl::StrCat(argv[0], " did not start in 30 s; see ", log));
}

// The word after `marker` in the file `log` (a daemon's start-up line), or "".
std::string LogWord(const std::string& log, const std::string& marker) {
  std::ifstream f(log);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string text = ss.str();
  auto at = text.find(marker);
  if (at == std::string::npos) return "";
  auto start = at + marker.size();
  auto end = text.find_first_of(" \n", start);
  return end == std::string::npos ? "" : text.substr(start, end - start);
}

bool Alive(pid_t pid) {
  if (pid <= 0) return false;
  waitpid(pid, nullptr, WNOHANG);
  if (::kill(pid, 0) != 0) return false;
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s;
  std::getline(f, s);
  auto rp = s.rfind(')');
  return !(rp != std::string::npos && rp + 2 < s.size() && s[rp + 2] == 'Z');
}

void StopPid(pid_t pid, int seconds) {
  if (!Alive(pid)) return;
  ::kill(pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (Alive(pid) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (Alive(pid)) ::kill(pid, SIGKILL);
}

}  // namespace

void AddGridCommand(CLI::App& app, Action* action) {
  auto* grid = app.add_subcommand("grid", "a one-machine cluster: log store, coordinator, nodes");
  grid->require_subcommand(1);
  auto dir = std::make_shared<std::string>();
  {
    auto* c = grid->add_subcommand("up", "start eddy-logd, eddy-coordinator and N eddy-node");
    auto nodes = std::make_shared<int>(2);
    auto hb = std::make_shared<int>(1000);
    auto lost = std::make_shared<int>(5000);
    auto mem = std::make_shared<int>(4096);
    auto cores = std::make_shared<double>(2);
    auto max_package = std::make_shared<int64_t>(0);
    auto listen_host = std::make_shared<std::string>("127.0.0.1");
    auto coordinator_host = std::make_shared<std::string>();
    c->add_option("--dir,--grid-dir", *dir,
                  "grid dir (default: $EDDY_GRID_DIR, else ~/.eddy/grid)");
    c->add_option("--nodes", *nodes, "number of nodes (default 2)")->check(WholeNumber(1, 64));
    c->add_option("--heartbeat-ms", *hb, "node heartbeat interval (default 1000)")
        ->check(WholeNumber(1, 3600000));
    c->add_option("--node-lost-ms", *lost, "a node silent this long is lost (default 5000)")
        ->check(WholeNumber(1, 3600000));
    c->add_option("--node-memory-mb", *mem, "memory each node offers (default 4096)")
        ->check(WholeNumber(1, 1 << 30));
    c->add_option("--node-cores", *cores, "cores each node offers (default 2)")
        ->check(PositiveDecimal());
    c->add_option("--max-package-bytes", *max_package,
                  "the coordinator's job package size limit (default: the coordinator's, 256 MiB)")
        ->check(WholeNumber(1));
    c->add_option("--listen-host", *listen_host,
                  "address the log store and the coordinator listen on, for nodes on other "
                  "hosts or network namespaces (default 127.0.0.1)");
    c->add_option("--coordinator-listen-host", *coordinator_host,
                  "address the coordinator listens on (default: --listen-host)");
    c->callback([=] {
      *action = [=]() -> int {
        std::string d = fs::absolute(ResolveGridDir(*dir)).string();
        std::error_code ec;
        fs::create_directories(d, ec);
        if (fs::exists(d + "/grid.json")) {
          std::ifstream f(d + "/grid.json");
          try {
            auto j = json::parse(f);
            if (Alive(j["coordinator"]["pid"].get<pid_t>())) {
              return Fail("grid up", absl::AlreadyExistsError("a grid is already up in " + d +
                                                              "; `eddy grid down` first"));
            }
          } catch (...) {
          }
        }
        auto token = cluster::CreateTokenFile(d + "/token");
        if (!token.ok()) return Fail("grid up", token.status());
        std::string bin = SelfDir();
        json g;
        g["dir"] = d;
        auto logd = Daemon({bin + "/eddy-logd", "--data-dir", d + "/logd", "--listen",
                            *listen_host + ":0", "--http-address", *listen_host + ":0"},
                           d + "/logd.log", "listening on ");
        if (!logd.ok()) return Fail("grid up", logd.status());
        std::string logd_http = LogWord(d + "/logd.log", "http on ");
        g["logd"] = {{"pid", logd->first}, {"address", logd->second}, {"http", logd_http}};
        std::ofstream(d + "/grid.json") << g.dump(2) << "\n";
        std::vector<std::string> cargv = {
            bin + "/eddy-coordinator",
            "--data-dir",
            d + "/coordinator",
            "--listen",
            (coordinator_host->empty() ? *listen_host : *coordinator_host) + ":0",
            "--token-file",
            d + "/token",
            "--log-store",
            logd->second,
            "--heartbeat-ms",
            std::to_string(*hb),
            "--node-lost-ms",
            std::to_string(*lost),
            "--http-address",
            (coordinator_host->empty() ? *listen_host : *coordinator_host) + ":0",
            "--log-store-http",
            logd_http};
        if (*max_package > 0) {
          cargv.push_back("--max-package-bytes");
          cargv.push_back(std::to_string(*max_package));
        }
        auto coord = Daemon(cargv, d + "/coordinator.log", "listening on ");
        if (!coord.ok()) return Fail("grid up", coord.status());
        std::string coord_http = LogWord(d + "/coordinator.log", "http on ");
        g["coordinator"] = {
            {"pid", coord->first}, {"address", coord->second}, {"http", coord_http}};
        g["nodes"] = json::array();
        std::ofstream(d + "/grid.json") << g.dump(2) << "\n";
        for (int i = 0; i < *nodes; ++i) {
          std::string id = "node-" + std::to_string(i);
          auto n = Daemon(
              {bin + "/eddy-node", "--coordinator", coord->second, "--data-dir", d + "/" + id,
               "--node-id", id, "--token-file", d + "/token", "--memory-mb", std::to_string(*mem),
               "--cores", std::to_string(*cores), "--http-address", *listen_host + ":0"},
              d + "/" + id + ".log", "listening on ");
          if (!n.ok()) return Fail("grid up", n.status());
          g["nodes"].push_back({{"id", id},
                                {"pid", n->first},
                                {"address", n->second},
                                {"http", LogWord(d + "/" + id + ".log", "http on ")}});
          std::ofstream(d + "/grid.json") << g.dump(2) << "\n";
        }
        // Prometheus finds every daemon (and the containers, as they come and go) through the
        // coordinator's service discovery.
        std::ofstream(d + "/prometheus.yml") << PrometheusConfig(coord_http, d + "/token");
        std::printf(
            "grid up in %s\n  log store   %s\n  coordinator %s\n  dashboard   http://%s/\n"
            "  nodes       %d\n",
            d.c_str(), logd->second.c_str(), coord->second.c_str(), coord_http.c_str(), *nodes);
        auto metrics_line = [](const std::string& who, const std::string& http) {
          if (!http.empty())
            std::printf("  metrics     %s http://%s/metrics\n", who.c_str(), http.c_str());
        };
        metrics_line("eddy-logd", logd_http);
        metrics_line("eddy-coordinator", coord_http);
        for (const auto& n : g["nodes"]) {
          metrics_line("eddy-node " + n["id"].get<std::string>(), n["http"].get<std::string>());
        }
        std::printf(
            "  prometheus  %s/prometheus.yml (prometheus --config.file=%s/prometheus.yml)\n"
            "export EDDY_BOOTSTRAP=%s EDDY_GRID_DIR=%s\n",
            d.c_str(), d.c_str(), logd->second.c_str(), d.c_str());
        return kExitOk;
      };
    });
  }
  {
    auto* c = grid->add_subcommand("down", "stop the grid's daemons (nodes stop their containers)");
    c->add_option("--dir,--grid-dir", *dir,
                  "grid dir (default: $EDDY_GRID_DIR, else ~/.eddy/grid)");
    c->callback([=] {
      *action = [=]() -> int {
        std::string d = ResolveGridDir(*dir);
        auto grid_json = ReadGridJson(d);
        if (!grid_json.ok()) return Fail("grid down", grid_json.status());
        json& g = *grid_json;
        for (auto& n : g.value("nodes", json::array())) StopPid(n["pid"].get<pid_t>(), 40);
        if (g.contains("coordinator")) StopPid(g["coordinator"]["pid"].get<pid_t>(), 10);
        if (g.contains("logd")) StopPid(g["logd"]["pid"].get<pid_t>(), 10);
        std::error_code ec;
        fs::rename(d + "/grid.json", d + "/grid.json.down", ec);
        std::printf("grid in %s is down\n", d.c_str());
        return kExitOk;
      };
    });
  }
  {
    auto* c = grid->add_subcommand("status", "the grid's daemons and nodes");
    c->add_option("--dir,--grid-dir", *dir,
                  "grid dir (default: $EDDY_GRID_DIR, else ~/.eddy/grid)");
    auto out = std::make_shared<OutputFlags>();
    AddOutputFlag(c, out.get());
    c->callback([=] {
      *action = [=]() -> int {
        std::string d = ResolveGridDir(*dir);
        auto grid_json = ReadGridJson(d);
        if (!grid_json.ok()) return Fail("grid status", grid_json.status());
        json& g = *grid_json;
        int down = 0;
        json daemons = json::array();
        auto line = [&](const std::string& what, const std::string& kind, const json& p) {
          bool a = Alive(p["pid"].get<pid_t>());
          down += !a;
          if (out->json()) {
            daemons.push_back({{"name", what},
                               {"kind", kind},
                               {"pid", p["pid"]},
                               {"address", p["address"]},
                               {"http", p.value("http", "")},
                               {"up", a}});
            return;
          }
          std::printf("%-12s pid %-8d %-22s %s\n", what.c_str(), p["pid"].get<int>(),
                      p["address"].get<std::string>().c_str(), a ? "up" : "DOWN");
        };
        if (g.contains("logd")) line("eddy-logd", "logd", g["logd"]);
        if (g.contains("coordinator")) line("coordinator", "coordinator", g["coordinator"]);
        for (auto& n : g.value("nodes", json::array())) {
          line(n["id"].get<std::string>(), "node", n);
        }
        if (out->json()) PrintJson({{"dir", d}, {"daemons", daemons}, {"down", down}});
        return down == 0 ? kExitOk : kExitFailure;
      };
    });
  }
}

}  // namespace eddy::cli
