// InMemoryStore over std::map.
#include "runtime/state/inmemory_store.h"

namespace eddy::state {
namespace {

using Map = std::map<std::string, std::string, std::less<>>;

// Iterates [begin, end) of the map without copying. Inserting while an iterator is open is safe
// (std::map iterators stay valid); deleting the entry the iterator stands on, or its end bound,
// is not: the in-memory engine gives no snapshot isolation (RocksDB does).
class MapIterator final : public KeyValueIteratorBytes {
 public:
  MapIterator(std::string store, Map::const_iterator begin, Map::const_iterator end)
      : KeyValueIteratorBytes(std::move(store)), it_(begin), end_(end) {}
  bool Valid() const override { return !closed() && it_ != end_; }
  std::string_view key() const override { return it_->first; }
  std::string_view value() const override { return it_->second; }
  void Next() override { ++it_; }
  absl::Status status() const override { return absl::OkStatus(); }

 protected:
  void DoClose() override {}

 private:
  Map::const_iterator it_, end_;
};

std::string PrefixSuccessor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty()) {
    unsigned char c = static_cast<unsigned char>(s.back());
    if (c != 0xFF) {
      s.back() = static_cast<char>(c + 1);
      return s;
    }
    s.pop_back();
  }
  return s;  // "" = no upper bound
}

}  // namespace

InMemoryStore::InMemoryStore(std::string name, StoreMetrics metrics)
    : name_(std::move(name)), metrics_(metrics) {}

absl::StatusOr<std::optional<std::string>> InMemoryStore::Get(std::string_view key) {
  metrics_.gets->Inc();
  auto it = map_.find(key);
  if (it == map_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

absl::Status InMemoryStore::Put(std::string_view key, std::string_view value) {
  metrics_.puts->Inc();
  auto it = map_.find(key);
  if (it == map_.end()) {
    map_.emplace(std::string(key), std::string(value));
  } else {
    it->second.assign(value);
  }
  return absl::OkStatus();
}

absl::Status InMemoryStore::Delete(std::string_view key) {
  metrics_.deletes->Inc();
  auto it = map_.find(key);
  if (it != map_.end()) map_.erase(it);
  return absl::OkStatus();
}

absl::Status InMemoryStore::ApplyBatch(std::span<const KeyValueWrite> writes) {
  for (const KeyValueWrite& w : writes) {
    if (w.value) {
      (void)Put(w.key, *w.value);
    } else {
      (void)Delete(w.key);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> InMemoryStore::Range(std::string_view from,
                                                                            std::string_view to) {
  metrics_.ranges->Inc();
  auto b = map_.lower_bound(from);
  auto e = map_.lower_bound(to);
  if (to <= from) e = b;
  return std::unique_ptr<KeyValueIteratorBytes>(new MapIterator(name_, b, e));
}

absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> InMemoryStore::All() {
  metrics_.ranges->Inc();
  return std::unique_ptr<KeyValueIteratorBytes>(new MapIterator(name_, map_.begin(), map_.end()));
}

absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> InMemoryStore::PrefixScan(
    std::string_view prefix) {
  metrics_.ranges->Inc();
  auto b = map_.lower_bound(prefix);
  std::string succ = PrefixSuccessor(prefix);
  auto e = succ.empty() ? map_.end() : map_.lower_bound(succ);
  return std::unique_ptr<KeyValueIteratorBytes>(new MapIterator(name_, b, e));
}

}  // namespace eddy::state
