#include "log-store/share/share_config.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace eddy::logstore::share {

std::map<std::string, std::string> ShareGroupConfig::ToMap() const {
  return {
      {kLockDurationMs, std::to_string(record_lock_duration_ms)},
      {kDeliveryCountLimit, std::to_string(delivery_count_limit)},
      {kSessionTimeoutMs, std::to_string(session_timeout_ms)},
      {kHeartbeatIntervalMs, std::to_string(heartbeat_interval_ms)},
      {kAutoOffsetReset, auto_offset_reset_earliest ? "earliest" : "latest"},
      {kMaxRecordLocks, std::to_string(max_record_locks)},
      {kDeadLetterTopic, dead_letter_topic},
  };
}

namespace {

absl::Status IntIn(const std::string& key, const std::string& value, int32_t lo, int32_t hi,
                   int32_t* out) {
  int64_t v = 0;
  if (!absl::SimpleAtoi(value, &v) || v < lo || v > hi) {
    return absl::InvalidArgumentError(absl::StrCat(
        "share group config ", key, "='", value, "': must be an integer in [", lo, ", ", hi, "]"));
  }
  *out = static_cast<int32_t>(v);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ShareGroupConfig> ResolveShareGroupConfig(
    const std::map<std::string, std::string>& overrides, const ShareConfigLimits& limits) {
  ShareGroupConfig c = limits.defaults;
  for (const auto& [k, v] : overrides) {
    absl::Status st;
    if (k == kLockDurationMs) {
      st = IntIn(k, v, limits.min_lock_duration_ms, limits.max_lock_duration_ms,
                 &c.record_lock_duration_ms);
    } else if (k == kDeliveryCountLimit) {
      st = IntIn(k, v, limits.min_delivery_count_limit, limits.max_delivery_count_limit,
                 &c.delivery_count_limit);
    } else if (k == kSessionTimeoutMs) {
      st = IntIn(k, v, limits.min_session_timeout_ms, limits.max_session_timeout_ms,
                 &c.session_timeout_ms);
    } else if (k == kHeartbeatIntervalMs) {
      st = IntIn(k, v, 100, limits.max_session_timeout_ms, &c.heartbeat_interval_ms);
    } else if (k == kMaxRecordLocks) {
      st = IntIn(k, v, 1, limits.max_max_record_locks, &c.max_record_locks);
    } else if (k == kAutoOffsetReset) {
      if (v == "earliest") {
        c.auto_offset_reset_earliest = true;
      } else if (v == "latest") {
        c.auto_offset_reset_earliest = false;
      } else {
        st = absl::InvalidArgumentError(
            absl::StrCat("share group config ", k, "='", v, "': must be earliest or latest"));
      }
    } else if (k == kDeadLetterTopic) {
      if (v.size() > 249) {
        st = absl::InvalidArgumentError(
            absl::StrCat("share group config ", k, ": topic name longer than 249 characters"));
      }
      c.dead_letter_topic = v;
    } else {
      st = absl::InvalidArgumentError(absl::StrCat("unknown share group config '", k, "'"));
    }
    if (!st.ok()) return st;
  }
  return c;
}

}  // namespace eddy::logstore::share
