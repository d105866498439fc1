#include "log-store/broker/log_store_service.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace eddy::logstore {
namespace {

constexpr int kMaxPartitionsPerRequest = 100000;

void SetError(v1::PartitionError* e, const absl::Status& s) {
  e->set_code(static_cast<int32_t>(s.code()));
  e->set_message(std::string(s.message()));
}

absl::Status ValidName(const std::string& topic) {
  if (topic.empty()) return absl::InvalidArgumentError("topic name is empty");
  return absl::OkStatus();
}

}  // namespace

grpc::Status ToGrpc(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

grpc::Status LogStoreService::HandleCreateTopic(const v1::CreateTopicRequest& req) {
  if (req.name().empty()) return ToGrpc(absl::InvalidArgumentError("topic name is empty"));
  std::map<std::string, std::string> kv(req.config().begin(), req.config().end());
  if (req.partitions() < 0) {
    return ToGrpc(absl::InvalidArgumentError(
        absl::StrCat("topic '", req.name(), "': partitions must be >= 1, got ", req.partitions())));
  }
  if (req.partitions() > 0) kv["partitions"] = std::to_string(req.partitions());
  auto config = TopicConfig::FromMap(kv, logs_->options().default_topic_config);
  if (!config.ok()) {
    return ToGrpc(absl::InvalidArgumentError(
        absl::StrCat("topic '", req.name(), "': ", config.status().message())));
  }
  // The partition limits (LogManagerOptions, eddy-logd --max-partitions-per-topic and
  // --max-partitions) are the Kafka listener's too; over them is OUT_OF_RANGE.
  return ToGrpc(logs_->CreateTopic(req.name(), *config));
}

grpc::Status LogStoreService::DeleteTopic(grpc::ServerContext*, const v1::DeleteTopicRequest* req,
                                          v1::DeleteTopicResponse*) {
  if (req->name().empty()) return ToGrpc(absl::InvalidArgumentError("topic name is empty"));
  return ToGrpc(logs_->DeleteTopic(req->name()));
}

grpc::Status LogStoreService::ListTopics(grpc::ServerContext*, const v1::ListTopicsRequest*,
                                         v1::ListTopicsResponse* resp) {
  for (auto& n : logs_->ListTopics()) resp->add_names(n);
  return grpc::Status::OK;
}

grpc::Status LogStoreService::HandleDescribeTopic(const v1::DescribeTopicRequest& req,
                                                  v1::DescribeTopicResponse* resp) {
  auto info = logs_->DescribeTopic(req.name());
  if (!info.ok()) return ToGrpc(info.status());
  resp->set_name(info->name);
  for (auto& [k, v] : info->config.ToMap()) (*resp->mutable_config())[k] = v;
  int32_t i = 0;
  for (const auto& p : info->partitions) {
    auto* pi = resp->add_partitions();
    pi->set_partition(i++);
    pi->set_log_start_offset(p.log_start_offset);
    pi->set_log_end_offset(p.log_end_offset);
    pi->set_size_bytes(p.size_bytes);
    pi->set_segment_count(p.segment_count);
  }
  return grpc::Status::OK;
}

grpc::Status LogStoreService::HandleProduce(const v1::ProduceRequest& req,
                                            v1::ProduceResponse* resp) {
  if (req.acks() != 0 && req.acks() != 1 && req.acks() != -1) {
    return ToGrpc(absl::InvalidArgumentError(
        absl::StrCat("produce: acks must be 0, 1 or -1 (all), got ", req.acks())));
  }
  if (req.partitions_size() == 0) {
    return ToGrpc(absl::InvalidArgumentError("produce: request names no partition"));
  }
  if (req.partitions_size() > kMaxPartitionsPerRequest) {
    return ToGrpc(absl::InvalidArgumentError("produce: too many partitions in one request"));
  }
  const bool sync = options_.fsync && req.acks() == -1;
  for (const auto& p : req.partitions()) {
    auto* r = resp->add_results();
    r->set_topic(p.topic());
    r->set_partition(p.partition());
    r->set_base_offset(-1);
    r->set_last_offset(-1);
    absl::Status st = ValidName(p.topic());
    if (st.ok() && p.records().empty()) {
      st = absl::InvalidArgumentError(absl::StrCat("produce to topic '", p.topic(), "' partition ",
                                                   p.partition(),
                                                   ": no record batch in the request"));
    }
    std::shared_ptr<PartitionLog> log;
    if (st.ok()) {
      auto got = logs_->GetPartition(p.topic(), p.partition());
      if (got.ok())
        log = *std::move(got);
      else
        st = got.status();
    }
    if (st.ok()) {
      auto appended = log->Append(p.records(), sync);
      if (appended.ok()) {
        r->set_base_offset(appended->base_offset);
        r->set_last_offset(appended->last_offset);
        r->set_log_append_time_ms(appended->append_time_ms);
        r->set_log_start_offset(appended->log_start_offset);
      } else {
        st = absl::Status(appended.status().code(),
                          absl::StrCat("produce to topic '", p.topic(), "' partition ",
                                       p.partition(), ": ", appended.status().message()));
      }
    }
    if (!st.ok()) SetError(r->mutable_error(), st);
  }
  return grpc::Status::OK;
}

grpc::Status LogStoreService::HandleFetch(const v1::FetchRequest& req, v1::FetchResponse* resp,
                                          grpc::ServerContext* ctx) {
  if (req.partitions_size() == 0) {
    return ToGrpc(absl::InvalidArgumentError("fetch: request names no partition"));
  }
  if (req.partitions_size() > kMaxPartitionsPerRequest) {
    return ToGrpc(absl::InvalidArgumentError("fetch: too many partitions in one request"));
  }
  const int32_t max_wait = std::clamp(req.max_wait_ms(), 0, options_.max_wait_ms);
  const int64_t total_cap = req.max_bytes() > 0
                                ? std::min(req.max_bytes(), options_.max_fetch_bytes)
                                : options_.max_fetch_bytes;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(max_wait);

  // Resolve partitions once; unknown ones are answered with an error right away.
  std::vector<std::shared_ptr<PartitionLog>> logs(req.partitions_size());
  for (int i = 0; i < req.partitions_size(); ++i) {
    const auto& p = req.partitions(i);
    auto got = logs_->GetPartition(p.topic(), p.partition());
    if (got.ok()) logs[i] = *std::move(got);
  }

  for (;;) {
    const uint64_t seq = logs_->AppendSequence();
    resp->Clear();
    int64_t total = 0;
    bool any_error = false;
    for (int i = 0; i < req.partitions_size(); ++i) {
      const auto& p = req.partitions(i);
      auto* r = resp->add_results();
      r->set_topic(p.topic());
      r->set_partition(p.partition());
      if (!logs[i]) {
        auto got = logs_->GetPartition(p.topic(), p.partition());
        SetError(r->mutable_error(),
                 got.ok() ? absl::InternalError("partition vanished") : got.status());
        any_error = true;
        continue;
      }
      const int64_t room = total_cap - total;
      int32_t max_bytes =
          p.max_bytes() > 0 ? p.max_bytes() : options_.default_partition_fetch_bytes;
      max_bytes = static_cast<int32_t>(std::min<int64_t>(max_bytes, std::max<int64_t>(room, 1)));
      if (room <= 0) {
        r->set_high_watermark(logs[i]->LogEndOffset());
        r->set_log_start_offset(logs[i]->LogStartOffset());
        continue;
      }
      auto read = logs[i]->Read(p.offset(), max_bytes);
      if (!read.ok()) {
        SetError(
            r->mutable_error(),
            absl::Status(read.status().code(),
                         absl::StrCat("fetch topic '", p.topic(), "' partition ", p.partition(),
                                      " offset ", p.offset(), ": ", read.status().message())));
        r->set_high_watermark(logs[i]->LogEndOffset());
        r->set_log_start_offset(logs[i]->LogStartOffset());
        any_error = true;
        continue;
      }
      r->set_high_watermark(read->high_watermark);
      r->set_log_start_offset(read->log_start_offset);
      total += static_cast<int64_t>(read->batches.size());
      r->set_records(std::move(read->batches));
    }
    if (any_error || total >= std::max(req.min_bytes(), 1) ||
        std::chrono::steady_clock::now() >= deadline || (ctx && ctx->IsCancelled())) {
      return grpc::Status::OK;
    }
    // Wait in short slices so a cancelled call or a shutdown does not hold a thread long.
    auto slice =
        std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(200));
    logs_->WaitForAppend(seq, slice);
  }
}

