// ChangelogReplay: applies one offset range of a store's changelog partition to the store's
// engine. The one entry point of restore (TaskStores::Restore, a full or tail restore) and of
// anything else that brings a store up to a changelog offset, such as a standby task tailing the
// changelog into a warm copy: call ReplayChangelogRange again with the next range.
//
// Records are applied in offset order through state::RestoreBatch, below the object cache and the
// changelog logging (runtime/state/restore_batch.h): a keyed record with a value writes its key, a
// keyed record without one (a tombstone) deletes it, records without a key are skipped. For a
// RocksDB engine and a long range (options.bulk_load, the default) the records are sorted and
// ingested as SST files (SstFileWriter + IngestExternalFile) instead of going through the
// memtable: the store ends exactly as if every record had been written in order (the last write
// of a key wins, deletes included), since each file is ingested above everything before it.
// Offsets the log compacted away or that hold control batches or aborted records are skipped by
// position; the range is [start, end), whatever the log holds past `end` is never read into the
// store.
//
// Progress goes to `metrics` as it runs: restore-records/bytes/time (counters, from RestoreBatch)
// and restore-offset (gauge: the changelog offset replayed up to), so that
// (restore-offset - restore-start-offset) / (restore-end-offset - restore-start-offset) is the
// fraction done; the caller sets the start and end gauges.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "eddy/kv_store.h"
#include "runtime/state/store_metrics.h"
#include "runtime/system/ssp.h"
#include "runtime/system/system_consumer.h"

namespace eddy::runtime {

struct ChangelogReplayOptions {
  // stores.<s>.restore.bulk.load: sorted SST files for long ranges into RocksDB (true), or one
  // WriteBatch per fetched batch (false).
  bool bulk_load = true;
  // stores.<s>.restore.bulk.buffer.bytes: bytes of records sorted into one SST file.
  size_t bulk_buffer_bytes = 16 << 20;
  // Give up when the log has returned nothing for this long although `end` is not reached.
  std::chrono::milliseconds idle_timeout{30000};
  // Fault hook for tests: called after each applied fetched batch with the records applied so
  // far; an error returned by it stops the replay at once, as a crash would: records still
  // buffered for an SST file are dropped, not ingested.
  std::function<absl::Status(int64_t applied)> after_batch;
};

// Reads [start, end) of `changelog` with `consumer` (registered at `start` and started here,
// stopped before returning) and applies it to `engine` (the bottom of the store stack,
// StoreStack::engine). Returns the number of records applied (keyed records read). Errors name
// the store and the changelog; on error the engine may hold a prefix of the range (a restore
// then starts over from a wiped directory or a local checkpoint, see task_stores.h).
absl::StatusOr<int64_t> ReplayChangelogRange(SystemConsumer& consumer, const Ssp& changelog,
                                             int64_t start, int64_t end, KeyValueStoreBytes* engine,
                                             const state::StoreMetrics& metrics,
                                             const ChangelogReplayOptions& options = {});

// Named fault hook "restore.after_batch" for tests that cannot reach the options (a restore
// inside TaskStores::Restore): when armed, it is called like ChangelogReplayOptions::after_batch
// with the store's name. Arm with a function, disarm with nullptr. Thread-safe.
using ReplayFaultHook = std::function<absl::Status(const std::string& store, int64_t applied)>;
void ArmReplayFaultHook(ReplayFaultHook hook);

}  // namespace eddy::runtime
