// ChangelogReplay: one changelog range into one store engine.
#include "runtime/container/changelog_replay.h"

#include <algorithm>
#include <mutex>
#include <vector>

#include "absl/strings/str_cat.h"
#include "runtime/state/restore_batch.h"

namespace eddy::runtime {
namespace {

std::mutex& HookMutex() {
  static std::mutex mu;
  return mu;
}
ReplayFaultHook& Hook() {
  static ReplayFaultHook hook;
  return hook;
}

absl::Status RunHook(const ChangelogReplayOptions& options, const std::string& store,
                     int64_t applied) {
  if (options.after_batch) return options.after_batch(applied);
  ReplayFaultHook hook;
  {
    std::lock_guard<std::mutex> l(HookMutex());
    hook = Hook();
  }
  return hook ? hook(store, applied) : absl::OkStatus();
}

}  // namespace

void ArmReplayFaultHook(ReplayFaultHook hook) {
  std::lock_guard<std::mutex> l(HookMutex());
  Hook() = std::move(hook);
}

absl::StatusOr<int64_t> ReplayChangelogRange(SystemConsumer& consumer, const Ssp& changelog,
                                             int64_t start, int64_t end, KeyValueStoreBytes* engine,
                                             const state::StoreMetrics& metrics,
                                             const ChangelogReplayOptions& options) {
  if (metrics.restore_offset != nullptr) metrics.restore_offset->Set(static_cast<double>(start));
  if (start >= end) return int64_t{0};
  auto idx = consumer.Register(changelog, start);
  if (!idx.ok()) return idx.status();
  if (auto s = consumer.Start(); !s.ok()) return s;
  state::RestoreBatch batch(engine, metrics);
  if (!options.bulk_load) batch.set_bulk_load_threshold(-1);
  batch.set_bulk_buffer_bytes(options.bulk_buffer_bytes);
  batch.ExpectRecords(end - start);  // an upper bound (compaction leaves gaps)
  std::vector<KeyValueWrite> writes;
  int64_t next = start;
  int64_t applied = 0;
  auto idle_since = std::chrono::steady_clock::now();
  auto fail = [&](absl::Status s) {
    consumer.Stop();
    return s;
  };
  while (next < end) {
    auto polled = consumer.Poll(std::chrono::milliseconds(200));
    if (!polled.ok()) return fail(polled.status());
    if (auto pos = consumer.Position(*idx); pos && *pos > next && polled->empty()) {
      next = std::min(*pos, end);  // skipped control batches / aborted records only
      continue;
    }
    if (polled->empty()) {
      if (std::chrono::steady_clock::now() - idle_since > options.idle_timeout) {
        return fail(absl::DeadlineExceededError(
            absl::StrCat("restoring store ", engine->name(), " from ", changelog.ToString(),
                         ": no data at offset ", next, " (end ", end, ")")));
      }
      continue;
    }
    idle_since = std::chrono::steady_clock::now();
    for (const auto& b : *polled) {
      writes.clear();
      for (const auto& r : b.records) {
        if (r.offset >= end) {
          next = end;
          break;
        }
        if (r.offset < next) continue;  // a batch that starts before `start`
        next = r.offset + 1;
        if (!r.key) continue;
        writes.push_back({*r.key, r.value});
      }
      if (!writes.empty()) {
        if (auto s = batch.Apply(writes); !s.ok()) return fail(s);
        applied += static_cast<int64_t>(writes.size());
      }
      // Compaction leaves offset gaps: the fetch position covers them.
      if (b.next_offset > next) next = std::min(b.next_offset, end);
      if (auto s = RunHook(options, engine->name(), applied); !s.ok()) {
        batch.Abandon();
        return fail(s);
      }
    }
    if (metrics.restore_offset != nullptr) metrics.restore_offset->Set(static_cast<double>(next));
  }
  if (auto s = batch.Finish(); !s.ok()) return fail(s);
  consumer.Stop();
  if (metrics.restore_offset != nullptr) metrics.restore_offset->Set(static_cast<double>(end));
  return applied;
}

}  // namespace eddy::runtime
