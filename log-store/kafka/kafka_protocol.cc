#include "log-store/kafka/kafka_protocol.h"

namespace eddy::kafka {

const ApiRange* FindApi(int16_t key) {
  for (const ApiRange& a : kSupportedApis) {
    if (a.key == key) return &a;
  }
  return nullptr;
}

const char* ApiName(int16_t key) {
  switch (key) {
    case kProduce:
      return "Produce";
    case kFetch:
      return "Fetch";
    case kListOffsets:
      return "ListOffsets";
    case kMetadata:
      return "Metadata";
    case kOffsetCommit:
      return "OffsetCommit";
    case kOffsetFetch:
      return "OffsetFetch";
    case kFindCoordinator:
      return "FindCoordinator";
    case kJoinGroup:
      return "JoinGroup";
    case kHeartbeat:
      return "Heartbeat";
    case kLeaveGroup:
      return "LeaveGroup";
    case kSyncGroup:
      return "SyncGroup";
    case kDescribeGroups:
      return "DescribeGroups";
    case kListGroups:
      return "ListGroups";
    case kApiVersions:
      return "ApiVersions";
    case kCreateTopics:
      return "CreateTopics";
    case kDeleteTopics:
      return "DeleteTopics";
    case kDeleteRecords:
      return "DeleteRecords";
    case kInitProducerId:
      return "InitProducerId";
    case kAddPartitionsToTxn:
      return "AddPartitionsToTxn";
    case kAddOffsetsToTxn:
      return "AddOffsetsToTxn";
    case kEndTxn:
      return "EndTxn";
    case kTxnOffsetCommit:
      return "TxnOffsetCommit";
    case kDescribeConfigs:
      return "DescribeConfigs";
    case kAlterConfigs:
      return "AlterConfigs";
    case kCreatePartitions:
      return "CreatePartitions";
    case kIncrementalAlterConfigs:
      return "IncrementalAlterConfigs";
    case kDescribeCluster:
      return "DescribeCluster";
    case kDeleteGroups:
      return "DeleteGroups";
    case kOffsetDelete:
      return "OffsetDelete";
    case kShareGroupHeartbeat:
      return "ShareGroupHeartbeat";
    case kShareGroupDescribe:
      return "ShareGroupDescribe";
    case kDescribeShareGroupOffsets:
      return "DescribeShareGroupOffsets";
    case kDeleteShareGroupOffsets:
      return "DeleteShareGroupOffsets";
    case kShareFetch:
      return "ShareFetch";
    case kShareAcknowledge:
      return "ShareAcknowledge";
    default:
      return "Unknown";
  }
}

bool IsFlexible(int16_t api_key, int16_t api_version) {
  return (api_key == kApiVersions && api_version >= 3) || api_key == kShareGroupHeartbeat ||
         api_key == kShareGroupDescribe || api_key == kDescribeShareGroupOffsets ||
         api_key == kDeleteShareGroupOffsets ||
         api_key == kShareFetch || api_key == kShareAcknowledge ||
         (api_key == kListGroups && api_version >= 3) || api_key == kDescribeCluster ||
         (api_key == kMetadata && api_version >= 9) ||
         (api_key == kDeleteTopics && api_version >= 4) ||
         (api_key == kDeleteRecords && api_version >= 2) ||
         (api_key == kDescribeConfigs && api_version >= 4) ||
         (api_key == kAlterConfigs && api_version >= 2) ||
         (api_key == kCreatePartitions && api_version >= 2) ||
         (api_key == kIncrementalAlterConfigs && api_version >= 1) ||
         (api_key == kInitProducerId && api_version >= 2) ||
         (api_key == kAddPartitionsToTxn && api_version >= 3) ||
         (api_key == kAddOffsetsToTxn && api_version >= 3) ||
         (api_key == kEndTxn && api_version >= 3) ||
         (api_key == kTxnOffsetCommit && api_version >= 3);
}

bool HasFlexibleResponseHeader(int16_t api_key, int16_t api_version) {
  return api_key != kApiVersions && IsFlexible(api_key, api_version);
}

absl::StatusOr<RequestHeader> ParseRequestHeader(Reader& r) {
  RequestHeader h;
  h.api_key = r.Int16();
  h.api_version = r.Int16();
  h.correlation_id = r.Int32();
  h.client_id = std::string(r.NullableString().value_or(""));
  if (r.ok() && IsFlexible(h.api_key, h.api_version)) r.SkipTaggedFields();
  if (!r.ok()) return r.status("request header");
  return h;
}

}  // namespace eddy::kafka
