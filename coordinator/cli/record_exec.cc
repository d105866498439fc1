#include "coordinator/cli/record_exec.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

extern char** environ;

namespace eddy::cli {

logstore::ShareAck AckForExitCode(int code) {
  if (code == 0) return logstore::ShareAck::kAccept;
  if (code == kExitTempFail) return logstore::ShareAck::kRelease;
  return logstore::ShareAck::kReject;
}

absl::StatusOr<int> RunForRecord(const std::string& command, const logstore::ShareRecord& r) {
  static const bool ignore_pipe = [] {
    ::signal(SIGPIPE, SIG_IGN);  // a command that does not read its stdin must not kill us
    return true;
  }();
  (void)ignore_pipe;
  int in[2];
  if (::pipe2(in, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("--exec: pipe: ", std::strerror(errno)));
  }
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string_view v(*e);
    if (v.starts_with("EDDY_TOPIC=") || v.starts_with("EDDY_PARTITION=") ||
        v.starts_with("EDDY_OFFSET=") || v.starts_with("EDDY_DELIVERY_COUNT=") ||
        v.starts_with("EDDY_KEY=")) {
      continue;
    }
    env.emplace_back(v);
  }
  env.push_back(absl::StrCat("EDDY_TOPIC=", r.topic));
  env.push_back(absl::StrCat("EDDY_PARTITION=", r.partition));
  env.push_back(absl::StrCat("EDDY_OFFSET=", r.offset));
  env.push_back(absl::StrCat("EDDY_DELIVERY_COUNT=", r.delivery_count));
  if (r.key) env.push_back(absl::StrCat("EDDY_KEY=", *r.key));
  std::vector<char*> envp;
  for (auto& s : env) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string sh = "/bin/sh", dash_c = "-c", cmd = command;
  char* argv[] = {sh.data(), dash_c.data(), cmd.data(), nullptr};

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, "/bin/sh", &fa, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&fa);
  ::close(in[0]);
  if (rc != 0) {
    ::close(in[1]);
    return absl::InternalError(
        absl::StrCat("--exec: cannot start /bin/sh -c '", command, "': ", std::strerror(rc)));
  }
  if (r.value) {
    const char* p = r.value->data();
    size_t left = r.value->size();
    while (left > 0) {
      ssize_t n = ::write(in[1], p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // the command stopped reading: its exit code decides
      p += n;
      left -= static_cast<size_t>(n);
    }
  }
  ::close(in[1]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return absl::InternalError(absl::StrCat("--exec: waitpid: ", std::strerror(errno)));
    }
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

}  // namespace eddy::cli
