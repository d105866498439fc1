// InitProducerId (key 22) v0..4 (flexible from v2; v3+ carries the producer id and epoch the
// client holds, KIP-360). Without a transactional id: a fresh producer id with epoch 0 for an
// idempotent producer. With one: the transaction coordinator's answer (a new id, or the id's
// pid with a bumped epoch after aborting its open transaction, fencing the earlier holder).
// A broker without a coordinator refuses transactional ids with
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED, which every client treats as fatal.
#include <cstdio>

#include "log-store/kafka/kafka_apis.h"
#include "log-store/kafka/kafka_requests.h"
#include "log-store/kafka/producer_state.h"
#include "log-store/kafka/txn_responses.h"
#include "log-store/txn/transaction_coordinator.h"

namespace eddy::kafka {

absl::Status HandleInitProducerId(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  auto req = ParseInitProducerId(r, v);
  if (!req.ok()) return req.status();
  InitProducerIdResponse res;
  if (req->transactional_id && b.txn == nullptr) {
    std::fprintf(stderr,
                 "kafka: client %s: InitProducerId for transactional id '%s' refused: "
                 "transactions are not enabled on this broker\n",
                 ctx.client_address.c_str(), req->transactional_id->c_str());
    res.error_code = error::kTransactionalIdAuthorizationFailed;
  } else if (req->transactional_id) {
    std::optional<logstore::ProducerIdAndEpoch> current;
    if (v >= 3 && req->producer_id >= 0) {
      current = logstore::ProducerIdAndEpoch{req->producer_id, req->producer_epoch};
    }
    auto got = b.txn->InitProducerId(req->transactional_id, req->transaction_timeout_ms, current);
    if (got.ok()) {
      res.producer_id = got->producer_id;
      res.producer_epoch = got->producer_epoch;
    } else {
      std::fprintf(stderr, "kafka: client %s: InitProducerId for transactional id '%s': %s\n",
                   ctx.client_address.c_str(), req->transactional_id->c_str(),
                   std::string(got.status().message()).c_str());
      res.error_code = TxnErrorCode(got.status());
    }
  } else {
    // Idempotent producers: with a coordinator, its id space (so an idempotent pid is never a
    // transactional id's pid).
    auto id = b.txn != nullptr ? b.txn->NextProducerId() : b.producers->NextProducerId();
    if (id.ok()) {
      res.producer_id = *id;
      res.producer_epoch = 0;
    } else {
      std::fprintf(stderr, "kafka: InitProducerId failed: %s\n",
                   std::string(id.status().message()).c_str());
      res.error_code = error::kKafkaStorageError;
    }
  }
  EncodeInitProducerIdResponse(res, v, w);
  return absl::OkStatus();
}

}  // namespace eddy::kafka
