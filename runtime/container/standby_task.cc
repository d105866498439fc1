#include "runtime/container/standby_task.h"

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "eddy/system_stream.h"
#include "runtime/container/task_lock.h"
#include "runtime/state/restore_batch.h"
#include "runtime/state/rocksdb_store.h"
#include "runtime/state/store_checkpoints.h"
#include "runtime/state/store_factory.h"

namespace eddy::runtime {
namespace fs = std::filesystem;
namespace {

std::string DirName(const std::string& task) {  // as TaskStores names a task's store dir
  std::string s;
  for (char c : task) s += (std::isalnum(static_cast<unsigned char>(c)) || c == '-') ? c : '_';
  return s;
}

// A standby never writes: the store stack's changelog writer refuses (nothing above the engine
// is ever called; records go into the engine through RestoreBatch).
class RefusingWriter : public state::ChangelogWriter {
 public:
  absl::Status Append(std::string_view, std::optional<std::string_view>) override {
    return absl::FailedPreconditionError("a standby task never writes to its changelog");
  }
};

// The standby's one application step: changelog records [from, to) of `changelog` into `engine`
// through the restore's RestoreBatch (bulk SST ingest for long spans). Returns the records
// applied. Kept behind this one function so a faster restore path can replace it.
absl::StatusOr<int64_t> ApplyChangelogRange(SystemsHub* hub, const Ssp& changelog,
                                            const std::string& store, state::StoreStack& stack,
                                            int64_t from, int64_t to) {
  if (from >= to) return 0;
  auto consumer = hub->NewConsumer(changelog.system);  // read committed, as restore reads
  if (!consumer.ok()) return consumer.status();
  auto idx = (*consumer)->Register(changelog, from);
  if (!idx.ok()) return idx.status();
  if (auto s = (*consumer)->Start(); !s.ok()) return s;
  state::RestoreBatch batch(stack.engine, stack.metrics);
  batch.ExpectRecords(to - from);
  std::vector<KeyValueWrite> writes;
  int64_t next = from, applied = 0;
  int idle = 0;
  while (next < to) {
    auto polled = (*consumer)->Poll(std::chrono::milliseconds(200));
    if (!polled.ok()) return polled.status();
    if (auto pos = (*consumer)->Position(*idx); pos && *pos > next && polled->empty()) {
      next = std::min(*pos, to);  // control batches / aborted records only
      continue;
    }
    if (polled->empty()) {
      if (++idle > 150) {
        return absl::DeadlineExceededError(absl::StrCat("standby of store ", store, ": reading ",
                                                        changelog.ToString(), ": no data at offset ",
                                                        next, " (target ", to, ")"));
      }
      continue;
    }
    idle = 0;
    for (const auto& b : *polled) {
      writes.clear();
      for (const auto& r : b.records) {
        if (r.offset >= to) {
          next = to;
          break;
        }
        next = r.offset + 1;
        if (!r.key) continue;
        writes.push_back({*r.key, r.value});
      }
      if (!writes.empty()) {
        if (auto s = batch.Apply(writes); !s.ok()) return s;
        applied += static_cast<int64_t>(writes.size());
      }
      if (b.next_offset > next) next = std::min(b.next_offset, to);
    }
  }
  if (auto s = batch.Finish(); !s.ok()) return s;
  (*consumer)->Stop();
  return applied;
}

struct Kept {
  state::StoreSpec spec;
  std::string dir;
  Ssp changelog;
  std::string changelog_name;  // SystemStreamPartition::ToString(), as in the OFFSET file
  std::optional<state::StoreStack> stack;
  int64_t applied = -1;  // the changelog offset the local store holds records below (-1 = none)
  Gauge* lag = nullptr;
  Gauge* applied_offset = nullptr;
  Counter* records = nullptr;
};

class StandbyTaskImpl : public StandbyTask {
 public:
  StandbyTaskImpl(const TaskModel& task, SystemsHub* hub, MetricsRegistry* metrics)
      : task_(task), hub_(hub), metrics_(metrics), group_("standby." + task.name) {}

  absl::Status Add(const Config& config, const std::string& name, const std::string& base) {
    auto spec = state::StoreFactory::ParseSpec(config, name);
    if (!spec.ok()) return spec.status();
    if (!spec->changelog || !spec->persistent()) {
      std::fprintf(stderr,
                   "eddy-container: standby of task '%s': store %s is %s: no standby copy\n",
                   task_.name.c_str(), name.c_str(),
                   spec->changelog ? "in memory" : "not logged (no changelog)");
      return absl::OkStatus();
    }
    Kept k;
    k.spec = std::move(*spec);
    k.dir = (fs::path(base) / name / DirName(task_.name)).string();
    k.changelog = Ssp{k.spec.changelog->system, k.spec.changelog->stream, task_.changelog_partition};
    k.changelog_name =
        SystemStreamPartition(k.changelog.system, k.changelog.stream, k.changelog.partition)
            .ToString();
    k.lag = &metrics_->NewGauge(group_, "lag." + name);
    k.applied_offset = &metrics_->NewGauge(group_, "applied-offset." + name);
    k.records = &metrics_->NewCounter(group_, "records-applied." + name);
    k.applied_offset->Set(-1);
    kept_.push_back(std::move(k));
    return absl::OkStatus();
  }

  absl::Status Lock(const std::string& base, std::chrono::milliseconds wait) {
    if (kept_.empty()) return absl::OkStatus();
    auto l = TaskLock::Acquire(base, task_.name, wait);
    if (!l.ok()) return l.status();
    lock_ = std::move(*l);
    return absl::OkStatus();
  }

