// CachedStore: LRU object cache with dirty-entry batching.
#include "runtime/state/cached_store.h"

#include <algorithm>
#include <iostream>

namespace eddy::state {

CachedStore::CachedStore(std::unique_ptr<KeyValueStoreBytes> inner, size_t cache_size,
                         size_t write_batch_size, StoreMetrics metrics)
    : inner_(std::move(inner)),
      cache_size_(std::max<size_t>(cache_size, 1)),
      write_batch_size_(std::clamp<size_t>(write_batch_size, 1, std::max<size_t>(cache_size, 1))),
      metrics_(metrics) {
  map_.reserve(cache_size_ + 1);
}

CachedStore::~CachedStore() {
  if (!dirty_.empty()) {
    // Losing them is safe (they were never checkpointed), but say so: the owner should Flush().
    std::cerr << "eddy: store " << inner_->name() << ": " << dirty_.size()
              << " dirty cache entries dropped at close (not flushed)\n";
  }
}

void CachedStore::Touch(Entry& e) { lru_.splice(lru_.begin(), lru_, e.lru); }

absl::StatusOr<std::optional<std::string>> CachedStore::Get(std::string_view key) {
  metrics_.gets->Inc();
  std::string k(key);
  auto it = map_.find(k);
  if (it != map_.end()) {
    metrics_.cache_hits->Inc();
    Touch(it->second);
    return it->second.value;
  }
  metrics_.cache_misses->Inc();
  if ((metrics_.cache_misses->Get() & 1023) == 0) metrics_.UpdateHitRate();
  absl::StatusOr<std::optional<std::string>> v = inner_->Get(key);
  if (!v.ok()) return v.status();
  std::optional<std::string_view> view;
  if (v->has_value()) view = **v;
  if (absl::Status s = Insert(key, view, /*dirty=*/false); !s.ok()) return s;
  return v;
}

absl::Status CachedStore::Insert(std::string_view key, std::optional<std::string_view> value,
                                 bool dirty) {
  if (absl::Status s = EvictIfFull(); !s.ok()) return s;
  std::string k(key);
  lru_.push_front(k);
  Entry& e = map_[std::move(k)];
  if (value) e.value.emplace(*value);
  e.dirty = dirty;
  e.lru = lru_.begin();
  if (dirty) dirty_.push_back(lru_.front());
  return absl::OkStatus();
}

absl::Status CachedStore::EvictIfFull() {
  while (map_.size() >= cache_size_) {
    auto victim = map_.find(lru_.back());
    if (victim->second.dirty) {
      // Write every dirty entry down (not just the victim) so the store below and the changelog
      // keep receiving whole batches.
      if (absl::Status s = FlushDirty(); !s.ok()) return s;
    }
    metrics_.cache_evictions->Inc();
    lru_.pop_back();
    map_.erase(victim);
  }
  return absl::OkStatus();
}

absl::Status CachedStore::Write(std::string_view key, std::optional<std::string_view> value) {
  std::string k(key);
  auto it = map_.find(k);
  if (it != map_.end()) {
    Entry& e = it->second;
    if (value) {
      if (e.value) {
        e.value->assign(*value);
      } else {
        e.value.emplace(*value);
      }
    } else {
      e.value.reset();
    }
    Touch(e);
    if (!e.dirty) {
      e.dirty = true;
      dirty_.push_back(std::move(k));
    }
  } else {
    if (absl::Status s = Insert(key, value, /*dirty=*/true); !s.ok()) return s;
  }
  if (dirty_.size() >= write_batch_size_) return FlushDirty();
  return absl::OkStatus();
}

absl::Status CachedStore::Put(std::string_view key, std::string_view value) {
  metrics_.puts->Inc();
  return Write(key, value);
}

absl::Status CachedStore::Delete(std::string_view key) {
  metrics_.deletes->Inc();
  return Write(key, std::nullopt);
}

absl::Status CachedStore::ApplyBatch(std::span<const KeyValueWrite> writes) {
  for (const KeyValueWrite& w : writes) {
    if (w.value) {
      metrics_.puts->Inc();
    } else {
      metrics_.deletes->Inc();
    }
    if (absl::Status s = Write(w.key, w.value); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status CachedStore::FlushDirty() {
  if (dirty_.empty()) return absl::OkStatus();
  std::vector<KeyValueWrite> writes;
  writes.reserve(dirty_.size());
  std::vector<Entry*> entries;
  entries.reserve(dirty_.size());
  for (const std::string& k : dirty_) {
    auto it = map_.find(k);
    if (it == map_.end() || !it->second.dirty) continue;  // cannot happen; be safe
    Entry& e = it->second;
    std::optional<std::string_view> v;
    if (e.value) v = *e.value;
    writes.push_back(KeyValueWrite{it->first, v});
    entries.push_back(&e);
  }
  // Keys are distinct, so order inside the batch does not matter for correctness; sorted keys let
  // RocksDB's skiplist reuse its insert position from one key to the next.
  std::sort(writes.begin(), writes.end(),
            [](const KeyValueWrite& a, const KeyValueWrite& b) { return a.key < b.key; });
  absl::Status s = inner_->ApplyBatch(writes);
  if (!s.ok()) return s;  // entries stay dirty; the caller fails the task
  for (Entry* e : entries) e->dirty = false;
  dirty_.clear();
  metrics_.cache_flushes->Inc();
  metrics_.UpdateHitRate();
  return absl::OkStatus();
}

absl::Status CachedStore::Flush() {
  if (absl::Status s = FlushDirty(); !s.ok()) return s;
  return inner_->Flush();
}

absl::Status CachedStore::Clear() {
  if (absl::Status s = FlushDirty(); !s.ok()) return s;
  map_.clear();
  lru_.clear();
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> CachedStore::Range(std::string_view from,
                                                                          std::string_view to) {
  if (absl::Status s = FlushDirty(); !s.ok()) return s;
  return inner_->Range(from, to);
}

absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> CachedStore::All() {
  if (absl::Status s = FlushDirty(); !s.ok()) return s;
  return inner_->All();
}

absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> CachedStore::PrefixScan(
    std::string_view prefix) {
  if (absl::Status s = FlushDirty(); !s.ok()) return s;
  return inner_->PrefixScan(prefix);
}

}  // namespace eddy::state
