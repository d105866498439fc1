// ShareGroupAdmin: list, describe, configure, delete and reset share groups of eddy-logd
// (log-store/SHARE_GROUPS.md). Used by `eddy queue ...`, `eddy group describe` and tests.
// Thread-safe; every call is one blocking RPC.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "log-store/client/client_options.h"

namespace eddy::logstore {

struct ShareGroupMemberInfo {
  std::string member_id;
  int32_t member_epoch = 0;
  std::vector<std::string> topics;
  std::vector<TopicPartition> assignment;
  int64_t last_heartbeat_ms_ago = 0;
  int64_t acquired = 0;  // records the member holds now
};

// One share-partition: the in-flight window [start_offset, end_offset) and lifetime counters.
struct SharePartitionInfo {
  TopicPartition tp;
  int64_t start_offset = 0;  // every record below is done (accepted or archived)
  int64_t end_offset = 0;    // next offset not yet taken into the window
  int64_t high_watermark = 0;
  int64_t in_flight = 0;  // in the window, not accepted or archived
  int64_t acquired = 0;   // held by a member now
  int64_t available = 0;  // in flight, not acquired (released, or its lock expired)
  int64_t accepted_total = 0;
  int64_t released_total = 0;
  int64_t rejected_total = 0;
  int64_t redelivered_total = 0;  // deliveries after the first
  int64_t lock_expired_total = 0;
  int64_t archived_total = 0;  // after the delivery limit or a reject
  int64_t dead_lettered_total = 0;
};

struct ShareGroupDescription {
  std::string group;
  std::string state;  // Empty | Stable
  std::vector<ShareGroupMemberInfo> members;
  std::vector<SharePartitionInfo> partitions;
  std::map<std::string, std::string> configs;  // effective group configs
};

// Where ResetOffsets moves a group's start offset.
struct ShareResetTarget {
  enum Kind { kEarliest, kLatest, kOffset, kTimestamp } kind = kEarliest;
  int64_t value = 0;  // offset or timestamp in ms
};

class ShareGroupAdmin {
 public:
  static absl::StatusOr<std::unique_ptr<ShareGroupAdmin>> Connect(const ClientOptions& options);
  virtual ~ShareGroupAdmin() = default;

  virtual absl::StatusOr<std::vector<std::string>> List() = 0;
  // NotFound when the group does not exist.
  virtual absl::StatusOr<ShareGroupDescription> Describe(const std::string& group) = 0;
  // Sets group configs (group.share.record.lock.duration.ms, group.share.delivery.count.limit,
  // group.share.session.timeout.ms, share.auto.offset.reset, errors.deadletterqueue.topic.name);
  // the broker checks names and values (InvalidArgument naming the key).
  virtual absl::Status AlterConfigs(const std::string& group,
                                    const std::map<std::string, std::string>& configs) = 0;
  // Refused (FailedPrecondition) while the group has members.
  virtual absl::Status Delete(const std::string& group) = 0;
  // Moves the start offset of `topic`'s partitions (all when `partitions` is empty); refused
  // while the group has members. Returns the partitions' new state.
  virtual absl::StatusOr<std::vector<SharePartitionInfo>> ResetOffsets(
      const std::string& group, const std::string& topic, const std::vector<int32_t>& partitions,
      const ShareResetTarget& to) = 0;
};

}  // namespace eddy::logstore
