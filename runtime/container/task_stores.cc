#include "runtime/container/task_stores.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "runtime/container/changelog_replay.h"
#include "runtime/container/producer_changelog_writer.h"
#include "runtime/container/task_lock.h"
#include "runtime/state/offset_file.h"
#include "runtime/state/restore_batch.h"
#include "runtime/state/rocksdb_store.h"
#include "runtime/state/store_checkpoints.h"
#include "runtime/state/store_factory.h"

namespace eddy::runtime {
namespace fs = std::filesystem;
namespace {

std::string DirName(const std::string& task) {
  std::string s;
  for (char c : task) s += (std::isalnum(static_cast<unsigned char>(c)) || c == '-') ? c : '_';
  return s;
}

struct StoreEntry {
  state::StoreSpec spec;
  state::StoreStack stack;
  std::unique_ptr<ProducerChangelogWriter> writer;
  std::string dir;
  std::optional<Ssp> changelog;
  int64_t restored_to = -1;  // the changelog offset Restore brought the store to
  bool built = false;
};

class TaskStoresImpl : public TaskStores {
 public:
  TaskStoresImpl(const TaskModel& task, SystemsHub* hub, MetricsRegistry* metrics,
                 size_t restore_threads)
      : task_(task), hub_(hub), metrics_(metrics), restore_threads_(restore_threads) {}

  absl::Status Add(const Config& config, const std::string& name, const std::string& base) {
    auto spec = state::StoreFactory::ParseSpec(config, name);
    if (!spec.ok()) return spec.status();
    StoreEntry e;
    e.spec = std::move(*spec);
    e.dir = (fs::path(base) / name / DirName(task_.name)).string();
    if (e.spec.changelog) {
      // The task's writer when the changelog is on its log store (fenced, transactional).
      auto p = hub_->ProducerFor(e.spec.changelog->system, task_.name);
      if (!p.ok()) return p.status();
      e.changelog =
          Ssp{e.spec.changelog->system, e.spec.changelog->stream, task_.changelog_partition};
      e.writer = std::make_unique<ProducerChangelogWriter>(*p, e.spec.changelog->stream,
                                                           task_.changelog_partition);
    }
    entries_.push_back(std::move(e));
    return absl::OkStatus();
  }

  absl::Status Build(StoreEntry& e) {
    auto stack = state::StoreFactory::Build(e.spec, e.dir, e.writer.get(), metrics_,
                                            absl::StrCat("store.", task_.name, ".", e.spec.name));
    if (!stack.ok()) return stack.status();
    e.stack = std::move(*stack);
    e.built = true;
    return absl::OkStatus();
  }

  // One store's part of a restore, planned on the caller's thread.
  struct ReplayJob {
    StoreEntry* e;
    std::string cl_name;
    int64_t start, target;
    bool from_checkpoint;
    std::chrono::steady_clock::time_point t0;
    std::unique_ptr<SystemConsumer> consumer;
    absl::StatusOr<int64_t> replayed = int64_t{0};
  };

