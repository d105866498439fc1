#include "log-store/broker/log_store_service.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "log-store/storage/encoding.h"
#include "log-store/storage/producer_state.h"
#include "log-store/storage/record_batch.h"

namespace eddy::logstore {
namespace {

constexpr int kMaxPartitionsPerRequest = 100000;

void SetError(v1::PartitionError* e, const absl::Status& s) {
  e->set_code(static_cast<int32_t>(s.code()));
  e->set_message(std::string(s.message()));
  std::string reason = TxnReason(s);
  if (reason.empty()) reason = ReasonOf(s);
  if (reason.empty()) {
    // Storage errors name their Kafka error first ("...: INVALID_PRODUCER_EPOCH: ...").
    for (const char* r : {"OUT_OF_ORDER_SEQUENCE_NUMBER", "INVALID_PRODUCER_EPOCH"}) {
      if (s.message().find(r) != std::string::npos) reason = r;
    }
  }
  e->set_reason(reason);
}

absl::Status NoCoordinator(std::string_view what) {
  return absl::FailedPreconditionError(
      absl::StrCat(std::string(what), ": this broker runs without a transaction coordinator"));
}

absl::Status ValidName(const std::string& topic) {
  if (topic.empty()) return absl::InvalidArgumentError("topic name is empty");
  return absl::OkStatus();
}

}  // namespace

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
    pi->set_last_stable_offset(p.last_stable_offset);
  }
  return grpc::Status::OK;
}

grpc::Status LogStoreService::Produce(grpc::ServerContext*, const v1::ProduceRequest* req,
                                      v1::ProduceResponse* resp) {
  grpc::Status st;
  {
    ScopedTimer timed(probe_.produce.latency);
    st = HandleProduce(*req, resp);
  }
  uint64_t records = 0, bytes = 0;
  for (const auto& p : req->partitions()) bytes += p.records().size();
  for (const auto& r : resp->results()) {
    if (r.error().code() == 0 && r.base_offset() >= 0)
      records += r.last_offset() - r.base_offset() + 1;
  }
  probe_.produce.Count(records, bytes);
  probe_.Answer(ServiceProbe::kProduce, st.error_code());
  return st;
}

grpc::Status LogStoreService::Fetch(grpc::ServerContext* ctx, const v1::FetchRequest* req,
                                    v1::FetchResponse* resp) {
  grpc::Status st;
  {
    ScopedTimer timed(probe_.fetch.latency);
    st = HandleFetch(*req, resp, ctx);
  }
  uint64_t records = 0, bytes = 0;
  for (const auto& r : resp->results()) {
    bytes += r.records().size();
    records += CountBatchRecords(r.records());
  }
  probe_.fetch.Count(records, bytes);
  probe_.Answer(ServiceProbe::kFetch, st.error_code());
  return st;
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
  // timeout_ms bounds the broker's work on the request: a partition not yet started when it has
  // passed is not written and answered REQUEST_TIMED_OUT (the client may retry it; an idempotent
  // producer's retry cannot duplicate what was written).
  const auto deadline = req.timeout_ms() > 0
                            ? std::chrono::steady_clock::now() +
                                  std::chrono::milliseconds(req.timeout_ms())
                            : std::chrono::steady_clock::time_point::max();
  for (const auto& p : req.partitions()) {
    auto* r = resp->add_results();
    r->set_topic(p.topic());
    r->set_partition(p.partition());
    r->set_base_offset(-1);
    r->set_last_offset(-1);
    absl::Status st = ValidName(p.topic());
    if (st.ok() && std::chrono::steady_clock::now() > deadline) {
      st = WithReasonStatus(
          absl::DeadlineExceededError(absl::StrCat(
              "produce to topic '", p.topic(), "' partition ", p.partition(), ": the request's ",
              "timeout_ms (", req.timeout_ms(), ") passed before it was appended; not written")),
          "REQUEST_TIMED_OUT");
    }
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
    std::vector<TransactionCoordinator::ProduceHold> holds;
    if (st.ok()) st = CheckProducers(p.topic(), p.partition(), p.records(), &holds);
    if (st.ok()) {
      auto appended = log->Append(p.records(), sync);
      holds.clear();
      if (appended.ok()) {
        r->set_base_offset(appended->base_offset);
        r->set_last_offset(appended->last_offset);
        r->set_log_append_time_ms(appended->append_time_ms);
        r->set_log_start_offset(appended->log_start_offset);
      } else {
        st = WithReasonStatus(
            absl::Status(appended.status().code(),
                         absl::StrCat("produce to topic '", p.topic(), "' partition ",
                                      p.partition(), ": ", appended.status().message())),
            ReasonOf(appended.status()));
      }
    }
    if (!st.ok()) SetError(r->mutable_error(), st);
  }
  return grpc::Status::OK;
}

