// Helpers for the Kafka integration tests: run a command with stdin/stdout/stderr captured,
// spawn a long-running process with output to files, and start/stop a real eddy-logd with its
// Kafka listener on port 0 (the port is read back from its stdout).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace eddy::kafka::testing {

struct RunResult {
  int exit_code = -1;  // -1 when killed at the timeout
  std::string out;
  std::string err;
};
RunResult Run(const std::vector<std::string>& argv, const std::string& stdin_data = "",
              int timeout_s = 60, const std::vector<std::string>& env = {});

class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::string& stdout_file,
          const std::string& stderr_file, const std::vector<std::string>& env = {});
  ~Process();  // SIGKILL if still running
  pid_t pid() const { return pid_; }
  void Signal(int sig);
  int Wait();  // exit code (128+sig when signalled)
  bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
};

std::string ReadFile(const std::filesystem::path& p);
std::filesystem::path MakeTempDir(const std::string& name);

class Broker {
 public:
  // Starts eddy-logd on `data_dir` (env: extra variables, e.g. fault hooks; extra_args: more
  // eddy-logd flags; wrapper: a command that execs eddy-logd in the same process, e.g.
  // {"/usr/bin/prlimit", "--nofile=64:64", "--"}, so pid() is still the broker's).
  Broker(const std::filesystem::path& data_dir, const std::vector<std::string>& env = {},
         int default_partitions = 1, const std::vector<std::string>& extra_args = {},
         const std::vector<std::string>& wrapper = {});
  ~Broker();
  bool ok() const { return port_ > 0; }
  std::string bootstrap() const { return "127.0.0.1:" + std::to_string(port_); }
  // HOST:PORT of the native gRPC API (what `eddy ... --bootstrap` takes).
  std::string grpc_address() const { return "127.0.0.1:" + std::to_string(grpc_port_); }
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  int Stop();  // SIGTERM and wait; the exit code
  int Kill();  // SIGKILL (no clean shutdown) and wait
  std::string Stderr() const { return ReadFile(log_dir_ / "broker.err"); }

 private:
  std::filesystem::path log_dir_;
  std::unique_ptr<Process> process_;
  int port_ = 0;
  int grpc_port_ = 0;
};

std::string KcatPath();  // fails the current test (empty result) when kcat is missing
std::vector<std::string> Lines(const std::string& text);

}  // namespace eddy::kafka::testing
