#include "runtime/container/reset_epoch.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace eddy::runtime {
namespace fs = std::filesystem;

absl::Status ApplyResetEpoch(const JobConfig& job, const Config& config,
                             std::vector<std::string>* lines) {
  const std::string text = config.GetOr("job.reset.epoch", "0");
  int64_t epoch = 0;
  if (!absl::SimpleAtoi(text, &epoch) || epoch < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("config key job.reset.epoch=", text, ": expected an integer >= 0"));
  }
  if (epoch == 0 || job.store_base_dir.empty()) return absl::OkStatus();
  const fs::path marker = fs::path(job.store_base_dir) / "RESET_EPOCH";
  int64_t seen = 0;
  {
    std::ifstream f(marker);
    std::string line;
    if (f && std::getline(f, line)) {
      (void)absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &seen);
    }
  }
  if (epoch <= seen) return absl::OkStatus();
  std::error_code ec;
  for (const auto& store : job.stores) {
    const fs::path dir = fs::path(job.store_base_dir) / store.name;
    if (!fs::exists(dir, ec)) continue;
    fs::remove_all(dir, ec);
    if (ec) {
      return absl::InternalError(absl::StrCat("job reset epoch ", epoch, ": cannot remove store ",
                                              store.name, " at ", dir.string(), ": ",
                                              ec.message()));
    }
    if (lines) {
      lines->push_back(absl::StrCat("reset epoch ", epoch, " (was ", seen,
                                    "): removed the local copy of store ", store.name));
    }
  }
  fs::create_directories(job.store_base_dir, ec);
  const fs::path tmp = marker.string() + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << epoch << "\n";
    f.flush();
    if (!f) {
      return absl::InternalError(absl::StrCat("cannot write ", tmp.string()));
    }
  }
  fs::rename(tmp, marker, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot rename ", tmp.string(), " to ", marker.string(), ": ", ec.message()));
  }
  return absl::OkStatus();
}

}  // namespace eddy::runtime
