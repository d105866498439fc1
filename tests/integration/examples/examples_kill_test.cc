// The examples' exactness tests (issue 10): each example job (jobs/wordcount, pageview-counter,
// sessionize, enrich-join) runs under `eddy run` on its generated input (gen/generate.py:
// shuffled and delayed events, some later than the allowed lateness, over several partitions,
// written in phases) while its container is killed with SIGKILL at random moments and restarted
// by the runner; then the job's output (last value per key, every late event) must equal what
// reference/<example>.py computes from the same input files, exactly.
//
// Seeded: EDDY_EXAMPLES_SEED (default: a random seed), printed first ("seed N"); rerun a failure
// with it. The suite's short version (label "examples"): scale 1, 3 kills. The long version:
//   EDDY_EXAMPLES_SCALE=40 EDDY_EXAMPLES_KILLS=15 build/bin/examples_kill_test
// (see tests/integration/examples/README.md).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "log-store/client/admin_client.h"
#include "log-store/client/producer.h"
#include "nlohmann/json.hpp"
#include "runtime/standalone/child_process.h"
#include "tests/integration/examples/example_harness.h"
#include "tests/integration/runtime/runtime_test_util.h"

namespace eddy::examples_test {
namespace {

namespace fs = std::filesystem;
using runtime::ChildProcess;
using std::chrono::milliseconds;
using std::chrono::seconds;

int64_t EnvInt(const char* name, int64_t def) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoll(v) : def;
}

uint64_t Seed() {
  static const uint64_t seed = [] {
    const char* v = std::getenv("EDDY_EXAMPLES_SEED");
    uint64_t s = v && *v ? std::strtoull(v, nullptr, 10) : (std::random_device{}() % 1000000000);
    std::cout << "seed " << s << " (rerun with EDDY_EXAMPLES_SEED=" << s << ")" << std::endl;
    return s;
  }();
  return seed;
}

struct Example {
  std::string name;       // jobs/<name>/<name>.properties, build/jobs/<name>/lib/lib<name>.so
  std::string reference;  // reference/<reference>.py
};

// Where the killer finds the job's containers: their current pid by container id.
class PidSource {
 public:
  virtual ~PidSource() = default;
  // The pids known after waiting up to `wait` for news.
  virtual std::map<std::string, pid_t> Current(milliseconds wait) = 0;
};

// `eddy run`: the runner prints "... container <id> pid <pid>" for every (re)start.
class RunnerPids : public PidSource {
 public:
  explicit RunnerPids(ChildProcess* runner) : runner_(runner) {}
  std::map<std::string, pid_t> Current(milliseconds wait) override {
    static const std::regex re("container (\\S+) pid (\\d+)");
    auto end = std::chrono::steady_clock::now() + wait;
    do {
      auto line = runner_->ReadLineContaining(" pid ", milliseconds(100));
      if (!line.ok()) continue;
      std::smatch m;
      if (std::regex_search(*line, m, re)) pids_[m[1]] = std::stoi(m[2]);
    } while (std::chrono::steady_clock::now() < end);
    return pids_;
  }

