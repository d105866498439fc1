// The share-group RPCs of LogStoreService (log_store.proto "share groups"): each converts the
// request to ShareGroupManager's types, calls it, and converts back. Limits and validation live
// in the manager, so the Kafka listener gets the same checks.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "log-store/broker/log_store_service.h"

namespace eddy::logstore {
namespace {

using share::AckType;
using share::ShareAckItem;

grpc::Status NoShare() {
  return ToGrpc(absl::FailedPreconditionError("this broker serves no share groups"));
}

void SetShareError(v1::PartitionError* e, const absl::Status& s) {
  e->set_code(static_cast<int32_t>(s.code()));
  e->set_message(std::string(s.message()));
  e->set_reason(TxnReason(s));
}

absl::StatusOr<std::vector<ShareAckItem>> ToAcks(
    const google::protobuf::RepeatedPtrField<v1::ShareAck>& acks) {
  std::vector<ShareAckItem> out;
  out.reserve(acks.size());
  for (const auto& a : acks) {
    if (a.type() < 0 || a.type() > 3) {
      return absl::InvalidArgumentError(
          absl::StrCat("INVALID_REQUEST: acknowledgement type ", static_cast<int>(a.type()), " of ",
                       a.topic(), "-", a.partition(), " is not gap, accept, release or reject"));
    }
    ShareAckItem item;
    item.topic = a.topic();
    item.partition = a.partition();
    item.range.first = a.first_offset();
    item.range.last = a.last_offset();
    item.range.type = static_cast<AckType>(a.type());
    out.push_back(std::move(item));
  }
  return out;
}

void ToAckResults(const std::vector<share::ShareAckOutcome>& outs,
                  google::protobuf::RepeatedPtrField<v1::ShareAckResult>* results) {
  for (const auto& o : outs) {
    auto* r = results->Add();
    r->set_topic(o.item.topic);
    r->set_partition(o.item.partition);
    r->set_first_offset(o.item.range.first);
    r->set_last_offset(o.item.range.last);
    if (!o.status.ok()) SetShareError(r->mutable_error(), o.status);
  }
}

void ToAssignment(const std::vector<share::TopicAssignment>& in,
                  google::protobuf::RepeatedPtrField<v1::ShareAssignment>* out) {
  for (const auto& a : in) {
    auto* sa = out->Add();
    sa->set_topic(a.topic);
    for (int32_t p : a.partitions) sa->add_partitions(p);
  }
}

void ToPartitionState(const share::SharePartitionInfo& in, v1::SharePartitionState* out) {
  out->set_topic(in.topic);
  out->set_partition(in.partition);
  const auto& s = in.stats;
  out->set_start_offset(s.start_offset);
  out->set_end_offset(s.end_offset);
  out->set_in_flight(s.in_flight);
  out->set_acquired(s.acquired);
  out->set_available(s.available);
  out->set_accepted_total(s.accepted_total);
  out->set_released_total(s.released_total);
  out->set_rejected_total(s.rejected_total);
  out->set_redelivered_total(s.redelivered_total);
  out->set_lock_expired_total(s.lock_expired_total);
  out->set_archived_total(s.archived_total);
  out->set_dead_lettered_total(s.dead_lettered_total);
  out->set_high_watermark(in.high_watermark);
}

}  // namespace

grpc::Status LogStoreService::HandleShareGroupHeartbeat(const v1::ShareGroupHeartbeatRequest& req,
                                                        v1::ShareGroupHeartbeatResponse* resp) {
  if (share_ == nullptr) return NoShare();
  std::vector<std::string> topics(req.topics().begin(), req.topics().end());
  auto r = share_->Heartbeat(req.group(), req.member_id(), req.member_epoch(), topics);
  if (!r.ok()) {
    // Group and member errors are answers, not failures of the call (log_store.proto).
    SetShareError(resp->mutable_error(), r.status());
    resp->set_member_id(req.member_id());
    return grpc::Status::OK;
  }
  resp->set_member_id(r->member_id);
  resp->set_member_epoch(r->member_epoch);
  resp->set_heartbeat_interval_ms(r->heartbeat_interval_ms);
  ToAssignment(r->assignment, resp->mutable_assignment());
  return grpc::Status::OK;
}

grpc::Status LogStoreService::HandleShareFetch(const v1::ShareFetchRequest& req,
                                               v1::ShareFetchResponse* resp,
                                               grpc::ServerContext* ctx) {
  if (share_ == nullptr) return NoShare();
  auto acks = ToAcks(req.acknowledgements());
  if (!acks.ok()) return ToGrpc(acks.status());
  share::ShareFetchParams p;
  p.group = req.group();
  p.member_id = req.member_id();
  p.member_epoch = req.member_epoch();
  p.max_wait_ms = req.max_wait_ms();
  LongPollLimiter::Slot slot;
  if (p.max_wait_ms > 0) {
    slot = long_polls_.TryAcquire();
    if (!slot.held()) p.max_wait_ms = 0;  // no thread to spare for a wait (long_poll_limiter.h)
  }
  p.max_records = req.max_records();
  p.max_bytes = req.max_bytes();
  for (const auto& part : req.partitions())
    p.partitions.emplace_back(part.topic(), part.partition());
  p.acks = *std::move(acks);
  if (ctx != nullptr) p.cancelled = [ctx] { return ctx->IsCancelled(); };
  auto r = share_->ShareFetch(p);
  if (!r.ok()) return ToGrpc(r.status());
  for (auto& part : r->partitions) {
    auto* pr = resp->add_results();
    pr->set_topic(part.topic);
    pr->set_partition(part.partition);
    if (!part.status.ok()) SetShareError(pr->mutable_error(), part.status);
    pr->set_records(std::move(part.out.records));
    for (const auto& a : part.out.acquired) {
      auto* ar = pr->add_acquired();
      ar->set_first_offset(a.first);
      ar->set_last_offset(a.last);
      ar->set_delivery_count(a.delivery_count);
    }
  }
  ToAckResults(r->acks, resp->mutable_ack_results());
  resp->set_record_lock_duration_ms(r->record_lock_duration_ms);
  return grpc::Status::OK;
}

grpc::Status LogStoreService::HandleShareAcknowledge(const v1::ShareAcknowledgeRequest& req,
                                                     v1::ShareAcknowledgeResponse* resp) {
  if (share_ == nullptr) return NoShare();
  auto acks = ToAcks(req.acknowledgements());
  if (!acks.ok()) return ToGrpc(acks.status());
  auto r = share_->Acknowledge(req.group(), req.member_id(), req.member_epoch(), *acks);
  if (!r.ok()) return ToGrpc(r.status());
  ToAckResults(*r, resp->mutable_results());
  return grpc::Status::OK;
}

grpc::Status LogStoreService::HandleListShareGroups(const v1::ListShareGroupsRequest&,
                                                    v1::ListShareGroupsResponse* resp) {
  if (share_ == nullptr) return NoShare();
  for (const auto& g : share_->ListGroups()) resp->add_groups(g);
  return grpc::Status::OK;
}

grpc::Status LogStoreService::HandleDescribeShareGroup(const v1::DescribeShareGroupRequest& req,
                                                       v1::DescribeShareGroupResponse* resp) {
  if (share_ == nullptr) return NoShare();
  auto info = share_->Describe(req.group());
  if (!info.ok()) return ToGrpc(info.status());
  resp->set_group(info->group);
  resp->set_state(info->state);
  for (const auto& m : info->members) {
    auto* mm = resp->add_members();
    mm->set_member_id(m.member_id);
    mm->set_member_epoch(m.member_epoch);
    for (const auto& t : m.topics) mm->add_topics(t);
    ToAssignment(m.assignment, mm->mutable_assignment());
    mm->set_last_heartbeat_ms_ago(m.last_heartbeat_ms_ago);
    mm->set_acquired(m.acquired);
  }
  for (const auto& p : info->partitions) ToPartitionState(p, resp->add_partitions());
  for (const auto& [k, v] : info->configs) (*resp->mutable_configs())[k] = v;
  return grpc::Status::OK;
}

grpc::Status LogStoreService::HandleAlterShareGroupConfigs(
    const v1::AlterShareGroupConfigsRequest& req, v1::AlterShareGroupConfigsResponse*) {
  if (share_ == nullptr) return NoShare();
  std::map<std::string, std::string> kv(req.configs().begin(), req.configs().end());
  return ToGrpc(share_->AlterConfigs(req.group(), kv));
}

grpc::Status LogStoreService::HandleDeleteShareGroup(const v1::DeleteShareGroupRequest& req,
                                                     v1::DeleteShareGroupResponse*) {
  if (share_ == nullptr) return NoShare();
  return ToGrpc(share_->DeleteGroup(req.group()));
}

grpc::Status LogStoreService::HandleResetShareGroupOffsets(
    const v1::ResetShareGroupOffsetsRequest& req, v1::ResetShareGroupOffsetsResponse* resp) {
  if (share_ == nullptr) return NoShare();
  share::ResetTarget target;
  switch (req.to_case()) {
    case v1::ResetShareGroupOffsetsRequest::kEarliest:
      target.kind = share::ResetTarget::kEarliest;
      break;
    case v1::ResetShareGroupOffsetsRequest::kLatest:
      target.kind = share::ResetTarget::kLatest;
      break;
    case v1::ResetShareGroupOffsetsRequest::kOffset:
      target.kind = share::ResetTarget::kOffset;
      target.value = req.offset();
      break;
    case v1::ResetShareGroupOffsetsRequest::kTimestampMs:
      target.kind = share::ResetTarget::kTimestamp;
      target.value = req.timestamp_ms();
      break;
    default:
      return ToGrpc(absl::InvalidArgumentError(
          "reset share group offsets: say where to (earliest, latest, offset or timestamp_ms)"));
  }
  std::vector<int32_t> parts(req.partitions().begin(), req.partitions().end());
  auto r = share_->ResetOffsets(req.group(), req.topic(), parts, target);
  if (!r.ok()) return ToGrpc(r.status());
  for (const auto& p : *r) ToPartitionState(p, resp->add_partitions());
  return grpc::Status::OK;
}

}  // namespace eddy::logstore
