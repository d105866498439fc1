// Kafka protocol constants for the listener: API keys, the versions Eddy advertises (chosen for
// librdkafka 2.0.2 feature gating, see ../shared/reference/kafka-protocol.md §4), error codes,
// and the request header. Used by the request dispatcher and every API handler.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "log-store/kafka/kafka_codec.h"

namespace eddy::kafka {

enum ApiKey : int16_t {
  kProduce = 0,
  kFetch = 1,
  kListOffsets = 2,
  kMetadata = 3,
  kOffsetCommit = 8,
  kOffsetFetch = 9,
  kFindCoordinator = 10,
  kJoinGroup = 11,
  kHeartbeat = 12,
  kLeaveGroup = 13,
  kSyncGroup = 14,
  kDescribeGroups = 15,
  kListGroups = 16,
  kApiVersions = 18,
  kCreateTopics = 19,
  kDeleteTopics = 20,
  kDeleteRecords = 21,
  kInitProducerId = 22,
  kAddPartitionsToTxn = 24,
  kAddOffsetsToTxn = 25,
  kEndTxn = 26,
  kTxnOffsetCommit = 28,
  kDescribeConfigs = 32,
  kAlterConfigs = 33,
  kCreatePartitions = 37,
  kDeleteGroups = 42,
  kIncrementalAlterConfigs = 44,
  kOffsetDelete = 47,
  kDescribeCluster = 60,
  kShareGroupHeartbeat = 76,
  kShareGroupDescribe = 77,
  kShareFetch = 78,
  kShareAcknowledge = 79,
  kDescribeShareGroupOffsets = 90,
  kDeleteShareGroupOffsets = 92,
};

struct ApiRange {
  int16_t key;
  int16_t min;
  int16_t max;
};

// Every API Eddy serves with the range it advertises. Mins are 0 on purpose (feature gating).
// log-store/broker/README.md lists the same table with what each version leaves out.
inline constexpr ApiRange kSupportedApis[] = {
    {kProduce, 0, 7},
    {kFetch, 4, 11},
    {kListOffsets, 0, 3},
    {kMetadata, 0, 12},  // flexible from v9; topic ids from v10; lookup by id from v12
    {kOffsetCommit, 0, 7},
    {kOffsetFetch, 0, 5},
    {kFindCoordinator, 0, 2},
    {kJoinGroup, 0, 5},
    {kHeartbeat, 0, 3},
    {kLeaveGroup, 0, 3},
    {kSyncGroup, 0, 3},
    {kDescribeGroups, 0, 4},
    {kListGroups, 0, 4},
    {kApiVersions, 0, 3},
    {kCreateTopics, 0, 4},
    {kDeleteTopics, 0, 3},
    {kDeleteRecords, 0, 1},
    {kInitProducerId, 0, 4},      // flexible from v2; v3+ carries the current id/epoch
    {kAddPartitionsToTxn, 0, 3},  // flexible from v3 (v4 batched: broker to broker)
    {kAddOffsetsToTxn, 0, 3},     // flexible from v3
    {kEndTxn, 0, 3},              // flexible from v3
    {kTxnOffsetCommit, 0, 3},     // flexible from v3
    {kDescribeConfigs, 0, 2},
    {kAlterConfigs, 0, 1},
    {kCreatePartitions, 0, 1},
    {kDeleteGroups, 0, 1},
    {kIncrementalAlterConfigs, 0, 0},
    {kOffsetDelete, 0, 0},
    {kDescribeCluster, 0, 0},  // flexible from v0
    // Share groups (KIP-932): v1 is the first stable version of each (v0 was Kafka 4.0's early
    // access); flexible. log-store/SHARE_GROUPS.md.
    {kShareGroupHeartbeat, 1, 1},
    {kShareGroupDescribe, 1, 1},
    {kShareFetch, 1, 1},
    {kShareAcknowledge, 1, 1},
    {kDescribeShareGroupOffsets, 0, 0},  // flexible
    {kDeleteShareGroupOffsets, 0, 0},    // flexible
};

// The advertised range of `key`, or nullptr for an API Eddy does not serve.
const ApiRange* FindApi(int16_t key);
const char* ApiName(int16_t key);

namespace error {
inline constexpr int16_t kUnknownServerError = -1;
inline constexpr int16_t kNone = 0;
inline constexpr int16_t kOffsetOutOfRange = 1;
inline constexpr int16_t kCorruptMessage = 2;
inline constexpr int16_t kUnknownTopicOrPartition = 3;
inline constexpr int16_t kLeaderNotAvailable = 5;
inline constexpr int16_t kRequestTimedOut = 7;
inline constexpr int16_t kMessageTooLarge = 10;
inline constexpr int16_t kCoordinatorLoadInProgress = 14;
inline constexpr int16_t kCoordinatorNotAvailable = 15;
inline constexpr int16_t kNotCoordinator = 16;
inline constexpr int16_t kInvalidTopic = 17;
inline constexpr int16_t kInvalidRequiredAcks = 21;
inline constexpr int16_t kIllegalGeneration = 22;
inline constexpr int16_t kInconsistentGroupProtocol = 23;
inline constexpr int16_t kInvalidGroupId = 24;
inline constexpr int16_t kUnknownMemberId = 25;
inline constexpr int16_t kInvalidSessionTimeout = 26;
inline constexpr int16_t kRebalanceInProgress = 27;
inline constexpr int16_t kUnsupportedVersion = 35;
inline constexpr int16_t kTopicAlreadyExists = 36;
inline constexpr int16_t kInvalidPartitions = 37;
inline constexpr int16_t kInvalidReplicationFactor = 38;
inline constexpr int16_t kInvalidReplicaAssignment = 39;
inline constexpr int16_t kInvalidConfig = 40;
inline constexpr int16_t kInvalidRequest = 42;
inline constexpr int16_t kUnsupportedForMessageFormat = 43;
inline constexpr int16_t kOutOfOrderSequence = 45;
inline constexpr int16_t kDuplicateSequence = 46;
inline constexpr int16_t kInvalidProducerEpoch = 47;
inline constexpr int16_t kInvalidTxnState = 48;
inline constexpr int16_t kInvalidProducerIdMapping = 49;
inline constexpr int16_t kInvalidTransactionTimeout = 50;
inline constexpr int16_t kConcurrentTransactions = 51;
inline constexpr int16_t kTransactionCoordinatorFenced = 52;
inline constexpr int16_t kTransactionalIdAuthorizationFailed = 53;
inline constexpr int16_t kOperationNotAttempted = 55;
inline constexpr int16_t kKafkaStorageError = 56;
inline constexpr int16_t kUnknownProducerId = 59;
inline constexpr int16_t kNonEmptyGroup = 68;
inline constexpr int16_t kGroupIdNotFound = 69;
inline constexpr int16_t kMemberIdRequired = 79;
inline constexpr int16_t kGroupMaxSizeReached = 81;
inline constexpr int16_t kFencedInstanceId = 82;
inline constexpr int16_t kGroupSubscribedToTopic = 86;
inline constexpr int16_t kInvalidRecord = 87;
inline constexpr int16_t kProducerFenced = 90;
inline constexpr int16_t kUnknownTopicId = 100;
inline constexpr int16_t kTransactionalIdNotFound = 105;
}  // namespace error

struct RequestHeader {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::string client_id;
};

// True when (key, version) uses the flexible encoding (request header v2): within the advertised
// ranges ApiVersions v3, Metadata v9+, ListGroups v3..4, DescribeCluster (every version), the admin APIs'
// newer versions, InitProducerId v2+ and the other transaction APIs v3+.
bool IsFlexible(int16_t api_key, int16_t api_version);
// True when the response to (key, version) starts with response header v1 (a tagged-field block
// after the correlation id): every flexible version except ApiVersions, whose header stays v0.
bool HasFlexibleResponseHeader(int16_t api_key, int16_t api_version);

// Reads the request header at the start of a frame payload (after the size prefix).
absl::StatusOr<RequestHeader> ParseRequestHeader(Reader& r);

}  // namespace eddy::kafka
