#include "log-store/client/admin_client.h"

#include "absl/strings/str_cat.h"
#include "log-store/client/rpc_channel.h"

namespace eddy::logstore {
namespace {

class AdminClientImpl final : public AdminClient {
 public:
  explicit AdminClientImpl(std::shared_ptr<RpcChannel> ch) : ch_(std::move(ch)) {}

  absl::Status CreateTopic(const std::string& name, int32_t partitions,
                           const std::map<std::string, std::string>& config) override {
    v1::CreateTopicRequest req;
    req.set_name(name);
    req.set_partitions(partitions);
    for (const auto& [k, v] : config) (*req.mutable_config())[k] = v;
    v1::CreateTopicResponse resp;
    auto ctx = Ctx();
    return FromGrpc(ch_->stub->CreateTopic(ctx.get(), req, &resp), "", ch_->options);
  }

  absl::Status DeleteTopic(const std::string& name) override {
    v1::DeleteTopicRequest req;
    req.set_name(name);
    v1::DeleteTopicResponse resp;
    auto ctx = Ctx();
    return FromGrpc(ch_->stub->DeleteTopic(ctx.get(), req, &resp), "", ch_->options);
  }

  absl::StatusOr<std::vector<std::string>> ListTopics() override {
    v1::ListTopicsRequest req;
    v1::ListTopicsResponse resp;
    auto ctx = Ctx();
    auto st = FromGrpc(ch_->stub->ListTopics(ctx.get(), req, &resp), "list topics", ch_->options);
    if (!st.ok()) return st;
    return std::vector<std::string>(resp.names().begin(), resp.names().end());
  }

  absl::StatusOr<TopicDescription> DescribeTopic(const std::string& name) override {
    v1::DescribeTopicRequest req;
    req.set_name(name);
    v1::DescribeTopicResponse resp;
    auto ctx = Ctx();
    auto st = FromGrpc(ch_->stub->DescribeTopic(ctx.get(), req, &resp), "", ch_->options);
    if (!st.ok()) return st;
    TopicDescription d;
    d.name = resp.name();
    d.config = std::map<std::string, std::string>(resp.config().begin(), resp.config().end());
    for (const auto& p : resp.partitions()) {
      d.partitions.push_back({p.partition(), p.log_start_offset(), p.log_end_offset(),
                              p.size_bytes(), p.segment_count()});
    }
    return d;
  }

  absl::StatusOr<int32_t> PartitionCount(const std::string& topic) override {
    auto d = DescribeTopic(topic);
    if (!d.ok()) return d.status();
    return static_cast<int32_t>(d->partitions.size());
  }

  absl::StatusOr<int64_t> ListOffset(const TopicPartition& tp, int64_t spec) override {
    v1::ListOffsetsRequest req;
    auto* p = req.add_partitions();
    p->set_topic(tp.topic);
    p->set_partition(tp.partition);
    p->set_timestamp(spec);
    v1::ListOffsetsResponse resp;
    auto ctx = Ctx();
    auto st = FromGrpc(ch_->stub->ListOffsets(ctx.get(), req, &resp), "list offsets", ch_->options);
    if (!st.ok()) return st;
    if (resp.results_size() != 1) return absl::InternalError("list offsets: bad answer");
    st = FromPartitionError(resp.results(0).error());
    if (!st.ok()) return st;
    return resp.results(0).offset();
  }

  absl::StatusOr<int64_t> DeleteRecordsBefore(const TopicPartition& tp, int64_t offset) override {
    v1::DeleteRecordsRequest req;
    auto* p = req.add_partitions();
    p->set_topic(tp.topic);
    p->set_partition(tp.partition);
    p->set_offset(offset);
    v1::DeleteRecordsResponse resp;
    auto ctx = Ctx();
    auto st =
        FromGrpc(ch_->stub->DeleteRecords(ctx.get(), req, &resp),
                 absl::StrCat("delete records of ", tp.topic, "/", tp.partition), ch_->options);
    if (!st.ok()) return st;
    if (resp.results_size() != 1) return absl::InternalError("delete records: bad answer");
    st = FromPartitionError(resp.results(0).error());
    if (!st.ok()) return st;
    return resp.results(0).log_start_offset();
  }

  absl::Status CommitOffsets(const std::string& group,
                             const std::map<TopicPartition, int64_t>& offsets) override {
    v1::CommitOffsetsRequest req;
    req.set_group(group);
    for (const auto& [tp, off] : offsets) {
      auto* o = req.add_offsets();
      o->set_topic(tp.topic);
      o->set_partition(tp.partition);
      o->set_offset(off);
    }
    v1::CommitOffsetsResponse resp;
    auto ctx = Ctx();
    auto st = FromGrpc(ch_->stub->CommitOffsets(ctx.get(), req, &resp),
                       absl::StrCat("commit offsets of group '", group, "'"), ch_->options);
    if (!st.ok()) return st;
    for (const auto& r : resp.results()) {
      st = FromPartitionError(r.error());
      if (!st.ok()) return st;
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::map<TopicPartition, int64_t>> FetchCommitted(
      const std::string& group, const std::vector<TopicPartition>& partitions) override {
    v1::FetchOffsetsRequest req;
    req.set_group(group);
    for (const auto& tp : partitions) {
      auto* o = req.add_partitions();
      o->set_topic(tp.topic);
      o->set_partition(tp.partition);
    }
    v1::FetchOffsetsResponse resp;
    auto ctx = Ctx();
    auto st = FromGrpc(ch_->stub->FetchOffsets(ctx.get(), req, &resp),
                       absl::StrCat("fetch offsets of group '", group, "'"), ch_->options);
    if (!st.ok()) return st;
    std::map<TopicPartition, int64_t> out;
    for (const auto& o : resp.offsets()) {
      if (o.offset() >= 0) out[{o.topic(), o.partition()}] = o.offset();
    }
    return out;
  }

  absl::StatusOr<std::map<std::string, std::map<TopicPartition, int64_t>>> ListGroups(
      const std::string& group) override {
    v1::ListGroupsRequest req;
    req.set_group(group);
    v1::ListGroupsResponse resp;
    auto ctx = Ctx();
    auto st = FromGrpc(ch_->stub->ListGroups(ctx.get(), req, &resp), "list groups", ch_->options);
    if (!st.ok()) return st;
    std::map<std::string, std::map<TopicPartition, int64_t>> out;
    for (const auto& g : resp.groups()) {
      auto& m = out[g.group()];
      for (const auto& o : g.offsets()) m[{o.topic(), o.partition()}] = o.offset();
    }
    return out;
  }

 private:
  std::unique_ptr<grpc::ClientContext> Ctx() {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + ch_->options.request_timeout);
    return ctx;
  }
  std::shared_ptr<RpcChannel> ch_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<AdminClient>> AdminClient::Connect(const ClientOptions& options) {
  auto ch = MakeRpcChannel(options);
  if (!ch.ok()) return ch.status();
  return std::unique_ptr<AdminClient>(new AdminClientImpl(*std::move(ch)));
}

}  // namespace eddy::logstore
