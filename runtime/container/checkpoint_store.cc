#include "runtime/container/checkpoint_store.h"

#include "absl/strings/str_cat.h"

namespace eddy::runtime {

absl::Status CheckpointStore::Init() {
  auto admin = hub_->Admin(system_);
  if (!admin.ok()) return admin.status();
  return (*admin)->CreateStream({topic_, 1, /*compacted=*/true});
}

absl::StatusOr<std::map<std::string, Checkpoint>> CheckpointStore::ReadAll() {
  std::map<std::string, Checkpoint> out;
  auto admin = hub_->Admin(system_);
  if (!admin.ok()) return admin.status();
  auto offs = (*admin)->Offsets(topic_, 0);
  if (!offs.ok()) return offs.status();
  if (offs->upcoming <= offs->oldest) return out;
  auto consumer = hub_->NewConsumer(system_);
  if (!consumer.ok()) return consumer.status();
  auto idx = (*consumer)->Register({system_, topic_, 0}, offs->oldest);
  if (!idx.ok()) return idx.status();
  if (auto s = (*consumer)->Start(); !s.ok()) return s;
  int64_t next = offs->oldest;
  int idle = 0;
  while (next < offs->upcoming) {
    auto batches = (*consumer)->Poll(std::chrono::milliseconds(200));
    if (!batches.ok()) return batches.status();
    if (batches->empty() && ++idle > 150) {
      return absl::DeadlineExceededError(absl::StrCat("reading checkpoints from ", system_, ".",
                                                      topic_, ": stuck at offset ", next));
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
    }
  }
  (*consumer)->Stop();
  return out;
}

absl::Status CheckpointStore::Write(const std::string& task, const Checkpoint& cp) {
  auto p = hub_->Producer(system_);
  if (!p.ok()) return p.status();
  std::string v = CheckpointToJson(cp);
  return (*p)->Send(topic_, 0, task, v, -1, {});
}

}  // namespace eddy::runtime
