// InitProducerId (key 22) v0..1: a fresh producer id with epoch 0 for idempotent producers.
// Transactional ids are not supported (transactions are out of scope): they are answered
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED, which librdkafka (rd_kafka_idemp_check_error), the Java
// client and KafkaJS treat as fatal, so a transactional producer fails at once.
#include <cstdio>

#include "log-store/kafka/kafka_apis.h"
#include "log-store/kafka/kafka_requests.h"
#include "log-store/kafka/producer_state.h"

namespace eddy::kafka {

absl::Status HandleInitProducerId(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  auto req = ParseInitProducerId(r, ctx.header.api_version);
  if (!req.ok()) return req.status();
  int16_t err = error::kNone;
  int64_t pid = -1;
  if (req->transactional_id) {
    std::fprintf(stderr,
                 "kafka: client %s: InitProducerId for transactional id '%s' refused: "
                 "transactions are not supported\n",
                 ctx.client_address.c_str(), req->transactional_id->c_str());
    err = error::kTransactionalIdAuthorizationFailed;
  } else {
    auto id = b.options.txn ? b.options.txn->NextProducerId() : b.producers->NextProducerId();
    if (id.ok()) {
      pid = *id;
    } else {
      std::fprintf(stderr, "kafka: InitProducerId failed: %s\n",
                   std::string(id.status().message()).c_str());
      err = error::kKafkaStorageError;
    }
  }
  w.Int32(0);  // throttle_time_ms
  w.Int16(err);
  w.Int64(pid);
  w.Int16(pid >= 0 ? 0 : -1);
  return absl::OkStatus();
}

}  // namespace eddy::kafka
