#include "coordinator/server/package_check.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "coordinator/common/properties.h"
#include "runtime/job/app_description_json.h"

extern char** environ;

namespace eddy::cluster {
namespace fs = std::filesystem;
namespace {

// Runs argv, stderr captured, with a deadline. Returns the exit status and stderr text.
std::pair<int, std::string> RunCapture(const std::vector<std::string>& argv,
                                       const std::string& err_path) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return {-1, absl::StrCat("cannot run ", argv[0], ": ", strerror(rc))};
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return {-1, "the package check timed out (task library static initializers hang?)"};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::ifstream f(err_path);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string err = ss.str();
  while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
  if (WIFSIGNALED(status)) {
    return {-1,
            absl::StrCat("loading the task library crashed (signal ", WTERMSIG(status), ") ", err)};
  }
  return {WEXITSTATUS(status), err};
}

}  // namespace

absl::Status CheckPackageInChild(const std::string& check_bin, const std::string& dir,
                                 const std::map<std::string, std::string>& config,
                                 const std::string& library, std::optional<AppDescription>* app) {
  fs::path props = fs::path(dir) / "config" / ".eddy-submit.properties";
  {
    std::ofstream f(props);
    for (const auto& [k, v] : config) {
      f << k << "=" << EscapePropertyValue(k == "task.library" ? library : v) << "\n";
    }
  }
  std::vector<std::string> argv = {check_bin, "--config", props.string()};
  const bool describe = config.count("app.class") && !config.at("app.class").empty();
  const std::string described = (fs::path(dir) / "app-description.json").string();
  if (describe) {
    argv.push_back("--describe-out");
    argv.push_back(described);
  }
  auto [rc, err] = RunCapture(argv, (fs::path(dir) / "check.err").string());
  if (rc != 0) return absl::InvalidArgumentError(absl::StrCat("job package refused: ", err));
  if (describe && app != nullptr) {
    std::ifstream f(described);
    std::stringstream ss;
    ss << f.rdbuf();
    auto d = runtime::AppDescriptionFromJson(ss.str());
    if (!d.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "job package refused: app.class=", config.at("app.class"), ": ", d.status().message()));
    }
    *app = std::move(*d);
  }
  return absl::OkStatus();
}

}  // namespace eddy::cluster
