// ClientOptions: how a log-store client (producer, consumer, admin) reaches eddy-logd.
// Shared by every class in log-store/client; the `eddy` CLI fills it from --bootstrap or
// EDDY_BOOTSTRAP.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace eddy::logstore {

struct ClientOptions {
  std::string bootstrap = "127.0.0.1:9093";  // HOST:PORT of the broker's native gRPC listener
  std::chrono::milliseconds request_timeout{30000};
  int32_t max_message_bytes = 64 << 20;  // gRPC send/receive limit
};

// A topic and a partition number.
struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  bool operator==(const TopicPartition&) const = default;
  auto operator<=>(const TopicPartition&) const = default;
};

}  // namespace eddy::logstore
