#include "runtime/container/standby_container.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "runtime/container/checkpoint_store.h"
#include "runtime/container/standby_task.h"
#include "runtime/container/systems_hub.h"

namespace eddy::runtime {
namespace {
std::atomic<bool> g_standby_shutdown{false};
}  // namespace

StandbyContainer::StandbyContainer(StandbyOptions options) : opt_(std::move(options)) {}
StandbyContainer::~StandbyContainer() = default;

void StandbyContainer::RequestShutdownAll() { g_standby_shutdown.store(true); }

absl::Status StandbyContainer::Run() {
  using Clock = std::chrono::steady_clock;
  const JobConfig& job = opt_.job;
  const ContainerModel* cm = opt_.model.FindContainer(opt_.container_id);
  if (cm == nullptr || !cm->standby()) {
    return absl::InvalidArgumentError(absl::StrCat("container id ", opt_.container_id,
                                                   " is not a standby container of the job model"));
  }
  auto stopping = [] { return g_standby_shutdown.load(std::memory_order_relaxed); };
  SystemsHub hub(job.systems);
  CheckpointStore checkpoints(&hub, job.checkpoint_system,
                              CheckpointTopic(job.job_name, job.job_id));
  if (auto s = checkpoints.Init(); !s.ok()) return s;
  // Each task's lock: held by nobody normally; by the active task when the coordinator placed
  // this standby where the active still runs (it never does on purpose): wait, it lets go.
  std::vector<std::unique_ptr<StandbyTask>> tasks;
  for (const auto& tm : cm->tasks) {
    while (true) {
      auto t = StandbyTask::Open(job, opt_.config, tm, &hub, &metrics_, std::chrono::seconds(1));
      if (t.ok()) {
        tasks.push_back(std::move(*t));
        break;
      }
      if (!absl::IsDeadlineExceeded(t.status())) return t.status();
      if (stopping()) return absl::OkStatus();
    }
  }
  std::vector<InspectTask> inspect;
  for (const auto& t : tasks) {
    InspectTask it;
    it.name = t->name();
    const std::string container = opt_.container_id;
    it.store = [container](std::string_view) -> absl::StatusOr<StoreHandle> {
      return absl::FailedPreconditionError(absl::StrCat(
          "container ", container, " is a standby: it serves no store reads (ask the active)"));
    };
    inspect.push_back(std::move(it));
  }
  Counter& catch_ups = metrics_.NewCounter("container", "standby-catch-ups");
  Gauge& running = metrics_.NewGauge("container", "standby");
  running.Set(1);
  if (opt_.hook) opt_.hook->OnStarted(std::move(inspect), {}, &metrics_);
  std::fprintf(stderr, "eddy-container %s: standby of container %s: %zu task(s)\n",
               opt_.container_id.c_str(), cm->standby_of.c_str(), tasks.size());
  const auto period = std::chrono::milliseconds(
      std::max<int64_t>(100, std::min<int64_t>(job.commit_ms < 0 ? 1000 : job.commit_ms / 2,
                                               1000)));
  auto next = Clock::now();
  absl::Status result;
  while (!stopping()) {
    if (opt_.hook) opt_.hook->OnLoop();
    if (Clock::now() < next) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    next = Clock::now() + period;
    // A transaction open on the checkpoint topic (the active's commit in flight) ends within a
    // commit; reading again next period is as good as waiting here.
    auto cps = checkpoints.ReadAll(std::max(period, std::chrono::milliseconds(500)));
    if (!cps.ok()) {
      if (absl::IsDeadlineExceeded(cps.status())) continue;
      result = cps.status();
      break;
    }
    for (auto& t : tasks) {
      auto it = cps->find(t->name());
      if (auto s = t->CatchUp(it == cps->end() ? nullptr : &it->second); !s.ok()) {
        result = s;
        break;
      }
      if (auto s = t->UpdateLag(); !s.ok()) {
        result = s;
        break;
      }
    }
    if (!result.ok()) break;
    catch_ups.Inc();
  }
  if (opt_.hook) opt_.hook->OnStopping();
  tasks.clear();
  hub.StopAll();
  return result;
}

}  // namespace eddy::runtime
