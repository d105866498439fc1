#include "runtime/standalone/runner.h"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "runtime/container/commit_protocol.h"
#include "runtime/job/grouper.h"
#include "runtime/job/task_partitions.h"
#include "runtime/standalone/child_process.h"

namespace eddy::runtime {
namespace fs = std::filesystem;
namespace {

std::atomic<int> g_signal{0};
void OnSignal(int sig) { g_signal.store(sig); }

absl::StatusOr<std::string> ReadFile(const fs::path& p) {
  std::ifstream f(p);
  if (!f) return absl::NotFoundError(absl::StrCat("cannot read ", p.string()));
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The task → changelog-partition map of <work>/changelog-partitions.json applied to `model`
// (runtime/job/task_partitions.h) and written back; what changed is printed. A work dir from
// before the map was stored seeds it from its job-model.json.
absl::Status KeepStoredPartitions(const fs::path& work, const std::string& job, JobModel* model) {
  fs::path map_path = work / "changelog-partitions.json";
  TaskPartitions known;
  std::error_code ec;
  if (fs::exists(map_path, ec)) {
    auto text = ReadFile(map_path);
    if (!text.ok()) return text.status();
    auto m = TaskPartitionsFromJson(*text);
    if (!m.ok()) {
      return absl::DataLossError(absl::StrCat(map_path.string(), ": ", m.status().message()));
    }
    known = std::move(*m);
  } else if (fs::exists(work / "job-model.json", ec)) {
    auto text = ReadFile(work / "job-model.json");
    if (!text.ok()) return text.status();
    auto m = JobModelFromJson(*text);
    if (!m.ok()) {
      return absl::DataLossError(
          absl::StrCat((work / "job-model.json").string(), ": ", m.status().message()));
    }
    known = TaskPartitionsOf(*m);
  }
  TaskPartitions next;
  auto changes = KeepChangelogPartitions(known, model, &next);
  if (next != known) {
    fs::path tmp = map_path;
    tmp += ".tmp";
    {
      std::ofstream f(tmp, std::ios::trunc);
      f << TaskPartitionsToJson(next) << "\n";
      f.flush();
      if (!f) return absl::InternalError(absl::StrCat("cannot write ", tmp.string()));
    }
    fs::rename(tmp, map_path, ec);
    if (ec) {
      return absl::InternalError(
          absl::StrCat("cannot write ", map_path.string(), ": ", ec.message()));
    }
  }
  for (const auto& line : changes.Describe(job)) {
    std::fprintf(stderr, "eddy-container run: %s\n", line.c_str());
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Config> LoadConfigWithOverrides(const std::string& path,
                                               const std::vector<std::string>& sets) {
  auto c = LoadPropertiesFile(path);
  if (!c.ok()) return c.status();
  Config::Map m;
  for (const auto& s : sets) {
    auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(absl::StrCat("--set ", s, ": expected key=value"));
    }
    m[s.substr(0, eq)] = s.substr(eq + 1);
  }
  return c->Merge(Config(std::move(m)));
}

absl::StatusOr<AppPlan> PlanAppConfig(const Config& config, const std::string& config_dir,
                                      const char* prefix) {
  std::map<std::string, std::string> user(config.entries().begin(), config.entries().end());
  auto plan = PlanApp(user, config_dir);
  if (!plan.ok()) return plan.status();
  for (const auto& n : plan->notes) std::fprintf(stderr, "%s: note: %s\n", prefix, n.c_str());
  return plan;
}

absl::Status CreateAppIntermediateStreams(const AppPlan& plan, SystemsHub* hub) {
  if (plan.intermediate_streams.empty()) return absl::OkStatus();
  PartitionCountFn count = [hub](const std::string& system,
                                 const std::string& stream) -> absl::StatusOr<int32_t> {
    auto admin = hub->Admin(system);
    if (!admin.ok()) return admin.status();
    return (*admin)->PartitionCount(stream);
  };
  auto streams = ResolveIntermediatePartitions(plan, count);
  if (!streams.ok()) return streams.status();
  return CreateIntermediateStreams(
      *streams, count,
      [hub](const std::string& system, const std::string& stream, int32_t partitions) {
        auto admin = hub->Admin(system);
        if (!admin.ok()) return admin.status();
        absl::Status s = (*admin)->CreateStream({stream, partitions, false});
        if (s.ok()) {
          std::fprintf(stderr, "eddy-container run: created intermediate stream %s.%s (%d "
                       "partitions)\n", system.c_str(), stream.c_str(), partitions);
        }
        return s;
      });
}

absl::StatusOr<JobModel> PlanJob(const JobConfig& job, SystemsHub* hub) {
  std::vector<Ssp> ssps, queues;
  for (const auto& in : job.inputs) {
    if (in.queue()) {
      queues.push_back({in.system, in.stream, kQueuePartition});
      continue;
    }
    auto admin = hub->Admin(in.system);
    if (!admin.ok()) return admin.status();
    auto n = (*admin)->PartitionCount(in.stream);
    if (!n.ok()) {
      return absl::Status(n.status().code(),
                          absl::StrCat("config key task.inputs: input ", in.system, ".", in.stream,
                                       ": ", n.status().message()));
    }
    for (int32_t p = 0; p < *n; ++p) ssps.push_back({in.system, in.stream, p});
  }
  auto tasks = GroupSsps(job.grouper, ssps);
  auto containers = GroupTasksWithQueues(tasks, queues, job.container_count);
  if (!containers.ok()) return containers.status();
  JobModel m;
  m.job_name = job.job_name;
  m.job_id = job.job_id;
  m.containers = std::move(*containers);
  return m;
}

namespace {

// Creates `stream` and fills it with the lines of `file`, unless the stream already exists.
absl::Status LoadInput(SystemsHub* hub, const std::string& system, const std::string& spec,
                       int32_t partitions) {
  auto eq = spec.find('=');
  if (eq == std::string::npos) {
    return absl::InvalidArgumentError("--input " + spec + ": expected stream=file");
  }
  std::string stream = spec.substr(0, eq), file = spec.substr(eq + 1);
  auto admin = hub->Admin(system);
  if (!admin.ok()) return admin.status();
  if ((*admin)->PartitionCount(stream).ok()) {
    std::fprintf(stderr, "eddy-container run: %s.%s exists; not loading %s again\n", system.c_str(),
                 stream.c_str(), file.c_str());
    return absl::OkStatus();
  }
  std::ifstream in(file);
  if (!in) return absl::NotFoundError("--input " + spec + ": cannot read " + file);
  if (auto s = (*admin)->CreateStream({stream, partitions, false}); !s.ok()) return s;
  auto p = hub->Producer(system);
  if (!p.ok()) return p.status();
  std::string line;
  int64_t n = 0;
  while (std::getline(in, line)) {
    if (auto s =
            (*p)->Send(stream, static_cast<int32_t>(n++ % partitions), std::nullopt, line, -1, {});
        !s.ok()) {
      return s;
    }
  }
  if (auto s = (*p)->Flush(); !s.ok()) return s;
  std::fprintf(stderr, "eddy-container run: loaded %lld lines of %s into %s.%s\n",
               static_cast<long long>(n), file.c_str(), system.c_str(), stream.c_str());
  return absl::OkStatus();
}

absl::Status PrintTop(SystemsHub* hub, const std::string& system, const std::string& spec) {
  std::string stream = spec;
  int top = 10;
  if (auto c = spec.find(':'); c != std::string::npos) {
    stream = spec.substr(0, c);
    top = std::atoi(spec.c_str() + c + 1);
  }
  auto admin = hub->Admin(system);
  if (!admin.ok()) return admin.status();
  auto n = (*admin)->PartitionCount(stream);
  if (!n.ok()) return n.status();
  std::map<std::pair<int32_t, std::string>, int64_t> last;
  for (int32_t p = 0; p < *n; ++p) {
    auto offs = (*admin)->Offsets(stream, p);
    if (!offs.ok()) return offs.status();
    if (offs->upcoming <= offs->oldest) continue;
    auto c = hub->NewConsumer(system);
    if (!c.ok()) return c.status();
    if (auto s = (*c)->Register({system, stream, p}, offs->oldest); !s.ok()) return s.status();
    if (auto s = (*c)->Start(); !s.ok()) return s;
    int64_t next = offs->oldest;
    for (int idle = 0; next < offs->upcoming && idle < 100;) {
      auto b = (*c)->Poll(std::chrono::milliseconds(100));
      if (!b.ok()) return b.status();
      if (b->empty()) ++idle;
      for (const auto& pb : *b) {
        for (const auto& r : pb.records) {
          next = r.offset + 1;
          if (r.key && r.value) {
            last[{p, std::string(*r.key)}] = std::atoll(std::string(*r.value).c_str());
          }
        }
        if (pb.next_offset > next) next = pb.next_offset;
      }
    }
  }
  std::map<std::string, int64_t> sum;
  for (const auto& [k, v] : last) sum[k.second] += v;
  std::vector<std::pair<int64_t, std::string>> order;
  for (const auto& [k, v] : sum) order.emplace_back(-v, k);
  std::sort(order.begin(), order.end());
  std::printf("top %d of %s.%s (%zu keys):\n", top, system.c_str(), stream.c_str(), sum.size());
  for (int i = 0; i < top && i < static_cast<int>(order.size()); ++i) {
    std::printf("%10lld  %s\n", static_cast<long long>(-order[i].first), order[i].second.c_str());
  }
  std::fflush(stdout);
  return absl::OkStatus();
}

// The rounds of --until-caught-up (RunStandalone) end after this many at most.
constexpr int kMaxRounds = 100;

// The sum over every partition of the plan's intermediate streams of its upcoming offset.
absl::StatusOr<int64_t> IntermediateEnd(const AppPlan& plan,
                                        const std::map<std::string, SystemConfig>& systems) {
  SystemsHub hub(systems);
  int64_t sum = 0;
  for (const auto& st : plan.intermediate_streams) {
    auto admin = hub.Admin(st.system);
    if (!admin.ok()) return admin.status();
    auto n = (*admin)->PartitionCount(st.stream);
    if (!n.ok()) return n.status();
    for (int32_t p = 0; p < *n; ++p) {
      auto offs = (*admin)->Offsets(st.stream, p);
      if (!offs.ok()) return offs.status();
      sum += offs->upcoming;
    }
  }
  return sum;
}

}  // namespace

namespace {

// `eddy run --reset-*`: the log-store part of `eddy job reset`, then the work dir's local stores
// (no container runs yet, so no reset epoch is needed).
absl::Status ResetStandalone(const JobConfig& job, const Config& config, const JobModel& model,
                             const ResetSpec& spec) {
  std::map<std::string, std::string> entries(config.entries().begin(), config.entries().end());
  auto report = ResetJobState(entries, model, spec);
  if (!report.ok()) return report.status();
  for (const auto& line : report->lines) {
    std::fprintf(stderr, "eddy-container run: reset: %s\n", line.c_str());
  }
  for (const auto& store : job.stores) {
    std::error_code ec;
    fs::path dir = fs::path(job.store_base_dir) / store.name;
    fs::remove_all(dir, ec);
    if (ec) {
      return absl::InternalError(absl::StrCat("reset: cannot remove local store ", store.name,
                                              " at ", dir.string(), ": ", ec.message()));
    }
  }
  std::fprintf(stderr, "eddy-container run: reset job %s: %zu local store(s) removed\n",
               job.job_name.c_str(), job.stores.size());
  return absl::OkStatus();
}

}  // namespace

int RunStandalone(const RunnerOptions& o) {
  auto fail = [](const absl::Status& s) {
    std::fprintf(stderr, "eddy-container run: %s\n", std::string(s.message()).c_str());
    return 2;
  };
  fs::path config_path = fs::absolute(o.config_path);
  fs::path work =
      o.work_dir.empty() ? config_path.parent_path() / ".eddy-run" : fs::absolute(o.work_dir);
  fs::path log_dir = o.log_dir.empty() ? work / "log" : fs::absolute(o.log_dir);
  std::error_code ec;
  fs::create_directories(work, ec);
  auto config = LoadConfigWithOverrides(config_path.string(), o.sets);
  if (!config.ok()) return fail(config.status());
  std::vector<std::string> sets = o.sets;
  if (!config->Has("job.logged.store.base.dir")) {
    sets.push_back("job.logged.store.base.dir=" + (work / "state").string());
  }

  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);

  // Embedded log store for eddy systems without bootstrap.servers.
  ChildProcess logd;
  for (const auto& [k, v] : config->entries()) {
    if (k.rfind("systems.", 0) != 0 || k.size() < 16 || k.substr(k.size() - 8) != ".factory" ||
        v != "eddy") {
      continue;
    }
    std::string sys = k.substr(8, k.size() - 16);
    if (config->Has("systems." + sys + ".bootstrap.servers")) continue;
    if (!logd.running()) {
      fs::create_directories(log_dir, ec);
      std::string bin = (fs::path(SelfDir()) / "eddy-logd").string();
      if (auto s =
              logd.Start({bin, "--data-dir", log_dir.string(), "--listen", "127.0.0.1:0"}, true);
          !s.ok()) {
        return fail(s);
      }
      auto line = logd.ReadLineContaining("eddy-logd listening on", std::chrono::seconds(30));
      if (!line.ok()) return fail(line.status());
      std::string addr = line->substr(line->rfind(' ') + 1);
      std::fprintf(stderr, "eddy-container run: embedded log store %s on %s\n", addr.c_str(),
                   log_dir.c_str());
      sets.push_back("__eddy.embedded.bootstrap=" + addr);
    }
    std::string addr;
    for (const auto& s : sets) {
      if (s.rfind("__eddy.embedded.bootstrap=", 0) == 0) addr = s.substr(26);
    }
    sets.push_back("systems." + sys + ".bootstrap.servers=" + addr);
  }
  config = LoadConfigWithOverrides(config_path.string(), sets);
  if (!config.ok()) return fail(config.status());
  // An application (app.class): its generated keys join the overrides, so the containers run
  // with the same merged config.
  auto app = PlanAppConfig(*config, config_path.parent_path().string(), "eddy-container run");
  if (!app.ok()) {
    if (logd.running()) logd.Stop(std::chrono::seconds(10));
    return fail(app.status());
  }
  if (!app->generated.empty()) {
    for (const auto& [k, v] : app->generated) sets.push_back(k + "=" + v);
    config = LoadConfigWithOverrides(config_path.string(), sets);
    if (!config.ok()) return fail(config.status());
  }
  auto job = ParseJobConfig(*config, config_path.parent_path().string(), work.string());
  if (!job.ok()) return fail(job.status());
  for (const auto& w : job->warnings) {
    std::fprintf(stderr, "eddy-container run: warning: %s\n", w.c_str());
  }
  JobModel model;
  {
    SystemsHub hub(job->systems);
    for (const auto& in : o.inputs) {
      if (auto s = LoadInput(&hub, job->inputs.front().system, in, o.input_partitions); !s.ok()) {
        if (logd.running()) logd.Stop(std::chrono::seconds(10));
        return fail(s);
      }
    }
    if (auto s = CreateAppIntermediateStreams(*app, &hub); !s.ok()) {
      if (logd.running()) logd.Stop(std::chrono::seconds(10));
      return fail(s);
    }
    auto m = PlanJob(*job, &hub);
    if (!m.ok()) return fail(m.status());
    model = std::move(*m);
  }
  if (auto s = KeepStoredPartitions(work, job->job_name, &model); !s.ok()) {
    if (logd.running()) logd.Stop(std::chrono::seconds(10));
    return fail(s);
  }
  if (o.reset) {
    if (auto s = ResetStandalone(*job, *config, model, *o.reset); !s.ok()) {
      if (logd.running()) logd.Stop(std::chrono::seconds(10));
      return fail(s);
    }
  }
  fs::path model_path = work / "job-model.json";
  {
    std::ofstream f(model_path, std::ios::trunc);
    f << JobModelToJson(model) << "\n";
  }
  std::fprintf(stderr, "eddy-container run: job %s: %d tasks in %zu containers (model %s)\n",
               job->job_name.c_str(), model.TaskCount(), model.containers.size(),
               model_path.c_str());

  std::string self = (fs::path(SelfDir()) / "eddy-container").string();
  size_t n = model.containers.size();
  std::vector<std::unique_ptr<ChildProcess>> children(n);
  std::vector<bool> done(n, false);
  std::deque<std::chrono::steady_clock::time_point> failures;
  auto start_child = [&](size_t i) -> absl::Status {
    std::vector<std::string> argv = {self,
                                     "--config",
                                     config_path.string(),
                                     "--job-model",
                                     model_path.string(),
                                     "--container-id",
                                     model.containers[i].id,
                                     "--work-dir",
                                     (work / ("container-" + model.containers[i].id)).string()};
    for (const auto& s : sets) {
      argv.push_back("--set");
      argv.push_back(s);
    }
    if (o.until_caught_up) argv.push_back("--until-caught-up");
    argv.push_back("--no-config-warnings");
    children[i] = std::make_unique<ChildProcess>();
    if (auto s = children[i]->Start(argv); !s.ok()) return s;
    std::printf("eddy-container run: container %s pid %d\n", model.containers[i].id.c_str(),
                static_cast<int>(children[i]->pid()));
    std::fflush(stdout);
    return absl::OkStatus();
  };
  // --until-caught-up with intermediate streams (an application's PartitionBy): a container
  // stops once caught up with the offsets its inputs had when it started, so what a round
  // writes into the intermediate streams is read by the next round, until a round writes
  // nothing new there.
  bool rounds = o.until_caught_up && !app->intermediate_streams.empty();
  int64_t intermediate_end = 0;
  if (rounds) {
    auto e = IntermediateEnd(*app, job->systems);
    if (!e.ok()) return fail(e.status());
    intermediate_end = *e;
  }
  for (size_t i = 0; i < n; ++i) {
    if (auto s = start_child(i); !s.ok()) return fail(s);
  }
  int exit_code = 0;
  auto stop_all = [&]() {
    for (auto& c : children) {
      if (c && c->running()) c->Signal(SIGTERM);
    }
    for (auto& c : children) {
      if (c && c->running()) c->Stop(std::chrono::milliseconds(job->shutdown_ms));
    }
  };
  for (int round = 1;; ++round) {
  while (true) {
    if (g_signal.load()) {
      std::fprintf(stderr, "eddy-container run: signal %d, stopping containers\n", g_signal.load());
      stop_all();
      break;
    }
    size_t finished = 0;
    for (size_t i = 0; i < n; ++i) {
      if (done[i]) {
        ++finished;
        continue;
      }
      int st = 0;
      if (!children[i]->Poll(&st)) continue;
      if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        done[i] = true;
        ++finished;
        continue;
      }
      auto now = std::chrono::steady_clock::now();
      failures.push_back(now);
      while (!failures.empty() &&
             now - failures.front() > std::chrono::milliseconds(job->retry_window_ms)) {
        failures.pop_front();
      }
      std::string how = WIFSIGNALED(st) ? absl::StrCat("killed by signal ", WTERMSIG(st))
                                        : absl::StrCat("exited with code ", WEXITSTATUS(st));
      if (WIFEXITED(st) && WEXITSTATUS(st) == kExitFenced) {
        // A newer attempt of its tasks runs elsewhere: restarting would fence that one.
        std::fprintf(stderr,
                     "eddy-container run: container %s was fenced by a newer attempt of its "
                     "tasks (exit code %d); not restarted, the job stops here\n",
                     model.containers[i].id.c_str(), kExitFenced);
        stop_all();
        exit_code = kExitFenced;
        break;
      }
      if (static_cast<int32_t>(failures.size()) > job->retry_count) {
        std::fprintf(stderr,
                     "eddy-container run: container %s %s; %zu failures within "
                     "cluster-manager.container.retry.window.ms=%lld exceed "
                     "cluster-manager.container.retry.count=%d: the job fails\n",
                     model.containers[i].id.c_str(), how.c_str(), failures.size(),
                     static_cast<long long>(job->retry_window_ms), job->retry_count);
        stop_all();
        exit_code = 1;
        break;
      }
      std::fprintf(stderr, "eddy-container run: container %s %s; restarting\n",
                   model.containers[i].id.c_str(), how.c_str());
      if (auto s = start_child(i); !s.ok()) {
        stop_all();
        exit_code = fail(s);
        break;
      }
    }
    if (exit_code != 0 || finished == n) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!rounds || exit_code != 0 || g_signal.load()) break;
  auto end = IntermediateEnd(*app, job->systems);
  if (!end.ok()) {
    exit_code = fail(end.status());
    break;
  }
  if (*end == intermediate_end) break;
  if (round >= kMaxRounds) {
    std::fprintf(stderr, "eddy-container run: warning: intermediate streams still growing after "
                 "%d rounds; stopping\n", round);
    break;
  }
  std::fprintf(stderr, "eddy-container run: round %d wrote %lld records into the intermediate "
               "streams; running the containers again to read them\n", round,
               static_cast<long long>(*end - intermediate_end));
  intermediate_end = *end;
  std::fill(done.begin(), done.end(), false);
  for (size_t i = 0; i < n && exit_code == 0; ++i) {
    if (auto s = start_child(i); !s.ok()) exit_code = fail(s);
  }
  if (exit_code != 0) break;
  }
  if (exit_code == 0 && !o.print_top.empty() && !g_signal.load()) {
    SystemsHub hub(job->systems);
    std::string system = job->inputs.front().system;
    if (auto s = PrintTop(&hub, system, o.print_top); !s.ok()) exit_code = fail(s);
  }
  if (logd.running()) logd.Stop(std::chrono::seconds(10));
  return exit_code;
}

}  // namespace eddy::runtime
