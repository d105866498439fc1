// ShareGroup: one share group's members (member id, epoch, subscription, last heartbeat), its
// config, and its share partitions. Every member is assigned every partition of the topics it
// subscribes to (KIP-932 allows a partition to be shared; Eddy does not use Kafka's
// SimpleAssignor split, see log-store/SHARE_GROUPS.md). Plain data guarded by
// ShareGroupManager's lock; the partitions guard themselves.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "log-store/share/share_config.h"
#include "log-store/share/share_partition.h"

namespace eddy::logstore::share {

// Partitions of one topic given to a member.
struct TopicAssignment {
  std::string topic;
  std::vector<int32_t> partitions;
  friend bool operator==(const TopicAssignment&, const TopicAssignment&) = default;
};

struct ShareMember {
  std::string id;
  int32_t epoch = 0;
  uint64_t key = 0;  // unique per join, never reused: what the share partitions record as owner
  std::vector<std::string> topics;
  std::vector<TopicAssignment> assignment;
  int64_t last_heartbeat_ms = 0;
};

struct ShareGroup {
  std::string name;
  std::map<std::string, std::string> overrides;  // the group's own settings
  ShareGroupConfig config;                       // overrides on top of the broker defaults
  std::map<std::string, ShareMember> members;
  std::map<std::pair<std::string, int32_t>, std::shared_ptr<SharePartition>> partitions;
};

}  // namespace eddy::logstore::share