 private:
  ChildProcess* runner_;
  std::map<std::string, pid_t> pids_;
};

// The pid of the eddy-container process started with `--work-dir <work_dir>` (its node gives
// every attempt a work dir of its own), or 0. Reads /proc/<pid>/cmdline.
pid_t ContainerPidByWorkDir(const std::string& work_dir) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    std::ifstream f(e.path() / "cmdline", std::ios::binary);
    std::string cmd((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::vector<std::string> args;
    size_t a = 0;
    for (size_t b; (b = cmd.find('\0', a)) != std::string::npos; a = b + 1) {
      args.push_back(cmd.substr(a, b - a));
    }
    if (args.empty() || args[0].find("eddy-container") == std::string::npos) continue;
    for (size_t i = 0; i + 1 < args.size(); ++i) {
      if (args[i] == "--work-dir" && args[i + 1] == work_dir) return std::stoi(name);
    }
  }
  return 0;
}

// The grid: `eddy job status JOB --json` names the running containers and their work dirs.
class GridPids : public PidSource {
 public:
  explicit GridPids(std::string job) : job_(std::move(job)) {}
  std::map<std::string, pid_t> Current(milliseconds wait) override {
    std::this_thread::sleep_for(wait);
    std::map<std::string, pid_t> out;
    auto st = RunCommand({std::string(EDDY_BIN_DIR) + "/eddy", "job", "status", job_, "--json"});
    if (!st.ok()) return out;
    auto j = nlohmann::json::parse(*st, nullptr, false);
    if (!j.is_object() || !j.contains("containers")) return out;
    for (const auto& c : j["containers"]) {
      if (c.value("state", "") != "running" || !c.contains("work_dir")) continue;
      pid_t pid = ContainerPidByWorkDir(c["work_dir"].get<std::string>());
      if (pid > 0) out[c.value("id", "?")] = pid;
    }
    return out;
  }

 private:
  std::string job_;
};

// Kills a container of the job at random moments (seeded) and waits for its restart.
class Killer {
 public:
  Killer(std::unique_ptr<PidSource> pids, uint64_t seed, int kills)
      : pids_(std::move(pids)), rng_(seed) {
    thread_ = std::thread([this, kills] { Run(kills); });
  }
  ~Killer() { Join(); }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  int done() const { return done_; }
  const std::string& error() const { return error_; }

 private:
  void Run(int kills) {
    std::uniform_int_distribution<int> delay(1000, 6000);
    for (int i = 0; i < kills; ++i) {
      auto pids = pids_->Current(milliseconds(delay(rng_)));
      for (int w = 0; pids.empty() && w < 600; ++w) pids = pids_->Current(milliseconds(200));
      if (pids.empty()) {
        error_ = "no running container found to kill";
        return;
      }
      auto it = pids.begin();
      std::advance(it, std::uniform_int_distribution<size_t>(0, pids.size() - 1)(rng_));
      std::string id = it->first;
      pid_t pid = it->second;
      std::cout << "kill -9 container " << id << " pid " << pid << std::endl;
      if (::kill(pid, SIGKILL) != 0) {
        error_ = absl::StrCat("container ", id, " pid ", pid, " is gone");
        return;
      }
      auto deadline = std::chrono::steady_clock::now() + seconds(180);
      bool restarted = false;
      while (!restarted && std::chrono::steady_clock::now() < deadline) {
        auto now = pids_->Current(milliseconds(200));
        restarted = now.count(id) && now[id] != pid;
      }
      if (!restarted) {
        error_ = absl::StrCat("container ", id, " was not restarted after kill -9 of pid ", pid);
        return;
      }
      ++done_;
    }
  }

  std::unique_ptr<PidSource> pids_;
  std::mt19937_64 rng_;
  std::thread thread_;
  std::atomic<int> done_{0};
  std::string error_;
};

class ExampleRun {
 public:
  // `grid`: on `eddy grid up --nodes 2` with `eddy job submit` (2 containers) instead of
  // `eddy run`.
  explicit ExampleRun(Example ex, bool grid = false) : ex_(std::move(ex)), grid_(grid) {}
  ~ExampleRun() {
    if (runner_.running()) runner_.Stop(seconds(20));
    if (grid_up_) {
      auto st = RunCommand({std::string(EDDY_BIN_DIR) + "/eddy", "grid", "down"});
      if (!st.ok()) std::cout << st.status() << std::endl;
    }
    std::error_code ec;
    if (!::testing::Test::HasFailure() && !dir_.empty()) fs::remove_all(dir_, ec);
  }

