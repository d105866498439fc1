#include "runtime/container/task_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"

namespace eddy::runtime {
namespace fs = std::filesystem;

absl::StatusOr<std::unique_ptr<TaskLock>> TaskLock::Acquire(const std::string& base_dir,
                                                           const std::string& task,
                                                           std::chrono::milliseconds wait) {
  std::string name;
  for (char c : task) name += (std::isalnum(static_cast<unsigned char>(c)) || c == '-') ? c : '_';
  const fs::path dir = fs::path(base_dir) / ".locks";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("task '", task, "': cannot make ", dir.string(), ": ", ec.message()));
  }
  std::string path = (dir / (name + ".lock")).string();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat("task '", task, "': cannot open ", path, ": ", std::strerror(errno)));
  }
  const auto deadline = std::chrono::steady_clock::now() + wait;
  bool said = false;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      int e = errno;
      ::close(fd);
      return absl::InternalError(
          absl::StrCat("task '", task, "': flock ", path, ": ", std::strerror(e)));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::close(fd);
      return absl::DeadlineExceededError(absl::StrCat(
          "task '", task, "': its local stores are held by another process (lock ", path,
          ") after waiting ", wait.count(), " ms"));
    }
    if (!said) {
      std::fprintf(stderr, "eddy-container: task '%s': waiting for %s (another process holds "
                   "the task's local stores)\n", task.c_str(), path.c_str());
      said = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::unique_ptr<TaskLock>(new TaskLock(std::move(path), fd));
}

TaskLock::~TaskLock() { ::close(fd_); }

namespace {
std::atomic<int64_t> g_active_wait_ms{60000};
}  // namespace

std::chrono::milliseconds TaskLock::ActiveWait() {
  return std::chrono::milliseconds(g_active_wait_ms.load());
}
void TaskLock::SetActiveWaitForTest(std::chrono::milliseconds wait) {
  g_active_wait_ms.store(wait.count());
}

}  // namespace eddy::runtime
