// Decoded Kafka request bodies for every API Eddy serves, and the decoder that reads them for
// a given (api key, version). Views (string_view) point into the request frame, which outlives
// the request. Used by the API handlers and by the request-decoder fuzz target.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "log-store/kafka/kafka_codec.h"

namespace eddy::kafka {

struct MetadataRequest {
  // nullopt = all topics. v10+: an entry is "" when the client sent a null name (v12: look the
  // topic up by its id; topic names are never empty).
  std::optional<std::vector<std::string>> topics;
  // v10+: the topic id of each entry of `topics` (16 bytes, all zero when not given); empty
  // before v10.
  std::vector<std::string> topic_ids;
  bool allow_auto_create = true;
  bool include_cluster_authorized_operations = false;  // v8..10
  bool include_topic_authorized_operations = false;    // v8+
};

struct ProduceRequest {
  struct Partition {
    int32_t index = 0;
    std::optional<std::string_view> records;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::optional<std::string> transactional_id;
  int16_t acks = -1;
  int32_t timeout_ms = 0;
  std::vector<Topic> topics;
};

struct FetchRequest {
  struct Partition {
    int32_t index = 0;
    int64_t fetch_offset = 0;
    int64_t log_start_offset = -1;
    int32_t max_bytes = 0;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  int32_t max_wait_ms = 0;
  int32_t min_bytes = 0;
  int32_t max_bytes = 0x7fffffff;
  int8_t isolation_level = 0;
  int32_t session_id = 0;
  int32_t session_epoch = -1;
  std::vector<Topic> topics;
};

struct ListOffsetsRequest {
  struct Partition {
    int32_t index = 0;
    int64_t timestamp = -1;
    int32_t max_num_offsets = 1;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  int8_t isolation_level = 0;
  std::vector<Topic> topics;
};

struct FindCoordinatorRequest {
  std::string key;
  int8_t key_type = 0;
};

struct JoinGroupRequest {
  // Set by the handler (not on the wire): v4+ clients understand MEMBER_ID_REQUIRED (KIP-394).
  bool require_known_member_id = false;
  std::string group_id;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string protocol_type;
  std::vector<std::pair<std::string, std::string>> protocols;  // name, metadata
};

struct SyncGroupRequest {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::vector<std::pair<std::string, std::string>> assignments;  // member id, assignment
  std::optional<std::string> group_instance_id;                  // v3+
};

struct HeartbeatRequest {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;  // v3+
};

// v0..2 carry one member; v3+ a batch (KIP-345), each by member id or group instance id.
struct LeaveGroupRequest {
  struct Member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
  };
  std::string group_id;
  std::vector<Member> members;
};

struct DescribeGroupsRequest {
  std::vector<std::string> groups;
  bool include_authorized_operations = false;  // v3+
};

struct ListGroupsRequest {
  std::vector<std::string> states_filter;  // v4+; empty = every state
};

struct DeleteGroupsRequest {
  std::vector<std::string> groups;
};

struct OffsetDeleteRequest {
  struct Topic {
    std::string name;
    std::vector<int32_t> partitions;
  };
  std::string group_id;
  std::vector<Topic> topics;
};

struct OffsetCommitRequest {
  struct Partition {
    int32_t index = 0;
    int64_t offset = 0;
    std::string metadata;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;  // v7+
  std::vector<Topic> topics;
};

struct OffsetFetchRequest {
  struct Topic {
    std::string name;
    std::vector<int32_t> partitions;
  };
  std::string group_id;
  std::optional<std::vector<Topic>> topics;  // nullopt = every committed offset of the group
};

struct CreateTopicsRequest {
  // A manual replica assignment: the brokers holding one partition, preferred leader first.
  struct Assignment {
    int32_t partition_index = 0;
    std::vector<int32_t> broker_ids;
  };
  struct Topic {
    std::string name;
    int32_t num_partitions = -1;
    int16_t replication_factor = -1;
    std::vector<Assignment> assignments;  // empty = the broker places the partitions
    std::vector<std::pair<std::string, std::optional<std::string>>> configs;
  };
  std::vector<Topic> topics;
  int32_t timeout_ms = 0;
  bool validate_only = false;
};

// InitProducerId v0..4 (flexible from v2). v3+ carries the producer id and epoch the client
// holds (KIP-360: -1/-1 on a first init, the current pair when it re-initialises after an
// abortable error so the coordinator can bump the epoch instead of fencing it).
struct InitProducerIdRequest {
  std::optional<std::string> transactional_id;
  int32_t transaction_timeout_ms = 0;
  int64_t producer_id = -1;     // v3+
  int16_t producer_epoch = -1;  // v3+
};

// AddPartitionsToTxn (key 24) v0..3 (flexible from v3; v4's batched form is broker to broker).
struct AddPartitionsToTxnRequest {
  struct Topic {
    std::string name;
    std::vector<int32_t> partitions;
  };
  std::string transactional_id;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  std::vector<Topic> topics;
};

// AddOffsetsToTxn (key 25) v0..3 (flexible from v3): the group whose offsets the transaction
// will commit through TxnOffsetCommit.
struct AddOffsetsToTxnRequest {
  std::string transactional_id;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  std::string group_id;
};

// EndTxn (key 26) v0..3 (flexible from v3).
struct EndTxnRequest {
  std::string transactional_id;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  bool committed = false;  // true = commit, false = abort
};

// TxnOffsetCommit (key 28) v0..3 (flexible from v3; v3 adds the group generation, member id and
// group instance id of KIP-447, which the coordinator may check like OffsetCommit does).
struct TxnOffsetCommitRequest {
  struct Partition {
    int32_t index = 0;
    int64_t offset = 0;
    int32_t leader_epoch = -1;  // v2+
    std::optional<std::string> metadata;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::string transactional_id;
  std::string group_id;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t generation_id = -1;                    // v3+
  std::string member_id;                         // v3+
  std::optional<std::string> group_instance_id;  // v3+
  std::vector<Topic> topics;
};

struct DeleteTopicsRequest {
  std::vector<std::string> topics;
  int32_t timeout_ms = 0;
};

// Growth of existing topics to `count` partitions; `assignments` (nullopt = the broker places
// them) holds one broker list per new partition.
struct CreatePartitionsRequest {
  struct Topic {
    std::string name;
    int32_t count = 0;
    std::optional<std::vector<std::vector<int32_t>>> assignments;
  };
  std::vector<Topic> topics;
  int32_t timeout_ms = 0;
  bool validate_only = false;
};

struct DeleteRecordsRequest {
  struct Partition {
    int32_t index = 0;
    int64_t offset = 0;  // delete records before this offset; -1 = the high watermark
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
  int32_t timeout_ms = 0;
};

// Kafka's config resource types (DescribeConfigs, AlterConfigs, IncrementalAlterConfigs).
inline constexpr int8_t kResourceTopic = 2;
inline constexpr int8_t kResourceBroker = 4;

struct DescribeConfigsRequest {
  struct Resource {
    int8_t type = 0;
    std::string name;
    std::optional<std::vector<std::string>> keys;  // nullopt = every config
  };
  std::vector<Resource> resources;
  bool include_synonyms = false;  // v1+
};

// AlterConfigs (operation always kSet) and IncrementalAlterConfigs.
struct AlterConfigsRequest {
  enum Op : int8_t { kSet = 0, kDelete = 1, kAppend = 2, kSubtract = 3 };
  struct Entry {
    std::string name;
    Op op = kSet;
    std::optional<std::string> value;
  };
  struct Resource {
    int8_t type = 0;
    std::string name;
    std::vector<Entry> entries;
  };
  std::vector<Resource> resources;
  bool validate_only = false;
};

struct DescribeClusterRequest {
  bool include_cluster_authorized_operations = false;
};

absl::StatusOr<MetadataRequest> ParseMetadata(Reader& r, int16_t v);
absl::StatusOr<ProduceRequest> ParseProduce(Reader& r, int16_t v);
absl::StatusOr<FetchRequest> ParseFetch(Reader& r, int16_t v);
absl::StatusOr<ListOffsetsRequest> ParseListOffsets(Reader& r, int16_t v);
absl::StatusOr<FindCoordinatorRequest> ParseFindCoordinator(Reader& r, int16_t v);
absl::StatusOr<JoinGroupRequest> ParseJoinGroup(Reader& r, int16_t v);
absl::StatusOr<SyncGroupRequest> ParseSyncGroup(Reader& r, int16_t v);
absl::StatusOr<HeartbeatRequest> ParseHeartbeat(Reader& r, int16_t v);
absl::StatusOr<LeaveGroupRequest> ParseLeaveGroup(Reader& r, int16_t v);
absl::StatusOr<DescribeGroupsRequest> ParseDescribeGroups(Reader& r, int16_t v);
absl::StatusOr<ListGroupsRequest> ParseListGroups(Reader& r, int16_t v);
absl::StatusOr<DeleteGroupsRequest> ParseDeleteGroups(Reader& r, int16_t v);
absl::StatusOr<OffsetDeleteRequest> ParseOffsetDelete(Reader& r, int16_t v);
absl::StatusOr<OffsetCommitRequest> ParseOffsetCommit(Reader& r, int16_t v);
absl::StatusOr<OffsetFetchRequest> ParseOffsetFetch(Reader& r, int16_t v);
absl::StatusOr<CreateTopicsRequest> ParseCreateTopics(Reader& r, int16_t v);
absl::StatusOr<InitProducerIdRequest> ParseInitProducerId(Reader& r, int16_t v);
absl::StatusOr<AddPartitionsToTxnRequest> ParseAddPartitionsToTxn(Reader& r, int16_t v);
absl::StatusOr<AddOffsetsToTxnRequest> ParseAddOffsetsToTxn(Reader& r, int16_t v);
absl::StatusOr<EndTxnRequest> ParseEndTxn(Reader& r, int16_t v);
absl::StatusOr<TxnOffsetCommitRequest> ParseTxnOffsetCommit(Reader& r, int16_t v);
absl::StatusOr<DeleteTopicsRequest> ParseDeleteTopics(Reader& r, int16_t v);
absl::StatusOr<CreatePartitionsRequest> ParseCreatePartitions(Reader& r, int16_t v);
absl::StatusOr<DeleteRecordsRequest> ParseDeleteRecords(Reader& r, int16_t v);
absl::StatusOr<DescribeConfigsRequest> ParseDescribeConfigs(Reader& r, int16_t v);
absl::StatusOr<AlterConfigsRequest> ParseAlterConfigs(Reader& r, int16_t v);
absl::StatusOr<AlterConfigsRequest> ParseIncrementalAlterConfigs(Reader& r, int16_t v);
absl::StatusOr<DescribeClusterRequest> ParseDescribeCluster(Reader& r, int16_t v);

}  // namespace eddy::kafka
