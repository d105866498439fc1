// KeyValueStoreBytes default batch operations and the unclosed-iterator warning.
#include "eddy/kv_store.h"

#include <iostream>

namespace eddy {

KeyValueIteratorBytes::~KeyValueIteratorBytes() {
  if (!closed_) {
    std::cerr << "eddy: an iterator over store " << store_name_
              << " was destroyed without Close(); close iterators when done\n";
  }
}

KeyValueStoreBytes::~KeyValueStoreBytes() = default;

absl::StatusOr<std::vector<std::optional<std::string>>> KeyValueStoreBytes::GetAll(
    std::span<const std::string_view> keys) {
  std::vector<std::optional<std::string>> out;
  out.reserve(keys.size());
  for (std::string_view k : keys) {
    absl::StatusOr<std::optional<std::string>> v = Get(k);
    if (!v.ok()) return v.status();
    out.push_back(std::move(*v));
  }
  return out;
}

absl::Status KeyValueStoreBytes::PutAll(std::span<const KeyValueView> entries) {
  std::vector<KeyValueWrite> writes;
  writes.reserve(entries.size());
  for (const KeyValueView& e : entries) writes.push_back(KeyValueWrite{e.key, e.value});
  return ApplyBatch(writes);
}

absl::Status KeyValueStoreBytes::DeleteAll(std::span<const std::string_view> keys) {
  std::vector<KeyValueWrite> writes;
  writes.reserve(keys.size());
  for (std::string_view k : keys) writes.push_back(KeyValueWrite{k, std::nullopt});
  return ApplyBatch(writes);
}

absl::Status KeyValueStoreBytes::ApplyBatch(std::span<const KeyValueWrite> writes) {
  for (const KeyValueWrite& w : writes) {
    absl::Status s = w.value.has_value() ? Put(w.key, *w.value) : Delete(w.key);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace eddy
