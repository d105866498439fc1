// Produce (key 0) v0..7: appends each partition's batches as they came (the storage validates
// CRC-32C and magic, and re-encodes only for a topic whose compression.type names a codec), with
// idempotent-producer sequence checks (in the storage layer), and no response at all for acks=0.
// v0..2 stay advertised for librdkafka 2.0.2's feature gating, but their message formats v0/v1 are
// refused with UNSUPPORTED_FOR_MESSAGE_FORMAT (log-store/broker/README.md).
#include <cstdio>

#include "log-store/kafka/kafka_apis.h"
#include "log-store/kafka/kafka_requests.h"
#include "log-store/storage/producer_state.h"
#include "log-store/storage/record_batch.h"

namespace eddy::kafka {
namespace {

struct PartitionResult {
  int16_t error = error::kNone;
  int64_t base_offset = -1;
  int64_t log_start_offset = -1;
};

int16_t AppendErrorCode(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kInvalidArgument:
      return error::kCorruptMessage;
    case absl::StatusCode::kOutOfRange:
      return error::kMessageTooLarge;
    case absl::StatusCode::kNotFound:
      return error::kUnknownTopicOrPartition;
    case absl::StatusCode::kResourceExhausted:
      return error::kKafkaStorageError;
    default:
      return error::kUnknownServerError;
  }
}

PartitionResult ProducePartition(BrokerContext& b, const RequestContext& ctx,
                                 const std::string& topic, int32_t partition,
                                 std::string_view records) {
  PartitionResult res;
  auto log = b.logs->GetPartition(topic, partition);
  if (!log.ok()) {
    res.error = error::kUnknownTopicOrPartition;
    return res;
  }
  // Message sets v0/v1 (what Produce v0-2 carry) have their magic at the same byte as a v2
  // batch. Eddy stores RecordBatch v2 only and does not up-convert: refuse them with an error
  // every client treats as permanent (not CORRUPT_MESSAGE, which the Java client retries).
  if (records.size() > 16 && (records[16] == 0 || records[16] == 1)) {
    std::fprintf(stderr,
                 "kafka: client %s: Produce v%d to %s/%d refused: message format v%d; only "
                 "RecordBatch v2 (Produce v3+) is stored\n",
                 ctx.client_address.c_str(), ctx.header.api_version, topic.c_str(), partition,
                 records[16]);
    res.error = error::kUnsupportedForMessageFormat;
    return res;
  }
  auto header = logstore::ParseBatchHeader(records);
  if (!header.ok() || header->magic != logstore::kMagicV2) {
    std::fprintf(stderr, "kafka: client %s: Produce to %s/%d refused: %s\n",
                 ctx.client_address.c_str(), topic.c_str(), partition,
                 header.ok() ? "magic is not 2" : std::string(header.status().message()).c_str());
    res.error = error::kCorruptMessage;
    return res;
  }
  // Fencing: a producer id of a transactional id must carry the id's current epoch, on every
  // partition, in a transaction or not (the coordinator counts what it refuses).
  logstore::TransactionCoordinator::ProduceHold txn_hold;
  if (b.options.txn != nullptr && header->producer_id >= 0) {
    absl::Status st =
        b.options.txn->CheckProduce(topic, partition, header->producer_id, header->producer_epoch,
                                    header->is_transactional() && !header->is_control(), &txn_hold);
    if (!st.ok()) {
      // A fenced epoch is INVALID_PRODUCER_EPOCH on Produce, as Kafka's broker answers it:
      // librdkafka 2.0.2 raises its fatal _FENCED only for that code on a Produce (PRODUCER_FENCED
      // there is a mere abortable error, so a zombie would abort and carry on) and KafkaJS
      // treats it as fatal too. PRODUCER_FENCED is the transaction APIs' answer.
      const std::string reason = logstore::TxnReason(st);
      res.error = reason == "PRODUCER_FENCED" || reason == "INVALID_PRODUCER_EPOCH"
                      ? error::kInvalidProducerEpoch
                  : reason == "UNKNOWN_TOPIC_OR_PARTITION" ? error::kUnknownTopicOrPartition
                                                           : error::kInvalidTxnState;
      return res;
    }
  }
  // Idempotence (sequence windows, duplicates, epochs) is the partition's own producer state
  // (log-store/storage/producer_state.h), the same for the native API: Append answers a retry as
  // a duplicate with the original offsets, a gap or an old epoch as an error with its reason.
  auto appended = (*log)->Append(records);
  if (!appended.ok()) {
    std::fprintf(stderr, "kafka: client %s: Produce to %s/%d failed: %s\n",
                 ctx.client_address.c_str(), topic.c_str(), partition,
                 std::string(appended.status().message()).c_str());
    const std::string reason = logstore::ReasonOf(appended.status());
    res.error = reason == "INVALID_PRODUCER_EPOCH"         ? error::kInvalidProducerEpoch
                : reason == "OUT_OF_ORDER_SEQUENCE_NUMBER" ? error::kOutOfOrderSequence
                                                           : AppendErrorCode(appended.status());
    return res;
  }
  if (appended->duplicate) {  // a retry the partition's own producer state recognised
    res.base_offset = appended->base_offset;
    if (res.base_offset < 0) res.error = error::kDuplicateSequence;
    res.log_start_offset = appended->log_start_offset;
    return res;
  }
  res.base_offset = appended->base_offset;
  res.log_start_offset = appended->log_start_offset;
  return res;
}

}  // namespace

absl::Status HandleProduce(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  auto req = ParseProduce(r, v);
  if (!req.ok()) return req.status();
  const bool valid_acks = req->acks == 0 || req->acks == 1 || req->acks == -1;

  std::vector<std::vector<PartitionResult>> results(req->topics.size());
  for (size_t i = 0; i < req->topics.size(); ++i) {
    for (const auto& p : req->topics[i].partitions) {
      PartitionResult res;
      if (!valid_acks) {
        res.error = error::kInvalidRequiredAcks;
      } else if (!p.records || p.records->empty()) {
        res.error = error::kCorruptMessage;
      } else {
        res = ProducePartition(b, ctx, req->topics[i].name, p.index, *p.records);
      }
      results[i].push_back(res);
    }
  }

  if (req->acks == 0) {
    ctx.send_response = false;
    return absl::OkStatus();
  }
  const int64_t n = ++b.produce_requests;
  const int32_t every = b.options.fault_drop_produce_response_every;
  if (every > 0 && n % every == 0) {
    std::fprintf(stderr,
                 "kafka: fault hook: dropping the response of produce request #%lld from %s and "
                 "closing the connection\n",
                 static_cast<long long>(n), ctx.client_address.c_str());
    ctx.close_after = true;
  }

  w.ArrayCount(static_cast<int32_t>(req->topics.size()));
  for (size_t i = 0; i < req->topics.size(); ++i) {
    w.String(req->topics[i].name);
    w.ArrayCount(static_cast<int32_t>(results[i].size()));
    for (size_t j = 0; j < results[i].size(); ++j) {
      const PartitionResult& res = results[i][j];
      w.Int32(req->topics[i].partitions[j].index);
      w.Int16(res.error);
      w.Int64(res.base_offset);
      if (v >= 2) w.Int64(-1);  // log_append_time_ms: CreateTime
      if (v >= 5) w.Int64(res.log_start_offset);
    }
  }
  if (v >= 1) w.Int32(0);  // throttle_time_ms, last in Produce
  return absl::OkStatus();
}

}  // namespace eddy::kafka