  void Run(int64_t scale, int kills) {
    uint64_t seed = Seed();
    dir_ = runtime::testing::MakeTempDir("eddy-ex-" + ex_.name + "-");
    ASSERT_FALSE(dir_.empty());
    std::cout << ex_.name << ": seed " << seed << ", scale " << scale << ", " << kills
              << " kills, dir " << dir_ << std::endl;
    if (grid_) {
      GridUp();
      if (HasFatal()) return;
    } else {
      ASSERT_TRUE(logd_.Start(dir_ + "/log", false).ok());
      bootstrap_ = logd_.native;
    }
    input_ = dir_ + "/input";
    std::vector<std::string> gen_argv = {"python3",
                                         std::string(EDDY_EXAMPLES_DIR) + "/gen/generate.py",
                                         ex_.name,
                                         "--seed",
                                         std::to_string(seed),
                                         "--scale",
                                         std::to_string(scale),
                                         "--out",
                                         input_};
    // EDDY_EXAMPLES_GEN_FLAGS: more generator flags, for diagnosis (--no-idle-partition).
    if (const char* f = std::getenv("EDDY_EXAMPLES_GEN_FLAGS"); f && *f) {
      std::istringstream in(f);
      for (std::string w; in >> w;) gen_argv.push_back(w);
    }
    auto gen = RunCommand(gen_argv);
    ASSERT_TRUE(gen.ok()) << gen.status();
    std::ifstream mf(input_ + "/meta.json");
    meta_ = nlohmann::json::parse(mf, nullptr, false);
    ASSERT_TRUE(meta_.is_object()) << input_ << "/meta.json";

    logstore::ClientOptions co;
    co.bootstrap = bootstrap_;
    auto admin = logstore::AdminClient::Connect(co);
    ASSERT_TRUE(admin.ok()) << admin.status();
    for (auto it = meta_["topics"].begin(); it != meta_["topics"].end(); ++it) {
      ASSERT_TRUE((*admin)->CreateTopic(it.key(), it.value().get<int32_t>()).ok()) << it.key();
    }
    const auto& phases = meta_["phases"];
    size_t k = 0;
    for (; k < phases.size() && phases[k]["prewritten"].get<bool>(); ++k) Produce(k);

    std::unique_ptr<PidSource> pids;
    if (grid_) {
      Submit();
      pids = std::make_unique<GridPids>(ex_.name);
    } else {
      StartRunner();
      pids = std::make_unique<RunnerPids>(&runner_);
    }
    if (HasFatal()) return;
    Killer killer(std::move(pids), seed * 7919 + 1, kills);
    for (size_t i = 0; i < phases.size(); ++i) {
      if (i >= k) Produce(i);
      if (HasFatal()) return;
      if (i + 1 == phases.size()) break;
      Sync(i);
      if (HasFatal()) return;
    }
    killer.Join();
    ASSERT_TRUE(killer.error().empty()) << killer.error();
    EXPECT_EQ(killer.done(), kills);
    Sync(phases.size() - 1);  // the final comparison
    if (grid_) return;
    runner_.Signal(SIGTERM);
    auto st = runtime::testing::WaitExit(runner_, seconds(60));
    EXPECT_TRUE(st.has_value()) << "the runner did not stop on SIGTERM";
  }

 private:
  static bool HasFatal() { return ::testing::Test::HasFatalFailure(); }

  void Produce(size_t i) {
    int64_t n = 0;
    std::string file = input_ + "/" + meta_["phases"][i]["file"].get<std::string>();
    auto st = ProducePhaseFile(bootstrap_, file, &n);
    ASSERT_TRUE(st.ok()) << st;
    std::cout << ex_.name << ": phase " << i + 1 << " written (" << n << " messages)" << std::endl;
  }

  std::vector<std::string> Sets() const {
    std::vector<std::string> s = {
        "systems.eddy.bootstrap.servers=" + bootstrap_,
        // Exactly-once: what the output shows is committed with the state (and the watermark)
        // that produced it, which the phases' lateness classes rely on after a kill.
        "processing.guarantee=exactly_once", "task.commit.ms=500",
        "cluster-manager.container.retry.count=1000",
        "cluster-manager.container.retry.window.ms=600000"};
    if (meta_.contains("config")) {
      for (auto it = meta_["config"].begin(); it != meta_["config"].end(); ++it) {
        s.push_back(it.key() + "=" + it.value().get<std::string>());
      }
    }
    return s;
  }

