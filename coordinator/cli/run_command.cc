#include "coordinator/cli/run_command.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace eddy::cli {
namespace {

// eddy-container in the directory of the running `eddy` binary.
std::string ContainerBinary() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "eddy-container";
  return (self.parent_path() / "eddy-container").string();
}

int ExecContainerRun(const std::vector<std::string>& args) {
  const std::string binary = ContainerBinary();
  std::vector<std::string> argv_s = {binary, "run"};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(binary.c_str(), argv.data());
  std::fprintf(stderr, "eddy run: cannot start %s: %s\n", binary.c_str(), std::strerror(errno));
  return kExitFailure;
}

}  // namespace

void AddRunCommand(CLI::App& app, Action* action) {
  auto* run = app.add_subcommand(
      "run",
      "run a job on this machine: eddy run --config job.properties [--log-dir D] [--set k=v]... "
      "[--until-caught-up] [--input stream=file]... [--print-top stream[:N]]");
  run->prefix_command();  // everything after `run` goes to eddy-container run as it is
  run->set_help_flag();   // let `eddy run --help` reach eddy-container's own usage
  run->callback([run, action] {
    std::vector<std::string> args = run->remaining();
    *action = [args] { return ExecContainerRun(args); };
  });
}

}  // namespace eddy::cli
