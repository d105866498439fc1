// eddy-coordinator: the control plane.
//   eddy-coordinator --data-dir D (--token-file F | --insecure) [--listen 127.0.0.1:0]
//                    [--log-store HOST:PORT] [--heartbeat-ms 1000] [--node-lost-ms 5000]
//                    [--package-check PATH] [--max-package-bytes 268435456]
//                    [--http-address 127.0.0.1:0] [--log-store-http HOST:PORT]
// Without a token file it refuses to start unless --insecure says every call is to be accepted
// (and then logs a WARNING). Prints "eddy-coordinator http on HOST:PORT" (the HTTP endpoint:
// /metrics and the dashboard; --http-address "" turns it off) and then
// "eddy-coordinator listening on HOST:PORT" once it serves. The HTTP endpoint also serves
// Prometheus service discovery at /api/v1/prometheus-targets (behind the token), listing
// eddy-logd's /metrics at --log-store-http, itself, the nodes and the running containers.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

#include "absl/strings/numbers.h"
#include "coordinator/common/auth.h"
#include "coordinator/server/cluster_probe.h"
#include "coordinator/server/coordinator_service.h"
#include "coordinator/server/dashboard/dashboard.h"
#include "coordinator/server/prometheus_targets.h"
#include "grpcpp/grpcpp.h"
#include "log-store/http/http_server.h"
#include "log-store/http/metrics_endpoint.h"

namespace {
std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

std::string SelfDir() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "." : p.parent_path().string();
}

void Usage(FILE* out) {
  std::fprintf(
      out,
      "usage: eddy-coordinator --data-dir D (--token-file F | --insecure) [options]\n"
      "The control plane of an Eddy grid: node registry, job coordinators, dashboard.\n"
      "  --data-dir D             job packages, models and placements (required)\n"
      "  --token-file F           the grid's token; every call must carry it\n"
      "  --insecure               no token: accept every call (logs a WARNING)\n"
      "  --listen HOST:PORT       gRPC control plane (default 127.0.0.1:0, port 0 = any)\n"
      "  --log-store HOST:PORT    the eddy-logd jobs use when their config names none\n"
      "  --heartbeat-ms N         node heartbeat interval (default 1000)\n"
      "  --node-lost-ms N         a node silent this long is lost (default 5000)\n"
      "  --package-check PATH     eddy-package-check (default: next to this binary)\n"
      "  --max-package-bytes N    largest job package accepted (default 268435456)\n"
      "  --http-address HOST:PORT /metrics and the dashboard (default 127.0.0.1:0, \"\" = off)\n"
      "  --log-store-http HOST:PORT eddy-logd's /metrics, listed in Prometheus discovery\n"
      "  -h, --help               this help\n"
      "Prints \"eddy-coordinator http on HOST:PORT\" and \"eddy-coordinator listening on "
      "HOST:PORT\" once it serves. Exit codes: 0 stopped, 1 failed, 2 bad usage.\n");
}

// The error for `flag value` that the argument loop did not take: a bad number or an unknown
// flag.
std::string BadArgument(const std::string& flag, const std::string& value) {
  if (flag == "--heartbeat-ms" || flag == "--node-lost-ms" || flag == "--max-package-bytes") {
    return flag + ": '" + value + "' is not a whole number > 0";
  }
  return "unknown option " + flag + " (see eddy-coordinator --help)";
}
}  // namespace

