#include "coordinator/cli/command.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "coordinator/cli/cluster_client.h"

namespace eddy::cli {

CLI::Validator WholeNumber(int64_t min, int64_t max) {
  const std::string want = max == std::numeric_limits<int64_t>::max()
                               ? absl::StrCat("a whole number >= ", min)
                               : absl::StrCat("a whole number from ", min, " to ", max);
  return CLI::Validator(
      [min, max, want](std::string& s) -> std::string {
        int64_t v = 0;
        if (absl::SimpleAtoi(s, &v) && v >= min && v <= max) return "";
        return absl::StrCat("'", s, "' is not ", want);
      },
      want);
}

CLI::Validator PositiveDecimal() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        double v = 0;
        if (absl::SimpleAtod(s, &v) && v > 0) return "";
        return absl::StrCat("'", s, "' is not a number > 0");
      },
      "a number > 0");
}

std::string ResolveBootstrap(const std::string& flag) {
  if (!flag.empty()) return flag;
  const char* env = std::getenv("EDDY_BOOTSTRAP");
  if (env && *env) return env;
  return "127.0.0.1:9093";
}

std::string ResolveBootstrap(const std::string& flag, const std::string& grid_dir_flag) {
  if (!flag.empty()) return flag;
  const char* env = std::getenv("EDDY_BOOTSTRAP");
  if (env && *env) return env;
  auto grid = ReadGridJson(ResolveGridDir(grid_dir_flag));
  if (grid.ok() && grid->contains("logd") && (*grid)["logd"].contains("address") &&
      (*grid)["logd"]["address"].is_string()) {
    return (*grid)["logd"]["address"].get<std::string>();
  }
  return "127.0.0.1:9093";
}

int Fail(const std::string& cmd, const absl::Status& status) {
  std::fflush(stdout);
  std::fprintf(stderr, "eddy %s: %s\n", cmd.c_str(), std::string(status.message()).c_str());
  return kExitFailure;
}

}  // namespace eddy::cli
