// BrokerContext and RequestContext: what every Kafka API handler sees. BrokerContext is the
// broker-wide state (log manager, options, group and transaction coordinators, producer-id
// state) shared by all
// connections; RequestContext is one request's header and client. Private to log-store/kafka.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "log-store/kafka/kafka_protocol.h"
#include "log-store/kafka/kafka_server.h"
#include "log-store/kafka/share_sessions.h"
#include "log-store/storage/log_manager.h"

namespace eddy::kafka {

class GroupCoordinator;
class ProducerStateManager;
}  // namespace eddy::kafka
namespace eddy::logstore {
class TransactionCoordinator;
}  // namespace eddy::logstore
namespace eddy::logstore::share {
class ShareGroupManager;
}  // namespace eddy::logstore::share
namespace eddy::kafka {

struct BrokerContext {
  logstore::LogManager* logs = nullptr;
  KafkaServerOptions options;
  std::string advertised_host;
  int32_t advertised_port = 0;
  GroupCoordinator* groups = nullptr;
  ProducerStateManager* producers = nullptr;
  // The broker's transaction coordinator (shared with the native API). Null: transactions are
  // refused (TRANSACTIONAL_ID_AUTHORIZATION_FAILED, fatal in every client).
  logstore::TransactionCoordinator* txn = nullptr;
  // The broker's share groups (shared with the native API). Null: share APIs answer
  // COORDINATOR_NOT_AVAILABLE.
  logstore::share::ShareGroupManager* share = nullptr;
  ShareSessionCache share_sessions;
  std::atomic<bool> stopping{false};
  std::atomic<int64_t> produce_requests{0};  // counts Produce requests with acks != 0 (fault hook)
};

struct RequestContext {
  RequestHeader header;
  std::string client_address;
  bool send_response = true;  // false for Produce with acks=0
  bool close_after = false;   // fault hook: close the connection instead of answering
  // Connection-owned buffer a handler may fill with bytes its response references
  // (Writer::BytesRef); valid until the response is sent. Never null inside a handler.
  std::string* scratch = nullptr;
};

}  // namespace eddy::kafka
