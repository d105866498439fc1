// ShareGroupAdmin over the native API: one blocking RPC per call, errors as the broker's status.
#include "log-store/client/share_group_admin.h"

#include "absl/strings/str_cat.h"
#include "log-store/client/rpc_channel.h"

namespace eddy::logstore {
namespace {

SharePartitionInfo FromProto(const v1::SharePartitionState& p) {
  SharePartitionInfo s;
  s.tp = {p.topic(), p.partition()};
  s.start_offset = p.start_offset();
  s.end_offset = p.end_offset();
  s.high_watermark = p.high_watermark();
  s.in_flight = p.in_flight();
  s.acquired = p.acquired();
  s.available = p.available();
  s.accepted_total = p.accepted_total();
  s.released_total = p.released_total();
  s.rejected_total = p.rejected_total();
  s.redelivered_total = p.redelivered_total();
  s.lock_expired_total = p.lock_expired_total();
  s.archived_total = p.archived_total();
  s.dead_lettered_total = p.dead_lettered_total();
  return s;
}

class ShareGroupAdminImpl final : public ShareGroupAdmin {
 public:
  explicit ShareGroupAdminImpl(std::shared_ptr<RpcChannel> ch) : ch_(std::move(ch)) {}

  absl::StatusOr<std::vector<std::string>> List() override {
    v1::ListShareGroupsRequest req;
    v1::ListShareGroupsResponse resp;
    grpc::ClientContext ctx;
    Deadline(&ctx);
    if (auto st = Check(ch_->stub->ListShareGroups(&ctx, req, &resp), "list share groups");
        !st.ok()) {
      return st;
    }
    return std::vector<std::string>(resp.groups().begin(), resp.groups().end());
  }

  absl::StatusOr<ShareGroupDescription> Describe(const std::string& group) override {
    v1::DescribeShareGroupRequest req;
    req.set_group(group);
    v1::DescribeShareGroupResponse resp;
    grpc::ClientContext ctx;
    Deadline(&ctx);
    if (auto st = Check(ch_->stub->DescribeShareGroup(&ctx, req, &resp),
                        absl::StrCat("describe share group '", group, "'"));
        !st.ok()) {
      return st;
    }
    ShareGroupDescription d;
    d.group = resp.group().empty() ? group : resp.group();
    d.state = resp.state();
    for (const auto& m : resp.members()) {
      ShareGroupMemberInfo mi;
      mi.member_id = m.member_id();
      mi.member_epoch = m.member_epoch();
      mi.topics.assign(m.topics().begin(), m.topics().end());
      for (const auto& a : m.assignment()) {
        for (int32_t p : a.partitions()) mi.assignment.push_back({a.topic(), p});
      }
      mi.last_heartbeat_ms_ago = m.last_heartbeat_ms_ago();
      mi.acquired = m.acquired();
      d.members.push_back(std::move(mi));
    }
    for (const auto& p : resp.partitions()) d.partitions.push_back(FromProto(p));
    d.configs.insert(resp.configs().begin(), resp.configs().end());
    return d;
  }

  absl::Status AlterConfigs(const std::string& group,
                            const std::map<std::string, std::string>& configs) override {
    v1::AlterShareGroupConfigsRequest req;
    req.set_group(group);
    req.mutable_configs()->insert(configs.begin(), configs.end());
    v1::AlterShareGroupConfigsResponse resp;
    grpc::ClientContext ctx;
    Deadline(&ctx);
    return Check(ch_->stub->AlterShareGroupConfigs(&ctx, req, &resp),
                 absl::StrCat("configure share group '", group, "'"));
  }

  absl::Status Delete(const std::string& group) override {
    v1::DeleteShareGroupRequest req;
    req.set_group(group);
    v1::DeleteShareGroupResponse resp;
    grpc::ClientContext ctx;
    Deadline(&ctx);
    return Check(ch_->stub->DeleteShareGroup(&ctx, req, &resp),
                 absl::StrCat("delete share group '", group, "'"));
  }

  absl::StatusOr<std::vector<SharePartitionInfo>> ResetOffsets(
      const std::string& group, const std::string& topic, const std::vector<int32_t>& partitions,
      const ShareResetTarget& to) override {
    v1::ResetShareGroupOffsetsRequest req;
    req.set_group(group);
    req.set_topic(topic);
    for (int32_t p : partitions) req.add_partitions(p);
    switch (to.kind) {
      case ShareResetTarget::kEarliest:
        req.set_earliest(true);
        break;
      case ShareResetTarget::kLatest:
        req.set_latest(true);
        break;
      case ShareResetTarget::kOffset:
        req.set_offset(to.value);
        break;
      case ShareResetTarget::kTimestamp:
        req.set_timestamp_ms(to.value);
        break;
    }
    v1::ResetShareGroupOffsetsResponse resp;
    grpc::ClientContext ctx;
    Deadline(&ctx);
    if (auto st = Check(ch_->stub->ResetShareGroupOffsets(&ctx, req, &resp),
                        absl::StrCat("reset share group '", group, "' on topic '", topic, "'"));
        !st.ok()) {
      return st;
    }
    std::vector<SharePartitionInfo> out;
    for (const auto& p : resp.partitions()) out.push_back(FromProto(p));
    return out;
  }

 private:
  void Deadline(grpc::ClientContext* ctx) {
    ctx->set_deadline(std::chrono::system_clock::now() + ch_->options.request_timeout);
  }
  absl::Status Check(const grpc::Status& s, const std::string& what) {
    return FromGrpc(s, what, ch_->options);
  }

  std::shared_ptr<RpcChannel> ch_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ShareGroupAdmin>> ShareGroupAdmin::Connect(
    const ClientOptions& options) {
  auto ch = MakeRpcChannel(options);
  if (!ch.ok()) return ch.status();
  return std::unique_ptr<ShareGroupAdmin>(new ShareGroupAdminImpl(*std::move(ch)));
}

}  // namespace eddy::logstore