  // Plans every store on this thread (the checkpoint copy, the engine open, the consumer: the
  // hub is not thread-safe), then replays the changelog ranges, up to restore_threads_ stores at
  // once (ReplayChangelogRange, changelog_replay.h).
  absl::Status Restore(const Checkpoint* cp) override {
    std::vector<ReplayJob> jobs;
    for (auto& e : entries_) {
      if (!e.changelog) {
        if (auto s = Build(e); !s.ok()) return s;
        e.stack.metrics.restore_done->Set(1);
        continue;
      }
      auto admin = hub_->Admin(e.changelog->system);
      if (!admin.ok()) return admin.status();
      auto offs = (*admin)->Offsets(e.changelog->stream, e.changelog->partition);
      if (!offs.ok()) return offs.status();
      int64_t target;
      if (cp == nullptr) {
        target = offs->oldest;  // no checkpoint: the input starts over, so must the store
      } else if (auto it = cp->changelogs.find(e.spec.name); it != cp->changelogs.end()) {
        target = it->second.second;
      } else {
        target = offs->upcoming;  // a store added after the last checkpoint
      }
      ReplayJob job;
      job.e = &e;
      job.cl_name =
          SystemStreamPartition(e.changelog->system, e.changelog->stream, e.changelog->partition)
              .ToString();
      job.t0 = std::chrono::steady_clock::now();
      job.start = offs->oldest;
      job.target = target;
      job.from_checkpoint = false;
      if (e.spec.persistent()) {
        // The live directory may hold writes past the task checkpoint (WAL off, RocksDB flushes
        // on its own): never reuse it; start from a local checkpoint not ahead of the task's.
        state::StoreCheckpoints cps(e.dir);
        auto usable = cps.Usable(job.cl_name, offs->oldest, target);
        if (!usable.ok()) return usable.status();
        if (usable->has_value()) {
          if (auto s = cps.RestoreInto((*usable)->offset, e.dir); !s.ok()) return s;
          job.start = (*usable)->offset;
          job.from_checkpoint = true;
        } else {
          std::error_code ec;
          fs::remove_all(e.dir, ec);
          if (ec) {
            return absl::InternalError(
                absl::StrCat("store ", e.spec.name, ": cannot wipe ", e.dir, ": ", ec.message()));
          }
          if (auto s = cps.RemoveAll(); !s.ok()) return s;
        }
      }
      if (auto s = Build(e); !s.ok()) return s;
      e.stack.metrics.restore_from_local_checkpoint->Set(job.from_checkpoint ? 1 : 0);
      e.stack.metrics.restore_start_offset->Set(static_cast<double>(job.start));
      e.stack.metrics.restore_end_offset->Set(static_cast<double>(job.target));
      e.stack.metrics.restore_offset->Set(static_cast<double>(job.start));
      if (job.start < job.target) {
        auto consumer = hub_->NewConsumer(e.changelog->system);
        if (!consumer.ok()) return consumer.status();
        job.consumer = std::move(*consumer);
      }
      jobs.push_back(std::move(job));
    }
    auto run = [this](ReplayJob& job) {
      if (!job.consumer) return;
      ChangelogReplayOptions o;
      o.bulk_load = job.e->spec.restore_bulk_load;
      o.bulk_buffer_bytes = job.e->spec.restore_bulk_buffer_bytes;
      job.replayed = ReplayChangelogRange(*job.consumer, *job.e->changelog, job.start, job.target,
                                          job.e->stack.engine, job.e->stack.metrics, o);
    };
    // Workers take the next job; this thread runs one of them too.
    std::atomic<size_t> next{0};
    auto worker = [&] {
      for (size_t i = next++; i < jobs.size(); i = next++) run(jobs[i]);
    };
    {
      std::vector<std::jthread> threads;
      const size_t extra = std::min<size_t>(jobs.size(), restore_threads_) - (jobs.empty() ? 0 : 1);
      for (size_t i = 0; i < extra; ++i) threads.emplace_back(worker);
      worker();
    }  // joined
    for (ReplayJob& job : jobs) {
      StoreEntry& e = *job.e;
      if (!job.replayed.ok()) return job.replayed.status();
      e.restored_to = job.target;
      const double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - job.t0)
              .count();
      e.stack.metrics.restore_wall_ms->Set(ms);
      e.stack.metrics.restore_done->Set(1);
      std::string from = job.from_checkpoint
                             ? absl::StrCat("local checkpoint at offset ", job.start)
                             : absl::StrCat("changelog start (offset ", job.start, ")");
      std::fprintf(stderr,
                   "eddy-container: task '%s' store %s: restored from %s: replayed %s [%lld, "
                   "%lld), %lld records in %.1f ms\n",
                   task_.name.c_str(), e.spec.name.c_str(), from.c_str(), job.cl_name.c_str(),
                   static_cast<long long>(job.start), static_cast<long long>(job.target),
                   static_cast<long long>(*job.replayed), ms);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<int64_t> Trim(bool read_committed) override {
    int64_t total = 0;
    for (auto& e : entries_) {
      if (!e.changelog || e.restored_to < 0) continue;
      auto admin = hub_->Admin(e.changelog->system);
      if (!admin.ok()) return admin.status();
      auto offs = (*admin)->Offsets(e.changelog->stream, e.changelog->partition);
      if (!offs.ok()) return offs.status();
      const int64_t from = std::max(e.restored_to, offs->oldest);
      const int64_t end = offs->upcoming;
      std::set<std::string> keys;
      if (from < end) {
        auto consumer = hub_->NewConsumer(e.changelog->system, read_committed);
        if (!consumer.ok()) return consumer.status();
        auto idx = (*consumer)->Register(*e.changelog, from);
        if (!idx.ok()) return idx.status();
        if (auto s = (*consumer)->Start(); !s.ok()) return s;
        int64_t next = from;
        int idle = 0;
        while (next < end) {
          auto polled = (*consumer)->Poll(std::chrono::milliseconds(200));
          if (!polled.ok()) return polled.status();
          if (auto pos = (*consumer)->Position(*idx); pos && *pos > next && polled->empty()) {
            next = std::min(*pos, end);  // skipped control batches / aborted records only
            continue;
          }
          if (polled->empty()) {
            if (++idle > 150) {
              return absl::DeadlineExceededError(absl::StrCat(
                  "trimming store ", e.spec.name, ": reading ", e.changelog->ToString(),
                  " stuck at offset ", next, " (end ", end, ")"));
            }
            continue;
          }
          idle = 0;
          for (const auto& b : *polled) {
            for (const auto& r : b.records) {
              if (r.offset >= end) break;
              next = r.offset + 1;
              if (r.key) keys.emplace(*r.key);
            }
            if (b.next_offset > next) next = std::min(b.next_offset, end);
          }
        }
        (*consumer)->Stop();
      }
      for (const auto& k : keys) {
        auto v = e.stack.engine->Get(k);
        if (!v.ok()) return v.status();
        std::optional<std::string_view> value;
        if (v->has_value()) value = **v;
        if (auto s = e.writer->Append(k, value); !s.ok()) return s;
      }
      metrics_->NewGauge(absl::StrCat("store.", task_.name, ".", e.spec.name), "trimmed-keys")
          .Set(static_cast<double>(keys.size()));
      if (!keys.empty()) {
        std::fprintf(stderr,
                     "eddy-container: task '%s' store %s: trimmed %s [%lld, %lld): wrote %zu "
                     "keys again with their restored values\n",
                     task_.name.c_str(), e.spec.name.c_str(), e.changelog->ToString().c_str(),
                     static_cast<long long>(from), static_cast<long long>(end), keys.size());
      }
      total += static_cast<int64_t>(keys.size());
    }
    return total;
  }

  absl::StatusOr<StoreHandle> Handle(std::string_view name) override {
    for (auto& e : entries_) {
      if (e.spec.name == name && e.built) return e.stack.Handle();
    }
    std::string names;
    for (auto& e : entries_) names += (names.empty() ? "" : ", ") + e.spec.name;
    return absl::NotFoundError(absl::StrCat("store '", std::string(name),
                                            "' is not defined (no stores.", std::string(name),
                                            ".factory); defined: [", names, "]"));
  }

  absl::Status FlushCaches() override {
    for (auto& e : entries_) {
      if (auto s = e.stack.FlushCache(); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::map<std::string, std::pair<Ssp, int64_t>>> ChangelogOffsets() override {
    std::map<std::string, std::pair<Ssp, int64_t>> out;
    for (auto& e : entries_) {
      if (!e.changelog) continue;
      auto admin = hub_->Admin(e.changelog->system);
      if (!admin.ok()) return admin.status();
      auto offs = (*admin)->Offsets(e.changelog->stream, e.changelog->partition);
      if (!offs.ok()) return offs.status();
      out[e.spec.name] = {*e.changelog, offs->upcoming};
    }
    return out;
  }

  absl::Status Persist(const std::map<std::string, std::pair<Ssp, int64_t>>& offsets) override {
    for (auto& e : entries_) {
      if (auto s = e.stack.FlushEngine(); !s.ok()) return s;
      auto it = offsets.find(e.spec.name);
      if (!e.spec.persistent() || it == offsets.end()) continue;
      auto* rocks = dynamic_cast<state::RocksDbStore*>(e.stack.engine);
      if (rocks == nullptr) continue;
      const Ssp& c = it->second.first;
      state::StoreOffset so{SystemStreamPartition(c.system, c.stream, c.partition).ToString(),
                            it->second.second};
      ScopedTimer timer(*e.stack.metrics.checkpoint_time);
      if (auto s = state::StoreCheckpoints(e.dir).Create(rocks, so); !s.ok()) return s;
      e.stack.metrics.checkpoints_created->Inc();
    }
    return absl::OkStatus();
  }

  bool empty() const override { return entries_.empty(); }

  // Before anything touches the store directories: a standby of this task on this node (being
  // killed for a takeover) lets go first (task_lock.h).
  absl::Status Lock(const std::string& base) {
    bool persistent = false;
    for (const auto& e : entries_) persistent = persistent || e.spec.persistent();
    if (!persistent) return absl::OkStatus();
    auto l = TaskLock::Acquire(base, task_.name, TaskLock::ActiveWait());
    if (!l.ok()) return l.status();
    lock_ = std::move(*l);
    return absl::OkStatus();
  }

  absl::Status Close() override {
    entries_.clear();
    return absl::OkStatus();
  }

 private:
  TaskModel task_;
  SystemsHub* hub_;
  MetricsRegistry* metrics_;
  size_t restore_threads_;
  std::unique_ptr<TaskLock> lock_;  // released after the stores are closed (declared first)
  std::vector<StoreEntry> entries_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<TaskStores>> TaskStores::Open(const JobConfig& job,
                                                             const Config& config,
                                                             const TaskModel& task, SystemsHub* hub,
                                                             MetricsRegistry* metrics) {
  auto threads = config.GetInt("task.store.restore.threads", 2);
  if (!threads.ok()) return threads.status();
  if (*threads < 1 || *threads > 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("config key task.store.restore.threads: expected 1 to 64, got ", *threads));
  }
  auto ts = std::make_unique<TaskStoresImpl>(task, hub, metrics, static_cast<size_t>(*threads));
  for (const auto& name : state::StoreFactory::StoreNames(config)) {
    if (auto s = ts->Add(config, name, job.store_base_dir); !s.ok()) return s;
  }
  if (auto s = ts->Lock(job.store_base_dir); !s.ok()) return s;
  return std::unique_ptr<TaskStores>(std::move(ts));
}

}  // namespace eddy::runtime
