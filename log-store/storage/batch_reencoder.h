// ReencodeBatch: rewrites one RecordBatch v2 with another codec, for topics whose
// compression.type names a codec (topic_config.h). PartitionLogImpl::Append calls it before a
// batch is stored; nothing else in the broker changes a batch's records. Layout: FORMAT.md.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "log-store/storage/record_batch.h"

namespace eddy::logstore {

// `batch` is one whole batch that passed ValidateBatch. Returns the same batch with its records
// section decompressed (when compressed) and compressed with `target` (kNone = stored
// uncompressed); the attributes' codec bits, batchLength and CRC are rewritten, every other header
// field (base offset, leader epoch, offset delta, timestamps, producer id/epoch/sequence,
// records count, transactional and timestamp-type bits) is kept, and so are the records' bytes.
// Records of a compressed input are checked as ValidateBatch checks uncompressed ones.
// Errors: InvalidArgument naming the batch's base offset when its records do not decompress or
// parse; Internal when the target codec fails.
absl::StatusOr<std::string> ReencodeBatch(std::string_view batch, Compression target);

}  // namespace eddy::logstore
