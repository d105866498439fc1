// RecordBatchBuilder: appends records into one RecordBatch v2 with no per-record allocation.
// Used by the client producer, the runtime's producers and tests. Base offset is 0 until the
// broker assigns one.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "log-store/storage/record_batch.h"

namespace eddy::logstore {

class RecordBatchBuilder {
 public:
  // `compression` other than kNone compresses the records section at Finish().
  explicit RecordBatchBuilder(Compression compression = Compression::kNone);

  // Appends one record. `timestamp_ms` is the record's create time.
  void Add(std::optional<std::string_view> key, std::optional<std::string_view> value,
           int64_t timestamp_ms, std::span<const RecordHeader> headers = {});

  int32_t record_count() const { return count_; }
  // Encoded size so far (uncompressed), header included.
  size_t size_bytes() const { return buf_.size(); }
  bool empty() const { return count_ == 0; }

  // Idempotent producer fields (defaults: -1 = not idempotent).
  void SetProducer(int64_t producer_id, int16_t epoch, int32_t base_sequence);
  // Attribute bit 4 (transactional) for the batches finished from now on; bit 5 (control) too
  // with `control` (markers; the storage layer builds those).
  void SetTransactional(bool transactional, bool control = false) {
    extra_attrs_ = static_cast<int16_t>((transactional ? 0x10 : 0) | (control ? 0x20 : 0));
  }

  // Writes header fields and CRC-32C and returns the batch; the builder is reset for reuse.
  std::string Finish();

 private:
  Compression compression_;
  std::string buf_;
  int32_t count_ = 0;
  int64_t base_timestamp_ = 0;
  int64_t max_timestamp_ = 0;
  int64_t producer_id_ = -1;
  int16_t producer_epoch_ = -1;
  int32_t base_sequence_ = -1;
  int16_t extra_attrs_ = 0;
};

}  // namespace eddy::logstore
