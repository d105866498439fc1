// eddy-package-check: run by eddy-coordinator at submit, in a short-lived child process, on an
// extracted job package: parses the job config the way eddy-container does (a missing or bad
// key is named), dlopens task.library and checks that task.class is registered in it. With
// app.class (eddy/app_registry.h) it first describes the application, writes the description to
// the --describe-out file (runtime/job/app_description_json.h) and checks the merged config.
//   eddy-package-check --config job.properties [--describe-out description.json]
// Exit 0 = fine; 1 = the problem on stderr; 2 = usage.
#include <dlfcn.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "eddy/app_registry.h"
#include "eddy/config.h"
#include "eddy/registry.h"
#include "runtime/container/job_config.h"
#include "runtime/job/app_config.h"
#include "runtime/job/app_description_json.h"

namespace {

// app.class: loads task.library (before the config is parsed: the application generates
// task.inputs and its stores), describes the application, writes the description to `out` and
// returns the merged config. Exit code on failure (message on stderr), else 0.
int DescribeApp(const std::string& config_path, const std::string& out, eddy::Config* cfg) {
  namespace fs = std::filesystem;
  const std::string app = cfg->GetOr("app.class", "");
  std::string lib = cfg->GetOr("task.library", "");
  if (lib.empty()) {
    std::fprintf(stderr, "app.class=%s: missing required key task.library\n", app.c_str());
    return 1;
  }
  if (fs::path(lib).is_relative()) {
    lib = (fs::absolute(config_path).parent_path() / lib).string();
  }
  if (!dlopen(lib.c_str(), RTLD_NOW | RTLD_GLOBAL)) {
    std::fprintf(stderr, "task.library: cannot load %s: %s\n", lib.c_str(), dlerror());
    return 1;
  }
  auto d = eddy::AppRegistry::Global().Describe(app, *cfg);
  if (!d.ok()) {
    std::fprintf(stderr, "%s\n", std::string(d.status().message()).c_str());
    return 1;
  }
  std::map<std::string, std::string> user(cfg->entries().begin(), cfg->entries().end());
  auto merged = eddy::runtime::MergeAppConfig(user, *d);
  if (!merged.ok()) {
    std::fprintf(stderr, "%s\n", std::string(merged.status().message()).c_str());
    return 1;
  }
  if (!out.empty()) {
    std::ofstream f(out, std::ios::trunc);
    f << eddy::runtime::AppDescriptionToJson(*d);
    f.close();
    if (!f) {
      std::fprintf(stderr, "cannot write the application description to %s\n", out.c_str());
      return 1;
    }
  }
  *cfg = eddy::Config(eddy::Config::Map(merged->config.begin(), merged->config.end()));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const char* kUsage =
      "usage: eddy-package-check --config job.properties [--describe-out FILE]\n"
      "Checks an extracted job package: its config parses, task.library loads and registers\n"
      "task.class. With app.class, the application's description (JSON) goes to FILE.\n"
      "Exit codes: 0 fine, 1 the problem on stderr, 2 bad usage.\n";
  if (argc == 2 && (std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::string describe_out;
  if (argc == 5 && std::string(argv[3]) == "--describe-out") describe_out = argv[4];
  if ((argc != 3 && argc != 5) || std::string(argv[1]) != "--config" ||
      (argc == 5 && describe_out.empty())) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  namespace fs = std::filesystem;
  std::string path = argv[2];
  auto cfg = eddy::LoadPropertiesFile(path);
  if (!cfg.ok()) {
    std::fprintf(stderr, "%s\n", std::string(cfg.status().message()).c_str());
    return 1;
  }
  if (!cfg->GetOr("app.class", "").empty()) {
    if (int rc = DescribeApp(path, describe_out, &*cfg); rc != 0) return rc;
  }
  std::string tmp = (fs::temp_directory_path() / "eddy-package-check").string();
  auto job = eddy::runtime::ParseJobConfig(*cfg, fs::absolute(path).parent_path().string(), tmp);
  if (!job.ok()) {
    std::fprintf(stderr, "%s\n", std::string(job.status().message()).c_str());
    return 1;
  }
  if (job->task_library.empty()) {
    std::fprintf(stderr, "missing required key task.library\n");
    return 1;
  }
  void* lib = dlopen(job->task_library.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (!lib) {
    std::fprintf(stderr, "task.library: cannot load %s: %s\n", job->task_library.c_str(),
                 dlerror());
    return 1;
  }
  auto& reg = eddy::TaskRegistry::Global();
  if (!reg.Contains(job->task_class)) {
    std::fprintf(stderr, "task.class=%s is not registered by task.library (registered: [%s])\n",
                 job->task_class.c_str(), absl::StrJoin(reg.Names(), ", ").c_str());
    return 1;
  }
  return 0;
}
