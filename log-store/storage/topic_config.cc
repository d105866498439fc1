// TopicConfig <-> Kafka-named key/value settings.
#include "log-store/storage/topic_config.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace eddy::logstore {
namespace {

absl::Status ParseI64(const std::string& key, const std::string& v, int64_t min, int64_t* out) {
  int64_t x;
  if (!absl::SimpleAtoi(absl::string_view(v.data(), v.size()), &x) || x < min) {
    return absl::InvalidArgumentError(
        absl::StrCat("topic config ", key, "=\"", v, "\": expected an integer >= ", min));
  }
  *out = x;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TopicConfig> TopicConfig::FromMap(const std::map<std::string, std::string>& kv,
                                                 const TopicConfig& base) {
  TopicConfig c = base;
  for (const auto& [key, v] : kv) {
    int64_t x = 0;
    absl::Status st;
    if (key == "partitions") {
      st = ParseI64(key, v, 1, &x);
      if (st.ok() && x > 100000)
        st = absl::InvalidArgumentError("topic config partitions: at most 100000");
      c.partitions = static_cast<int32_t>(x);
    } else if (key == "retention.ms") {
      st = ParseI64(key, v, -1, &c.retention_ms);
    } else if (key == "retention.bytes") {
      st = ParseI64(key, v, -1, &c.retention_bytes);
    } else if (key == "segment.bytes") {
      st = ParseI64(key, v, 14, &c.segment_bytes);
      if (st.ok() && c.segment_bytes > (int64_t{1} << 31) - 1) {
        st = absl::InvalidArgumentError(absl::StrCat(
            "topic config segment.bytes=", v, ": at most 2147483647 (index positions are 32-bit)"));
      }
    } else if (key == "segment.ms") {
      st = ParseI64(key, v, 1, &c.segment_ms);
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
      st = ParseI64(key, v, 0, &c.min_compaction_lag_ms);
    } else if (key == "delete.retention.ms") {
      st = ParseI64(key, v, 0, &c.delete_retention_ms);
    } else if (key == "max.message.bytes") {
      st = ParseI64(key, v, 0, &x);
      if (st.ok() && x > INT32_MAX)
        st = absl::InvalidArgumentError("topic config max.message.bytes: too large");
      c.max_message_bytes = static_cast<int32_t>(x);
    } else if (key == "flush.messages") {
      st = ParseI64(key, v, 1, &c.flush_messages);
    } else if (key == "index.interval.bytes") {
      st = ParseI64(key, v, 0, &x);
      if (st.ok() && x > INT32_MAX)
        st = absl::InvalidArgumentError("topic config index.interval.bytes: too large");
      c.index_interval_bytes = static_cast<int32_t>(x);
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
  return m;
}

}  // namespace eddy::logstore
