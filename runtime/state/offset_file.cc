// OFFSET file: atomic write (temp + fsync + rename + dir fsync), read, remove.
#include "runtime/state/offset_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

namespace eddy::state {
namespace {

std::atomic<bool> g_crash_before_rename{false};

absl::Status Errno(const std::string& what, const std::string& path) {
  return absl::UnavailableError(what + " " + path + ": " + std::strerror(errno));
}

absl::Status FsyncPath(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags);
  if (fd < 0) return Errno("cannot open", path);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Errno("cannot fsync", path);
  return absl::OkStatus();
}

}  // namespace

void SetOffsetFileCrashBeforeRenameForTest(bool crash) { g_crash_before_rename = crash; }

absl::Status WriteOffsetFile(const std::string& dir, const StoreOffset& offset) {
  const std::string path = dir + "/" + kOffsetFileName;
  const std::string tmp = path + ".tmp";
  const std::string text =
      "changelog=" + offset.changelog + "\noffset=" + std::to_string(offset.offset) + "\n";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot create", tmp);
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      absl::Status s = Errno("cannot write", tmp);
      ::close(fd);
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    absl::Status s = Errno("cannot fsync", tmp);
    ::close(fd);
    return s;
  }
  ::close(fd);
  if (g_crash_before_rename) {
    return absl::AbortedError("fault hook: crashed before renaming " + tmp + " to " + path);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Errno("cannot rename to", path);
  return FsyncPath(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

absl::StatusOr<std::optional<StoreOffset>> ReadOffsetFile(const std::string& dir) {
  const std::string path = dir + "/" + kOffsetFileName;
  std::ifstream in(path);
  if (!in) {
    if (::access(path.c_str(), F_OK) != 0) return std::optional<StoreOffset>();
    return absl::UnavailableError("cannot read OFFSET file " + path);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  StoreOffset out;
  bool have_changelog = false, have_offset = false;
  std::istringstream lines(text);
  std::string line;
  int line_no = 0;
  while (std::getline(lines, line)) {
    ++line_no;
    if (line.empty()) continue;
    size_t eq = line.find('=');
    if (eq == std::string::npos) {
      return absl::DataLossError("OFFSET file " + path + ":" + std::to_string(line_no) +
                                 ": expected key=value, got '" + line + "'");
    }
    std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "changelog") {
      out.changelog = value;
      have_changelog = !value.empty();
    } else if (key == "offset") {
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), out.offset);
      if (ec != std::errc() || p != value.data() + value.size() || out.offset < 0) {
        return absl::DataLossError("OFFSET file " + path + ":" + std::to_string(line_no) +
                                   ": expected a non-negative offset, got '" + value + "'");
      }
      have_offset = true;
    }
  }
  if (!have_changelog || !have_offset) {
    return absl::DataLossError("OFFSET file " + path + ": missing " +
                               std::string(!have_changelog ? "changelog" : "offset") + " line");
  }
  return std::optional<StoreOffset>(out);
}

}  // namespace eddy::state
