// ContainerProcess: one eddy-container child of eddy-node: started in its own working dir and
// process group with stdout/stderr files, under a memory limit (a cgroup v2 memory.max when
// /sys/fs/cgroup is a writable cgroup2 tree, else RLIMIT_DATA), killed with its parent node
// (PR_SET_PDEATHSIG), stopped with SIGTERM then SIGKILL, and reaped with its exit code, signal
// and out-of-memory flag. Poll, Terminate and Kill may be called from two threads (NodeAgent's
// loop and NodeFence's watchdog): a signal never reaches a pid that was already reaped. Used by
// NodeAgent and NodeFence.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace eddy::cluster {

struct ProcessSpec {
  std::string binary;
  std::vector<std::string> args;  // without argv[0]
  std::string work_dir;
  std::vector<std::pair<std::string, std::string>> env;
  int64_t memory_mb = 0;          // 0 = no limit
  std::string cgroup_name;        // leaf name under the node's cgroup
};

class ContainerProcess {
 public:
  absl::Status Start(const ProcessSpec& spec);
  // Non-blocking; true once the process has exited (fields below are then set).
  bool Poll();
  void Terminate();  // SIGTERM to the process group
  // SIGKILL to the process group; false when it has exited (or never started).
  bool Kill();

  pid_t pid() const { return pid_; }
  bool exited() const {
    std::lock_guard<std::mutex> l(mu_);
    return exited_;
  }
  int exit_code() const { return exit_code_; }
  int signal() const { return signal_; }
  bool oom() const { return oom_; }
  // The last lines of stderr (at most ~600 bytes), for the exit report.
  std::string StderrTail() const;

 private:
  mutable std::mutex mu_;  // pid_ and exited_ between reaping and signalling
  pid_t pid_ = -1;
  bool exited_ = false;
  int exit_code_ = 0, signal_ = 0;
  bool oom_ = false;
  std::string work_dir_, cgroup_dir_;
};

// True when /sys/fs/cgroup is a writable cgroup v2 hierarchy with the memory controller.
bool CgroupV2Available();

}  // namespace eddy::cluster
