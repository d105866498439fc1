// The group-membership APIs: FindCoordinator (10), JoinGroup (11), SyncGroup (14),
// Heartbeat (12), LeaveGroup (13), DescribeGroups (15), ListGroups (16). Encoding only; the
// state machine is GroupCoordinator. This node is the coordinator of every group.
#include <set>

#include "log-store/kafka/group_coordinator.h"
#include "log-store/kafka/kafka_apis.h"
#include "log-store/kafka/kafka_requests.h"

namespace eddy::kafka {

absl::Status HandleFindCoordinator(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  auto req = ParseFindCoordinator(r, v);
  if (!req.ok()) return req.status();
  if (v >= 1) w.Int32(0);  // throttle_time_ms
  w.Int16(error::kNone);
  if (v >= 1) w.NullableString(std::nullopt);  // error_message
  w.Int32(b.options.node_id);
  w.String(b.advertised_host);
  w.Int32(b.advertised_port);
  return absl::OkStatus();
}

absl::Status HandleJoinGroup(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  auto req = ParseJoinGroup(r, v);
  if (!req.ok()) return req.status();
  std::string host = ctx.client_address.substr(0, ctx.client_address.rfind(':'));
  GroupCoordinator::JoinResult res = b.groups->Join(*req, ctx.header.client_id, "/" + host);
  if (v >= 2) w.Int32(0);  // throttle_time_ms
  w.Int16(res.error);
  w.Int32(res.generation);
  w.String(res.protocol_name);
  w.String(res.leader);
  w.String(res.member_id);
  w.ArrayCount(static_cast<int32_t>(res.members.size()));
  for (const auto& [id, meta] : res.members) {
    w.String(id);
    if (v >= 5) w.NullableString(std::nullopt);  // group_instance_id
    w.Bytes(meta);
  }
  return absl::OkStatus();
}

absl::Status HandleSyncGroup(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  auto req = ParseSyncGroup(r, v);
  if (!req.ok()) return req.status();
  GroupCoordinator::SyncResult res = b.groups->Sync(*req);
  if (v >= 1) w.Int32(0);
  w.Int16(res.error);
  w.Bytes(res.assignment);
  return absl::OkStatus();
}

absl::Status HandleHeartbeat(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  auto req = ParseHeartbeat(r, v);
  if (!req.ok()) return req.status();
  int16_t err = b.groups->Heartbeat(*req);
  if (v >= 1) w.Int32(0);
  w.Int16(err);
  return absl::OkStatus();
}

absl::Status HandleLeaveGroup(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  auto req = ParseLeaveGroup(r, v);
  if (!req.ok()) return req.status();
  int16_t err = b.groups->Leave(*req);
  if (v >= 1) w.Int32(0);
  w.Int16(err);
  return absl::OkStatus();
}

absl::Status HandleDescribeGroups(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  auto req = ParseDescribeGroups(r, v);
  if (!req.ok()) return req.status();
  if (v >= 1) w.Int32(0);
  w.ArrayCount(static_cast<int32_t>(req->groups.size()));
  for (const std::string& id : req->groups) {
    auto d = b.groups->Describe(id);
    if (!d) {
      const auto with_offsets = b.logs->ListGroupsWithOffsets();
      bool known = std::find(with_offsets.begin(), with_offsets.end(), id) != with_offsets.end();
      d = GroupCoordinator::GroupDescription{
          id, known ? "Empty" : "Dead", known ? "consumer" : "", "", {}};
    }
    w.Int16(error::kNone);
    w.String(d->group_id);
    w.String(d->state);
    w.String(d->protocol_type);
    w.String(d->protocol);
    w.ArrayCount(static_cast<int32_t>(d->members.size()));
    for (const auto& m : d->members) {
      w.String(m.member_id);
      w.String(m.client_id);
      w.String(m.client_host);
      w.Bytes(m.metadata);
      w.Bytes(m.assignment);
    }
  }
  return absl::OkStatus();
}

absl::Status HandleListGroups(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  if (!r.ok()) return r.status("ListGroups request");
  std::map<std::string, std::string> groups;
  for (const std::string& g : b.logs->ListGroupsWithOffsets()) groups[g] = "consumer";
  for (const auto& [id, type] : b.groups->List()) groups[id] = type;
  if (v >= 1) w.Int32(0);
  w.Int16(error::kNone);
  w.ArrayCount(static_cast<int32_t>(groups.size()));
  for (const auto& [id, type] : groups) {
    w.String(id);
    w.String(type);
  }
  return absl::OkStatus();
}

}  // namespace eddy::kafka
