// KafkaServer: the Kafka wire-protocol listener of eddy-logd. Serves the API subset that kcat,
// librdkafka and KafkaJS need (../shared/reference/kafka-protocol.md) over the same LogManager as
// the native gRPC API, so offsets and committed group offsets are shared.
// eddy-logd starts it with --kafka-listen HOST:PORT.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "log-store/storage/log_manager.h"

namespace eddy::kafka {

struct KafkaServerOptions {
  std::string listen = "127.0.0.1:9092";  // HOST:PORT; port 0 = let the OS pick
  std::string advertised_host;            // host given to clients in Metadata; default = listen host
  int32_t node_id = 0;
  bool auto_create_topics = true;         // auto.create.topics.enable
  int32_t default_partitions = 1;         // num.partitions for auto-created topics
};

class KafkaServer {
 public:
  // Binds, then serves on background threads it owns until Stop() or destruction.
  static absl::StatusOr<std::unique_ptr<KafkaServer>> Start(logstore::LogManager* logs,
                                                            const KafkaServerOptions& options);
  virtual ~KafkaServer() = default;
  virtual int port() const = 0;  // the bound port
  virtual void Stop() = 0;       // closes the listener and every connection, joins threads
};

}  // namespace eddy::kafka
