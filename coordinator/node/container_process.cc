#include "coordinator/node/container_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

// AddressSanitizer maps terabytes of shadow memory, which RLIMIT_DATA forbids: in a sanitizer
// build (deploy/sanitize.sh) containers run without the rlimit fallback (cgroups still apply).
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitizerBuild = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitizerBuild = true;
#else
constexpr bool kSanitizerBuild = false;
#endif
#else
constexpr bool kSanitizerBuild = false;
#endif

namespace eddy::cluster {
namespace fs = std::filesystem;

bool CgroupV2Available() {
  std::ifstream f("/sys/fs/cgroup/cgroup.controllers");
  std::string s;
  std::getline(f, s);
  return f.good() && s.find("memory") != std::string::npos &&
         access("/sys/fs/cgroup/cgroup.procs", W_OK) == 0;
}

absl::Status ContainerProcess::Start(const ProcessSpec& spec) {
  work_dir_ = spec.work_dir;
  std::error_code ec;
  fs::create_directories(spec.work_dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot create ", spec.work_dir));
  if (spec.memory_mb > 0 && !spec.cgroup_name.empty() && CgroupV2Available()) {
    cgroup_dir_ = "/sys/fs/cgroup/" + spec.cgroup_name;
    fs::create_directories(cgroup_dir_, ec);
    std::ofstream(cgroup_dir_ + "/memory.max") << spec.memory_mb * 1024 * 1024 << "\n";
    std::ofstream(cgroup_dir_ + "/memory.swap.max") << "0\n";
    if (ec) cgroup_dir_.clear();
  }
  std::string out = spec.work_dir + "/stdout", err = spec.work_dir + "/stderr";
  std::vector<std::string> argv{spec.binary};
  argv.insert(argv.end(), spec.args.begin(), spec.args.end());
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  std::string procs = cgroup_dir_.empty() ? "" : cgroup_dir_ + "/cgroup.procs";
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    if (!procs.empty()) {
      int fd = open(procs.c_str(), O_WRONLY);
      if (fd >= 0) {
        std::string p = std::to_string(getpid());
        (void)!write(fd, p.data(), p.size());
        close(fd);
      }
    } else if (spec.memory_mb > 0 && !kSanitizerBuild) {
      rlimit rl{static_cast<rlim_t>(spec.memory_mb) << 20, static_cast<rlim_t>(spec.memory_mb)
                                                               << 20};
      setrlimit(RLIMIT_DATA, &rl);
    }
    if (chdir(spec.work_dir.c_str()) != 0) _exit(126);
    int o = open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int e = open(err.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int n = open("/dev/null", O_RDONLY);
    if (o < 0 || e < 0 || n < 0) _exit(126);
    dup2(n, 0);
    dup2(o, 1);
    dup2(e, 2);
    for (int fd = 3; fd < 1024; ++fd) close(fd);
    for (const auto& [k, v] : spec.env) setenv(k.c_str(), v.c_str(), 1);
    execv(cargv[0], cargv.data());
    std::fprintf(stderr, "eddy-node: cannot exec %s: %s\n", cargv[0], strerror(errno));
    _exit(127);
  }
  pid_ = pid;
  return absl::OkStatus();
}

bool ContainerProcess::Poll() {
  std::lock_guard<std::mutex> l(mu_);
  if (exited_) return true;
  if (pid_ < 0) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == 0) return false;
  exited_ = true;
  if (r < 0) {
    exit_code_ = -1;
  } else if (WIFSIGNALED(status)) {
    signal_ = WTERMSIG(status);
  } else {
    exit_code_ = WEXITSTATUS(status);
  }
  // Whatever is left in the process group (a container's own children) goes too.
  ::kill(-pid_, SIGKILL);
  if (!cgroup_dir_.empty()) {
    std::ifstream ev(cgroup_dir_ + "/memory.events");
    std::string k;
    int64_t v;
    while (ev >> k >> v) {
      if (k == "oom_kill" && v > 0) oom_ = true;
    }
    std::error_code ec;
    fs::remove(cgroup_dir_, ec);
  }
  if (!oom_) {
    std::string tail = StderrTail();
    if (tail.find("bad_alloc") != std::string::npos ||
        tail.find("Cannot allocate memory") != std::string::npos) {
      oom_ = true;  // RLIMIT_DATA hit
    }
  }
  return true;
}

void ContainerProcess::Terminate() {
  std::lock_guard<std::mutex> l(mu_);
  if (pid_ > 0 && !exited_) ::kill(-pid_, SIGTERM);
}

bool ContainerProcess::Kill() {
  std::lock_guard<std::mutex> l(mu_);
  if (pid_ <= 0 || exited_) return false;
  ::kill(-pid_, SIGKILL);
  return true;
}

std::string ContainerProcess::StderrTail() const {
  std::ifstream f(work_dir_ + "/stderr", std::ios::binary);
  if (!f) return "";
  f.seekg(0, std::ios::end);
  std::streamoff size = f.tellg();
  std::streamoff from = size > 600 ? size - 600 : 0;
  f.seekg(from);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  if (from > 0) {
    auto nl = s.find('\n');
    if (nl != std::string::npos) s = s.substr(nl + 1);
  }
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace eddy::cluster