absl::Status LogStoreService::CheckProducers(
    const std::string& topic, int32_t partition, std::string_view records,
    std::vector<TransactionCoordinator::ProduceHold>* holds) {
  if (txn_ == nullptr) return absl::OkStatus();
  std::vector<int64_t> held;
  size_t pos = 0;
  while (pos + kBatchHeaderSize <= records.size()) {
    auto h = ParseBatchHeader(records.substr(pos));
    if (!h.ok()) return absl::OkStatus();  // the storage layer names what is wrong
    if (h->producer_id >= 0) {
      const bool first = std::find(held.begin(), held.end(), h->producer_id) == held.end();
      TransactionCoordinator::ProduceHold hold;
      absl::Status st =
          txn_->CheckProduce(topic, partition, h->producer_id, h->producer_epoch,
                             h->is_transactional() && !h->is_control(), first ? &hold : nullptr);
      if (!st.ok()) {
        return WithTxnReason(
            absl::Status(st.code(), absl::StrCat("produce to topic '", topic, "' partition ",
                                                 partition, ": ", st.message())),
            TxnReason(st));
      }
      if (first) {
        held.push_back(h->producer_id);
        if (hold.owns_lock()) holds->push_back(std::move(hold));
      }
    }
    if (h->size_bytes() == 0) break;
    pos += h->size_bytes();
  }
  return absl::OkStatus();
}

int64_t LogStoreService::FilterFetched(std::string* records, int64_t fetch_offset, int64_t limit,
                                       const std::vector<AbortedTxn>* aborted) {
  int64_t next = fetch_offset;
  size_t read = 0, write = 0;
  char* data = records->data();
  while (read + kBatchHeaderSize <= records->size()) {
    const auto base = static_cast<int64_t>(enc::LoadBe64(data + read));
    const size_t size = static_cast<size_t>(enc::LoadBe32(data + read + 8)) + kBatchLogOverhead;
    if (base >= limit || read + size > records->size()) break;
    auto h = ParseBatchHeader(std::string_view(data + read, size));
    if (!h.ok()) break;
    next = std::max(next, h->last_offset() + 1);
    bool drop = h->is_control();
    if (!drop && aborted != nullptr && h->is_transactional()) {
      for (const AbortedTxn& a : *aborted) {
        if (a.producer_id == h->producer_id && a.first_offset <= base && base <= a.last_offset) {
          drop = true;
          break;
        }
      }
    }
    if (!drop) {
      if (write != read) std::memmove(data + write, data + read, size);
      write += size;
    }
    read += size;
  }
  records->resize(write);
  return next;
}

