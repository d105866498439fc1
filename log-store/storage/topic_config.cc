// TopicConfig <-> Kafka-named key/value settings.
#include "log-store/storage/topic_config.h"

#include <cstdint>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace eddy::logstore {
namespace {

// Parses key's value as an integer in [min, max] into *out.
template <typename T>
absl::Status ParseInt(const std::string& key, const std::string& v, int64_t min, int64_t max,
                      T* out) {
  int64_t x;
  if (!absl::SimpleAtoi(absl::string_view(v.data(), v.size()), &x) || x < min || x > max) {
    return absl::InvalidArgumentError(absl::StrCat(
        "topic config ", key, "=\"", v, "\": expected an integer ",
        max == INT64_MAX ? absl::StrCat(">= ", min) : absl::StrCat("in [", min, ", ", max, "]")));
  }
  *out = static_cast<T>(x);
  return absl::OkStatus();
}

}  // namespace

const char* CompressionTypeName(CompressionType t) {
  switch (t) {
    case CompressionType::kProducer:
      return "producer";
    case CompressionType::kUncompressed:
      return "uncompressed";
    case CompressionType::kGzip:
      return "gzip";
    case CompressionType::kSnappy:
      return "snappy";
    case CompressionType::kLz4:
      return "lz4";
    case CompressionType::kZstd:
      return "zstd";
  }
  return "producer";
}

std::optional<Compression> StoredCodec(CompressionType t) {
  switch (t) {
    case CompressionType::kProducer:
      return std::nullopt;
    case CompressionType::kUncompressed:
      return Compression::kNone;
    case CompressionType::kGzip:
      return Compression::kGzip;
    case CompressionType::kSnappy:
      return Compression::kSnappy;
    case CompressionType::kLz4:
      return Compression::kLz4;
    case CompressionType::kZstd:
      return Compression::kZstd;
  }
  return std::nullopt;
}

absl::StatusOr<TopicConfig> TopicConfig::FromMap(const std::map<std::string, std::string>& kv,
                                                 const TopicConfig& base) {
  TopicConfig c = base;
  for (const auto& [key, v] : kv) {
    absl::Status st;
    if (key == "partitions") {
      // The limit is LogManagerOptions.max_partitions_per_topic, checked where topics grow.
      st = ParseInt(key, v, 1, INT32_MAX, &c.partitions);
    } else if (key == "retention.ms") {
      st = ParseInt(key, v, -1, INT64_MAX, &c.retention_ms);
    } else if (key == "retention.bytes") {
      st = ParseInt(key, v, -1, INT64_MAX, &c.retention_bytes);
    } else if (key == "segment.bytes") {
      st = ParseInt(key, v, 14, INT32_MAX, &c.segment_bytes);  // index positions are 32-bit
    } else if (key == "segment.ms") {
      st = ParseInt(key, v, 1, INT64_MAX, &c.segment_ms);
    } else if (key == "cleanup.policy") {
      if (v == "delete") {
        c.cleanup_policy = CleanupPolicy::kDelete;
      } else if (v == "compact") {
        c.cleanup_policy = CleanupPolicy::kCompact;
      } else if (v == "compact,delete" || v == "delete,compact") {
        c.cleanup_policy = CleanupPolicy::kCompactAndDelete;
      } else {
        st = absl::InvalidArgumentError(absl::StrCat(
            "topic config cleanup.policy=\"", v, "\": expected delete, compact or compact,delete"));
      }
    } else if (key == "min.compaction.lag.ms") {
      st = ParseInt(key, v, 0, INT64_MAX, &c.min_compaction_lag_ms);
    } else if (key == "delete.retention.ms") {
      st = ParseInt(key, v, 0, INT64_MAX, &c.delete_retention_ms);
    } else if (key == "max.message.bytes") {
      st = ParseInt(key, v, 0, INT32_MAX, &c.max_message_bytes);
    } else if (key == "flush.messages") {
      st = ParseInt(key, v, 1, INT64_MAX, &c.flush_messages);
    } else if (key == "index.interval.bytes") {
      st = ParseInt(key, v, 0, INT32_MAX, &c.index_interval_bytes);
    } else if (key == "compression.type") {
      bool found = false;
      for (CompressionType t :
           {CompressionType::kProducer, CompressionType::kUncompressed, CompressionType::kGzip,
            CompressionType::kSnappy, CompressionType::kLz4, CompressionType::kZstd}) {
        if (v == CompressionTypeName(t)) {
          c.compression_type = t;
          found = true;
        }
      }
      if (!found) {
        st = absl::InvalidArgumentError(
            absl::StrCat("topic config compression.type=\"", v,
                         "\": expected producer, uncompressed, gzip, snappy, lz4 or zstd"));
      }
    } else {
      st = absl::InvalidArgumentError(absl::StrCat("unknown topic config key \"", key, "\""));
    }
    if (!st.ok()) return st;
  }
  return c;
}

std::map<std::string, std::string> TopicConfig::ToMap() const {
  std::map<std::string, std::string> m;
  m["partitions"] = std::to_string(partitions);
  m["retention.ms"] = std::to_string(retention_ms);
  m["retention.bytes"] = std::to_string(retention_bytes);
  m["segment.bytes"] = std::to_string(segment_bytes);
  m["segment.ms"] = std::to_string(segment_ms);
  m["cleanup.policy"] = cleanup_policy == CleanupPolicy::kDelete    ? "delete"
                        : cleanup_policy == CleanupPolicy::kCompact ? "compact"
                                                                    : "compact,delete";
  m["min.compaction.lag.ms"] = std::to_string(min_compaction_lag_ms);
  m["delete.retention.ms"] = std::to_string(delete_retention_ms);
  m["max.message.bytes"] = std::to_string(max_message_bytes);
  m["flush.messages"] = std::to_string(flush_messages);
  m["index.interval.bytes"] = std::to_string(index_interval_bytes);
  m["compression.type"] = CompressionTypeName(compression_type);
  return m;
}

}  // namespace eddy::logstore
