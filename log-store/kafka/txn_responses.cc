#include "log-store/kafka/txn_responses.h"

#include "log-store/kafka/kafka_protocol.h"

namespace eddy::kafka {
namespace {

void Str(Writer& w, bool flex, const std::string& s) {
  if (flex) {
    w.CompactString(s);
  } else {
    w.String(s);
  }
}

void Count(Writer& w, bool flex, size_t n) {
  if (flex) {
    w.CompactArrayCount(static_cast<int32_t>(n));
  } else {
    w.ArrayCount(static_cast<int32_t>(n));
  }
}

// throttle_time_ms, then [topics: name, [partitions: index, error_code]].
void EncodePartitionResults(const TxnPartitionResults& r, bool flex, Writer& w) {
  w.Int32(0);  // throttle_time_ms
  Count(w, flex, r.topics.size());
  for (const TxnPartitionResults::Topic& t : r.topics) {
    Str(w, flex, t.name);
    Count(w, flex, t.partitions.size());
    for (const auto& [index, error] : t.partitions) {
      w.Int32(index);
      w.Int16(error);
      if (flex) w.EmptyTaggedFields();
    }
    if (flex) w.EmptyTaggedFields();
  }
  if (flex) w.EmptyTaggedFields();
}

void EncodeErrorOnly(int16_t error_code, bool flex, Writer& w) {
  w.Int32(0);  // throttle_time_ms
  w.Int16(error_code);
  if (flex) w.EmptyTaggedFields();
}

}  // namespace

void EncodeInitProducerIdResponse(const InitProducerIdResponse& r, int16_t v, Writer& w) {
  w.Int32(0);  // throttle_time_ms
  w.Int16(VersionedTxnError(kInitProducerId, v, r.error_code));
  w.Int64(r.producer_id);
  w.Int16(r.producer_epoch);
  if (v >= 2) w.EmptyTaggedFields();
}

void EncodeAddPartitionsToTxnResponse(const TxnPartitionResults& r, int16_t v, Writer& w) {
  TxnPartitionResults mapped = r;
  for (auto& t : mapped.topics) {
    for (auto& p : t.partitions) p.second = VersionedTxnError(kAddPartitionsToTxn, v, p.second);
  }
  EncodePartitionResults(mapped, v >= 3, w);
}

void EncodeAddOffsetsToTxnResponse(int16_t error_code, int16_t v, Writer& w) {
  EncodeErrorOnly(VersionedTxnError(kAddOffsetsToTxn, v, error_code), v >= 3, w);
}

void EncodeEndTxnResponse(int16_t error_code, int16_t v, Writer& w) {
  EncodeErrorOnly(VersionedTxnError(kEndTxn, v, error_code), v >= 3, w);
}

void EncodeTxnOffsetCommitResponse(const TxnPartitionResults& r, int16_t v, Writer& w) {
  TxnPartitionResults mapped = r;
  for (auto& t : mapped.topics) {
    for (auto& p : t.partitions) p.second = VersionedTxnError(kTxnOffsetCommit, v, p.second);
  }
  EncodePartitionResults(mapped, v >= 3, w);
}

int16_t VersionedTxnError(int16_t api_key, int16_t v, int16_t error_code) {
  if (error_code != error::kProducerFenced) return error_code;
  int16_t first = 0;
  switch (api_key) {
    case kInitProducerId:
      first = 4;
      break;
    case kAddPartitionsToTxn:
    case kAddOffsetsToTxn:
    case kEndTxn:
      first = 2;
      break;
    default:
      first = INT16_MAX;  // TxnOffsetCommit: never PRODUCER_FENCED
  }
  return v >= first ? error_code : error::kInvalidProducerEpoch;
}

}  // namespace eddy::kafka
