// The one conversion between absl::Status (Eddy's errors) and grpc::Status (the wire), used by
// every gRPC server and client in the tree: eddy-logd's native API and its client, the
// coordinator, eddy-node, the CLI and the container's state service. Codes map one to one (gRPC
// and absl share the canonical code numbers 0..16); messages are kept, with the caller's
// description of the call in front on the way in. Status payloads do not travel.
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace eddy::logstore::rpc {

// absl::Status → grpc::Status: same code and message (OK → grpc::Status::OK).
grpc::Status ToGrpc(const absl::Status& s);

// grpc::Status → absl::Status: same code; the message is "<what>: <grpc message>", or the gRPC
// message alone when `what` is empty. A code outside 0..16 becomes UNKNOWN.
absl::Status FromGrpc(const grpc::Status& s, std::string_view what = "");

}  // namespace eddy::logstore::rpc