  void GridUp() {
    std::string grid = dir_ + "/grid";
    ::setenv("EDDY_GRID_DIR", grid.c_str(), 1);
    auto out = RunCommand({std::string(EDDY_BIN_DIR) + "/eddy", "grid", "up", "--nodes", "2"});
    ASSERT_TRUE(out.ok()) << out.status();
    grid_up_ = true;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(*out, m, std::regex("EDDY_BOOTSTRAP=(\\S+)"))) << *out;
    bootstrap_ = m[1];
    ::setenv("EDDY_BOOTSTRAP", bootstrap_.c_str(), 1);
  }

  // `eddy job submit build/jobs/<x>.tar.gz` with two containers.
  void Submit() {
    std::vector<std::string> argv = {std::string(EDDY_BIN_DIR) + "/eddy",
                                     "job",
                                     "submit",
                                     std::string(EDDY_JOBS_DIR) + "/" + ex_.name + ".tar.gz",
                                     "--set",
                                     "job.container.count=2",
                                     "--wait"};
    for (const auto& s : Sets()) {
      argv.push_back("--set");
      argv.push_back(s);
    }
    auto out = RunCommand(argv);
    ASSERT_TRUE(out.ok()) << out.status();
  }

  void StartRunner() {
    std::vector<std::string> argv = {
        std::string(EDDY_BIN_DIR) + "/eddy",
        "run",
        "--config",
        std::string(EDDY_SOURCE_DIR) + "/jobs/" + ex_.name + "/" + ex_.name + ".properties",
        "--work-dir",
        dir_ + "/work"};
    argv.push_back("--set");
    argv.push_back("task.library=" + std::string(EDDY_JOBS_DIR) + "/" + ex_.name + "/lib/lib" +
                   ex_.name + ".so");
    for (const auto& s : Sets()) {
      argv.push_back("--set");
      argv.push_back(s);
    }
    ASSERT_TRUE(runner_.Start(argv, true).ok());
  }

  nlohmann::json Reference(size_t through) {
    auto out = RunCommand({"python3",
                           std::string(EDDY_EXAMPLES_DIR) + "/reference/" + ex_.reference + ".py",
                           input_, "--through", std::to_string(through)});
    EXPECT_TRUE(out.ok()) << out.status();
    if (!out.ok()) return nlohmann::json();
    return nlohmann::json::parse(*out, nullptr, false);
  }

  TopicTail& Tail(const std::string& topic) {
    auto& t = tails_[topic];
    if (!t) t = std::make_unique<TopicTail>(bootstrap_, topic);
    return *t;
  }

  // Waits for phase i's sync condition.
  void Sync(size_t i) {
    const auto& sync = meta_["phases"][i]["sync"];
    std::string type = sync.value("type", "none");
    bool last = i + 1 == meta_["phases"].size();
    if (type == "join-probe") return JoinProbe(i, sync["marker"].get<int>());
    if (type != "reference") return;
    nlohmann::json want = Reference(i + 1);
    ASSERT_TRUE(want.is_object()) << "reference output";
    std::cout << ex_.name << ": after phase " << i + 1 << " the reference expects "
              << want["stats"].dump() << std::endl;
    std::string diff;
    auto deadline = std::chrono::steady_clock::now() + seconds(last ? 300 : 240);
    for (;;) {
      for (const char* part : {"last", "all"}) {
        if (!want.contains(part)) continue;
        for (auto it = want[part].begin(); it != want[part].end(); ++it) {
          auto st = Tail(it.key()).Update();
          ASSERT_TRUE(st.ok()) << st;
        }
      }
      diff = Diff(want, tails_);
      if (diff.empty() || std::chrono::steady_clock::now() > deadline) break;
      int st = 0;
      if (!grid_) {
        ASSERT_FALSE(runner_.Poll(&st)) << "the runner exited (status " << st << ")";
      }
      std::this_thread::sleep_for(milliseconds(500));
    }
    ASSERT_TRUE(diff.empty()) << ex_.name << " (seed " << Seed() << "): after phase " << i + 1
                              << " the output differs from reference/" << ex_.reference << ".py:\n"
                              << diff;
    std::cout << ex_.name << ": output after phase " << i + 1 << " equals the reference"
              << std::endl;
  }

