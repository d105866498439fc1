// The transaction APIs a producer sends to its transaction coordinator: AddPartitionsToTxn (24),
// AddOffsetsToTxn (25), EndTxn (26), and TxnOffsetCommit (28, which Kafka sends to the group
// coordinator; here one broker is both). Encoding only (txn_responses.h); the state is
// logstore::TransactionCoordinator's. Without a coordinator every request is refused with
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED, as FindCoordinator(key_type 1) refuses it.
#include <cstdio>
#include <string_view>

#include "log-store/kafka/group_coordinator.h"
#include "log-store/kafka/kafka_apis.h"
#include "log-store/kafka/kafka_requests.h"
#include "log-store/kafka/txn_responses.h"
#include "log-store/txn/transaction_coordinator.h"

namespace eddy::kafka {
namespace {

constexpr int16_t kRefused = error::kTransactionalIdAuthorizationFailed;

void LogRefusal(const RequestContext& ctx, std::string_view api, const absl::Status& s) {
  std::fprintf(stderr, "kafka: client %s: %.*s: %s\n", ctx.client_address.c_str(),
               static_cast<int>(api.size()), api.data(), std::string(s.message()).c_str());
}

}  // namespace

int16_t TxnErrorCode(const absl::Status& s) {
  if (s.ok()) return error::kNone;
  const std::string reason = logstore::TxnReason(s);
  struct Named {
    std::string_view name;
    int16_t code;
  };
  static constexpr Named kNamed[] = {
      {"PRODUCER_FENCED", error::kProducerFenced},
      {"INVALID_PRODUCER_EPOCH", error::kInvalidProducerEpoch},
      {"INVALID_TXN_STATE", error::kInvalidTxnState},
      {"INVALID_PRODUCER_ID_MAPPING", error::kInvalidProducerIdMapping},
      // Kafka answers an unknown transactional id on these APIs with INVALID_PRODUCER_ID_MAPPING;
      // TRANSACTIONAL_ID_NOT_FOUND (105) is DescribeTransactions' code.
      {"TRANSACTIONAL_ID_NOT_FOUND", error::kInvalidProducerIdMapping},
      {"INVALID_TRANSACTION_TIMEOUT", error::kInvalidTransactionTimeout},
      {"CONCURRENT_TRANSACTIONS", error::kConcurrentTransactions},
      // A transaction the broker aborted after its timeout bumped the epoch: the producer is
      // fenced, as Kafka answers it.
      {"TRANSACTION_TIMED_OUT", error::kProducerFenced},
      {"COORDINATOR_LOAD_IN_PROGRESS", error::kCoordinatorLoadInProgress},
      {"COORDINATOR_NOT_AVAILABLE", error::kCoordinatorNotAvailable},
      {"NOT_COORDINATOR", error::kNotCoordinator},
      {"UNKNOWN_TOPIC_OR_PARTITION", error::kUnknownTopicOrPartition},
      {"OPERATION_NOT_ATTEMPTED", error::kOperationNotAttempted},
      {"OUT_OF_ORDER_SEQUENCE_NUMBER", error::kOutOfOrderSequence},
      {"UNKNOWN_PRODUCER_ID", error::kUnknownProducerId},
      {"INVALID_REQUEST", error::kInvalidRequest},
      {"KAFKA_STORAGE_ERROR", error::kKafkaStorageError},
  };
  for (const Named& n : kNamed) {
    if (reason == n.name) return n.code;
  }
  switch (s.code()) {
    case absl::StatusCode::kNotFound:
      return error::kUnknownTopicOrPartition;
    case absl::StatusCode::kUnavailable:
      return error::kCoordinatorNotAvailable;
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kInternal:
      return error::kKafkaStorageError;
    default:
      return error::kUnknownServerError;
  }
}

absl::Status HandleAddPartitionsToTxn(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  auto req = ParseAddPartitionsToTxn(r, v);
  if (!req.ok()) return req.status();
  std::vector<logstore::TxnTopicPartition> parts;
  for (const auto& t : req->topics) {
    for (int32_t p : t.partitions) parts.push_back({t.name, p});
  }
  std::vector<absl::Status> results;
  if (b.txn != nullptr) {
    results =
        b.txn->AddPartitions(req->transactional_id, req->producer_id, req->producer_epoch, parts);
  }
  TxnPartitionResults res;
  size_t i = 0;
  bool logged = false;
  for (const auto& t : req->topics) {
    TxnPartitionResults::Topic rt;
    rt.name = t.name;
    for (int32_t p : t.partitions) {
      int16_t err = kRefused;
      if (b.txn != nullptr) {
        const absl::Status& s =
            i < results.size() ? results[i] : absl::InternalError("AddPartitions: no result");
        err = TxnErrorCode(s);
        if (!s.ok() && !logged) {
          LogRefusal(ctx, "AddPartitionsToTxn", s);
          logged = true;
        }
      }
      ++i;
      rt.partitions.emplace_back(p, err);
    }
    res.topics.push_back(std::move(rt));
  }
  EncodeAddPartitionsToTxnResponse(res, v, w);
  return absl::OkStatus();
}

absl::Status HandleAddOffsetsToTxn(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  auto req = ParseAddOffsetsToTxn(r, v);
  if (!req.ok()) return req.status();
  int16_t err = kRefused;
  if (b.txn != nullptr) {
    absl::Status s = b.txn->AddOffsets(req->transactional_id, req->producer_id, req->producer_epoch,
                                       req->group_id);
    if (!s.ok()) LogRefusal(ctx, "AddOffsetsToTxn", s);
    err = TxnErrorCode(s);
  }
  EncodeAddOffsetsToTxnResponse(err, v, w);
  return absl::OkStatus();
}

absl::Status HandleEndTxn(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  auto req = ParseEndTxn(r, v);
  if (!req.ok()) return req.status();
  int16_t err = kRefused;
  if (b.txn != nullptr) {
    absl::Status s =
        b.txn->EndTxn(req->transactional_id, req->producer_id, req->producer_epoch, req->committed);
    if (!s.ok()) LogRefusal(ctx, req->committed ? "EndTxn(commit)" : "EndTxn(abort)", s);
    err = TxnErrorCode(s);
  }
  EncodeEndTxnResponse(err, v, w);
  return absl::OkStatus();
}

absl::Status HandleTxnOffsetCommit(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  auto req = ParseTxnOffsetCommit(r, v);
  if (!req.ok()) return req.status();
  int16_t err = kRefused;
  // Per partition: unknown partitions get UNKNOWN_TOPIC_OR_PARTITION, the rest share the
  // request's outcome (the coordinator holds them with the transaction as one unit).
  std::vector<logstore::TxnPendingOffset> offsets;
  std::vector<bool> known;
  for (const auto& t : req->topics) {
    for (const auto& p : t.partitions) {
      const bool exists = b.logs->GetPartition(t.name, p.index).ok();
      known.push_back(exists);
      if (exists) offsets.push_back({t.name, p.index, p.offset, p.metadata.value_or("")});
    }
  }
  if (b.txn != nullptr) {
    err = error::kNone;
    if (v >= 3 && (req->generation_id >= 0 || !req->member_id.empty())) {
      // KIP-447: v3 carries the consumer's group membership, checked like an OffsetCommit.
      err = b.groups->ValidateCommit(req->group_id, req->generation_id, req->member_id,
                                     req->group_instance_id);
    }
    if (err == error::kNone && !offsets.empty()) {
      absl::Status s = b.txn->TxnOffsetCommit(req->transactional_id, req->producer_id,
                                              req->producer_epoch, req->group_id, offsets);
      if (!s.ok()) LogRefusal(ctx, "TxnOffsetCommit", s);
      err = TxnErrorCode(s);
    }
  }
  TxnPartitionResults res;
  size_t i = 0;
  for (const auto& t : req->topics) {
    TxnPartitionResults::Topic rt;
    rt.name = t.name;
    for (const auto& p : t.partitions) {
      const bool exists = known[i++];
      rt.partitions.emplace_back(
          p.index, exists || b.txn == nullptr ? err : error::kUnknownTopicOrPartition);
    }
    res.topics.push_back(std::move(rt));
  }
  EncodeTxnOffsetCommitResponse(res, v, w);
  return absl::OkStatus();
}

}  // namespace eddy::kafka
