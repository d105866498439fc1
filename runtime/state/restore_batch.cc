// RestoreBatch: bulk changelog apply into the engine.
#include "runtime/state/restore_batch.h"

namespace eddy::state {

RestoreBatch::RestoreBatch(KeyValueStoreBytes* engine, StoreMetrics metrics)
    : engine_(engine), metrics_(metrics) {}

absl::Status RestoreBatch::Apply(std::span<const KeyValueWrite> records) {
  if (records.empty()) return absl::OkStatus();
  auto start = std::chrono::steady_clock::now();
  int64_t bytes = 0;
  for (const KeyValueWrite& r : records) {
    bytes += static_cast<int64_t>(r.key.size() + (r.value ? r.value->size() : 0));
  }
  absl::Status s = engine_->ApplyBatch(records);
  auto took = std::chrono::steady_clock::now() - start;
  if (!s.ok()) {
    return absl::Status(s.code(), "restore of store " + engine_->name() + ": " +
                                      std::string(s.message()));
  }
  records_ += static_cast<int64_t>(records.size());
  bytes_ += bytes;
  elapsed_ += std::chrono::duration_cast<std::chrono::nanoseconds>(took);
  metrics_.restore_records->Inc(static_cast<int64_t>(records.size()));
  metrics_.restore_bytes->Inc(bytes);
  metrics_.restore_time->Update(took);
  return absl::OkStatus();
}

absl::Status RestoreBatch::Add(std::string_view key, std::optional<std::string_view> value) {
  Pending p;
  p.key_off = buf_.size();
  p.key_len = key.size();
  buf_.append(key);
  p.has_value = value.has_value();
  p.value_off = buf_.size();
  p.value_len = value ? value->size() : 0;
  if (value) buf_.append(*value);
  pending_.push_back(p);
  if (buf_.size() >= kFlushBytes) return Finish();
  return absl::OkStatus();
}

absl::Status RestoreBatch::Finish() {
  if (pending_.empty()) return absl::OkStatus();
  std::vector<KeyValueWrite> writes;
  writes.reserve(pending_.size());
  std::string_view all(buf_);
  for (const Pending& p : pending_) {
    std::optional<std::string_view> v;
    if (p.has_value) v = all.substr(p.value_off, p.value_len);
    writes.push_back(KeyValueWrite{all.substr(p.key_off, p.key_len), v});
  }
  absl::Status s = Apply(writes);
  buf_.clear();
  pending_.clear();
  return s;
}

}  // namespace eddy::state
