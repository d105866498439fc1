#include "tests/integration/cluster/cluster_harness.h"

#include <archive.h>
#include <archive_entry.h>
#include <signal.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "log-store/client/admin_client.h"
#include "log-store/client/producer.h"

namespace eddy::test {
namespace fs = std::filesystem;

namespace {
std::string ReadAll(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
}  // namespace

CmdResult Sh(const std::string& cmd) {
  static int seq = 0;
  std::string base = (fs::temp_directory_path() /
                      ("eddy-cluster-sh-" + std::to_string(getpid()) + "-" + std::to_string(seq++)))
                         .string();
  std::string full = "(" + cmd + ") >" + base + ".out 2>" + base + ".err";
  int rc = std::system(full.c_str());
  CmdResult r;
  r.code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = ReadAll(base + ".out");
  r.err = ReadAll(base + ".err");
  fs::remove(base + ".out");
  fs::remove(base + ".err");
  return r;
}

std::string BinDir() {
  if (const char* e = std::getenv("EDDY_BIN_DIR")) return e;
  std::error_code ec;
  return fs::read_symlink("/proc/self/exe", ec).parent_path().string();
}

std::string WordcountPackage() { return BinDir() + "/../jobs/wordcount-lowlevel.tar.gz"; }

Grid::Grid(int nodes, const std::string& extra) {
  char tmpl[] = "/tmp/eddy-cluster-test-XXXXXX";
  dir_ = mkdtemp(tmpl);
  auto r = Sh(BinDir() + "/eddy grid up --dir " + dir_ + " --nodes " + std::to_string(nodes) +
              " --heartbeat-ms 200 --node-lost-ms 1500 " + extra);
  ok_ = r.code == 0;
  if (!ok_) std::fprintf(stderr, "grid up failed: %s%s\n", r.out.c_str(), r.err.c_str());
}

Grid::Grid(NoStart) {
  char tmpl[] = "/tmp/eddy-cluster-test-XXXXXX";
  dir_ = mkdtemp(tmpl);
}

Grid::~Grid() {
  Sh(BinDir() + "/eddy grid down --dir " + dir_);
  // Whatever a test left behind (a killed coordinator's replacement, ...).
  if (fs::exists(dir_ + "/extra-pids")) {
    std::ifstream f(dir_ + "/extra-pids");
    int pid;
    while (f >> pid) {
      ::kill(pid, SIGKILL);
    }
  }
  if (!std::getenv("EDDY_KEEP_TEST_DIRS")) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

nlohmann::json Grid::GridJson() const {
  std::ifstream f(dir_ + "/grid.json");
  if (!f) return nlohmann::json::object();
  try {
    return nlohmann::json::parse(f);
  } catch (...) {
    return nlohmann::json::object();
  }
}

std::string Grid::bootstrap() const {
  auto g = GridJson();
  return g.contains("logd") ? g["logd"]["address"].get<std::string>() : "";
}

CmdResult Grid::Eddy(const std::string& args) const {
  return Sh(BinDir() + "/eddy " + args + " --dir " + dir_);
}

nlohmann::json Grid::JobStatus(const std::string& job) const {
  auto r = Eddy("job status " + job + " --json");
  if (r.code != 0) return nlohmann::json::object();
  try {
    return nlohmann::json::parse(r.out);
  } catch (...) {
    return nlohmann::json::object();
  }
}

bool Grid::CreateTopic(const std::string& topic, int partitions) const {
  logstore::ClientOptions o;
  o.bootstrap = bootstrap();
  auto admin = logstore::AdminClient::Connect(o);
  if (!admin.ok()) return false;
  auto s = (*admin)->CreateTopic(topic, partitions);
  return s.ok() || absl::IsAlreadyExists(s);
}

bool Grid::Produce(const std::string& topic, const std::vector<std::string>& words) const {
  logstore::ProducerOptions o;
  o.client.bootstrap = bootstrap();
  auto p = logstore::Producer::Create(o);
  if (!p.ok()) return false;
  for (const auto& w : words) {
    if (!(*p)->Send(topic, -1, w, w).ok()) return false;
  }
  return (*p)->Close().ok();
}

std::map<std::string, int64_t> Grid::Counts(const std::string& job) const {
  std::map<std::string, int64_t> out;
  auto r = Eddy("state scan " + job + " wordcount-counts --limit 10000000");
  if (r.code != 0) return out;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    auto a = line.find('\t'), b = line.rfind('\t');
    if (a == std::string::npos || a == b) continue;
    out[line.substr(a + 1, b - a - 1)] += std::atoll(line.substr(b + 1).c_str());
  }
  return out;
}

bool Grid::WaitCounts(const std::string& job, const std::map<std::string, int64_t>& expected,
                      int seconds, std::string* why) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  std::map<std::string, int64_t> got;
  while (std::chrono::steady_clock::now() < deadline) {
    got = Counts(job);
    for (const auto& [w, n] : got) {
      auto it = expected.find(w);
      if (it == expected.end() || n > it->second) {
        *why = "word '" + w + "' counted " + std::to_string(n) + " times, expected " +
               std::to_string(it == expected.end() ? 0 : it->second);
        return false;
      }
    }
    if (got == expected) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  int64_t total = 0, want = 0;
  for (auto& [w, n] : got) total += n;
  for (auto& [w, n] : expected) want += n;
  *why = "counts did not reach the expected values: " + std::to_string(total) + " of " +
         std::to_string(want) + " words counted";
  return false;
}

bool Grid::WaitRunning(const std::string& job, int seconds, int64_t min_gen) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    auto s = JobStatus(job);
    if (s.contains("containers") && s.value("state", "") == "RUNNING") {
      bool all = !s["containers"].empty();
      for (auto& c : s["containers"]) all = all && c.value("state", "") == "running";
      int64_t gen = std::atoll(s.value("generation", "0").c_str());
      if (all && gen >= min_gen) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

bool WriteTarGz(const std::string& path, const std::vector<TarEntry>& entries) {
  archive* a = archive_write_new();
  archive_write_add_filter_gzip(a);
  archive_write_set_format_pax_restricted(a);
  if (archive_write_open_filename(a, path.c_str()) != ARCHIVE_OK) return false;
  for (const auto& e : entries) {
    archive_entry* en = archive_entry_new();
    archive_entry_set_pathname(en, e.name.c_str());
    archive_entry_set_perm(en, e.type == 'd' ? 0755 : 0644);
    switch (e.type) {
      case 'd':
        archive_entry_set_filetype(en, AE_IFDIR);
        break;
      case 'l':
        archive_entry_set_filetype(en, AE_IFLNK);
        archive_entry_set_symlink(en, e.link.c_str());
        break;
      case 'h':
        archive_entry_set_filetype(en, AE_IFREG);
        archive_entry_set_hardlink(en, e.link.c_str());
        break;
      case 'c':
        archive_entry_set_filetype(en, AE_IFCHR);
        archive_entry_set_rdev(en, makedev(1, 3));
        break;
      default:
        archive_entry_set_filetype(en, AE_IFREG);
        archive_entry_set_size(en, e.data.size());
    }
    archive_write_header(a, en);
    if (e.type == 'f' && !e.data.empty()) archive_write_data(a, e.data.data(), e.data.size());
    archive_entry_free(en);
  }
  archive_write_close(a);
  archive_write_free(a);
  return true;
}

std::vector<TarEntry> WordcountEntries(const std::string& job) {
  std::vector<TarEntry> out;
  fs::path stage = fs::path(BinDir()) / ".." / "jobs" / job;
  for (const char* d : {"lib", "config"}) {
    out.push_back({d, "", 'd', ""});
    for (const auto& e : fs::directory_iterator(stage / d)) {
      out.push_back({std::string(d) + "/" + e.path().filename().string(),
                     ReadAll(e.path().string()), 'f', ""});
    }
  }
  return out;
}

int ContainerPid(const std::string& work_dir) {
  // The node starts eddy-container with --work-dir <work_dir>: find it in /proc.
  for (const auto& e : fs::directory_iterator("/proc")) {
    std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmd = ReadAll(e.path().string() + "/cmdline");
    for (auto& c : cmd) {
      if (c == '\0') c = ' ';
    }
    if (cmd.find("eddy-container") != std::string::npos &&
        cmd.find("--work-dir " + work_dir + " ") != std::string::npos) {
      return std::atoi(name.c_str());
    }
    if (cmd.find("eddy-container") != std::string::npos && cmd.size() >= work_dir.size() + 1 &&
        cmd.compare(cmd.size() - work_dir.size() - 1, work_dir.size(), work_dir) == 0) {
      return std::atoi(name.c_str());
    }
  }
  return -1;
}

}  // namespace eddy::test
