// RestoreBatch: applies changelog records to a store's engine in bulk (one WriteBatch per call or
// per max_batch_bytes), bypassing the cache and the changelog logging. Used by the runtime's
// restore: it walks each fetched changelog batch in place, collects (key, value-or-tombstone)
// views and hands them to Apply(); the engine copies them into its WriteBatch.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "eddy/kv_store.h"
#include "runtime/state/store_metrics.h"

namespace eddy::state {

class RestoreBatch {
 public:
  // `engine` is the bottom of the store stack (StoreStack::engine), not the cached/logged top.
  explicit RestoreBatch(KeyValueStoreBytes* engine, StoreMetrics metrics = StoreMetrics::Detached());

  // Applies `records` in order (a record with no value deletes its key) as one batch.
  absl::Status Apply(std::span<const KeyValueWrite> records);

  // Buffers one record (copied) and applies the buffer when it holds `flush_bytes`; call Finish()
  // at the end. For callers that cannot keep the fetched bytes alive.
  absl::Status Add(std::string_view key, std::optional<std::string_view> value);
  absl::Status Finish();

  int64_t records() const { return records_; }
  int64_t bytes() const { return bytes_; }
  std::chrono::nanoseconds elapsed() const { return elapsed_; }

  static constexpr size_t kFlushBytes = 4 << 20;

 private:
  KeyValueStoreBytes* engine_;
  StoreMetrics metrics_;
  int64_t records_ = 0;
  int64_t bytes_ = 0;
  std::chrono::nanoseconds elapsed_{0};
  // Add() buffer: owned bytes and views into them.
  std::string buf_;
  struct Pending {
    size_t key_off, key_len;
    bool has_value;
    size_t value_off, value_len;
  };
  std::vector<Pending> pending_;
};

}  // namespace eddy::state