int main(int argc, char** argv) {
  using namespace eddy::cluster;
  std::string data_dir, listen = "127.0.0.1:0", token_file, log_store, check;
  std::string http_address = "127.0.0.1:0", log_store_http;
  int64_t hb = 1000, lost = 5000, max_package = kDefaultMaxPackageBytes;
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
      std::fprintf(stderr, "eddy-coordinator: %s needs a value\n", a.c_str());
      return 2;
    }
    std::string v = argv[++i];
    if (a == "--data-dir")
      data_dir = v;
    else if (a == "--listen")
      listen = v;
    else if (a == "--token-file")
      token_file = v;
    else if (a == "--log-store")
      log_store = v;
    else if (a == "--package-check")
      check = v;
    else if (a == "--http-address")
      http_address = v;
    else if (a == "--log-store-http")
      log_store_http = v;
    else if (a == "--heartbeat-ms" && absl::SimpleAtoi(v, &hb) && hb > 0)
      continue;
    else if (a == "--node-lost-ms" && absl::SimpleAtoi(v, &lost) && lost > 0)
      continue;
    else if (a == "--max-package-bytes" && absl::SimpleAtoi(v, &max_package) && max_package > 0)
      continue;
    else {
      std::fprintf(stderr, "eddy-coordinator: %s\n", BadArgument(a, v).c_str());
      return 2;
    }
  }
  if (data_dir.empty()) {
    std::fprintf(stderr, "eddy-coordinator: --data-dir is required\n");
    Usage(stderr);
    return 2;
  }
  if (token_file.empty() && !insecure) {
    std::fprintf(
        stderr,
        "eddy-coordinator: no --token-file: refusing to start a control plane that "
        "accepts every call; pass --token-file F (eddy grid up makes one) or --insecure\n");
    return 2;
  }
  if (!token_file.empty() && insecure) {
    std::fprintf(stderr, "eddy-coordinator: --token-file and --insecure exclude each other\n");
    return 2;
  }
  std::string token;
  if (!token_file.empty()) {
    auto t = ReadTokenFile(token_file);
    if (!t.ok()) {
      std::fprintf(stderr, "eddy-coordinator: %s\n", std::string(t.status().message()).c_str());
      return 2;
    }
    token = *t;
  }
  if (insecure) {
    std::fprintf(stderr,
                 "eddy-coordinator: WARNING: --insecure: no token, every call from anyone "
                 "who can reach %s is accepted\n",
                 listen.c_str());
  }
  if (check.empty()) check = SelfDir() + "/eddy-package-check";
  auto store = MetadataStore::Open(data_dir + "/meta");
  if (!store.ok()) {
    std::fprintf(stderr, "eddy-coordinator: %s\n", std::string(store.status().message()).c_str());
    return 1;
  }
  auto packages = PackageStore::Open(data_dir + "/packages", max_package);
  if (!packages.ok()) {
    std::fprintf(stderr, "eddy-coordinator: %s\n",
                 std::string(packages.status().message()).c_str());
    return 1;
  }
  ManagerOptions o;
  o.heartbeat = std::chrono::milliseconds(hb);
  o.node_lost = std::chrono::milliseconds(lost);
  o.default_bootstrap = log_store;
  o.package_check_bin = check;
  o.work_dir = data_dir + "/tmp";
  std::filesystem::create_directories(o.work_dir);
  ClusterManager manager(o, std::move(*store), std::move(*packages));
  if (auto s = manager.Load(); !s.ok()) {
    std::fprintf(stderr, "eddy-coordinator: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  CoordinatorService service(&manager, token);
  grpc::ServerBuilder b;
  int port = 0;
  b.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  // Packages come in chunks of kPackageChunkBytes; no call needs a bigger message.
  b.SetMaxReceiveMessageSize(4 << 20);
  // No BDP probing: the flow-control window stays small, so a package upload waits for the
  // coordinator to write each chunk instead of piling up in its buffers.
  b.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  b.SetMaxSendMessageSize(64 << 20);
  b.RegisterService(&service);
  auto server = b.BuildAndStart();
  if (!server || port == 0) {
    std::fprintf(stderr, "eddy-coordinator: cannot listen on %s\n", listen.c_str());
    return 1;
  }
  // The HTTP endpoint: routes are added here, before Start().
  eddy::http::HttpServer http;
  std::unique_ptr<eddy::dashboard::Dashboard> dashboard;
  if (!http_address.empty()) {
    eddy::dashboard::DashboardOptions dopt;
    dopt.token = token;
    dopt.log_store = log_store;
    dashboard = eddy::dashboard::RegisterDashboard(http, manager, std::move(dopt));
    eddy::http::ServeMetrics(http, {std::make_shared<ClusterMetrics>(&manager)});
    ServePrometheusTargets(http, &manager, token, log_store_http);
    auto bound = http.Start(http_address);
    if (!bound.ok()) {
      std::fprintf(stderr, "eddy-coordinator: --http-address: %s\n",
                   std::string(bound.status().message()).c_str());
      return 1;
    }
    std::printf("eddy-coordinator http on %s\n", bound->c_str());
  }
  std::string host = listen.substr(0, listen.rfind(':'));
  std::printf("eddy-coordinator listening on %s:%d\n", host.c_str(), port);
  std::fflush(stdout);
  signal(SIGTERM, OnSignal);
  signal(SIGINT, OnSignal);
  while (!g_stop) {
    manager.Tick();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  http.Stop();  // before the dashboard goes: its handlers use it
  dashboard.reset();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}
