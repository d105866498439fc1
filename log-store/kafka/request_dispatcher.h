// Request dispatch for the Kafka listener: parses a frame's request header, checks the API key
// and version against what Eddy advertises, runs the API handler and frames the response.
// Each connection thread of KafkaServer calls Dispatch once per request, in order.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "log-store/kafka/broker_context.h"
#include "log-store/kafka/kafka_codec.h"

namespace eddy::kafka {

struct DispatchResult {
  bool respond = false;  // `out` holds one whole response frame (size prefix included)
  bool close = false;    // close the connection (malformed/unknown request)
};

// `payload` is one frame without its 4-byte size prefix. `client` names the peer in logs.
// `out` (cleared first) receives the response frame; it may reference bytes in `scratch`, a
// connection-owned buffer that handlers fill (Fetch reads batches into it), so both must stay
// untouched until the frame is written. Reusing them per connection avoids per-request
// allocations.
DispatchResult Dispatch(BrokerContext& broker, std::string_view payload, const std::string& client,
                        Writer& out, std::string& scratch);

// Parses the header and body of one request payload without acting on it: the decoder the
// fuzz target exercises. Errors say what is malformed.
absl::Status DecodeRequest(std::string_view payload);

}  // namespace eddy::kafka