grpc::Status LogStoreService::HandleFetch(const v1::FetchRequest& req, v1::FetchResponse* resp,
                                          grpc::ServerContext* ctx) {
  if (req.partitions_size() == 0) {
    return ToGrpc(absl::InvalidArgumentError("fetch: request names no partition"));
  }
  if (req.partitions_size() > kMaxPartitionsPerRequest) {
    return ToGrpc(absl::InvalidArgumentError("fetch: too many partitions in one request"));
  }
  int32_t max_wait = std::clamp(req.max_wait_ms(), 0, options_.max_wait_ms);
  LongPollLimiter::Slot slot;
  if (max_wait > 0) {
    slot = long_polls_.TryAcquire();
    if (!slot.held()) max_wait = 0;  // no thread to spare for a wait: answer what is there
  }
  const int64_t total_cap = req.max_bytes() > 0
                                ? std::min(req.max_bytes(), options_.max_fetch_bytes)
                                : options_.max_fetch_bytes;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(max_wait);
  if (req.isolation_level() != 0 && req.isolation_level() != 1) {
    return ToGrpc(absl::InvalidArgumentError(absl::StrCat(
        "fetch: isolation_level must be 0 (read_uncommitted) or 1 (read_committed), got ",
        req.isolation_level())));
  }
  const bool committed = req.isolation_level() == 1;

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
    bool moved = false;  // a partition's next_offset passed its fetch offset
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
        r->set_last_stable_offset(logs[i]->LastStableOffset());
        r->set_next_offset(p.offset());
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
        r->set_last_stable_offset(logs[i]->LastStableOffset());
        r->set_next_offset(p.offset());
        any_error = true;
        continue;
      }
      r->set_high_watermark(read->high_watermark);
      r->set_log_start_offset(read->log_start_offset);
      r->set_last_stable_offset(read->last_stable_offset);
      {
        const int64_t limit = committed ? read->last_stable_offset : read->high_watermark;
        std::vector<AbortedTxn> aborted;
        if (committed) aborted = logs[i]->AbortedTransactions(p.offset(), limit);
        const int64_t next =
            FilterFetched(&read->batches, p.offset(), limit, committed ? &aborted : nullptr);
        r->set_next_offset(next);
        if (read->batches.empty() && next > p.offset()) moved = true;
      }
      total += static_cast<int64_t>(read->batches.size());
      r->set_records(std::move(read->batches));
    }
    if (any_error || moved || total >= std::max(req.min_bytes(), 1) ||
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
      r->set_offset(req.isolation_level() == 1 ? (*got)->LastStableOffset()
                                               : (*got)->LogEndOffset());
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

grpc::Status LogStoreService::HandleDeleteRecords(const v1::DeleteRecordsRequest& req,
                                                  v1::DeleteRecordsResponse* resp) {
  if (req.partitions_size() > kMaxPartitionsPerRequest) {
    return ToGrpc(absl::InvalidArgumentError("delete records: too many partitions"));
  }
  for (const auto& p : req.partitions()) {
    auto* r = resp->add_results();
    r->set_topic(p.topic());
    r->set_partition(p.partition());
    r->set_log_start_offset(-1);
    auto got = logs_->GetPartition(p.topic(), p.partition());
    if (!got.ok()) {
      SetError(r->mutable_error(), got.status());
      continue;
    }
    auto moved = (*got)->DeleteRecordsBefore(p.offset());
    if (moved.ok()) {
      r->set_log_start_offset(*moved);
    } else {
      SetError(r->mutable_error(), moved.status());
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

grpc::Status LogStoreService::HandleListGroups(const v1::ListGroupsRequest& req,
                                               v1::ListGroupsResponse* resp) {
  // At most 10000 groups per answer (a limit on the reply, like every list); the rest are left
  // out, in name order.
  constexpr int kMaxGroups = 10000;
  for (const std::string& g : logs_->ListGroupsWithOffsets()) {
    if (!req.group().empty() && g != req.group()) continue;
    if (resp->groups_size() >= kMaxGroups) break;
    auto* out = resp->add_groups();
    out->set_group(g);
    for (const auto& [tp, c] : logs_->GroupOffsets(g)) {
      auto* o = out->add_offsets();
      o->set_topic(tp.first);
      o->set_partition(tp.second);
      o->set_offset(c.offset);
      o->set_metadata(c.metadata);
    }
  }
  return grpc::Status::OK;
}

grpc::Status LogStoreService::HandleInitProducer(const v1::InitProducerRequest& req,
                                                 v1::InitProducerResponse* resp) {
  resp->set_producer_id(-1);
  resp->set_producer_epoch(-1);
  if (txn_ == nullptr) {
    SetError(resp->mutable_error(), NoCoordinator("init producer"));
    return grpc::Status::OK;
  }
  std::optional<std::string> id;
  if (!req.transactional_id().empty()) id = req.transactional_id();
  auto got = txn_->InitProducerId(id, req.transaction_timeout_ms());
  if (!got.ok()) {
    SetError(resp->mutable_error(), got.status());
    return grpc::Status::OK;
  }
  resp->set_producer_id(got->producer_id);
  resp->set_producer_epoch(got->producer_epoch);
  return grpc::Status::OK;
}

grpc::Status LogStoreService::HandleAddPartitionsToTxn(const v1::AddPartitionsToTxnRequest& req,
                                                       v1::AddPartitionsToTxnResponse* resp) {
  if (req.partitions_size() > kMaxPartitionsPerRequest) {
    return ToGrpc(absl::InvalidArgumentError("add partitions to txn: too many partitions"));
  }
  std::vector<TxnTopicPartition> tps;
  for (const auto& p : req.partitions()) tps.push_back(TxnTopicPartition{p.topic(), p.partition()});
  std::vector<absl::Status> results;
  if (txn_ == nullptr) {
    results.assign(tps.size(), NoCoordinator("add partitions to txn"));
  } else if (req.producer_epoch() < 0 || req.producer_epoch() > 32767) {
    results.assign(tps.size(), absl::InvalidArgumentError(
                                   absl::StrCat("add partitions to txn: producer epoch ",
                                                req.producer_epoch(), " is out of range")));
  } else {
    results = txn_->AddPartitions(req.transactional_id(), req.producer_id(),
                                  static_cast<int16_t>(req.producer_epoch()), tps);
  }
  for (size_t i = 0; i < tps.size(); ++i) {
    auto* r = resp->add_results();
    r->set_topic(tps[i].topic);
    r->set_partition(tps[i].partition);
    if (!results[i].ok()) SetError(r->mutable_error(), results[i]);
  }
  return grpc::Status::OK;
}

grpc::Status LogStoreService::HandleEndTxn(const v1::EndTxnRequest& req, v1::EndTxnResponse* resp) {
  absl::Status st;
  if (txn_ == nullptr) {
    st = NoCoordinator("end txn");
  } else if (req.producer_epoch() < 0 || req.producer_epoch() > 32767) {
    st = absl::InvalidArgumentError(
        absl::StrCat("end txn: producer epoch ", req.producer_epoch(), " is out of range"));
  } else {
    st = txn_->EndTxn(req.transactional_id(), req.producer_id(),
                      static_cast<int16_t>(req.producer_epoch()), req.commit());
  }
  if (!st.ok()) SetError(resp->mutable_error(), st);
  return grpc::Status::OK;
}

grpc::Status LogStoreService::HandleDescribeTransactions(const v1::DescribeTransactionsRequest& req,
                                                         v1::DescribeTransactionsResponse* resp) {
  if (txn_ == nullptr) return ToGrpc(NoCoordinator("describe transactions"));
  std::vector<std::string> ids(req.transactional_ids().begin(), req.transactional_ids().end());
  for (const TxnDescription& d : txn_->Describe(ids)) {
    auto* t = resp->add_transactions();
    t->set_transactional_id(d.transactional_id);
    t->set_producer_id(d.producer_id);
    t->set_producer_epoch(d.producer_epoch);
    t->set_state(std::string(TxnStateName(d.state)));
    for (const auto& tp : d.partitions) {
      auto* p = t->add_partitions();
      p->set_topic(tp.topic);
      p->set_partition(tp.partition);
    }
    t->set_timeout_ms(d.timeout_ms);
    t->set_start_time_ms(d.start_time_ms);
    t->set_commits(d.commits);
    t->set_aborts(d.aborts);
    t->set_fenced_requests(d.fenced_requests);
  }
  const TxnCounters c = txn_->Counters();
  resp->set_fenced_produce_refused(c.fenced_produce_refused);
  resp->set_fenced_end_txn_refused(c.fenced_end_txn_refused);
  resp->set_timed_out_aborts(c.timed_out_aborts);
  return grpc::Status::OK;
}

}  // namespace eddy::logstore
