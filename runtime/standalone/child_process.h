// ChildProcess: fork/exec of a helper process (eddy-logd, eddy-container children) that dies
// with its parent (PR_SET_PDEATHSIG), with optional capture of its stdout's first lines.
// Used by the standalone runner and by the runtime's integration tests and eddy-job-bench.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace eddy::runtime {

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();  // SIGKILLs a still-running child and reaps it
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts argv[0] (a path) with argv. With `capture_stdout` the child's stdout is a pipe read
  // by ReadLineContaining (stderr stays inherited).
  absl::Status Start(const std::vector<std::string>& argv, bool capture_stdout = false);
  // Reads stdout lines until one contains `needle`; returns that line.
  absl::StatusOr<std::string> ReadLineContaining(const std::string& needle,
                                                 std::chrono::milliseconds timeout);
  // Non-blocking: true (and the exit status in *status) once the child has exited.
  bool Poll(int* status);
  // SIGTERM, wait up to `grace`, then SIGKILL. Returns the wait status.
  int Stop(std::chrono::milliseconds grace);
  void Signal(int sig);
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string buffered_;
};

// Directory of the running executable (/proc/self/exe).
std::string SelfDir();

}  // namespace eddy::runtime
