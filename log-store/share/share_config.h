// ShareGroupConfig: the settings of one share group (KIP-932 names where Kafka has them), the
// broker-wide defaults and limits they are checked against (eddy-logd flags), and their parsing
// from AlterShareGroupConfigs key/value pairs. Used by ShareGroupManager and SharePartition.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace eddy::logstore::share {

// Config keys. The dead-letter topic is the name KIP-1191 proposes for Kafka.
inline constexpr char kLockDurationMs[] = "group.share.record.lock.duration.ms";
inline constexpr char kDeliveryCountLimit[] = "group.share.delivery.count.limit";
inline constexpr char kSessionTimeoutMs[] = "group.share.session.timeout.ms";
inline constexpr char kHeartbeatIntervalMs[] = "group.share.heartbeat.interval.ms";
inline constexpr char kAutoOffsetReset[] = "share.auto.offset.reset";
inline constexpr char kMaxRecordLocks[] = "group.share.partition.max.record.locks";
inline constexpr char kDeadLetterTopic[] = "errors.deadletterqueue.topic.name";

// The effective settings of one group.
struct ShareGroupConfig {
  int32_t record_lock_duration_ms = 30000;
  int32_t delivery_count_limit = 5;
  int32_t session_timeout_ms = 45000;
  int32_t heartbeat_interval_ms = 5000;
  bool auto_offset_reset_earliest = false;  // share.auto.offset.reset: latest (default) | earliest
  int32_t max_record_locks = 2000;          // in-flight records per share partition
  std::string dead_letter_topic;            // empty = archived records are only archived

  // Every key with its effective value (DescribeShareGroup's configs).
  std::map<std::string, std::string> ToMap() const;
};

// Broker-wide defaults (the config of a group that sets nothing) and the bounds a group's own
// setting must stay inside. eddy-logd flags: --share-*.
struct ShareConfigLimits {
  ShareGroupConfig defaults;
  int32_t min_lock_duration_ms = 1000, max_lock_duration_ms = 3600000;
  int32_t min_delivery_count_limit = 2, max_delivery_count_limit = 10;
  int32_t min_session_timeout_ms = 1000, max_session_timeout_ms = 3600000;
  int32_t max_max_record_locks = 10000;
};

// The config of a group with `overrides` (key -> value, as AlterShareGroupConfigs gives them) on
// top of `limits.defaults`. InvalidArgument naming the key for an unknown key, a malformed value
// or one outside `limits`.
absl::StatusOr<ShareGroupConfig> ResolveShareGroupConfig(
    const std::map<std::string, std::string>& overrides, const ShareConfigLimits& limits);

}  // namespace eddy::logstore::share
