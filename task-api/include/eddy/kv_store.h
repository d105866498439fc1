// Key-value stores. KeyValueStoreBytes is the untyped store the runtime implements (RocksDB,
// in-memory, with object cache and changelog layers); KeyValueStore<K, V> is the typed view a task
// gets from Context::GetStore<K, V>(name), converting with the store's configured serdes.
//
// Ordering: keys are ordered by their serialized bytes (unsigned lexicographic), as in RocksDB.
// (So int32/int64 keys in big-endian order: non-negative numbers sort in numeric order, negative
// ones after them.)
//
// Iterators must be closed with Close() when done; an iterator pins resources of the store
// (a RocksDB snapshot). Destroying an unclosed iterator logs a warning naming the store.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "eddy/serde.h"

namespace eddy {

// --- Untyped ---------------------------------------------------------------------------------

// A cursor over (key bytes, value bytes), positioned on the first entry when created.
//   for (; it->Valid(); it->Next()) use(it->key(), it->value());
//   absl::Status s = it->status(); it->Close();
// key()/value() views are valid until the next Next()/Close().
class KeyValueIteratorBytes {
 public:
  explicit KeyValueIteratorBytes(std::string store_name) : store_name_(std::move(store_name)) {}
  // Logs to stderr when the iterator was not closed.
  virtual ~KeyValueIteratorBytes();
  KeyValueIteratorBytes(const KeyValueIteratorBytes&) = delete;
  KeyValueIteratorBytes& operator=(const KeyValueIteratorBytes&) = delete;

  virtual bool Valid() const = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  virtual void Next() = 0;
  // An error met while iterating (Valid() is then false).
  virtual absl::Status status() const = 0;

  // Releases the iterator's resources. Idempotent.
  void Close() {
    if (!closed_) {
      closed_ = true;
      DoClose();
    }
  }
  bool closed() const { return closed_; }
  const std::string& store_name() const { return store_name_; }

 protected:
  virtual void DoClose() = 0;

 private:
  std::string store_name_;
  bool closed_ = false;
};

struct KeyValueView {
  std::string_view key;
  std::string_view value;
};

// One write of a batch: a put, or a delete when `value` is nullopt.
struct KeyValueWrite {
  std::string_view key;
  std::optional<std::string_view> value;
};

class KeyValueStoreBytes {
 public:
  virtual ~KeyValueStoreBytes();

  // The store's name (stores.<name>.*).
  virtual const std::string& name() const = 0;

  // nullopt when the key is absent.
  virtual absl::StatusOr<std::optional<std::string>> Get(std::string_view key) = 0;
  // One result per key, in the order of `keys`.
  virtual absl::StatusOr<std::vector<std::optional<std::string>>> GetAll(
      std::span<const std::string_view> keys);

  virtual absl::Status Put(std::string_view key, std::string_view value) = 0;
  virtual absl::Status PutAll(std::span<const KeyValueView> entries);
  virtual absl::Status Delete(std::string_view key) = 0;
  virtual absl::Status DeleteAll(std::span<const std::string_view> keys);
  // Applies puts and deletes in order, atomically where the engine can (one RocksDB WriteBatch).
  // Default: one call per write.
  virtual absl::Status ApplyBatch(std::span<const KeyValueWrite> writes);

  // Entries with from <= key < to.
  virtual absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> Range(std::string_view from,
                                                                       std::string_view to) = 0;
  virtual absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> All() = 0;
  // Entries whose key starts with `prefix`.
  virtual absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> PrefixScan(
      std::string_view prefix) = 0;

  // Makes buffered writes durable in the layer below (cache → changelog/engine; RocksDB →
  // memtable flushed to SST, since the WAL is off). The runtime calls it at commit.
  virtual absl::Status Flush() = 0;
};

// --- Typed -----------------------------------------------------------------------------------

// A typed cursor over a KeyValueIteratorBytes. Move-only. key()/value() deserialize the current
// entry; a deserialization error names the store.
template <class K, class V>
class KeyValueIterator {
 public:
  KeyValueIterator(std::unique_ptr<KeyValueIteratorBytes> it, const Serde<K>* key_serde,
                   const Serde<V>* value_serde)
      : it_(std::move(it)), key_serde_(key_serde), value_serde_(value_serde) {}
  KeyValueIterator(KeyValueIterator&&) noexcept = default;
  KeyValueIterator& operator=(KeyValueIterator&&) noexcept = default;

  bool Valid() const { return it_ && it_->Valid(); }
  void Next() { it_->Next(); }
  absl::StatusOr<K> key() const { return Annotate(key_serde_->Deserialize(it_->key()), "key"); }
  absl::StatusOr<V> value() const {
    return Annotate(value_serde_->Deserialize(it_->value()), "value");
  }
  std::string_view raw_key() const { return it_->key(); }
  std::string_view raw_value() const { return it_->value(); }
  absl::Status status() const { return it_ ? it_->status() : absl::OkStatus(); }
  void Close() {
    if (it_) it_->Close();
  }

 private:
  template <class T>
  absl::StatusOr<T> Annotate(absl::StatusOr<T> v, const char* what) const {
    if (v.ok()) return v;
    return absl::Status(v.status().code(), "store " + it_->store_name() + ": cannot deserialize " +
                                               what + ": " + std::string(v.status().message()));
  }

  std::unique_ptr<KeyValueIteratorBytes> it_;
  const Serde<K>* key_serde_;
  const Serde<V>* value_serde_;
};

// The typed store a task uses. Does not own the bytes store or the serdes.
template <class K, class V>
class KeyValueStore {
 public:
  using Iterator = KeyValueIterator<K, V>;

