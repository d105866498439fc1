// ClusterClient: how the `eddy` CLI finds and calls a cluster: the coordinator address
// (--coordinator, else $EDDY_COORDINATOR, else the grid dir's grid.json) and the token
// (--token-file, else $EDDY_TOKEN_FILE, else <grid dir>/token), with stubs for the
// coordinator, a node's log service and a container's state service. The grid dir is --dir,
// else $EDDY_GRID_DIR, else ~/.eddy/grid. Used by job/node/state/grid commands.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "coordinator/proto/coordinator.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "log-store/rpc/grpc_status.h"
#include "nlohmann/json.hpp"
#include "runtime/proto/container_state.grpc.pb.h"

namespace eddy::cli {

struct ClusterFlags {
  std::string coordinator;
  std::string token_file;
  std::string grid_dir;
};

std::string ResolveGridDir(const std::string& flag);

// <dir>/grid.json as written by `eddy grid up`. NotFound when there is none, InvalidArgument
// naming the file when it does not parse. Used by ClusterClient and `eddy grid down|status`.
absl::StatusOr<nlohmann::json> ReadGridJson(const std::string& dir);

class ClusterClient {
 public:
  static absl::StatusOr<ClusterClient> Connect(const ClusterFlags& flags);

  coordinator::v1::Coordinator::Stub& coordinator() { return *stub_; }
  std::unique_ptr<coordinator::v1::Node::Stub> Node(const std::string& address) const;
  std::unique_ptr<runtime::v1::ContainerState::Stub> Container(const std::string& address) const;
  // A context with the token and a deadline.
  std::unique_ptr<grpc::ClientContext> Context(int seconds = 30) const;
  const std::string& address() const { return address_; }

 private:
  std::string address_, token_;
  std::shared_ptr<coordinator::v1::Coordinator::Stub> stub_;
};

// grpc::Status → absl::Status naming `what` (log-store/rpc/grpc_status.h).
using logstore::rpc::FromGrpc;

}  // namespace eddy::cli
