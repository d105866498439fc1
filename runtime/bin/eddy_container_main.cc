// eddy-container: the worker process.
//   eddy-container --config job.properties --job-model model.json --container-id N
//                  [--work-dir D] [--set k=v ...] [--until-caught-up]
//   eddy-container run --config job.properties [--log-dir D] [--work-dir D] [--set k=v ...]
//                  [--until-caught-up] [--input stream=file ...] [--input-partitions N]
//                  [--print-top stream[:N]]     (standalone mode; `eddy run` execs this)
//   eddy-container plan --config job.properties [--set k=v ...]   (prints the job model)
#include <malloc.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "log-store/http/http_server.h"
#include "log-store/http/metrics_endpoint.h"
#include "runtime/container/commit_protocol.h"
#include "runtime/container/container.h"
#include "runtime/container/prometheus_collector.h"
#include "runtime/container/standby_container.h"
#include "runtime/container/systems_hub.h"
#include "runtime/inspect/state_server.h"
#include "runtime/job/job_reset.h"
#include "runtime/standalone/runner.h"

namespace {

void OnTerm(int) {
  eddy::runtime::Container::RequestShutdownAll();
  eddy::runtime::StandbyContainer::RequestShutdownAll();
}

// `eddy run --help` (mode "run") explains that command, since the user typed `eddy run`.
void PrintUsage(FILE* out, const std::string& mode) {
  if (mode == "run") {
    std::fprintf(
        out,
        "usage: eddy run --config job.properties [options]\n"
        "Runs a job on this machine with an embedded log store (or the systems its "
        "config names).\n"
        "  --config F             the job's .properties file (required)\n"
        "  --set k=v              override a config key (repeatable)\n"
        "  --log-dir D            the embedded log store's data (default WORK_DIR/log)\n"
        "  --work-dir D           task stores and checkpoints (default CONFIG_DIR/.eddy-run)\n"
        "  --input stream=file    create the stream if missing and produce the file's lines "
        "into it first (repeatable)\n"
        "  --input-partitions N   partitions of streams created by --input (default 4)\n"
        "  --until-caught-up      stop once every input is processed to its end\n"
        "  --print-top stream[:N] at the end, print the N (default 10) keys with the largest "
        "last decimal value in the stream, summed over partitions\n"
        "  --reset-to-earliest    before running, reset the job (README \"Replaying a job\"): "
        "empty its changelogs, checkpoints and local stores, rewind inputs to the earliest\n"
        "  --reset-to-timestamp T the same, rewinding to the first record at/after T (ms or "
        "RFC 3339)\n"
        "  -h, --help             this help\n");
    return;
  }
  std::fprintf(out,
               "usage: eddy-container --config F --job-model M --container-id N [--work-dir D] "
               "[--set k=v]... [--until-caught-up]\n"
               "       eddy-container run --config F [--log-dir D] [--work-dir D] [--set k=v]... "
               "[--until-caught-up] [--input stream=file]... [--input-partitions N] "
               "[--print-top stream[:N]]\n"
               "       eddy-container plan --config F [--set k=v]...\n"
               "exit codes: 0 stopped after its final commit, 1 failed, 2 bad usage or config, "
               "3 fenced: a newer attempt of one of its tasks took over (do not restart it)\n");
}

// A usage error: names what was wrong, prints the usage on stderr, exit code 2.
int UsageError(const std::string& mode, const std::string& why) {
  std::fprintf(stderr, "%s: %s\n", mode == "run" ? "eddy run" : "eddy-container", why.c_str());
  PrintUsage(stderr, mode);
  return 2;
}

// Serves the container's /metrics on EDDY_HTTP_ADDRESS (HOST:PORT), else on EDDY_HTTP_HOST
// (else EDDY_INSPECT_HOST, else 127.0.0.1) port 0, and writes the bound HOST:PORT to
// EDDY_HTTP_ADDR_FILE (else WORK_DIR/http.addr), where eddy-node reads it.
absl::StatusOr<std::string> StartMetricsHttp(eddy::http::HttpServer& http,
                                             const eddy::MetricsRegistry& metrics,
                                             const std::string& job, const std::string& container,
                                             const std::string& work_dir) {
  namespace fs = std::filesystem;
  eddy::http::ServeMetrics(
      http, {std::make_shared<eddy::runtime::ContainerCollector>(&metrics, job, container)});
  std::string address;
  if (const char* a = std::getenv("EDDY_HTTP_ADDRESS"); a && *a) {
    address = a;
  } else {
    const char* host = std::getenv("EDDY_HTTP_HOST");
    if (!host || !*host) host = std::getenv("EDDY_INSPECT_HOST");
    address = std::string(host && *host ? host : "127.0.0.1") + ":0";
  }
  auto bound = http.Start(address);
  if (!bound.ok()) {
    return absl::Status(bound.status().code(), "metrics http on " + address + ": " +
                                                   std::string(bound.status().message()));
  }
  const char* file = std::getenv("EDDY_HTTP_ADDR_FILE");
  std::string path = file && *file ? file : (fs::path(work_dir) / "http.addr").string();
  std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << *bound;
    if (!f) return absl::InternalError("cannot write " + tmp);
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return absl::InternalError("cannot write " + path + ": " + ec.message());
  return *bound;
}

}  // namespace

