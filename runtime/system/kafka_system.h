// The `kafka` system: consumer, producer and admin on librdkafka (C API). Works against a real
// Kafka and against eddy-logd's Kafka listener. Partitions are assign()ed (no group
// rebalancing); `systems.<sys>.consumer.*` and `systems.<sys>.producer.*` are passed through to
// librdkafka as they are; `systems.<sys>.bootstrap.servers` sets bootstrap.servers.
#pragma once

#include "runtime/system/system_factory.h"

namespace eddy::runtime {

std::unique_ptr<SystemFactory> MakeKafkaSystemFactory();

}  // namespace eddy::runtime