  // Opens the local store at the newest local checkpoint in [oldest, target], else empty.
  absl::Status OpenAt(Kept& k, int64_t target) {
    k.stack.reset();
    auto admin = hub_->Admin(k.changelog.system);
    if (!admin.ok()) return admin.status();
    auto offs = (*admin)->Offsets(k.changelog.stream, k.changelog.partition);
    if (!offs.ok()) return offs.status();
    state::StoreCheckpoints cps(k.dir);
    auto usable = cps.Usable(k.changelog_name, offs->oldest, target);
    if (!usable.ok()) return usable.status();
    int64_t start = offs->oldest;
    if (usable->has_value()) {
      if (auto s = cps.RestoreInto((*usable)->offset, k.dir); !s.ok()) return s;
      start = (*usable)->offset;
    } else {
      std::error_code ec;
      fs::remove_all(k.dir, ec);
      if (ec) {
        return absl::InternalError(absl::StrCat("standby of store ", k.spec.name,
                                                ": cannot wipe ", k.dir, ": ", ec.message()));
      }
      if (auto s = cps.RemoveAll(); !s.ok()) return s;
    }
    auto stack = state::StoreFactory::Build(k.spec, k.dir, &refusing_, metrics_,
                                            absl::StrCat("standby-store.", task_.name, ".",
                                                         k.spec.name));
    if (!stack.ok()) return stack.status();
    k.stack = std::move(*stack);
    k.applied = start;
    std::fprintf(stderr,
                 "eddy-container: standby of task '%s' store %s: opened from %s (changelog %s)\n",
                 task_.name.c_str(), k.spec.name.c_str(),
                 usable->has_value() ? absl::StrCat("local checkpoint at offset ", start).c_str()
                                     : absl::StrCat("empty, changelog start ", start).c_str(),
                 k.changelog_name.c_str());
    return absl::OkStatus();
  }

  absl::Status CatchUpStore(Kept& k, int64_t target) {
    // A target behind what the store holds: the job was reset or its changelog rewound; start
    // over from what this node has at or below it.
    if (!k.stack || target < k.applied) {
      if (auto s = OpenAt(k, target); !s.ok()) return s;
    }
    if (target == k.applied) return absl::OkStatus();
    auto n = ApplyChangelogRange(hub_, k.changelog, k.spec.name, *k.stack, k.applied, target);
    if (!n.ok()) return n.status();
    if (auto s = k.stack->FlushEngine(); !s.ok()) return s;
    auto* rocks = dynamic_cast<state::RocksDbStore*>(k.stack->engine);
    if (rocks == nullptr) {
      return absl::InternalError(
          absl::StrCat("standby of store ", k.spec.name, ": the engine is not RocksDB"));
    }
    if (auto s = state::StoreCheckpoints(k.dir).Create(rocks, {k.changelog_name, target});
        !s.ok()) {
      return s;
    }
    k.stack->metrics.checkpoints_created->Inc();
    k.records->Inc(*n);
    k.applied = target;
    k.applied_offset->Set(static_cast<double>(target));
    return absl::OkStatus();
  }

  absl::Status CatchUp(const Checkpoint* cp) override {
    if (cp == nullptr) return absl::OkStatus();
    for (auto& k : kept_) {
      auto it = cp->changelogs.find(k.spec.name);
      if (it == cp->changelogs.end()) continue;  // the active has not committed the store yet
      if (auto s = CatchUpStore(k, it->second.second); !s.ok()) {
        return absl::Status(s.code(), absl::StrCat("standby of task '", task_.name, "' store ",
                                                   k.spec.name, " (", k.changelog_name,
                                                   "): ", s.message()));
      }
    }
    return absl::OkStatus();
  }

  absl::Status UpdateLag() override {
    for (auto& k : kept_) {
      auto admin = hub_->Admin(k.changelog.system);
      if (!admin.ok()) return admin.status();
      auto offs = (*admin)->Offsets(k.changelog.stream, k.changelog.partition);
      if (!offs.ok()) return offs.status();
      const int64_t applied = k.applied < 0 ? offs->oldest : k.applied;
      k.lag->Set(static_cast<double>(std::max<int64_t>(0, offs->upcoming - applied)));
    }
    return absl::OkStatus();
  }

  std::vector<std::string> stores() const override {
    std::vector<std::string> out;
    for (const auto& k : kept_) out.push_back(k.spec.name);
    return out;
  }
  const std::string& name() const override { return task_.name; }

 private:
  TaskModel task_;
  SystemsHub* hub_;
  MetricsRegistry* metrics_;
  std::string group_;
  RefusingWriter refusing_;
  std::unique_ptr<TaskLock> lock_;  // declared before the stores: released after they close
  std::vector<Kept> kept_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<StandbyTask>> StandbyTask::Open(
    const JobConfig& job, const Config& config, const TaskModel& task, SystemsHub* hub,
    MetricsRegistry* metrics, std::chrono::milliseconds lock_wait) {
  auto t = std::make_unique<StandbyTaskImpl>(task, hub, metrics);
  for (const auto& name : state::StoreFactory::StoreNames(config)) {
    if (auto s = t->Add(config, name, job.store_base_dir); !s.ok()) return s;
  }
  if (auto s = t->Lock(job.store_base_dir, lock_wait); !s.ok()) return s;
  return std::unique_ptr<StandbyTask>(std::move(t));
}

}  // namespace eddy::runtime
