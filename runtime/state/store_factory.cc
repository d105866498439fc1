// StoreFactory: config → validated StoreSpec → store stack.
#include "runtime/state/store_factory.h"

#include <set>

#include "runtime/state/inmemory_store.h"
#include "runtime/state/rocksdb_store.h"

namespace eddy::state {

std::vector<std::string> StoreFactory::StoreNames(const Config& config) {
  std::set<std::string> names;
  const Config stores = config.Subset("stores.");
  for (const auto& [k, v] : stores.entries()) {
    const std::string suffix = ".factory";
    if (k.size() > suffix.size() &&
        k.compare(k.size() - suffix.size(), suffix.size(), suffix) == 0) {
      std::string name = k.substr(0, k.size() - suffix.size());
      // stores.<s>.rocksdb.factory or similar nested keys are not store definitions.
      if (name.find('.') == std::string::npos) names.insert(name);
    }
  }
  return std::vector<std::string>(names.begin(), names.end());
}

absl::StatusOr<StoreSpec> StoreFactory::ParseSpec(const Config& config, std::string_view name) {
  StoreSpec spec;
  spec.name = std::string(name);
  const std::string p = "stores." + spec.name + ".";
  spec.store_config = config.Subset(p);

  absl::StatusOr<std::string> factory = config.Get(p + "factory");
  if (!factory.ok()) {
    return absl::NotFoundError("store " + spec.name + ": config key " + p +
                               "factory is missing (rocksdb or inmemory)");
  }
  if (*factory == "rocksdb" ||
      *factory == "org.apache.samza.storage.kv.RocksDbKeyValueStorageEngineFactory") {
    spec.engine = EngineKind::kRocksDb;
  } else if (*factory == "inmemory" || *factory == "in-memory" ||
             *factory ==
                 "org.apache.samza.storage.kv.inmemory.InMemoryKeyValueStorageEngineFactory") {
    spec.engine = EngineKind::kInMemory;
  } else {
    return absl::InvalidArgumentError(
        "config key " + p +
        "factory: expected rocksdb, inmemory, "
        "org.apache.samza.storage.kv.RocksDbKeyValueStorageEngineFactory or "
        "org.apache.samza.storage.kv.inmemory.InMemoryKeyValueStorageEngineFactory, got '" +
        *factory + "'");
  }

  if (config.Has(p + "changelog")) {
    std::string cl = config.GetOr(p + "changelog", "");
    absl::StatusOr<SystemStream> ss = SystemStream::Parse(cl);
    if (!ss.ok()) {
      return absl::InvalidArgumentError("config key " + p +
                                        "changelog: expected system.stream, got '" + cl + "'");
    }
    spec.changelog = *ss;
  }

  for (auto [key, name_out, serde_out] :
       {std::tuple{std::string("key.serde"), &spec.key_serde_name, &spec.key_serde},
        std::tuple{std::string("msg.serde"), &spec.msg_serde_name, &spec.msg_serde}}) {
    if (!config.Has(p + key)) continue;
    *name_out = config.GetOr(p + key, "");
    absl::StatusOr<std::shared_ptr<const SerdeBase>> serde =
        ResolveSerde(config, *name_out, p + key);
    if (!serde.ok()) return serde.status();
    *serde_out = *serde;
  }

  absl::StatusOr<int64_t> cache = config.GetLong(p + "object.cache.size", 1000);
  if (!cache.ok()) return cache.status();
  if (*cache < 0) {
    return absl::InvalidArgumentError("config key " + p + "object.cache.size: expected >= 0, got " +
                                      std::to_string(*cache));
  }
  spec.object_cache_size = static_cast<size_t>(*cache);
  absl::StatusOr<int64_t> batch = config.GetLong(p + "write.batch.size", 500);
  if (!batch.ok()) return batch.status();
  if (*batch < 1) {
    return absl::InvalidArgumentError("config key " + p + "write.batch.size: expected >= 1, got " +
                                      std::to_string(*batch));
  }
  spec.write_batch_size = static_cast<size_t>(*batch);
  absl::StatusOr<bool> bulk = config.GetBool(p + "restore.bulk.load", true);
  if (!bulk.ok()) return bulk.status();
  spec.restore_bulk_load = *bulk;
  absl::StatusOr<int64_t> bulk_bytes = config.GetLong(p + "restore.bulk.buffer.bytes", 16 << 20);
  if (!bulk_bytes.ok()) return bulk_bytes.status();
  if (*bulk_bytes < (64 << 10) || *bulk_bytes > (int64_t{1} << 32)) {
    return absl::InvalidArgumentError("config key " + p +
                                      "restore.bulk.buffer.bytes: expected 65536 to 4294967296, "
                                      "got " +
                                      std::to_string(*bulk_bytes));
  }
  spec.restore_bulk_buffer_bytes = static_cast<size_t>(*bulk_bytes);
  return spec;
}

absl::StatusOr<StoreStack> StoreFactory::Build(const StoreSpec& spec, const std::string& dir,
                                               ChangelogWriter* changelog,
                                               MetricsRegistry* registry,
                                               std::string_view metrics_group) {
  StoreStack stack;
  stack.spec = spec;
  stack.metrics =
      registry ? StoreMetrics::Register(registry, metrics_group) : StoreMetrics::Detached();
  // With a cache in front, the engine counts its own operations in "<group>.engine", so the
  // main group's puts/gets/deletes are what the task did and hits/misses are the cache's.
  StoreMetrics engine_metrics = stack.metrics;
  if (spec.object_cache_size > 0) {
    engine_metrics = registry
                         ? StoreMetrics::Register(registry, std::string(metrics_group) + ".engine")
                         : StoreMetrics::Detached();
  }
  std::unique_ptr<KeyValueStoreBytes> store;
  if (spec.engine == EngineKind::kRocksDb) {
    if (dir.empty()) {
      return absl::InvalidArgumentError("store " + spec.name +
                                        ": a rocksdb store needs a directory");
    }
    absl::StatusOr<std::unique_ptr<RocksDbStore>> db =
        RocksDbStore::Open(spec.name, dir, spec.store_config, engine_metrics);
    if (!db.ok()) return db.status();
    store = std::move(*db);
  } else {
    store = std::make_unique<InMemoryStore>(spec.name, engine_metrics);
  }
  stack.engine = store.get();
  if (spec.changelog) {
    if (changelog == nullptr) {
      return absl::FailedPreconditionError(
          "store " + spec.name + ": config key stores." + spec.name + ".changelog is set (" +
          spec.changelog->ToString() + ") but no changelog writer was given");
    }
    auto logged = std::make_unique<LoggedStore>(std::move(store), changelog, stack.metrics);
    stack.logged = logged.get();
    store = std::move(logged);
  }
  if (spec.object_cache_size > 0) {
    auto cached = std::make_unique<CachedStore>(std::move(store), spec.object_cache_size,
                                                spec.write_batch_size, stack.metrics);
    stack.cache = cached.get();
    store = std::move(cached);
  }
  stack.top = std::move(store);
  return stack;
}

}  // namespace eddy::state
