// Codecs of Kafka batches: gzip, snappy (raw and xerial framing), lz4 (frame), zstd.
// The broker recompresses only for a topic whose compression.type names a codec
// (batch_reencoder.h); otherwise it decompresses only to read records (validation of
// uncompressed batches is done in place; compaction and readers decompress).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "log-store/storage/record_batch.h"

namespace eddy::logstore {

absl::StatusOr<std::string> Compress(Compression codec, std::string_view data);
// `size_hint` = expected output size if known (0 = unknown). Bounded: refuses output > 256 MiB.
absl::StatusOr<std::string> Decompress(Compression codec, std::string_view data,
                                       size_t size_hint = 0);

}  // namespace eddy::logstore
