// eddy-node: the node manager of one machine.
//   eddy-node --coordinator HOST:PORT --data-dir D (--token-file F | --insecure) [--node-id ID]
//             [--memory-mb N] [--cores N] [--listen 127.0.0.1:0] [--container-bin PATH]
//             [--stop-timeout-ms N] [--http-address 127.0.0.1:0]
// Like the coordinator, it refuses to start without a token unless --insecure is given.
// Prints "eddy-node http on HOST:PORT" (its /metrics, sent to the coordinator at registration;
// --http-address "" turns it off), then "eddy-node ID listening on HOST:PORT" once its log
// service is up.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <string>

#include "absl/strings/numbers.h"
#include "coordinator/common/auth.h"
#include "coordinator/node/node_agent.h"
#include "coordinator/node/node_probe.h"
#include "coordinator/node/node_service.h"
#include "grpcpp/grpcpp.h"
#include "log-store/http/http_server.h"
#include "log-store/http/metrics_endpoint.h"
#include "runtime/job/names.h"

namespace {
std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

void Usage(FILE* out) {
  std::fprintf(
      out,
      "usage: eddy-node --coordinator HOST:PORT --data-dir D (--token-file F | --insecure) "
      "[options]\n"
      "The node manager of one machine: registers its resources, starts and stops containers.\n"
      "  --coordinator HOST:PORT  the eddy-coordinator (required)\n"
      "  --data-dir D             packages, container work dirs, local stores (required)\n"
      "  --token-file F           the coordinator's token\n"
      "  --insecure               no token: the node's log service accepts every call\n"
      "  --node-id ID             this node's name in the grid (default node-0)\n"
      "  --host HOST              address other machines reach its containers at "
      "(default 127.0.0.1)\n"
      "  --listen HOST:PORT       the node's log service (default 127.0.0.1:0)\n"
      "  --memory-mb N            memory offered to containers (default 4096)\n"
      "  --cores N                cores offered to containers (default 2)\n"
      "  --container-bin PATH     eddy-container (default: next to this binary)\n"
      "  --stop-timeout-ms N      SIGTERM to SIGKILL of a container at stop (default 30000)\n"
      "  --http-address HOST:PORT /metrics (default 127.0.0.1:0, \"\" = off)\n"
      "  -h, --help               this help\n"
      "Prints \"eddy-node ID listening on HOST:PORT\" once it serves. Exit codes: 0 stopped, "
      "1 failed, 2 bad usage.\n");
}

// The error for `flag value` that the argument loop did not take: a bad number or an unknown
// flag.
std::string BadArgument(const std::string& flag, const std::string& value) {
  if (flag == "--memory-mb" || flag == "--stop-timeout-ms") {
    return flag + ": '" + value + "' is not a whole number";
  }
  if (flag == "--cores") return flag + ": '" + value + "' is not a number";
  return "unknown option " + flag + " (see eddy-node --help)";
}
}  // namespace

int main(int argc, char** argv) {
  using namespace eddy::cluster;
  NodeOptions o;
  std::string listen = "127.0.0.1:0", token_file, http_address = "127.0.0.1:0";
  int64_t stop_ms = 30000;
  bool insecure = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      Usage(stdout);
      return 0;
    }
    if (a == "--insecure") {
      insecure = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "eddy-node: %s needs a value\n", a.c_str());
      return 2;
    }
    std::string v = argv[++i];
    if (a == "--coordinator")
      o.coordinator = v;
    else if (a == "--data-dir")
      o.data_dir = v;
    else if (a == "--node-id")
      o.node_id = v;
    else if (a == "--token-file")
      token_file = v;
    else if (a == "--listen")
      listen = v;
    else if (a == "--container-bin")
      o.container_bin = v;
    else if (a == "--host")
      o.host = v;
    else if (a == "--http-address")
      http_address = v;
    else if (a == "--memory-mb" && absl::SimpleAtoi(v, &o.memory_mb))
      continue;
    else if (a == "--cores" && absl::SimpleAtod(v, &o.cores))
      continue;
    else if (a == "--stop-timeout-ms" && absl::SimpleAtoi(v, &stop_ms))
      continue;
    else {
      std::fprintf(stderr, "eddy-node: %s\n", BadArgument(a, v).c_str());
      return 2;
    }
  }
  if (o.coordinator.empty() || o.data_dir.empty()) {
    std::fprintf(stderr, "eddy-node: %s is required\n",
                 o.coordinator.empty() ? "--coordinator" : "--data-dir");
    Usage(stderr);
    return 2;
  }
  if (token_file.empty() != insecure) {
    std::fprintf(stderr,
                 "eddy-node: pass exactly one of --token-file F (the coordinator's token) "
                 "and --insecure (no token; the node's log service accepts every "
                 "call)\n");
    return 2;
  }
  if (auto s =
          eddy::runtime::CheckName(eddy::runtime::NameKind::kContainer, "--node-id", o.node_id);
      !s.ok()) {
    std::fprintf(stderr, "eddy-node: %s\n", std::string(s.message()).c_str());
    return 2;
  }
  if (insecure) {
    std::fprintf(stderr,
                 "eddy-node %s: WARNING: --insecure: no token, the log service accepts "
                 "every call\n",
                 o.node_id.c_str());
  }
  o.stop_timeout = std::chrono::milliseconds(stop_ms);
  if (!token_file.empty()) {
    auto t = ReadTokenFile(token_file);
    if (!t.ok()) {
      std::fprintf(stderr, "eddy-node: %s\n", std::string(t.status().message()).c_str());
      return 2;
    }
    o.token = *t;
  }
  if (o.container_bin.empty()) {
    std::error_code ec;
    auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    o.container_bin = (self.parent_path() / "eddy-container").string();
  }
  o.data_dir = std::filesystem::absolute(o.data_dir).string();
  NodeService service(o.data_dir, o.token);
  grpc::ServerBuilder b;
  int port = 0;
  b.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  b.RegisterService(&service);
  auto server = b.BuildAndStart();
  if (!server || port == 0) {
    std::fprintf(stderr, "eddy-node: cannot listen on %s\n", listen.c_str());
    return 1;
  }
  o.address = listen.substr(0, listen.rfind(':')) + ":" + std::to_string(port);
  o.probe = std::make_shared<NodeProbe>(o.memory_mb, o.cores);
  eddy::http::HttpServer http;
  if (!http_address.empty()) {
    eddy::http::ServeMetrics(http, {o.probe});
    auto bound = http.Start(http_address);
    if (!bound.ok()) {
      std::fprintf(stderr, "eddy-node: --http-address: %s\n",
                   std::string(bound.status().message()).c_str());
      return 1;
    }
    o.http_address = *bound;
    std::printf("eddy-node http on %s\n", bound->c_str());
  }
  std::printf("eddy-node %s listening on %s\n", o.node_id.c_str(), o.address.c_str());
  std::fflush(stdout);
  signal(SIGTERM, OnSignal);
  signal(SIGINT, OnSignal);
  signal(SIGPIPE, SIG_IGN);
  NodeAgent agent(o);
  agent.Run(g_stop);
  http.Stop();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  return 0;
}
