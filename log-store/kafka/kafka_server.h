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
#include "log-store/txn/transaction_coordinator.h"

namespace eddy::logstore::share {
class ShareGroupManager;
}  // namespace eddy::logstore::share
namespace eddy::kafka {

struct KafkaServerOptions {
  // The broker's transaction coordinator (eddy-logd passes it; may be null in tests): producer
  // ids come from it, and every produce carrying a producer id is checked against it (fencing).
  // Not owned; must outlive the server. Null: transactional ids are refused with
  // TRANSACTIONAL_ID_AUTHORIZATION_FAILED (fatal in every client).
  logstore::TransactionCoordinator* txn = nullptr;
  // The broker's share groups (eddy-logd passes them; may be null: then the share-group APIs
  // answer COORDINATOR_NOT_AVAILABLE). Not owned; must outlive the server.
  logstore::share::ShareGroupManager* share = nullptr;
  std::string listen = "127.0.0.1:9092";  // HOST:PORT; port 0 = let the OS pick
  std::string advertised_host;  // host given to clients in Metadata; default = listen host
  int32_t node_id = 0;
  bool auto_create_topics = true;  // auto.create.topics.enable
  int32_t default_partitions = 1;  // num.partitions for auto-created topics

  // group.initial.rebalance.delay.ms: a new group waits this long for more joiners.
  // The environment variable EDDY_KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS overrides it (tests).
  int32_t group_initial_rebalance_delay_ms = 3000;
  // group.min/max.session.timeout.ms: JoinGroup outside gets INVALID_SESSION_TIMEOUT.
  int32_t group_min_session_timeout_ms = 1000;
  int32_t group_max_session_timeout_ms = 1800000;
  // Frames above this size close the connection (socket.request.max.bytes).
  int64_t max_frame_bytes = 100LL << 20;
  // max.connections and max.connections.per.ip: a connection over a limit is accepted and closed
  // at once, with a log line naming the limit and the peer. Each connection costs a descriptor
  // and a thread; keep max_connections below RLIMIT_NOFILE minus what partitions hold (3 per
  // segment). Past the descriptor limit, new connections are accepted and closed too (EMFILE).
  int32_t max_connections = 1000;
  int32_t max_connections_per_ip = 200;
  // connections.max.idle.ms: a connection with no complete request for this long (and none in
  // flight) is closed. 0 = never.
  int64_t connections_max_idle_ms = 600000;
  // Upper bound on a Fetch's long-poll wait, whatever the client asks.
  int32_t max_fetch_wait_ms = 30000;
  // Upper bound on the record bytes of one Fetch response, below the client's fetch.max.bytes
  // (0 = the client's limit only). At least one batch is always returned. Smaller responses let
  // the client start on the first records sooner and overlap its parsing with our next read.
  // 512 KiB measured best with librdkafka on loopback (docs/benchmarks/kafka.md).
  // eddy-logd sets it with --kafka-fetch-response-max-bytes, or from the environment variable
  // EDDY_KAFKA_FETCH_RESPONSE_MAX_BYTES when the flag is not given.
  int32_t max_fetch_response_bytes = 512 << 10;
  // Fetch sends stored batches with sendfile(2) straight from the segment files (no pread into
  // user space, no CRC pass per fetch) where they already passed a CRC-32C check in this
  // process (written by it, scanned at start, or read once through the copying path); other
  // bytes are read and checked as before. false = always read and check (the old path).
  // eddy-logd: --kafka-fetch-zero-copy, env EDDY_KAFKA_FETCH_ZERO_COPY.
  bool fetch_zero_copy = true;
  // Fault hook for tests: when > 0, every Nth Produce request (acks != 0) is appended and then
  // the connection is closed without a response, so the client retries the same batch.
  // Also armed by the environment variable EDDY_KAFKA_FAULT_DROP_PRODUCE_RESPONSE_EVERY.
  int32_t fault_drop_produce_response_every = 0;
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
