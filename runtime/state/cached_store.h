// CachedStore: Samza's object cache, kept at the bytes level: an LRU of recently used entries in
// front of any KeyValueStoreBytes, with dirty-entry tracking (stores.<s>.object.cache.size,
// default 1000 entries; stores.<s>.write.batch.size, default 500).
//
// Writes land in the cache as dirty entries; they go to the store below in one ApplyBatch when
// the dirty count reaches write.batch.size, when a dirty entry would be evicted, on FlushDirty()
// and on Flush(). Reads see the cache (dirty entries included; a cached delete reads as absent).
// A flush writes the dirty entries sorted by key (each key once, with its latest value or a
// tombstone). Range/All/PrefixScan first write every dirty entry down, then iterate the store below
// (as Samza does), so iterators see every write. Writing a clean entry's current value again
// (same bytes, or deleting an absent key) leaves it clean: the store below already holds it.
//
// Because the layer below is the LoggedStore, changelog traffic is batched too: a key written
// many times between two flushes reaches the changelog once, with its latest value.
//
// Hot path: Get/Put of a cached key allocate nothing (heterogeneous lookup by string_view into a
// flat hash map of stable entries; the LRU list is intrusive). Recency is approximate: an entry
// moved to the front within the last capacity/4 operations is not moved again (it cannot be near
// the eviction end), which saves the list updates on hot keys.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
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
  // Heap-allocated so that its address is stable while the map rehashes; linked into the LRU.
  struct Entry {
    std::string key;
    std::string value;
    bool present = false;  // false: absent (deleted or not in the store)
    bool dirty = false;
    Entry* prev = nullptr;  // towards the most recent
    Entry* next = nullptr;  // towards the least recent
    uint64_t used_at = 0;   // clock_ at the last move to the front (see Touch)
  };
  // Transparent hash/equality over std::string_view (Debian's absl::string_view is a distinct
  // type, so the map is keyed by std::string_view pointing into Entry::key).
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const {
      return absl::Hash<absl::string_view>()(absl::string_view(s.data(), s.size()));
    }
  };
  struct Eq {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const { return a == b; }
  };

  Entry* Find(std::string_view key);
  absl::Status Write(std::string_view key, std::optional<std::string_view> value);
  void Unlink(Entry* e);
  void PushFront(Entry* e);
  void Touch(Entry* e);
  // Inserts a clean or dirty entry, evicting the least recently used entry when full.
  absl::StatusOr<Entry*> Insert(std::string_view key, std::optional<std::string_view> value,
                                bool dirty);
  absl::Status EvictIfFull();
  // Hit/get/put/delete counts are kept in plain fields and added to the shared metrics every
  // 1024 operations, on a miss and on FlushDirty (no atomic per operation).
  void CountOp();
  void PublishMetrics();

  std::unique_ptr<KeyValueStoreBytes> inner_;
  size_t cache_size_;
  size_t write_batch_size_;
  StoreMetrics metrics_;
  absl::flat_hash_map<std::string_view, std::unique_ptr<Entry>, Hash, Eq> map_;
  Entry* head_ = nullptr;      // most recently used
  Entry* tail_ = nullptr;      // least recently used
  uint64_t clock_ = 0;         // operations so far
  Entry* last_ = nullptr;      // the entry of the previous lookup (nullptr once evicted)
  std::vector<Entry*> dirty_;  // dirty entries, in first-dirtied order
  int64_t pending_gets_ = 0, pending_hits_ = 0, pending_puts_ = 0, pending_deletes_ = 0;
  int pending_ops_ = 0;
};

}  // namespace eddy::state
