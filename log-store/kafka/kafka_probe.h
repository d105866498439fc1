// KafkaProbe: the Kafka listener's own metrics — requests by API key (with request and
// response bytes and time to answer), requests that closed their connection (malformed,
// unknown API or version), open connections and connections refused for a limit. One per
// process (KafkaProbe::Get(); eddy-logd runs one listener), updated with relaxed atomics by
// kafka_server.cc, read by eddy-logd's metrics collector (log-store/broker/logd_metrics.h).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "log-store/storage/traffic_probe.h"

namespace eddy::kafka {

struct KafkaProbe {
  static constexpr int kApiKeys = 96;  // keys above are counted under kApiKeys - 1

  // Per API key: requests, request bytes (`bytes`), and the time from a whole frame read to
  // its response written. `records` holds response bytes.
  std::array<logstore::TrafficProbe, kApiKeys> apis;
  std::atomic<uint64_t> closed_requests{0};  // answered by closing the connection
  std::atomic<int64_t> open_connections{0};
  std::atomic<uint64_t> accepted_connections{0};
  std::atomic<uint64_t> refused_connections{0};  // over max.connections(.per.ip) or EMFILE

  static KafkaProbe& Get() {
    static KafkaProbe probe;
    return probe;
  }
};

}  // namespace eddy::kafka
