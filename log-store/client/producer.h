// Producer: a batching, asynchronous producer for eddy-logd's native gRPC API.
// Records are accumulated per partition into RecordBatch v2 (RecordBatchBuilder) and sent as
// whole batches, several requests in flight. Used by the `eddy topic produce` CLI, the runtime's
// `eddy` system producer (task outputs, changelogs, checkpoints) and eddy-bench.
//
// Ordering: at most one request is in flight per partition, so records of one partition are
// appended in Send() order even when a request is retried. Different partitions proceed in
// parallel (up to max_in_flight requests).
// Partitioning: partition -1 with a key = Kafka's murmur2(key) & 0x7fffffff % partitions (the
// same as the Java client and librdkafka's "murmur2_random"); partition -1 without a key =
// sticky: one partition until its batch is sent, then the next one.
// Thread-safe: Send() may be called from several threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "log-store/client/client_options.h"
#include "log-store/storage/record_batch.h"

namespace eddy::logstore {

struct ProducerOptions {
  ClientOptions client;
  int32_t acks = -1;                    // 0, 1 or -1 (all)
  // linger.ms: how long a partition's batch waits to fill before it is sent. Under load batches
  // fill anyway (one request in flight per partition: the next batch grows while it is out), so
  // this only adds latency at moderate rates: 1 ms keeps requests few there without costing
  // more than a millisecond per hop (docs/benchmarks/latency.md).
  std::chrono::milliseconds linger{1};
  size_t batch_size = 256 * 1024;       // batch.size: bytes per partition batch
  size_t max_request_bytes = 4 << 20;   // bytes of batches in one Produce request
  int32_t max_in_flight = 8;            // max.in.flight.requests (across partitions)
  int32_t retries = 5;                  // retries of a failed request (UNAVAILABLE etc.)
  std::chrono::milliseconds retry_backoff{100};
  size_t buffer_memory = 256 << 20;  // buffer.memory: Send() blocks above it
  Compression compression = Compression::kNone;
  // Request latencies kept for RequestLatenciesMicros(): a uniform sample of at most this many
  // (reservoir sampling), so a long-lived producer's memory does not grow with its requests.
  size_t latency_samples = 1 << 16;
  // transactional.id: with one, InitTransactions() must be called before the first Send(). It
  // takes the id's producer id and a new epoch, which fences every earlier holder of the id.
  // Records sent inside Begin/CommitTransaction are transactional; records sent outside a
  // transaction are written as idempotent batches stamped with the producer id and epoch, which
  // the broker still refuses once a newer epoch exists (fencing without transactions).
  std::string transactional_id;
  std::chrono::milliseconds transaction_timeout{60000};  // transaction.timeout.ms
};

// True when `s` says this producer was fenced: a newer InitTransactions for its transactional id
// happened (reason PRODUCER_FENCED or INVALID_PRODUCER_EPOCH from the broker). A fenced producer
// can only be closed; its owner must stop writing for the id.
// The broker's reason (PartitionError.reason) travels as this payload of the absl::Status.
inline constexpr char kReasonPayloadUrl[] = "type.eddy.dev/logstore.reason";
bool IsProducerFenced(const absl::Status& s);
// `s` with the broker's reason attached (no-op for an empty reason).
absl::Status WithReason(absl::Status s, std::string_view reason);

// Where a record landed, or why not.
struct DeliveryReport {
  absl::Status status;
  std::string_view topic;  // valid during the callback only
  int32_t partition = -1;
  int64_t offset = -1;  // -1 with acks=0
};
using DeliveryCallback = std::function<void(const DeliveryReport&)>;

// Kafka's murmur2 (the Java client's Utils.murmur2) and the partition it picks for a key.
int32_t Murmur2(std::string_view data);
int32_t PartitionForKey(std::string_view key, int32_t partitions);

class Producer {
 public:
  static absl::StatusOr<std::unique_ptr<Producer>> Create(const ProducerOptions& options);
  virtual ~Producer() = default;  // Close() if not done

  // Queues one record. `partition` -1 = pick by key (or sticky without a key). The callback,
  // if any, runs on a client thread once the record is acknowledged or has failed for good.
  // Errors returned here: unknown topic, partition out of range, record too large, closed.
  virtual absl::Status Send(std::string_view topic, int32_t partition,
                            std::optional<std::string_view> key,
                            std::optional<std::string_view> value, int64_t timestamp_ms = -1,
                            std::span<const RecordHeader> headers = {},
                            DeliveryCallback callback = nullptr) = 0;

  // Sends everything queued and waits until it is acknowledged or failed. Returns the first
  // error seen since the previous Flush() (and clears it).
  virtual absl::Status Flush() = 0;

  // Flush() then stop; later Send() calls fail.
  virtual absl::Status Close() = 0;

  // Produce request latencies (microseconds) since the start, for eddy-bench: every request's
  // while there were at most ProducerOptions::latency_samples, then a uniform sample of that
  // many (memory stays bounded; percentiles stay unbiased).
  virtual std::vector<int64_t> RequestLatenciesMicros() const = 0;
  // Partition count of a topic as the producer sees it (fetched on first use).
  virtual absl::StatusOr<int32_t> PartitionCount(std::string_view topic) = 0;

  // Transactions (ProducerOptions::transactional_id must be set). Kafka's producer API:
  // InitTransactions once (fences older holders of the id and aborts their open transaction);
  // then BeginTransaction, Send..., CommitTransaction (flushes, adds the partitions written to,
  // and commits; the records become visible to read_committed readers) or AbortTransaction.
  // After an error whose IsProducerFenced() is true, only Close() is allowed.
  virtual absl::Status InitTransactions() {
    return absl::UnimplementedError("producer: transactions are not implemented");
  }
  virtual absl::Status BeginTransaction() {
    return absl::UnimplementedError("producer: transactions are not implemented");
  }
  virtual absl::Status CommitTransaction() {
    return absl::UnimplementedError("producer: transactions are not implemented");
  }
  virtual absl::Status AbortTransaction() {
    return absl::UnimplementedError("producer: transactions are not implemented");
  }
  // The producer id and epoch InitTransactions obtained (-1 before).
  virtual int64_t producer_id() const { return -1; }
  virtual int16_t producer_epoch() const { return -1; }
};

}  // namespace eddy::logstore
