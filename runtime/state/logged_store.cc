// LoggedStore: changelog append, then the engine write.
#include "runtime/state/logged_store.h"

namespace eddy::state {

LoggedStore::LoggedStore(std::unique_ptr<KeyValueStoreBytes> inner, ChangelogWriter* writer,
                         StoreMetrics metrics)
    : inner_(std::move(inner)), writer_(writer), metrics_(metrics) {}

absl::Status LoggedStore::Put(std::string_view key, std::string_view value) {
  if (absl::Status s = writer_->Append(key, value); !s.ok()) return s;
  metrics_.changelog_records->Inc();
  return inner_->Put(key, value);
}

absl::Status LoggedStore::Delete(std::string_view key) {
  if (absl::Status s = writer_->Append(key, std::nullopt); !s.ok()) return s;
  metrics_.changelog_records->Inc();
  return inner_->Delete(key);
}

absl::Status LoggedStore::ApplyBatch(std::span<const KeyValueWrite> writes) {
  for (const KeyValueWrite& w : writes) {
    if (absl::Status s = writer_->Append(w.key, w.value); !s.ok()) return s;
  }
  metrics_.changelog_records->Inc(static_cast<int64_t>(writes.size()));
  return inner_->ApplyBatch(writes);
}

}  // namespace eddy::state
