// SystemProducer: sends records to streams of one system, batching underneath (the eddy system
// appends into RecordBatchBuilders; the kafka system into librdkafka's queue). Used by the
// container for task output, by the ChangelogWriter and by the checkpoint writer.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "log-store/storage/record_batch.h"

namespace eddy::runtime {

class SystemProducer {
 public:
  virtual ~SystemProducer() = default;

  // `partition` -1 = by key (Kafka's murmur2), or any partition for a null key. `headers`
  // become the record's headers (RecordBatch v2 headers on the eddy system, Kafka headers on
  // the kafka system); their bytes are copied before Send returns.
  virtual absl::Status Send(std::string_view stream, int32_t partition,
                            std::optional<std::string_view> key,
                            std::optional<std::string_view> value, int64_t timestamp_ms,
                            std::span<const logstore::RecordHeader> headers) = 0;
  // Sends everything queued and waits for acknowledgement. Returns the first failed send since
  // the previous Flush, naming the stream and partition.
  virtual absl::Status Flush() = 0;
  virtual absl::StatusOr<int32_t> PartitionCount(std::string_view stream) = 0;
  virtual void Stop() = 0;

  // Transactions, for a producer made by SystemFactory::MakeTransactionalProducer (the eddy
  // system only; others answer Unimplemented naming the system). The log store's producer API
  // (log-store/client/producer.h): InitTransactions once (takes a new epoch for the
  // transactional id, which fences every earlier holder and aborts its open transaction), then
  // Begin, Send..., Commit or Abort. Records sent outside a transaction are still stamped with
  // the epoch, so an older holder's writes are refused either way.
  virtual absl::Status InitTransactions() { return NoTransactions(); }
  virtual absl::Status BeginTransaction() { return NoTransactions(); }
  virtual absl::Status CommitTransaction() { return NoTransactions(); }
  virtual absl::Status AbortTransaction() { return NoTransactions(); }
  // True once any call (or an asynchronous delivery) failed because a newer holder of the
  // transactional id fenced this producer (logstore::IsProducerFenced). Only Stop() is allowed
  // then.
  virtual bool fenced() const { return false; }

 private:
  static absl::Status NoTransactions() {
    return absl::UnimplementedError("this system's producer has no transactions");
  }
};

}  // namespace eddy::runtime
