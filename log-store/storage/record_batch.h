// Kafka RecordBatch v2 (magic 2): the one record format Eddy stores and sends on every wire.
// Readers walk batches and records in place (no copy per record); the producer side builds
// batches with RecordBatchBuilder (record_batch_builder.h). Layout: log-store/FORMAT.md.
// Used by the storage engine, the Kafka listener, the client library and the runtime.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace eddy::logstore {

inline constexpr size_t kBatchHeaderSize = 61;   // bytes before the first record
inline constexpr size_t kBatchLogOverhead = 12;  // baseOffset + batchLength
inline constexpr int8_t kMagicV2 = 2;

enum class Compression : int8_t { kNone = 0, kGzip = 1, kSnappy = 2, kLz4 = 3, kZstd = 4 };

// The fixed 61-byte header of a batch, decoded.
struct BatchHeader {
  int64_t base_offset = 0;
  int32_t batch_length = 0;  // bytes after the batchLength field
  int32_t partition_leader_epoch = 0;
  int8_t magic = kMagicV2;
  uint32_t crc = 0;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = 0;
  int64_t max_timestamp = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t records_count = 0;

  Compression compression() const { return static_cast<Compression>(attributes & 0x7); }
  bool log_append_time() const { return (attributes & 0x8) != 0; }
  bool is_transactional() const { return (attributes & 0x10) != 0; }
  bool is_control() const { return (attributes & 0x20) != 0; }
  int64_t last_offset() const { return base_offset + last_offset_delta; }
  size_t size_bytes() const { return static_cast<size_t>(batch_length) + kBatchLogOverhead; }
};

// Decodes the header at the start of `data`. Needs at least kBatchHeaderSize bytes; checks magic
// and that batch_length is sane. Does not check the CRC or that the whole batch is present.
absl::StatusOr<BatchHeader> ParseBatchHeader(std::string_view data);

// Full check of one whole batch: header, exact length, magic 2, CRC-32C over attributes..end,
// and, for an uncompressed batch, that records_count records parse and fill the batch exactly
// with offset deltas within last_offset_delta. The error names what is wrong and where.
absl::Status ValidateBatch(std::string_view batch);

// The record checks of ValidateBatch on an uncompressed records section (after the header, or
// a compressed batch's records once decompressed): h.records_count records that parse and fill
// `records` exactly, offset deltas increasing and within h.last_offset_delta.
absl::Status ValidateRecords(const BatchHeader& h, std::string_view records);

// CRC-32C of a whole batch as stored in its header: attributes (byte 21) through the end.
// `batch` must be at least kBatchHeaderSize bytes.
uint32_t BatchCrc(std::string_view batch);

// Rewrites the base offset of the batch at `batch` (not covered by the CRC).
void SetBaseOffset(char* batch, int64_t base_offset);

// One record header (key is UTF-8, value may be null).
struct RecordHeader {
  std::string_view key;
  std::optional<std::string_view> value;
};

// One record, views into the batch (or its decompressed records buffer).
struct Record {
  int64_t offset = 0;
  int64_t timestamp = 0;
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  int32_t header_count = 0;
  std::string_view headers_raw;  // encoded headers; decode with RecordHeaderIterator
};

// Walks the headers of a record.
class RecordHeaderIterator {
 public:
  RecordHeaderIterator(std::string_view headers_raw, int32_t count);
  // False at the end or on malformed input (then status() says why).
  bool Next(RecordHeader* out);
  const absl::Status& status() const { return status_; }

 private:
  std::string_view rest_;
  int32_t remaining_;
  absl::Status status_;
};

// Walks the records of one batch. Compressed batches are decompressed once into an owned buffer.
class RecordIterator {
 public:
  // `batch` is one whole batch (header included); it must outlive the iterator.
  explicit RecordIterator(std::string_view batch);
  // Next record, or false at the end or on malformed input (then status() is not OK).
  bool Next(Record* out);
  const absl::Status& status() const { return status_; }
  const BatchHeader& header() const { return header_; }

 private:
  BatchHeader header_;
  std::string decompressed_;
  std::string_view rest_;
  int32_t remaining_ = 0;
  absl::Status status_;
};

// Walks a buffer of concatenated batches (a segment region, a fetch response). A trailing
// partial batch ends the walk without an error (fetches may cut the last batch); a corrupt
// header is an error.
class BatchIterator {
 public:
  explicit BatchIterator(std::string_view data) : rest_(data) {}
  // Next whole batch (header + records) or false at the end / on error.
  bool Next(std::string_view* batch, BatchHeader* header);
  const absl::Status& status() const { return status_; }
  // Bytes consumed so far.
  size_t position() const { return consumed_; }

 private:
  std::string_view rest_;
  size_t consumed_ = 0;
  absl::Status status_;
};

}  // namespace eddy::logstore
