#include "tests/integration/logstore/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

extern char** environ;

namespace eddy::testing {
namespace {

std::vector<char*> Argv(const std::vector<std::string>& args) {
  std::vector<char*> v;
  for (const auto& a : args) v.push_back(const_cast<char*>(a.c_str()));
  v.push_back(nullptr);
  return v;
}

int WaitExit(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "eddy-test-XXXXXX").string();
  path_ = mkdtemp(tmpl.data()) ? tmpl : "";
}
TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}
void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

RunResult RunProcess(const std::vector<std::string>& argv, const std::string& stdin_file,
                     const std::string& stdout_file) {
  TempDir tmp;
  const std::string out = stdout_file.empty() ? tmp.path() + "/out" : stdout_file;
  const std::string err = tmp.path() + "/err";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, stdin_file.empty() ? "/dev/null" : stdin_file.c_str(),
                                   O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  auto args = Argv(argv);
  RunResult r;
  if (posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ) != 0) {
    r.err = "cannot spawn " + argv[0];
    posix_spawn_file_actions_destroy(&fa);
    return r;
  }
  posix_spawn_file_actions_destroy(&fa);
  r.exit_code = WaitExit(pid);
  if (stdout_file.empty()) r.out = ReadFile(out);
  r.err = ReadFile(err);
  return r;
}

Broker::Broker(std::string binary, std::string data_dir, std::vector<std::string> extra_args)
    : binary_(std::move(binary)), data_dir_(std::move(data_dir)), extra_(std::move(extra_args)) {
  log_file_ = data_dir_ + ".broker.log";
}

Broker::~Broker() {
  if (pid_ > 0) Kill9();
  std::error_code ec;
  std::filesystem::remove(log_file_, ec);
}

bool Broker::Start() {
  int fds[2];
  if (pipe(fds) != 0) return false;
  std::vector<std::string> argv = {binary_, "--data-dir", data_dir_, "--listen", listen_};
  argv.insert(argv.end(), extra_.begin(), extra_.end());
  auto args = Argv(argv);
  const pid_t parent = getpid();
  // fork + exec rather than posix_spawn: the broker must die with the test (PR_SET_PDEATHSIG)
  // even when the test process itself crashes. Only async-signal-safe calls in the child.
  pid_ = fork();
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    int in = open("/dev/null", O_RDONLY);
    int err = open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in < 0 || err < 0) _exit(127);
    dup2(in, 0);
    dup2(fds[1], 1);
    dup2(err, 2);
    close(fds[0]);
    execv(args[0], args.data());
    _exit(127);
  }
  const int rc = pid_ > 0 ? 0 : -1;
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    pid_ = -1;
    return false;
  }
  // "eddy-logd http on ..." (its /metrics) comes first; the listening line follows.
  std::string line;
  for (int lines = 0; lines < 8 && line.rfind("eddy-logd listening on ", 0) != 0; ++lines) {
    line.clear();
    char c;
    while (read(fds[0], &c, 1) == 1 && c != '\n') line.push_back(c);
  }
  close(fds[0]);  // the broker ignores SIGPIPE; it prints nothing else on stdout
  auto colon = line.rfind(':');
  if (line.rfind("eddy-logd listening on ", 0) != 0 || colon == std::string::npos) {
    Kill9();
    return false;
  }
  port_ = std::atoi(line.c_str() + colon + 1);
  return port_ > 0;
}

int Broker::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int rc = WaitExit(pid_);
  pid_ = -1;
  return rc;
}

void Broker::Kill9() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  WaitExit(pid_);
  pid_ = -1;
}

bool Broker::Alive() {
  if (pid_ <= 0) return false;
  int status;
  if (waitpid(pid_, &status, WNOHANG) == 0) return true;
  pid_ = -1;
  return false;
}

std::string Broker::log() const { return ReadFile(log_file_); }

}  // namespace eddy::testing
