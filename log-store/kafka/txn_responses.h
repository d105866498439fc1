// Response bodies of the Kafka transaction APIs (InitProducerId 22, AddPartitionsToTxn 24,
// AddOffsetsToTxn 25, EndTxn 26, TxnOffsetCommit 28) and their encoders for every version Eddy
// serves, flexible where Kafka's schemas say (InitProducerId v2+, the others v3+). The response
// header (correlation id, tagged fields) is the dispatcher's. Used by the transaction handlers
// (txn_apis.cc) and by the unit tests, which check them against hand-built bytes.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "log-store/kafka/kafka_codec.h"

namespace eddy::kafka {

struct InitProducerIdResponse {
  int16_t error_code = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
};

// AddPartitionsToTxn and TxnOffsetCommit answer one error per partition.
struct TxnPartitionResults {
  struct Topic {
    std::string name;
    std::vector<std::pair<int32_t, int16_t>> partitions;  // partition index, error code
  };
  std::vector<Topic> topics;
};

void EncodeInitProducerIdResponse(const InitProducerIdResponse& r, int16_t v, Writer& w);
void EncodeAddPartitionsToTxnResponse(const TxnPartitionResults& r, int16_t v, Writer& w);
// AddOffsetsToTxn and EndTxn share one layout: throttle_time_ms, error_code.
void EncodeAddOffsetsToTxnResponse(int16_t error_code, int16_t v, Writer& w);
void EncodeEndTxnResponse(int16_t error_code, int16_t v, Writer& w);
void EncodeTxnOffsetCommitResponse(const TxnPartitionResults& r, int16_t v, Writer& w);

// PRODUCER_FENCED (90) exists from InitProducerId v4 and AddPartitionsToTxn / AddOffsetsToTxn /
// EndTxn v2 (TxnOffsetCommit never carries it); older versions get INVALID_PRODUCER_EPOCH (47),
// as Kafka's broker answers. Every other code is returned unchanged.
int16_t VersionedTxnError(int16_t api_key, int16_t v, int16_t error_code);

}  // namespace eddy::kafka
