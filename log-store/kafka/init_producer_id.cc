// InitProducerId (key 22) v0..4 (flexible from v2; v3+ carries the producer id and epoch the
// client holds, KIP-360). Without a transactional id: a fresh producer id with epoch 0 for an
// idempotent producer. With one: refused with TRANSACTIONAL_ID_AUTHORIZATION_FAILED until the
// transaction coordinator is wired in (librdkafka, the Java client and KafkaJS treat it as fatal).
#include <cstdio>

#include "log-store/kafka/kafka_apis.h"
#include "log-store/kafka/kafka_requests.h"
#include "log-store/kafka/producer_state.h"
#include "log-store/kafka/txn_responses.h"

namespace eddy::kafka {

absl::Status HandleInitProducerId(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  auto req = ParseInitProducerId(r, v);
  if (!req.ok()) return req.status();
  InitProducerIdResponse res;
  if (req->transactional_id) {
    std::fprintf(stderr,
                 "kafka: client %s: InitProducerId for transactional id '%s' refused: "
                 "transactions are not supported\n",
                 ctx.client_address.c_str(), req->transactional_id->c_str());
    res.error_code = error::kTransactionalIdAuthorizationFailed;
  } else {
    auto id = b.producers->NextProducerId();
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
