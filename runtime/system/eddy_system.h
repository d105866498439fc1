// The `eddy` system: consumer, producer and admin over eddy-logd's native gRPC client
// (log-store/client). Fetched batches are handed to the run loop as they came (records viewed
// in place); the producer appends into the client's per-partition RecordBatchBuilders.
// Keys: systems.<sys>.bootstrap.servers (HOST:PORT of the native listener),
// consumer.fetch.max.wait.ms, consumer.max.partition.fetch.bytes, consumer.fetch.min.bytes,
// producer.linger.ms, producer.batch.size, producer.acks.
#pragma once

#include "runtime/system/system_factory.h"

namespace eddy::runtime {

std::unique_ptr<SystemFactory> MakeEddySystemFactory();

}  // namespace eddy::runtime
