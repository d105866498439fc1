// eddy-package-check: run by eddy-coordinator at submit, in a short-lived child process, on an
// extracted job package: parses the job config the way eddy-container does (a missing or bad
// key is named), dlopens task.library and checks that task.class is registered in it.
//   eddy-package-check --config job.properties
// Exit 0 = fine; 1 = the problem on stderr; 2 = usage.
#include <dlfcn.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "eddy/config.h"
#include "eddy/registry.h"
#include "runtime/container/job_config.h"

int main(int argc, char** argv) {
  const char* kUsage =
      "usage: eddy-package-check --config job.properties\n"
      "Checks an extracted job package: its config parses, task.library loads and registers\n"
      "task.class. Exit codes: 0 fine, 1 the problem on stderr, 2 bad usage.\n";
  if (argc == 2 && (std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (argc != 3 || std::string(argv[1]) != "--config") {
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
