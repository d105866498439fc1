// The group-membership APIs: FindCoordinator (10), JoinGroup (11), SyncGroup (14),
// Heartbeat (12), LeaveGroup (13), DescribeGroups (15), ListGroups (16), DeleteGroups (42).
// Encoding only; the state machine is GroupCoordinator. This node is the coordinator of every
// group.
#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "log-store/kafka/group_coordinator.h"
#include "log-store/kafka/kafka_apis.h"
#include "log-store/kafka/kafka_requests.h"
#include "log-store/share/share_group_manager.h"
#include "log-store/txn/transaction_coordinator.h"

namespace eddy::kafka {

absl::Status HandleFindCoordinator(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  auto req = ParseFindCoordinator(r, v);
  if (!req.ok()) return req.status();
  if (v >= 1) w.Int32(0);  // throttle_time_ms
  if (req->key_type == 1 && b.txn == nullptr) {
    // No transaction coordinator on this broker. TRANSACTIONAL_ID_AUTHORIZATION_FAILED is what
    // Kafka answers when the transactional id may not be used, and clients treat it as fatal
    // (librdkafka's rd_kafka_txn_handle_FindCoordinator, the Java client, KafkaJS), so
    // init_transactions fails at once instead of retrying COORDINATOR_NOT_AVAILABLE until its
    // timeout. See log-store/broker/README.md.
    w.Int16(error::kTransactionalIdAuthorizationFailed);
    if (v >= 1) {  // error_message exists from v1
      w.NullableString(absl::StrCat("transactional id '", req->key,
                                    "': transactions are not enabled on this broker"));
    }
    w.Int32(-1);
    w.String("");
    w.Int32(-1);
    return absl::OkStatus();
  }
  // key_type 0 (group) and 1 (transaction): this broker coordinates every group and every
  // transactional id.
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
  req->require_known_member_id = v >= 4;
  std::string host = ctx.client_address.substr(0, ctx.client_address.rfind(':'));
  GroupCoordinator::JoinResult res = b.groups->Join(*req, ctx.header.client_id, "/" + host);
  if (v >= 2) w.Int32(0);  // throttle_time_ms
  w.Int16(res.error);
  w.Int32(res.generation);
  w.String(res.protocol_name);
  w.String(res.leader);
  w.String(res.member_id);
  w.ArrayCount(static_cast<int32_t>(res.members.size()));
  for (const auto& m : res.members) {
    w.String(m.member_id);
    if (v >= 5) w.NullableString(m.group_instance_id);
    w.Bytes(m.metadata);
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
  GroupCoordinator::LeaveResult res = b.groups->Leave(*req);
  if (v >= 1) w.Int32(0);
  if (v < 3) {
    // One member: its error is the request's.
    w.Int16(res.member_errors.empty() ? res.error : res.member_errors[0]);
    return absl::OkStatus();
  }
  w.Int16(res.error);
  w.ArrayCount(static_cast<int32_t>(req->members.size()));
  for (size_t i = 0; i < req->members.size(); ++i) {
    w.String(req->members[i].member_id);
    w.NullableString(req->members[i].group_instance_id);
    w.Int16(res.member_errors[i]);
  }
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
      if (v >= 4) w.NullableString(m.group_instance_id);
      w.String(m.client_id);
      w.String(m.client_host);
      w.Bytes(m.metadata);
      w.Bytes(m.assignment);
    }
    if (v >= 3) w.Int32(std::numeric_limits<int32_t>::min());  // authorized_operations: omitted
  }
  return absl::OkStatus();
}

absl::Status HandleListGroups(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  auto req = ParseListGroups(r, v);
  if (!req.ok()) return req.status();
  // Groups known only by their committed offsets are Empty consumer groups.
  std::map<std::string, GroupCoordinator::GroupListing> groups;
  // Share groups (log-store/SHARE_GROUPS.md) are listed with protocol type "share"; a classic
  // group of the same name wins.
  if (b.share != nullptr) {
    for (const std::string& g : b.share->ListGroups()) {
      auto info = b.share->Describe(g);
      groups[g] = {g, "share", info.ok() ? info->state : "Empty"};
    }
  }
  for (const std::string& g : b.logs->ListGroupsWithOffsets()) {
    groups[g] = {g, "consumer", "Empty"};
  }
  for (auto& listing : b.groups->List()) groups[listing.group_id] = std::move(listing);
  std::set<std::string> wanted;  // Kafka matches states case-insensitively
  for (const std::string& s : req->states_filter) wanted.insert(absl::AsciiStrToLower(s));
  std::vector<const GroupCoordinator::GroupListing*> out;
  for (const auto& [id, g] : groups) {
    if (wanted.empty() || wanted.count(absl::AsciiStrToLower(g.state))) out.push_back(&g);
  }
  const bool flexible = v >= 3;
  if (v >= 1) w.Int32(0);
  w.Int16(error::kNone);
  if (flexible) {
    w.CompactArrayCount(static_cast<int32_t>(out.size()));
  } else {
    w.ArrayCount(static_cast<int32_t>(out.size()));
  }
  for (const GroupCoordinator::GroupListing* g : out) {
    if (flexible) {
      w.CompactString(g->group_id);
      w.CompactString(g->protocol_type);
      if (v >= 4) w.CompactString(g->state);
      w.EmptyTaggedFields();
    } else {
      w.String(g->group_id);
      w.String(g->protocol_type);
    }
  }
  if (flexible) w.EmptyTaggedFields();
  return absl::OkStatus();
}

absl::Status HandleDeleteGroups(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  auto req = ParseDeleteGroups(r, v);
  if (!req.ok()) return req.status();
  w.Int32(0);  // throttle_time_ms
  w.ArrayCount(static_cast<int32_t>(req->groups.size()));
  const std::vector<std::string> with_offsets = b.logs->ListGroupsWithOffsets();
  for (const std::string& id : req->groups) {
    const bool has_offsets =
        std::find(with_offsets.begin(), with_offsets.end(), id) != with_offsets.end();
    int16_t err = b.groups->Delete(id, has_offsets);
    if (err == error::kGroupIdNotFound && b.share != nullptr) {
      // Not a classic group: maybe a share group (refused while it has members).
      absl::Status s = b.share->DeleteGroup(id);
      if (s.ok()) {
        err = error::kNone;
      } else if (logstore::TxnReason(s) == "NON_EMPTY_GROUP") {
        err = error::kNonEmptyGroup;
      }
    }
    if (err == error::kNone && has_offsets) {
      absl::Status s = b.logs->DeleteGroupOffsets(id, std::nullopt);
      if (!s.ok()) {
        std::fprintf(stderr, "kafka: DeleteGroups %s: %s\n", id.c_str(),
                     std::string(s.message()).c_str());
        err = error::kUnknownServerError;
      }
    }
    w.String(id);
    w.Int16(err);
  }
  return absl::OkStatus();
}

}  // namespace eddy::kafka
