// Context (Samza's TaskContext): what a task gets in InitableTask::Init — its config, name,
// input partitions, stores and metrics. The runtime implements the abstract methods; the typed
// store lookup is implemented here on top of them.
//
//   absl::Status Init(eddy::Context& context) override {
//     auto store = context.GetStore<std::string, int64_t>("counts");
//     if (!store.ok()) return store.status();
//     counts_ = *store;   // lives as long as the task
//     ...
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "eddy/config.h"
#include "eddy/kv_store.h"
#include "eddy/metrics.h"
#include "eddy/serde.h"
#include "eddy/system_stream.h"
#include "eddy/timers.h"

namespace eddy {

// A store as the runtime hands it out: the byte store plus its configured serdes. A serde is null
// when stores.<s>.key.serde / .msg.serde is not set; the store is then usable only as
// KeyValueStore<std::string, std::string> (raw bytes).
struct StoreHandle {
  KeyValueStoreBytes* store = nullptr;
  const SerdeBase* key_serde = nullptr;
  const SerdeBase* msg_serde = nullptr;
  // The serde names from config ("string", "my-point-serde"), for error messages.
  std::string key_serde_name;
  std::string msg_serde_name;
};

class Context {
 public:
  virtual ~Context();

  virtual const Config& config() const = 0;
  virtual const TaskName& task_name() const = 0;
  // The input partitions of this task.
  virtual const std::vector<SystemStreamPartition>& system_stream_partitions() const = 0;
  // The container's registry; use a group named for your task or job.
  virtual MetricsRegistry& metrics() = 0;
  // The store `name` of this task; NotFound (naming the store and the defined stores) when there
  // is no stores.<name>.factory.
  virtual absl::StatusOr<StoreHandle> GetStoreHandle(std::string_view name) = 0;
  // The task's watermark, clock and timers (eddy/timers.h). The default (a context without
  // timer support, e.g. a test fake) refuses Register/Delete with FailedPrecondition and reports
  // kNoWatermark.
  virtual TimerService& timers();

  // The typed store `name`. Fails with InvalidArgument when the configured key/msg serde does not
  // produce K / V (the error names the store, the serde and both types). The returned pointer is
  // owned by this Context and valid for the task's lifetime; asking again with the same types
  // returns the same object.
  template <class K, class V>
  absl::StatusOr<KeyValueStore<K, V>*> GetStore(std::string_view name) {
    absl::StatusOr<StoreHandle> h = GetStoreHandle(name);
    if (!h.ok()) return h.status();
    absl::StatusOr<const Serde<K>*> ks =
        CheckSerde<K>(name, "key.serde", h->key_serde, h->key_serde_name);
    if (!ks.ok()) return ks.status();
    absl::StatusOr<const Serde<V>*> vs =
        CheckSerde<V>(name, "msg.serde", h->msg_serde, h->msg_serde_name);
    if (!vs.ok()) return vs.status();
    std::string key(name);
    auto it = typed_stores_.find(key);
    if (it != typed_stores_.end()) {
      if (*it->second.key_type != typeid(K) || *it->second.value_type != typeid(V)) {
        return absl::InvalidArgumentError("store " + key +
                                          " was already opened with other key/value types");
      }
      return static_cast<KeyValueStore<K, V>*>(it->second.store.get());
    }
    auto typed = std::make_shared<KeyValueStore<K, V>>(h->store, *ks, *vs);
    KeyValueStore<K, V>* raw = typed.get();
    typed_stores_[key] = TypedStore{std::move(typed), &typeid(K), &typeid(V)};
    return raw;
  }

 private:
  template <class T>
  static absl::StatusOr<const Serde<T>*> CheckSerde(std::string_view store, const char* which,
                                                    const SerdeBase* serde,
                                                    const std::string& serde_name) {
    if (serde == nullptr) {
      if constexpr (std::is_same_v<T, std::string>) return DefaultBytesSerde();
      return SerdeError(store, which, nullptr, serde_name, typeid(T));
    }
    if (serde->value_type() != typeid(T)) {
      return SerdeError(store, which, serde, serde_name, typeid(T));
    }
    // value_type() == typeid(T) is only ever returned by Serde<T>::value_type() (it is final).
    return static_cast<const Serde<T>*>(serde);
  }
  static const Serde<std::string>* DefaultBytesSerde();
  static absl::Status SerdeError(std::string_view store, const char* which, const SerdeBase* serde,
                                 const std::string& serde_name, const std::type_info& wanted);

  struct TypedStore {
    std::shared_ptr<void> store;
    const std::type_info* key_type;
    const std::type_info* value_type;
  };
  std::map<std::string, TypedStore> typed_stores_;
};

using TaskContext = Context;

}  // namespace eddy
