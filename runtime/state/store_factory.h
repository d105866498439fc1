// StoreFactory: builds the store stack of one store of one task from config (stores.<s>.*):
//   [CachedStore] → [LoggedStore] → engine (RocksDbStore | InMemoryStore)
// plus its serdes. Used by the runtime's TaskStores.
//
// Keys read (errors name the key):
//   stores.<s>.factory       rocksdb | inmemory, or Samza's
//                            org.apache.samza.storage.kv.RocksDbKeyValueStorageEngineFactory /
//                            org.apache.samza.storage.kv.inmemory.InMemoryKeyValueStorageEngineFactory
//   stores.<s>.key.serde, stores.<s>.msg.serde    serde names (serde.h ResolveSerde); optional
//   stores.<s>.changelog     system.stream; the stack gets a LoggedStore when set
//   stores.<s>.object.cache.size (1000; 0 = no cache), stores.<s>.write.batch.size (500)
//   stores.<s>.rocksdb.* and container.*.bytes   see rocksdb_store.h
//   stores.<s>.restore.bulk.load (true): a long restore into RocksDB writes sorted SST files and
//                            ingests them (restore_batch.h); false = WriteBatches only
//   stores.<s>.restore.bulk.buffer.bytes (16777216, at least 65536): records per SST file, in
//                            bytes (the restore holds about twice this in memory per store)
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "eddy/config.h"
#include "eddy/context.h"
#include "eddy/kv_store.h"
#include "eddy/metrics.h"
#include "eddy/serde.h"
#include "eddy/system_stream.h"
#include "runtime/state/cached_store.h"
#include "runtime/state/changelog_writer.h"
#include "runtime/state/logged_store.h"
#include "runtime/state/store_metrics.h"

namespace eddy::state {

enum class EngineKind { kRocksDb, kInMemory };

// What config says about one store, validated.
struct StoreSpec {
  std::string name;
  EngineKind engine = EngineKind::kRocksDb;
  std::optional<SystemStream> changelog;
  std::string key_serde_name;  // "" when not set
  std::string msg_serde_name;
  std::shared_ptr<const SerdeBase> key_serde;  // null when not set
  std::shared_ptr<const SerdeBase> msg_serde;
  size_t object_cache_size = 1000;
  size_t write_batch_size = 500;
  bool restore_bulk_load = true;
  size_t restore_bulk_buffer_bytes = 16 << 20;
  Config store_config;  // Subset("stores.<name>.")

  bool persistent() const { return engine == EngineKind::kRocksDb; }
};

// One built store. Metrics: the group given to Build() counts what the task did (puts, gets,
// deletes at the top of the stack, cache hits/misses/hit rate, changelog records, restore
// records/bytes/time, commit flushes); with a cache, "<group>.engine" counts the engine's own
// operations.
struct StoreStack {
  StoreSpec spec;
  std::unique_ptr<KeyValueStoreBytes> top;  // what the task uses
  KeyValueStoreBytes* engine = nullptr;     // bottom: restore writes here (RestoreBatch)
  CachedStore* cache = nullptr;             // null when object.cache.size=0
  LoggedStore* logged = nullptr;            // null without a changelog
  StoreMetrics metrics;

  // Commit step 1: write dirty cache entries through the changelog into the engine.
  absl::Status FlushCache() { return cache ? cache->FlushDirty() : absl::OkStatus(); }
  // Commit step 4: make the engine's files durable (RocksDB memtable flush).
  absl::Status FlushEngine() {
    metrics.flushes->Inc();
    return engine->Flush();
  }
  // For Context::GetStoreHandle.
  StoreHandle Handle() const {
    return StoreHandle{top.get(), spec.key_serde.get(), spec.msg_serde.get(), spec.key_serde_name,
                       spec.msg_serde_name};
  }
};

class StoreFactory {
 public:
  // Names of the stores defined in config (every stores.<s>.factory), sorted.
  static std::vector<std::string> StoreNames(const Config& config);

  // Validates stores.<name>.* (no I/O).
  static absl::StatusOr<StoreSpec> ParseSpec(const Config& config, std::string_view name);

  // Builds the stack. `dir` is the store's directory for this task (used by persistent engines;
  // created when missing). `changelog` is required when the spec has a changelog (else
  // FailedPrecondition naming stores.<s>.changelog) and must outlive the stack. Metrics go to
  // `registry` under `metrics_group` (nullptr: detached).
  static absl::StatusOr<StoreStack> Build(const StoreSpec& spec, const std::string& dir,
                                          ChangelogWriter* changelog, MetricsRegistry* registry,
                                          std::string_view metrics_group);
};

}  // namespace eddy::state
