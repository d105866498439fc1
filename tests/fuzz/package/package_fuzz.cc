// Fuzzes ExtractPackage (coordinator/package/job_package.h) on arbitrary bytes: it must answer a
// status, never crash, and never write outside the destination, whatever the archive says
// (absolute paths, "..", links out of the package, devices). Each input is extracted into a fresh
// `dest` inside a private root; afterwards the root must hold nothing but `dest`.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include "coordinator/package/job_package.h"

namespace fs = std::filesystem;

namespace {

const fs::path& Root() {
  static const fs::path root = [] {
    fs::path p = fs::temp_directory_path() / ("eddy-package-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(p / "jail");
    return p;
  }();
  return root;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fs::path jail = Root() / "jail";
  const fs::path dest = jail / "dest";
  std::error_code ec;
  fs::remove_all(dest, ec);
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  (void)eddy::cluster::ExtractPackage(bytes, dest.string());
  // Only `dest` may exist in the jail, and nothing next to the jail.
  for (const auto& e : fs::directory_iterator(jail, ec)) {
    if (e.path().filename() != "dest") std::abort();
  }
  for (const auto& e : fs::directory_iterator(Root(), ec)) {
    if (e.path().filename() != "jail") std::abort();
  }
  fs::remove_all(dest, ec);
  return 0;
}