int main(int argc, char** argv) {
  // Keep multi-MB fetch buffers and record vectors in the heap instead of mmap/munmap (and
  // page-faulting) them on every poll: ~10 % of a job's CPU otherwise.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  namespace fs = std::filesystem;
  using namespace eddy::runtime;
  std::string mode = "container";
  int i = 1;
  if (argc > 1 && (std::strcmp(argv[1], "run") == 0 || std::strcmp(argv[1], "plan") == 0)) {
    mode = argv[1];
    i = 2;
  }
  std::string config, model_path, container_id = "0", work_dir, log_dir;
  std::vector<std::string> sets, inputs;
  std::string print_top;
  int input_partitions = 4;
  bool until = false;
  bool reset_earliest = false;
  std::string reset_timestamp;
  bool config_warnings = true;
  for (; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--until-caught-up") {
      until = true;
      continue;
    }
    if (a == "--reset-to-earliest" && mode == "run") {
      reset_earliest = true;
      continue;
    }
    if (a == "--no-config-warnings") {  // set by `run` for its containers: it warned already
      config_warnings = false;
      continue;
    }
    if (a == "-h" || a == "--help") {
      PrintUsage(stdout, mode);
      return 0;
    }
    if (a.rfind("--", 0) != 0) return UsageError(mode, "unexpected argument '" + a + "'");
    if (!(v = next())) return UsageError(mode, "option " + a + " needs a value");
    if (a == "--config")
      config = v;
    else if (a == "--job-model")
      model_path = v;
    else if (a == "--container-id")
      container_id = v;
    else if (a == "--work-dir")
      work_dir = v;
    else if (a == "--log-dir")
      log_dir = v;
    else if (a == "--set")
      sets.push_back(v);
    else if (a == "--input")
      inputs.push_back(v);
    else if (a == "--input-partitions") {
      if (!absl::SimpleAtoi(v, &input_partitions) || input_partitions < 1 ||
          input_partitions > 100000) {
        return UsageError(mode, std::string("--input-partitions: '") + v +
                                    "' is not a partition count (1..100000)");
      }
    } else if (a == "--print-top")
      print_top = v;
    else if (a == "--reset-to-timestamp" && mode == "run")
      reset_timestamp = v;
    else
      return UsageError(mode, "unknown option " + a);
  }
  if (config.empty()) return UsageError(mode, "--config is required");
  if (mode == "run") {
    RunnerOptions o;
    o.config_path = config;
    o.sets = sets;
    o.log_dir = log_dir;
    o.work_dir = work_dir;
    o.until_caught_up = until;
    o.inputs = inputs;
    o.input_partitions = input_partitions;
    o.print_top = print_top;
    if (reset_earliest || !reset_timestamp.empty()) {
      auto spec = ParseResetSpec(reset_earliest, reset_timestamp);
      if (!spec.ok()) return UsageError(mode, std::string(spec.status().message()));
      o.reset = *spec;
    }
    return RunStandalone(o);
  }
  auto cfg = LoadConfigWithOverrides(config, sets);
  if (!cfg.ok()) {
    std::fprintf(stderr, "eddy-container: %s\n", std::string(cfg.status().message()).c_str());
    return 2;
  }
  // An application (app.class): the same merge as the planner's (deterministic; a no-op for the
  // keys the runner passed already).
  auto app = PlanAppConfig(*cfg, fs::absolute(config).parent_path().string(), "eddy-container");
  if (!app.ok()) {
    std::fprintf(stderr, "eddy-container: %s\n", std::string(app.status().message()).c_str());
    return 2;
  }
  if (!app->app_class.empty()) {
    cfg = eddy::Config(eddy::Config::Map(app->config.begin(), app->config.end()), cfg->source());
  }
  if (work_dir.empty()) work_dir = ".";
  std::error_code ec;
  fs::create_directories(work_dir, ec);
  auto job = ParseJobConfig(*cfg, fs::absolute(config).parent_path().string(), work_dir);
  if (!job.ok()) {
    std::fprintf(stderr, "eddy-container: %s\n", std::string(job.status().message()).c_str());
    return 2;
  }
  for (const auto& w : job->warnings) {
    if (config_warnings) std::fprintf(stderr, "eddy-container: warning: %s\n", w.c_str());
  }
  if (mode == "plan") {
    SystemsHub hub(job->systems);
    if (auto st = CreateAppIntermediateStreams(*app, &hub); !st.ok()) {
      std::fprintf(stderr, "eddy-container: %s\n", std::string(st.message()).c_str());
      return 2;
    }
    auto m = PlanJob(*job, &hub);
    if (!m.ok()) {
      std::fprintf(stderr, "eddy-container: %s\n", std::string(m.status().message()).c_str());
      return 2;
    }
    std::printf("%s\n", JobModelToJson(*m).c_str());
    return 0;
  }
  if (model_path.empty()) return UsageError(mode, "--job-model is required");
  std::ifstream f(model_path);
  if (!f) {
    std::fprintf(stderr, "eddy-container: cannot read job model %s\n", model_path.c_str());
    return 2;
  }
  std::stringstream ss;
  ss << f.rdbuf();
  auto model = JobModelFromJson(ss.str());
  if (!model.ok()) {
    std::fprintf(stderr, "eddy-container: %s: %s\n", model_path.c_str(),
                 std::string(model.status().message()).c_str());
    return 2;
  }
  struct sigaction sa {};
  sa.sa_handler = OnTerm;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  // Under eddy-node: serve the read-only state service (eddy state get/scan/stats).
  std::unique_ptr<StateServer> state_server;
  if (const char* addr_file = std::getenv("EDDY_INSPECT_ADDR_FILE")) {
    const char* token = std::getenv("EDDY_TOKEN");
    const char* host = std::getenv("EDDY_INSPECT_HOST");
    auto srv = StateServer::Start(token ? token : "", addr_file, host ? host : "");
    if (!srv.ok()) {
      std::fprintf(stderr, "eddy-container: %s\n", std::string(srv.status().message()).c_str());
      return 1;
    }
    state_server = std::move(*srv);
  }
  eddy::http::HttpServerOptions http_options;
  http_options.worker_threads = 2;  // a scraper or two; the dashboard reads the coordinator
  if (const ContainerModel* cm = model->FindContainer(container_id); cm && cm->standby()) {
    // A standby container (job.standbytasks.replication.factor): warm stores, no processing.
    StandbyOptions so;
    so.config = *cfg;
    so.job = *job;
    so.model = *model;
    so.container_id = container_id;
    so.hook = state_server.get();
    StandbyContainer sc(std::move(so));
    eddy::http::HttpServer http(http_options);
    if (job->reporters.prometheus) {
      auto bound = StartMetricsHttp(http, sc.metrics(), job->job_name, container_id, work_dir);
      if (!bound.ok()) {
        std::fprintf(stderr, "eddy-container: %s\n", std::string(bound.status().message()).c_str());
        return 1;
      }
    }
    auto s = sc.Run();
    http.Stop();
    if (!s.ok()) {
      std::fprintf(stderr, "eddy-container %s: FAILED: %s\n", container_id.c_str(),
                   std::string(s.message()).c_str());
      return 1;
    }
    return 0;
  }
  ContainerOptions o;
  o.hook = state_server.get();
  o.config = *cfg;
  o.job = *job;
  o.model = *model;
  o.container_id = container_id;
  o.work_dir = work_dir;
  o.until_caught_up = until;
  Container c(std::move(o));
  // metrics.reporters has prometheus (the default): serve GET /metrics, stopped before `c` goes.
  eddy::http::HttpServer http(http_options);
  if (job->reporters.prometheus) {
    auto bound = StartMetricsHttp(http, c.metrics(), job->job_name, container_id, work_dir);
    if (!bound.ok()) {
      std::fprintf(stderr, "eddy-container: %s\n", std::string(bound.status().message()).c_str());
      return 1;
    }
    std::fprintf(stderr, "eddy-container %s: metrics http://%s/metrics\n", container_id.c_str(),
                 bound->c_str());
  }
  auto s = c.Run();
  http.Stop();
  if (IsTaskFenced(s)) {
    std::fprintf(stderr, "eddy-container %s: FENCED: %s\n", container_id.c_str(),
                 std::string(s.message()).c_str());
    return kExitFenced;
  }
  if (!s.ok()) {
    std::fprintf(stderr, "eddy-container %s: FAILED: %s\n", container_id.c_str(),
                 std::string(s.message()).c_str());
    return 1;
  }
  return 0;
}
