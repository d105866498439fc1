// NodeService: eddy-node's own small gRPC service: a container's stdout/stderr (for
// `eddy job logs`). Token checked on every call. Used by eddy-node's main.
#pragma once

#include <string>

#include "coordinator/proto/coordinator.grpc.pb.h"

namespace eddy::cluster {

namespace v1 = ::eddy::coordinator::v1;

class NodeService final : public v1::Node::Service {
 public:
  NodeService(std::string data_dir, std::string token)
      : data_dir_(std::move(data_dir)), token_(std::move(token)) {}
  grpc::Status ReadLog(grpc::ServerContext*, const v1::ReadLogRequest*,
                       v1::ReadLogResponse*) override;

 private:
  std::string data_dir_, token_;
};

}  // namespace eddy::cluster
