#include "log-store/kafka/request_dispatcher.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "log-store/kafka/kafka_apis.h"
#include "log-store/kafka/kafka_requests.h"

namespace eddy::kafka {
namespace {

Handler FindHandler(int16_t key) {
  switch (key) {
    case kProduce:
      return HandleProduce;
    case kShareGroupHeartbeat:
      return HandleShareGroupHeartbeat;
    case kShareGroupDescribe:
      return HandleShareGroupDescribe;
    case kDescribeShareGroupOffsets:
      return HandleDescribeShareGroupOffsets;
    case kDeleteShareGroupOffsets:
      return HandleDeleteShareGroupOffsets;
    case kShareFetch:
      return HandleShareFetch;
    case kShareAcknowledge:
      return HandleShareAcknowledge;
    case kFetch:
      return HandleFetch;
    case kListOffsets:
      return HandleListOffsets;
    case kMetadata:
      return HandleMetadata;
    case kOffsetCommit:
      return HandleOffsetCommit;
    case kOffsetFetch:
      return HandleOffsetFetch;
    case kFindCoordinator:
      return HandleFindCoordinator;
    case kJoinGroup:
      return HandleJoinGroup;
    case kHeartbeat:
      return HandleHeartbeat;
    case kLeaveGroup:
      return HandleLeaveGroup;
    case kSyncGroup:
      return HandleSyncGroup;
    case kDescribeGroups:
      return HandleDescribeGroups;
    case kListGroups:
      return HandleListGroups;
    case kApiVersions:
      return HandleApiVersions;
    case kCreateTopics:
      return HandleCreateTopics;
    case kInitProducerId:
      return HandleInitProducerId;
    case kAddPartitionsToTxn:
      return HandleAddPartitionsToTxn;
    case kAddOffsetsToTxn:
      return HandleAddOffsetsToTxn;
    case kEndTxn:
      return HandleEndTxn;
    case kTxnOffsetCommit:
      return HandleTxnOffsetCommit;
    case kDeleteGroups:
      return HandleDeleteGroups;
    case kOffsetDelete:
      return HandleOffsetDelete;
    case kDeleteTopics:
      return HandleDeleteTopics;
    case kCreatePartitions:
      return HandleCreatePartitions;
    case kDeleteRecords:
      return HandleDeleteRecords;
    case kDescribeConfigs:
      return HandleDescribeConfigs;
    case kAlterConfigs:
      return HandleAlterConfigs;
    case kIncrementalAlterConfigs:
      return HandleIncrementalAlterConfigs;
    case kDescribeCluster:
      return HandleDescribeCluster;
    default:
      return nullptr;
  }
}

// Starts a response frame: size prefix (patched by EndFrame) and correlation id.
void BeginFrame(int32_t correlation_id, Writer& out) {
  out.Clear();
  out.ReserveInt32();
  out.Int32(correlation_id);
}

void EndFrame(Writer& out) { out.PatchInt32(0, static_cast<int32_t>(out.total_size() - 4)); }

}  // namespace

DispatchResult Dispatch(BrokerContext& broker, std::string_view payload, const std::string& client,
                        Writer& out, std::string& scratch) {
  DispatchResult res;
  Reader r(payload);
  auto header = ParseRequestHeader(r);
  if (!header.ok()) {
    std::fprintf(stderr, "kafka: client %s: %s; closing the connection\n", client.c_str(),
                 std::string(header.status().message()).c_str());
    res.close = true;
    return res;
  }
  const ApiRange* api = FindApi(header->api_key);
  if (api == nullptr) {
    std::fprintf(stderr, "kafka: client %s: unknown API key %d; closing the connection\n",
                 client.c_str(), header->api_key);
    res.close = true;
    return res;
  }
  if (header->api_version < api->min || header->api_version > api->max) {
    if (header->api_key == kApiVersions) {
      // The downgrade signal: v0 layout with UNSUPPORTED_VERSION and our ranges.
      BeginFrame(header->correlation_id, out);
      WriteApiVersionsV0(error::kUnsupportedVersion, out);
      EndFrame(out);
      res.respond = true;
      return res;
    }
    std::fprintf(stderr,
                 "kafka: client %s: %s v%d is not supported (%d..%d); closing the connection\n",
                 client.c_str(), ApiName(header->api_key), header->api_version, api->min, api->max);
    res.close = true;
    return res;
  }
  RequestContext ctx;
  ctx.header = std::move(*header);
  ctx.client_address = client;
  ctx.scratch = &scratch;
  BeginFrame(ctx.header.correlation_id, out);
  if (HasFlexibleResponseHeader(ctx.header.api_key, ctx.header.api_version)) {
    out.EmptyTaggedFields();
  }
  absl::Status s = FindHandler(ctx.header.api_key)(broker, ctx, r, out);
  if (!s.ok()) {
    std::fprintf(stderr, "kafka: client %s: %s; closing the connection\n", client.c_str(),
                 std::string(s.message()).c_str());
    out.Clear();
    res.close = true;
    return res;
  }
  if (ctx.close_after) {
    out.Clear();
    res.close = true;
    return res;
  }
  if (ctx.send_response) {
    EndFrame(out);
    res.respond = true;
  } else {
    out.Clear();
  }
  return res;
}

absl::Status DecodeRequestBody(int16_t key, int16_t v, Reader& r) {
  switch (key) {
    case kProduce:
      return ParseProduce(r, v).status();
    case kFetch:
      return ParseFetch(r, v).status();
    case kListOffsets:
      return ParseListOffsets(r, v).status();
    case kMetadata:
      return ParseMetadata(r, v).status();
    case kOffsetCommit:
      return ParseOffsetCommit(r, v).status();
    case kOffsetFetch:
      return ParseOffsetFetch(r, v).status();
    case kFindCoordinator:
      return ParseFindCoordinator(r, v).status();
    case kJoinGroup:
      return ParseJoinGroup(r, v).status();
    case kHeartbeat:
      return ParseHeartbeat(r, v).status();
    case kLeaveGroup:
      return ParseLeaveGroup(r, v).status();
    case kSyncGroup:
      return ParseSyncGroup(r, v).status();
    case kDescribeGroups:
      return ParseDescribeGroups(r, v).status();
    case kListGroups:
      return ParseListGroups(r, v).status();
    case kApiVersions:
      if (v >= 3) {
        r.CompactString();
        r.CompactString();
        r.SkipTaggedFields();
      }
      return r.status("ApiVersions request");
    case kCreateTopics:
      return ParseCreateTopics(r, v).status();
    case kInitProducerId:
      return ParseInitProducerId(r, v).status();
    case kAddPartitionsToTxn:
      return ParseAddPartitionsToTxn(r, v).status();
    case kAddOffsetsToTxn:
      return ParseAddOffsetsToTxn(r, v).status();
    case kEndTxn:
      return ParseEndTxn(r, v).status();
    case kTxnOffsetCommit:
      return ParseTxnOffsetCommit(r, v).status();
    case kDeleteGroups:
      return ParseDeleteGroups(r, v).status();
    case kOffsetDelete:
      return ParseOffsetDelete(r, v).status();
    case kDeleteTopics:
      return ParseDeleteTopics(r, v).status();
    case kCreatePartitions:
      return ParseCreatePartitions(r, v).status();
    case kDeleteRecords:
      return ParseDeleteRecords(r, v).status();
    case kDescribeConfigs:
      return ParseDescribeConfigs(r, v).status();
    case kAlterConfigs:
      return ParseAlterConfigs(r, v).status();
    case kIncrementalAlterConfigs:
      return ParseIncrementalAlterConfigs(r, v).status();
    case kDescribeCluster:
      return ParseDescribeCluster(r, v).status();
    case kShareGroupHeartbeat:
    case kShareGroupDescribe:
    case kDescribeShareGroupOffsets:
    case kDeleteShareGroupOffsets:
    case kShareFetch:
    case kShareAcknowledge: {
      // The share handlers parse as they go; with no share groups they only parse and answer
      // COORDINATOR_NOT_AVAILABLE.
      BrokerContext b;
      RequestContext c;
      Writer w;
      if (key == kShareGroupHeartbeat) return HandleShareGroupHeartbeat(b, c, r, w);
      if (key == kShareFetch) return HandleShareFetch(b, c, r, w);
      if (key == kShareGroupDescribe) return HandleShareGroupDescribe(b, c, r, w);
      if (key == kDescribeShareGroupOffsets) return HandleDescribeShareGroupOffsets(b, c, r, w);
      if (key == kDeleteShareGroupOffsets) return HandleDeleteShareGroupOffsets(b, c, r, w);
      return HandleShareAcknowledge(b, c, r, w);
    }
    default:
      return absl::InvalidArgumentError(absl::StrCat("unknown API key ", key));
  }
}

absl::Status DecodeRequest(std::string_view payload) {
  Reader r(payload);
  auto header = ParseRequestHeader(r);
  if (!header.ok()) return header.status();
  const ApiRange* api = FindApi(header->api_key);
  if (api == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("unknown API key ", header->api_key));
  }
  if (header->api_version < api->min || header->api_version > api->max) {
    return absl::InvalidArgumentError(
        absl::StrCat(ApiName(header->api_key), " v", header->api_version, " is not supported"));
  }
  return DecodeRequestBody(header->api_key, header->api_version, r);
}

}  // namespace eddy::kafka
