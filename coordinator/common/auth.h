// Control-plane access tokens: every call to eddy-coordinator, eddy-node and a container's state
// service carries `authorization: Bearer <token>`. Helpers for both sides: the server check
// (UNAUTHENTICATED without the right token), the client metadata, and token files (created with
// mode 0600 by `eddy grid up`). Used by the coordinator, the node, the CLI and runtime/inspect.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "log-store/rpc/grpc_status.h"

namespace eddy::cluster {

// OK when `ctx` carries `authorization: Bearer <token>`; UNAUTHENTICATED otherwise. An empty
// `token` disables the check.
grpc::Status CheckToken(const grpc::ServerContext& ctx, const std::string& token);

// True when `given` equals `token`, compared in time that depends only on the lengths (so a
// caller cannot find the token byte by byte from response times). Used by CheckToken and the
// coordinator's web dashboard (cookie or `Authorization: Bearer`).
bool TokenEquals(std::string_view given, std::string_view token);
// True when `authorization` (an Authorization header or metadata value) is "Bearer <token>",
// compared in constant time. An empty `token` matches everything (no check). The HTTP routes
// behind the token (Prometheus discovery, the dashboard) use it as CheckToken does.
bool TokenMatches(std::string_view authorization, const std::string& token);

// Adds the bearer token to an outgoing call.
void AddToken(grpc::ClientContext* ctx, const std::string& token);

// Reads a token file (trailing whitespace stripped); NotFound / InvalidArgument naming the file.
absl::StatusOr<std::string> ReadTokenFile(const std::string& path);

// 32 random bytes as hex, written to `path` with mode 0600 (created or replaced).
absl::StatusOr<std::string> CreateTokenFile(const std::string& path);

// The one absl::Status <-> grpc::Status conversion (log-store/rpc/grpc_status.h).
using logstore::rpc::FromGrpc;
using logstore::rpc::ToGrpc;

}  // namespace eddy::cluster
