// CachedStore: Samza's object cache, kept at the bytes level: an LRU of recently used entries in
// front of any KeyValueStoreBytes, with dirty-entry tracking (stores.<s>.object.cache.size,
// default 1000 entries; stores.<s>.write.batch.size, default 500).
//
// Writes land in the cache as dirty entries; they go to the store below in one ApplyBatch when
// the dirty count reaches write.batch.size, when a dirty entry would be evicted, on FlushDirty()
// and on Flush(). Reads see the cache (dirty entries included; a cached delete reads as absent).
// A flush writes the dirty entries sorted by key (each key once, with its latest value or a
// tombstone). Range/All/PrefixScan first write every dirty entry down, then iterate the store below
// (as Samza does), so iterators see every write.
//
// Because the layer below is the LoggedStore, changelog traffic is batched too: a key written
// many times between two flushes reaches the changelog once, with its latest value.
#pragma once

#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "eddy/kv_store.h"
#include "runtime/state/store_metrics.h"

namespace eddy::state {

class CachedStore final : public KeyValueStoreBytes {
 public:
  // `cache_size` ≥ 1 entries; `write_batch_size` ≥ 1 (clamped to cache_size).
  CachedStore(std::unique_ptr<KeyValueStoreBytes> inner, size_t cache_size, size_t write_batch_size,
              StoreMetrics metrics = StoreMetrics::Detached());
  ~CachedStore() override;

  const std::string& name() const override { return inner_->name(); }
  absl::StatusOr<std::optional<std::string>> Get(std::string_view key) override;
  absl::Status Put(std::string_view key, std::string_view value) override;
  absl::Status Delete(std::string_view key) override;
  absl::Status ApplyBatch(std::span<const KeyValueWrite> writes) override;
  absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> Range(std::string_view from,
                                                               std::string_view to) override;
  absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> All() override;
  absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> PrefixScan(
      std::string_view prefix) override;
  // FlushDirty() then Flush() of the store below.
  absl::Status Flush() override;

  // Writes every dirty entry to the store below in one batch (commit step 1). Does not flush the
  // store below.
  absl::Status FlushDirty();
  // Drops every cached entry (after FlushDirty); used before restore-from-scratch.
  absl::Status Clear();

  size_t cached_entries() const { return map_.size(); }
  size_t dirty_entries() const { return dirty_.size(); }
  KeyValueStoreBytes* inner() { return inner_.get(); }

 private:
  struct Entry {
    std::optional<std::string> value;  // nullopt: absent (deleted or not in the store)
    bool dirty = false;
    std::list<std::string>::iterator lru;  // position in lru_ (front = most recent)
  };
  absl::Status Write(std::string_view key, std::optional<std::string_view> value);
  void Touch(Entry& e);
  // Inserts a clean or dirty entry, evicting the least recently used entry when full.
  absl::Status Insert(std::string_view key, std::optional<std::string_view> value, bool dirty);
  absl::Status EvictIfFull();

  std::unique_ptr<KeyValueStoreBytes> inner_;
  size_t cache_size_;
  size_t write_batch_size_;
  StoreMetrics metrics_;
  std::unordered_map<std::string, Entry> map_;
  std::list<std::string> lru_;
  std::vector<std::string> dirty_;  // keys of dirty entries, in first-dirtied order
};

}  // namespace eddy::state
