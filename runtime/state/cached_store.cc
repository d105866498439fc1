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
  // No up-front reserve: a table sized for the working set (not for object.cache.size) keeps
  // lookups in the CPU caches.
}

CachedStore::~CachedStore() {
  PublishMetrics();
  if (!dirty_.empty()) {
    // Losing them is safe (they were never checkpointed), but say so: the owner should Flush().
    std::cerr << "eddy: store " << inner_->name() << ": " << dirty_.size()
              << " dirty cache entries dropped at close (not flushed)\n";
  }
}

void CachedStore::PublishMetrics() {
  if (pending_gets_) metrics_.gets->Inc(pending_gets_);
  if (pending_hits_) metrics_.cache_hits->Inc(pending_hits_);
  if (pending_puts_) metrics_.puts->Inc(pending_puts_);
  if (pending_deletes_) metrics_.deletes->Inc(pending_deletes_);
  pending_gets_ = pending_hits_ = pending_puts_ = pending_deletes_ = 0;
}

void CachedStore::CountOp() {
  if (++pending_ops_ >= 1024) {
    pending_ops_ = 0;
    PublishMetrics();
  }
}

void CachedStore::Unlink(Entry* e) {
  if (e->prev)
    e->prev->next = e->next;
  else
    head_ = e->next;
  if (e->next)
    e->next->prev = e->prev;
  else
    tail_ = e->prev;
  e->prev = e->next = nullptr;
}

void CachedStore::PushFront(Entry* e) {
  e->prev = nullptr;
  e->next = head_;
  if (head_)
    head_->prev = e;
  else
    tail_ = e;
  head_ = e;
}

void CachedStore::Touch(Entry* e) {
  // Approximate LRU: an entry moved to the front less than capacity/4 operations ago has at most
  // capacity/4 entries ahead of it, so it is nowhere near eviction; moving it again would only
  // cost cache misses on its neighbours. Caches below 4 entries stay exact LRU.
  const uint64_t now = ++clock_;
  if (head_ == e || now - e->used_at < cache_size_ / 4) return;
  e->used_at = now;
  Unlink(e);
  PushFront(e);
}

CachedStore::Entry* CachedStore::Find(std::string_view key) {
  // Read-modify-write of one key (Get then Put) looks it up once.
  if (last_ && last_->key == key) return last_;
  auto it = map_.find(key);
  if (it == map_.end()) return nullptr;
  last_ = it->second.get();
  return last_;
}

absl::StatusOr<std::optional<std::string>> CachedStore::Get(std::string_view key) {
  ++pending_gets_;
  if (Entry* e = Find(key)) {
    ++pending_hits_;
    CountOp();
    Touch(e);
    if (!e->present) return std::optional<std::string>();
    return std::optional<std::string>(e->value);
  }
  PublishMetrics();
  metrics_.cache_misses->Inc();
  if ((metrics_.cache_misses->Get() & 1023) == 0) metrics_.UpdateHitRate();
  absl::StatusOr<std::optional<std::string>> v = inner_->Get(key);
  if (!v.ok()) return v.status();
  std::optional<std::string_view> view;
  if (v->has_value()) view = **v;
  if (auto e = Insert(key, view, /*dirty=*/false); !e.ok()) return e.status();
  return v;
}

absl::StatusOr<CachedStore::Entry*> CachedStore::Insert(std::string_view key,
                                                        std::optional<std::string_view> value,
                                                        bool dirty) {
  if (absl::Status s = EvictIfFull(); !s.ok()) return s;
  auto owned = std::make_unique<Entry>();
  Entry* e = owned.get();
  e->key.assign(key);
  if (value) {
    e->value.assign(*value);
    e->present = true;
  }
  e->dirty = dirty;
  map_.emplace(std::string_view(e->key), std::move(owned));
  e->used_at = ++clock_;
  last_ = e;
  PushFront(e);
  if (dirty) dirty_.push_back(e);
  return e;
}

absl::Status CachedStore::EvictIfFull() {
  while (map_.size() >= cache_size_ && tail_) {
    if (tail_->dirty) {
      // Write every dirty entry down (not just the victim) so the store below and the changelog
      // keep receiving whole batches.
      if (absl::Status s = FlushDirty(); !s.ok()) return s;
    }
    Entry* victim = tail_;
    if (last_ == victim) last_ = nullptr;
    metrics_.cache_evictions->Inc();
    Unlink(victim);
    map_.erase(std::string_view(victim->key));  // frees victim
  }
  return absl::OkStatus();
}

absl::Status CachedStore::Write(std::string_view key, std::optional<std::string_view> value) {
  CountOp();
  if (Entry* e = Find(key)) {
    Touch(e);
    if (!e->dirty) {
      // Unchanged value of a clean entry: the store below already holds exactly this.
      const bool same = value ? (e->present && e->value == *value) : !e->present;
      if (same) return absl::OkStatus();
    }
    if (value) {
      e->value.assign(*value);
      e->present = true;
    } else {
      e->value.clear();
      e->present = false;
    }
    if (!e->dirty) {
      e->dirty = true;
      dirty_.push_back(e);
    }
  } else {
    if (auto ins = Insert(key, value, /*dirty=*/true); !ins.ok()) return ins.status();
  }
  if (dirty_.size() >= write_batch_size_) return FlushDirty();
  return absl::OkStatus();
}

absl::Status CachedStore::Put(std::string_view key, std::string_view value) {
  ++pending_puts_;
  return Write(key, value);
}

absl::Status CachedStore::Delete(std::string_view key) {
  ++pending_deletes_;
  return Write(key, std::nullopt);
}

absl::Status CachedStore::ApplyBatch(std::span<const KeyValueWrite> writes) {
  for (const KeyValueWrite& w : writes) {
    if (w.value) {
      ++pending_puts_;
    } else {
      ++pending_deletes_;
    }
    if (absl::Status s = Write(w.key, w.value); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status CachedStore::FlushDirty() {
  PublishMetrics();
  if (dirty_.empty()) return absl::OkStatus();
  // Keys are distinct, so order inside the batch does not matter for correctness; sorted keys let
  // RocksDB's skiplist reuse its insert position from one key to the next.
  std::sort(dirty_.begin(), dirty_.end(),
            [](const Entry* a, const Entry* b) { return a->key < b->key; });
  std::vector<KeyValueWrite> writes;
  writes.reserve(dirty_.size());
  for (const Entry* e : dirty_) {
    std::optional<std::string_view> v;
    if (e->present) v = e->value;
    writes.push_back(KeyValueWrite{e->key, v});
  }
  absl::Status s = inner_->ApplyBatch(writes);
  if (!s.ok()) return s;  // entries stay dirty; the caller fails the task
  for (Entry* e : dirty_) e->dirty = false;
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
  head_ = tail_ = last_ = nullptr;
  map_.clear();
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
