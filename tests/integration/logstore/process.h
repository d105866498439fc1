// Test helpers that run real eddy-logd and eddy processes: spawn with stdin/stdout/stderr
// redirected to files, read the broker's port from its first stdout line, stop with SIGTERM or
// SIGKILL. Used by the log-store integration tests and the client tests.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace eddy::testing {

// A fresh directory under $TMPDIR, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct RunResult {
  int exit_code = -1;  // 128 + signal when killed
  std::string out;
  std::string err;
};

// Runs argv to completion; stdin from `stdin_file` ("" = /dev/null). stdout to `stdout_file` if
// given (then RunResult::out is empty), else captured.
RunResult RunProcess(const std::vector<std::string>& argv, const std::string& stdin_file = "",
                     const std::string& stdout_file = "");

class Broker {
 public:
  Broker(std::string binary, std::string data_dir, std::vector<std::string> extra_args = {});
  ~Broker();  // SIGKILL if still running
  // Starts and waits for "eddy-logd listening on HOST:PORT". False on failure (see log()).
  bool Start();
  // After a Start: the next Start listens on the same port again (a restart that clients
  // holding the old address reconnect to).
  void KeepPort() { listen_ = bootstrap(); }
  int Stop();  // SIGTERM and wait; returns the exit code
  void Kill9();
  bool Alive();
  std::string bootstrap() const { return "127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string log() const;  // its stderr so far

 private:
  std::string binary_, data_dir_, log_file_;
  std::vector<std::string> extra_;
  std::string listen_ = "127.0.0.1:0";
  pid_t pid_ = -1;
  int port_ = 0;
};

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& data);

}  // namespace eddy::testing
