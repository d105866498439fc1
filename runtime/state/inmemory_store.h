// InMemoryStore: a KeyValueStoreBytes over a sorted std::map (stores.<s>.factory=inmemory).
// Nothing survives the process; with a changelog it is rebuilt by restore. Used by the store
// factory and by tests.
#pragma once

#include <map>
#include <string>

#include "eddy/kv_store.h"
#include "runtime/state/store_metrics.h"

namespace eddy::state {

class InMemoryStore final : public KeyValueStoreBytes {
 public:
  explicit InMemoryStore(std::string name, StoreMetrics metrics = StoreMetrics::Detached());

  const std::string& name() const override { return name_; }
  absl::StatusOr<std::optional<std::string>> Get(std::string_view key) override;
  absl::Status Put(std::string_view key, std::string_view value) override;
  absl::Status Delete(std::string_view key) override;
  absl::Status ApplyBatch(std::span<const KeyValueWrite> writes) override;
  absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> Range(std::string_view from,
                                                               std::string_view to) override;
  absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> All() override;
  absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> PrefixScan(
      std::string_view prefix) override;
  absl::Status Flush() override { return absl::OkStatus(); }

  size_t size() const { return map_.size(); }

 private:
  std::string name_;
  StoreMetrics metrics_;
  std::map<std::string, std::string, std::less<>> map_;
};

}  // namespace eddy::state
