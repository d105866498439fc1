// LoggedStore: forwards every put and delete to the store below AND to the store's
// ChangelogWriter (a tombstone for a delete), so the store can be rebuilt from its changelog.
//
// Layering (as Samza): CachedStore → LoggedStore → engine (RocksDB or in-memory). The changelog
// receives writes when the cache flushes them, in batches, with the latest value per key.
// Consistency (commit order in runtime/STATE_FORMAT.md): at commit the runtime (1) flushes the
// cache, which sends every dirty entry through this layer to the changelog producer and the
// engine, (2) flushes the producer, (3) reads the changelog end offset, (4) flushes the engine and
// creates the local store checkpoint at that offset, then (5) writes the task checkpoint naming
// it. Every write the task made before the commit is therefore in the changelog before the
// checkpoint names it, and restore replays the changelog only up to the checkpointed offset, so
// the restored store equals the state as of that checkpoint.
//
// The changelog append happens before the engine write; if either fails the write fails (the
// task then fails and restarts from its checkpoint, so a half-applied write is never kept).
#pragma once

#include <memory>

#include "eddy/kv_store.h"
#include "runtime/state/changelog_writer.h"
#include "runtime/state/store_metrics.h"

namespace eddy::state {

class LoggedStore final : public KeyValueStoreBytes {
 public:
  // `writer` must outlive this store.
  LoggedStore(std::unique_ptr<KeyValueStoreBytes> inner, ChangelogWriter* writer,
              StoreMetrics metrics = StoreMetrics::Detached());

  const std::string& name() const override { return inner_->name(); }
  absl::StatusOr<std::optional<std::string>> Get(std::string_view key) override {
    return inner_->Get(key);
  }
  absl::StatusOr<std::vector<std::optional<std::string>>> GetAll(
      std::span<const std::string_view> keys) override {
    return inner_->GetAll(keys);
  }
  absl::Status Put(std::string_view key, std::string_view value) override;
  absl::Status Delete(std::string_view key) override;
  // Appends every write to the changelog in order, then applies the batch below.
  absl::Status ApplyBatch(std::span<const KeyValueWrite> writes) override;
  absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> Range(std::string_view from,
                                                               std::string_view to) override {
    return inner_->Range(from, to);
  }
  absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> All() override { return inner_->All(); }
  absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> PrefixScan(
      std::string_view prefix) override {
    return inner_->PrefixScan(prefix);
  }
  // Flushes the store below. Does not flush the changelog producer: the runtime does that at
  // commit.
  absl::Status Flush() override { return inner_->Flush(); }

  KeyValueStoreBytes* inner() { return inner_.get(); }

 private:
  std::unique_ptr<KeyValueStoreBytes> inner_;
  ChangelogWriter* writer_;
  StoreMetrics metrics_;
};

}  // namespace eddy::state
