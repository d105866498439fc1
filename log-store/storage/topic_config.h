// TopicConfig: the per-topic settings of the log store, with Kafka's key names.
// Used by the storage engine (segments, retention, compaction), the broker's create-topic
// calls (native and Kafka) and `eddy topic create --config key=value`.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "log-store/storage/record_batch.h"

namespace eddy::logstore {

enum class CleanupPolicy { kDelete, kCompact, kCompactAndDelete };

// compression.type, as in Kafka: `producer` keeps every batch as the producer sent it; a codec
// (`uncompressed`, `gzip`, `snappy`, `lz4`, `zstd`) makes the broker re-encode a batch that
// arrives with another codec before it is stored (batch_reencoder.h).
enum class CompressionType { kProducer, kUncompressed, kGzip, kSnappy, kLz4, kZstd };

// The Kafka name of `t` ("producer", "uncompressed", "gzip", ...).
const char* CompressionTypeName(CompressionType t);
// The codec batches are stored with, or nullopt for kProducer (keep the producer's codec).
std::optional<Compression> StoredCodec(CompressionType t);

struct TopicConfig {
  int32_t partitions = 1;
  int64_t retention_ms = 7LL * 24 * 3600 * 1000;  // -1 = keep forever
  int64_t retention_bytes = -1;                   // per partition; -1 = no limit
  int64_t segment_bytes = 1LL << 30;
  int64_t segment_ms = 7LL * 24 * 3600 * 1000;
  CleanupPolicy cleanup_policy = CleanupPolicy::kDelete;
  int64_t min_compaction_lag_ms = 0;
  int64_t delete_retention_ms = 24LL * 3600 * 1000;
  int32_t max_message_bytes = 1048588;  // largest batch accepted, as in Kafka
  // fsync after this many messages; 1 = every acknowledged append is fsynced.
  int64_t flush_messages = std::numeric_limits<int64_t>::max();
  int32_t index_interval_bytes = 4096;
  CompressionType compression_type = CompressionType::kProducer;

  // Parses Kafka-named keys ("retention.ms", "cleanup.policy", ...) over `base`.
  // Unknown keys or malformed values give InvalidArgument naming the key.
  static absl::StatusOr<TopicConfig> FromMap(const std::map<std::string, std::string>& kv,
                                             const TopicConfig& base);
  // Every setting under its Kafka key (including "partitions").
  std::map<std::string, std::string> ToMap() const;
};

}  // namespace eddy::logstore