  // enrich-join: sends a click of member "probe-<p>" to every partition of `clicks` until the
  // output shows it joined with the profile {"probe": marker} the phase ended with.
  void JoinProbe(size_t i, int marker) {
    int32_t parts = meta_["topics"]["clicks"].get<int32_t>();
    logstore::ProducerOptions o;
    o.client.bootstrap = bootstrap_;
    auto p = logstore::Producer::Create(o);
    ASSERT_TRUE(p.ok()) << p.status();
    std::set<int32_t> open;
    for (int32_t q = 0; q < parts; ++q) open.insert(q);
    auto deadline = std::chrono::steady_clock::now() + seconds(240);
    int n = 0;
    while (!open.empty() && std::chrono::steady_clock::now() < deadline) {
      for (int32_t q : open) {
        std::string key = "probe-" + std::to_string(q);
        std::string v = nlohmann::json({{"probe_click", ++n}}).dump();
        ASSERT_TRUE((*p)->Send("clicks", q, key, v).ok());
      }
      ASSERT_TRUE((*p)->Flush().ok());
      std::this_thread::sleep_for(milliseconds(1000));
      auto& tail = Tail("enriched-clicks");
      ASSERT_TRUE(tail.Update().ok());
      for (const auto& r : tail.records()) {
        if (!r.key || !r.value || r.key->rfind("probe-", 0) != 0) continue;
        auto j = nlohmann::json::parse(*r.value, nullptr, false);
        if (j.is_object() && j["profile"] == nlohmann::json({{"probe", marker}})) {
          open.erase(std::stoi(r.key->substr(6)));
        }
      }
    }
    ASSERT_TRUE(open.empty()) << ex_.name << " (seed " << Seed() << "): after phase " << i + 1
                              << " the table never showed the probe profiles of " << open.size()
                              << " partitions";
    ASSERT_TRUE((*p)->Close().ok());
  }

  Example ex_;
  bool grid_ = false;
  bool grid_up_ = false;
  std::string dir_, input_, bootstrap_;
  runtime::testing::Logd logd_;
  ChildProcess runner_;
  nlohmann::json meta_;
  std::map<std::string, std::unique_ptr<TopicTail>> tails_;
};

int64_t Scale() { return EnvInt("EDDY_EXAMPLES_SCALE", 1); }
int Kills() { return static_cast<int>(EnvInt("EDDY_EXAMPLES_KILLS", 3)); }

TEST(ExamplesKill, WordcountTotalsEqualTheReference) {
  ExampleRun({"wordcount", "wordcount"}).Run(Scale(), Kills());
}

// The same on the grid: log store, coordinator and two nodes (`eddy grid up`), the job submitted
// as a package with two containers; the killed container is restarted by its node/coordinator.
TEST(ExamplesKillGrid, WordcountTotalsEqualTheReference) {
  ExampleRun({"wordcount", "wordcount"}, /*grid=*/true).Run(Scale(), Kills());
}

TEST(ExamplesKill, PageviewCounterWindowsAndLateEventsEqualTheReference) {
  ExampleRun({"pageview-counter", "pageview_counter"}).Run(Scale(), Kills());
}

TEST(ExamplesKill, SessionizeSessionsAndLateClicksEqualTheReference) {
  ExampleRun({"sessionize", "sessionize"}).Run(Scale(), Kills());
}

TEST(ExamplesKill, EnrichJoinRecordsEqualTheReference) {
  ExampleRun({"enrich-join", "enrich_join"}).Run(Scale(), Kills());
}

}  // namespace
}  // namespace eddy::examples_test