  KeyValueStore(KeyValueStoreBytes* store, const Serde<K>* key_serde, const Serde<V>* value_serde)
      : store_(store), key_serde_(key_serde), value_serde_(value_serde) {
    if constexpr (std::is_same_v<K, std::string>) {
      // string/bytes keys are their own bytes: Get/Put/Delete pass them without a serde call.
      key_is_bytes_ = dynamic_cast<const StringSerde*>(key_serde) != nullptr ||
                      dynamic_cast<const BytesSerde*>(key_serde) != nullptr;
    }
  }

  const std::string& name() const { return store_->name(); }
  KeyValueStoreBytes& bytes() { return *store_; }

  absl::StatusOr<std::optional<V>> Get(const K& key) {
    std::string k;
    std::string_view kv;
    if (absl::Status s = KeyBytes(key, &k, &kv); !s.ok()) return s;
    absl::StatusOr<std::optional<std::string>> raw = store_->Get(kv);
    if (!raw.ok()) return raw.status();
    if (!raw->has_value()) return std::optional<V>();
    absl::StatusOr<V> v = value_serde_->Deserialize(**raw);
    if (!v.ok()) return Error(v.status(), "cannot deserialize value");
    return std::optional<V>(std::move(*v));
  }

  // One result per key, in order.
  absl::StatusOr<std::vector<std::optional<V>>> GetAll(const std::vector<K>& keys) {
    std::vector<std::string> ks(keys.size());
    std::vector<std::string_view> views(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) {
      if (absl::Status s = SerializeKey(keys[i], &ks[i]); !s.ok()) return s;
      views[i] = ks[i];
    }
    auto raw = store_->GetAll(views);
    if (!raw.ok()) return raw.status();
    std::vector<std::optional<V>> out(raw->size());
    for (size_t i = 0; i < raw->size(); ++i) {
      if (!(*raw)[i].has_value()) continue;
      absl::StatusOr<V> v = value_serde_->Deserialize(*(*raw)[i]);
      if (!v.ok()) return Error(v.status(), "cannot deserialize value");
      out[i] = std::move(*v);
    }
    return out;
  }

  absl::Status Put(const K& key, const V& value) {
    std::string k, v;
    std::string_view kv;
    if (absl::Status s = KeyBytes(key, &k, &kv); !s.ok()) return s;
    if (absl::Status s = value_serde_->Serialize(value, &v); !s.ok())
      return Error(s, "cannot serialize value");
    return store_->Put(kv, v);
  }

  absl::Status PutAll(const std::vector<std::pair<K, V>>& entries) {
    std::vector<std::string> buf(entries.size() * 2);
    std::vector<KeyValueView> views(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
      if (absl::Status s = SerializeKey(entries[i].first, &buf[2 * i]); !s.ok()) return s;
      if (absl::Status s = value_serde_->Serialize(entries[i].second, &buf[2 * i + 1]); !s.ok())
        return Error(s, "cannot serialize value");
      views[i] = KeyValueView{buf[2 * i], buf[2 * i + 1]};
    }
    return store_->PutAll(views);
  }

  absl::Status Delete(const K& key) {
    std::string k;
    std::string_view kv;
    if (absl::Status s = KeyBytes(key, &k, &kv); !s.ok()) return s;
    return store_->Delete(kv);
  }

  absl::Status DeleteAll(const std::vector<K>& keys) {
    std::vector<std::string> ks(keys.size());
    std::vector<std::string_view> views(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) {
      if (absl::Status s = SerializeKey(keys[i], &ks[i]); !s.ok()) return s;
      views[i] = ks[i];
    }
    return store_->DeleteAll(views);
  }

  // from <= key < to, by serialized key bytes.
  absl::StatusOr<Iterator> Range(const K& from, const K& to) {
    std::string f, t;
    if (absl::Status s = SerializeKey(from, &f); !s.ok()) return s;
    if (absl::Status s = SerializeKey(to, &t); !s.ok()) return s;
    return Wrap(store_->Range(f, t));
  }
  absl::StatusOr<Iterator> All() { return Wrap(store_->All()); }
  // Keys whose serialized bytes start with the serialized `prefix` (for string keys: the natural
  // string prefix).
  absl::StatusOr<Iterator> PrefixScan(const K& prefix) {
    std::string p;
    if (absl::Status s = SerializeKey(prefix, &p); !s.ok()) return s;
    return Wrap(store_->PrefixScan(p));
  }

  absl::Status Flush() { return store_->Flush(); }

 private:
  // The key's bytes in *view: the key itself for string/bytes serdes, else serialized into *buf.
  absl::Status KeyBytes(const K& key, std::string* buf, std::string_view* view) const {
    if constexpr (std::is_same_v<K, std::string>) {
      if (key_is_bytes_) {
        *view = key;
        return absl::OkStatus();
      }
    }
    if (absl::Status s = SerializeKey(key, buf); !s.ok()) return s;
    *view = *buf;
    return absl::OkStatus();
  }
  absl::Status SerializeKey(const K& key, std::string* out) const {
    absl::Status s = key_serde_->Serialize(key, out);
    return s.ok() ? s : Error(s, "cannot serialize key");
  }
  absl::Status Error(const absl::Status& s, const char* what) const {
    return absl::Status(s.code(),
                        "store " + store_->name() + ": " + what + ": " + std::string(s.message()));
  }
  absl::StatusOr<Iterator> Wrap(absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> it) {
    if (!it.ok()) return it.status();
    return Iterator(std::move(*it), key_serde_, value_serde_);
  }

  KeyValueStoreBytes* store_;
  const Serde<K>* key_serde_;
  const Serde<V>* value_serde_;
  bool key_is_bytes_ = false;
};

}  // namespace eddy
