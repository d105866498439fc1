// The transaction APIs a producer sends to its transaction coordinator: AddPartitionsToTxn (24),
// AddOffsetsToTxn (25), EndTxn (26), and TxnOffsetCommit (28, to the group coordinator).
// Encoding only (txn_responses.h); the state is the transaction coordinator's.
#include <cstdio>

#include "log-store/kafka/kafka_apis.h"
#include "log-store/kafka/kafka_requests.h"
#include "log-store/kafka/txn_responses.h"

namespace eddy::kafka {
namespace {

// Until the transaction coordinator is wired in, every transactional request is refused the
// way FindCoordinator(key_type 1) refuses it: TRANSACTIONAL_ID_AUTHORIZATION_FAILED, fatal in
// every client.
constexpr int16_t kRefused = error::kTransactionalIdAuthorizationFailed;

TxnPartitionResults AllPartitions(const std::vector<AddPartitionsToTxnRequest::Topic>& topics,
                                  int16_t error_code) {
  TxnPartitionResults res;
  for (const auto& t : topics) {
    TxnPartitionResults::Topic rt;
    rt.name = t.name;
    for (int32_t p : t.partitions) rt.partitions.emplace_back(p, error_code);
    res.topics.push_back(std::move(rt));
  }
  return res;
}

}  // namespace

absl::Status HandleAddPartitionsToTxn(BrokerContext&, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  auto req = ParseAddPartitionsToTxn(r, v);
  if (!req.ok()) return req.status();
  EncodeAddPartitionsToTxnResponse(AllPartitions(req->topics, kRefused), v, w);
  return absl::OkStatus();
}

absl::Status HandleAddOffsetsToTxn(BrokerContext&, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  auto req = ParseAddOffsetsToTxn(r, v);
  if (!req.ok()) return req.status();
  EncodeAddOffsetsToTxnResponse(kRefused, v, w);
  return absl::OkStatus();
}

absl::Status HandleEndTxn(BrokerContext&, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  auto req = ParseEndTxn(r, v);
  if (!req.ok()) return req.status();
  EncodeEndTxnResponse(kRefused, v, w);
  return absl::OkStatus();
}

absl::Status HandleTxnOffsetCommit(BrokerContext&, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  auto req = ParseTxnOffsetCommit(r, v);
  if (!req.ok()) return req.status();
  TxnPartitionResults res;
  for (const auto& t : req->topics) {
    TxnPartitionResults::Topic rt;
    rt.name = t.name;
    for (const auto& p : t.partitions) rt.partitions.emplace_back(p.index, kRefused);
    res.topics.push_back(std::move(rt));
  }
  EncodeTxnOffsetCommitResponse(res, v, w);
  return absl::OkStatus();
}

}  // namespace eddy::kafka
