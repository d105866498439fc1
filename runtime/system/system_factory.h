// SystemFactory: makes the consumer, producer and admin of one configured system. The factory
// is chosen by `systems.<sys>.factory` = eddy | kafka (Samza's class name
// org.apache.samza.system.kafka.KafkaSystemFactory is accepted as `kafka`). Used by the
// container, the standalone runner and eddy-job-bench.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "runtime/system/system_admin.h"
#include "runtime/system/system_consumer.h"
#include "runtime/system/system_producer.h"

namespace eddy::runtime {

// The config of one system: the keys under `systems.<name>.` with that prefix removed
// (e.g. "factory", "bootstrap.servers", "samza.offset.default", "consumer.fetch.min.bytes").
struct SystemConfig {
  std::string name;
  std::map<std::string, std::string> props;
  std::string Get(const std::string& key, const std::string& def = "") const {
    auto it = props.find(key);
    return it == props.end() ? def : it->second;
  }
};

// systems.<name>.<key> as an integer in [min, max], `def` when absent; InvalidArgument naming
// the full key and the value when malformed or out of range (Config::GetLong's syntax).
absl::StatusOr<int64_t> GetLongProp(const SystemConfig& config, const std::string& key, int64_t def,
                                    int64_t min, int64_t max = INT64_MAX);

class SystemFactory {
 public:
  virtual ~SystemFactory() = default;
  virtual absl::StatusOr<std::unique_ptr<SystemConsumer>> MakeConsumer(
      const SystemConfig& config) = 0;
  virtual absl::StatusOr<std::unique_ptr<SystemProducer>> MakeProducer(
      const SystemConfig& config) = 0;
  virtual absl::StatusOr<std::unique_ptr<SystemAdmin>> MakeAdmin(const SystemConfig& config) = 0;
  // A producer holding `transactional_id` (InitTransactions not yet called): the writer of one
  // task (runtime/container/commit_protocol.h). Unimplemented naming the system where the
  // system has no transactions (kafka).
  virtual absl::StatusOr<std::unique_ptr<SystemProducer>> MakeTransactionalProducer(
      const SystemConfig& config, const std::string& transactional_id) {
    (void)transactional_id;
    return absl::UnimplementedError("system '" + config.name +
                                    "' has no transactional producer (only factory=eddy has)");
  }
};

// The factory for `systems.<sys>.factory`; InvalidArgument naming the key when unknown.
absl::StatusOr<std::unique_ptr<SystemFactory>> MakeSystemFactory(const SystemConfig& config);

// systems.<sys>.samza.offset.default: oldest | upcoming (default upcoming, like Samza).
absl::StatusOr<OffsetDefault> ParseOffsetDefault(const SystemConfig& config);

}  // namespace eddy::runtime