grpc::Status LogStoreService::HandleListOffsets(const v1::ListOffsetsRequest& req,
                                                v1::ListOffsetsResponse* resp) {
  if (req.partitions_size() > kMaxPartitionsPerRequest) {
    return ToGrpc(absl::InvalidArgumentError("list offsets: too many partitions"));
  }
  for (const auto& p : req.partitions()) {
    auto* r = resp->add_results();
    r->set_topic(p.topic());
    r->set_partition(p.partition());
    r->set_offset(-1);
    auto got = logs_->GetPartition(p.topic(), p.partition());
    if (!got.ok()) {
      SetError(r->mutable_error(), got.status());
      continue;
    }
    if (p.timestamp() == -2) {
      r->set_offset((*got)->LogStartOffset());
    } else if (p.timestamp() == -1) {
      r->set_offset((*got)->LogEndOffset());
    } else if (p.timestamp() < 0) {
      SetError(r->mutable_error(),
               absl::InvalidArgumentError(absl::StrCat(
                   "list offsets topic '", p.topic(), "' partition ", p.partition(),
                   ": timestamp must be -2 (earliest), -1 (latest) or >= 0, got ", p.timestamp())));
    } else {
      auto off = (*got)->OffsetForTimestamp(p.timestamp());
      if (off.ok())
        r->set_offset(*off);
      else
        SetError(r->mutable_error(), off.status());
    }
  }
  return grpc::Status::OK;
}

