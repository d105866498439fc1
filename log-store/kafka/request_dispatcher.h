// Request dispatch for the Kafka listener: parses a frame's request header, checks the API key
// and version against what Eddy advertises, runs the API handler and frames the response.
// Each connection thread of KafkaServer calls Dispatch once per request, in order.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "log-store/kafka/broker_context.h"

namespace eddy::kafka {

struct DispatchResult {
  std::optional<std::string> response;  // whole frame (size prefix included); none for acks=0
  bool close = false;                   // close the connection (malformed/unknown request)
};

// `payload` is one frame without its 4-byte size prefix. `client` names the peer in logs.
DispatchResult Dispatch(BrokerContext& broker, std::string_view payload, const std::string& client);

// Parses the header and body of one request payload without acting on it: the decoder the
// fuzz target exercises. Errors say what is malformed.
absl::Status DecodeRequest(std::string_view payload);

}  // namespace eddy::kafka
