#include "runtime/container/checkpoint_store.h"

#include "absl/strings/str_cat.h"

namespace eddy::runtime {

absl::Status CheckpointStore::Init() {
  auto admin = hub_->Admin(system_);
  if (!admin.ok()) return admin.status();
  return (*admin)->CreateStream({topic_, 1, /*compacted=*/true});
}

absl::StatusOr<std::map<std::string, Checkpoint>> CheckpointStore::ReadAll(
    std::chrono::milliseconds wait) {
  std::map<std::string, Checkpoint> out;
  auto admin = hub_->Admin(system_);
  if (!admin.ok()) return admin.status();
  auto offs = (*admin)->Offsets(topic_, 0);
  if (!offs.ok()) return offs.status();
  if (offs->upcoming <= offs->oldest) return out;
  auto consumer = hub_->NewConsumer(system_);  // read_committed (the eddy system's default)
  if (!consumer.ok()) return consumer.status();
  auto idx = (*consumer)->Register({system_, topic_, 0}, offs->oldest);
  if (!idx.ok()) return idx.status();
  if (auto s = (*consumer)->Start(); !s.ok()) return s;
  int64_t next = offs->oldest;
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (next < offs->upcoming) {
    auto batches = (*consumer)->Poll(std::chrono::milliseconds(200));
    if (!batches.ok()) return batches.status();
    if (auto pos = (*consumer)->Position(*idx); pos && *pos > next && batches->empty()) {
      next = std::min(*pos, offs->upcoming);  // skipped control batches / aborted records only
      continue;
    }
    if (batches->empty() && std::chrono::steady_clock::now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("reading checkpoints from ", system_, ".", topic_, ": stuck at offset ",
                       next, " (end ", offs->upcoming, "); a transaction open on it did not end"));
    }
    for (const auto& b : *batches) {
      for (const auto& r : b.records) {
        next = r.offset + 1;
        if (!r.key) continue;
        std::string task(*r.key);
        if (!r.value) {
          out.erase(task);
          continue;
        }
        auto cp = CheckpointFromJson(*r.value);
        if (!cp.ok()) {
          return absl::DataLossError(absl::StrCat("checkpoint of task '", task, "' at ", system_,
                                                  ".", topic_, "[0] offset ", r.offset, ": ",
                                                  cp.status().message()));
        }
        out[task] = std::move(*cp);
      }
      // Control batches and aborted transactions are skipped by the broker: move past them.
      if (b.next_offset > next) next = b.next_offset;
    }
  }
  (*consumer)->Stop();
  return out;
}

absl::Status CheckpointStore::Write(SystemProducer* producer, const std::string& task,
                                    const Checkpoint& cp) {
  std::string v = CheckpointToJson(cp);
  return producer->Send(topic_, 0, task, v, -1, {});
}

}  // namespace eddy::runtime
