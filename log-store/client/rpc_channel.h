// RpcChannel: the gRPC channel and stub to eddy-logd shared by Producer, Consumer and
// AdminClient (private to log-store/client).
#pragma once

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "log-store/client/client_options.h"
#include "log-store/proto/log_store.grpc.pb.h"

namespace eddy::logstore {

struct RpcChannel {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::LogStore::Stub> stub;
  ClientOptions options;
};

// Validates HOST:PORT and makes the channel (it connects lazily).
absl::StatusOr<std::shared_ptr<RpcChannel>> MakeRpcChannel(const ClientOptions& options);

// grpc::Status -> absl::Status with the broker address in the message.
absl::Status FromGrpc(const grpc::Status& s, const std::string& what, const ClientOptions& options);

// Per-partition error from the broker.
absl::Status FromPartitionError(const v1::PartitionError& e);

}  // namespace eddy::logstore