grpc::Status LogStoreService::HandleCommitOffsets(const v1::CommitOffsetsRequest& req,
                                                  v1::CommitOffsetsResponse* resp) {
  if (req.group().empty()) return ToGrpc(absl::InvalidArgumentError("commit: group is empty"));
  for (const auto& o : req.offsets()) {
    auto* r = resp->add_results();
    r->set_topic(o.topic());
    r->set_partition(o.partition());
    r->set_offset(o.offset());
    absl::Status st;
    if (o.offset() < 0) {
      st = absl::InvalidArgumentError(absl::StrCat("commit group '", req.group(), "' topic '",
                                                   o.topic(), "' partition ", o.partition(),
                                                   ": offset must be >= 0, got ", o.offset()));
    } else {
      auto got = logs_->GetPartition(o.topic(), o.partition());
      st = got.ok() ? logs_->CommitOffset(req.group(), o.topic(), o.partition(), o.offset(),
                                          o.metadata())
                    : got.status();
    }
    if (!st.ok()) SetError(r->mutable_error(), st);
  }
  return grpc::Status::OK;
}

grpc::Status LogStoreService::HandleFetchOffsets(const v1::FetchOffsetsRequest& req,
                                                 v1::FetchOffsetsResponse* resp) {
  if (req.group().empty())
    return ToGrpc(absl::InvalidArgumentError("fetch offsets: group is empty"));
  for (const auto& p : req.partitions()) {
    auto* r = resp->add_offsets();
    r->set_topic(p.topic());
    r->set_partition(p.partition());
    auto c = logs_->FetchOffset(req.group(), p.topic(), p.partition());
    if (c) {
      r->set_offset(c->offset);
      r->set_metadata(c->metadata);
    } else {
      r->set_offset(-1);
    }
  }
  return grpc::Status::OK;
}

}  // namespace eddy::logstore
