#include "test_support.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace eddy::kafka::testing {
namespace {

[[noreturn]] void Exec(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  for (const std::string& e : env) ::putenv(const_cast<char*>(strdup(e.c_str())));
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
  ::_exit(127);
}

int ExitCode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

RunResult Run(const std::vector<std::string>& argv, const std::string& stdin_data, int timeout_s,
              const std::vector<std::string>& env) {
  int in[2], out[2], err[2];
  if (::pipe(in) != 0 || ::pipe(out) != 0 || ::pipe(err) != 0) return {};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) ::close(fd);
    Exec(argv, env);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  ::fcntl(in[1], F_SETFL, O_NONBLOCK);
  RunResult res;
  size_t written = 0;
  int in_fd = in[1];
  if (stdin_data.empty()) {
    ::close(in_fd);
    in_fd = -1;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd fds[3];
    int n = 0;
    if (out_open) fds[n++] = {out[0], POLLIN, 0};
    if (err_open) fds[n++] = {err[0], POLLIN, 0};
    if (in_fd >= 0) fds[n++] = {in_fd, POLLOUT, 0};
    ::poll(fds, static_cast<nfds_t>(n), 100);
    for (int i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == in_fd) {
        ssize_t w = ::write(in_fd, stdin_data.data() + written, stdin_data.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        if (w < 0 && errno != EAGAIN) written = stdin_data.size();
        if (written == stdin_data.size()) {
          ::close(in_fd);
          in_fd = -1;
        }
        continue;
      }
      char buf[65536];
      ssize_t got = ::read(fds[i].fd, buf, sizeof(buf));
      bool is_out = fds[i].fd == out[0];
      if (got <= 0) {
        (is_out ? out_open : err_open) = false;
      } else {
        (is_out ? res.out : res.err).append(buf, static_cast<size_t>(got));
      }
    }
  }
  if (in_fd >= 0) ::close(in_fd);
  ::close(out[0]);
  ::close(err[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  res.exit_code = std::chrono::steady_clock::now() > deadline ? -1 : ExitCode(status);
  return res;
}

Process::Process(const std::vector<std::string>& argv, const std::string& stdout_file,
                 const std::string& stderr_file, const std::vector<std::string>& env) {
  pid_ = ::fork();
  if (pid_ == 0) {
    int o = ::open(stdout_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int e = ::open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    ::dup2(o, 1);
    ::dup2(e, 2);
    Exec(argv, env);
  }
}

Process::~Process() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    Wait();
  }
}

void Process::Signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

int Process::Wait() {
  if (pid_ <= 0) return -1;
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return ExitCode(status);
}

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::filesystem::path MakeTempDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("eddy-kafka-it-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

Broker::Broker(const std::filesystem::path& data_dir, const std::vector<std::string>& env,
               int default_partitions, const std::vector<std::string>& extra_args,
               const std::vector<std::string>& wrapper)
    : log_dir_(data_dir.parent_path()) {
  std::filesystem::create_directories(data_dir);
  const std::string tag = data_dir.filename().string();
  const auto out = log_dir_ / (tag + ".broker.out");
  std::filesystem::remove(out);
  log_dir_ = log_dir_ / (tag + ".logs");
  std::filesystem::create_directories(log_dir_);
  std::vector<std::string> full_env = {"EDDY_KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS=300"};
  full_env.insert(full_env.end(), env.begin(), env.end());
  std::vector<std::string> argv = wrapper;
  const std::vector<std::string> logd = {
      EDDY_LOGD_PATH, "--data-dir",           data_dir.string(),
      "--listen",     "127.0.0.1:0",          "--kafka-listen",
      "127.0.0.1:0",  "--default-partitions", std::to_string(default_partitions)};
  argv.insert(argv.end(), logd.begin(), logd.end());
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  process_ =
      std::make_unique<Process>(argv, out.string(), (log_dir_ / "broker.err").string(), full_env);
  const std::string marker = "eddy-logd kafka listening on 127.0.0.1:";
  for (int i = 0; i < 300 && port_ == 0; ++i) {
    std::string text = ReadFile(out);
    size_t at = text.find(marker);
    if (at != std::string::npos && text.find('\n', at) != std::string::npos) {
      port_ = std::stoi(text.substr(at + marker.size()));
      const std::string grpc_marker = "eddy-logd listening on 127.0.0.1:";
      if (size_t g = text.find(grpc_marker); g != std::string::npos) {
        grpc_port_ = std::stoi(text.substr(g + grpc_marker.size()));
      }
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

Broker::~Broker() { Stop(); }

int Broker::Stop() {
  if (!process_ || !process_->running()) return -1;
  process_->Signal(SIGTERM);
  return process_->Wait();
}

int Broker::Kill() {
  if (!process_ || !process_->running()) return -1;
  process_->Signal(SIGKILL);
  return process_->Wait();
}

std::string KcatPath() {
  const char* path = "/usr/bin/kcat";
  if (::access(path, X_OK) != 0) {
    ADD_FAILURE() << "kcat is not installed at " << path
                  << " (apt-get install kcat; see third_party/install-deps.sh)";
    return "";
  }
  return path;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) lines.push_back(line);
  return lines;
}

}  // namespace eddy::kafka::testing
