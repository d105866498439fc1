#include "coordinator/cli/command.h"

#include <cstdio>
#include <cstdlib>

namespace eddy::cli {

std::string ResolveBootstrap(const std::string& flag) {
  if (!flag.empty()) return flag;
  const char* env = std::getenv("EDDY_BOOTSTRAP");
  if (env && *env) return env;
  return "127.0.0.1:9093";
}

int Fail(const std::string& cmd, const absl::Status& status) {
  std::fflush(stdout);
  std::fprintf(stderr, "eddy %s: %s\n", cmd.c_str(), std::string(status.message()).c_str());
  return kExitFailure;
}

}  // namespace eddy::cli
