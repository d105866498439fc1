// CoordinatorService: the gRPC face of ClusterManager (coordinator/proto/coordinator.proto).
// Checks the bearer token on every call (an empty token: --insecure, every call accepted).
// Used by eddy-coordinator's main.
#pragma once

#include <string>

#include "coordinator/proto/coordinator.grpc.pb.h"
#include "coordinator/server/cluster_manager.h"

namespace eddy::cluster {

namespace v1 = ::eddy::coordinator::v1;

class CoordinatorService final : public v1::Coordinator::Service {
 public:
  CoordinatorService(ClusterManager* m, std::string token) : m_(m), token_(std::move(token)) {}

  grpc::Status Register(grpc::ServerContext*, const v1::RegisterRequest*,
                        v1::RegisterResponse*) override;
  grpc::Status Heartbeat(grpc::ServerContext*, const v1::HeartbeatRequest*,
                         v1::HeartbeatResponse*) override;
  // Streams the package file in chunks (memory does not grow with its size).
  grpc::Status GetPackage(grpc::ServerContext*, const v1::GetPackageRequest*,
                          grpc::ServerWriter<v1::GetPackageResponse>*) override;
  // Receives the package in chunks into the package store (refused as soon as it is known to
  // be over the limit), then submits it.
  grpc::Status SubmitJob(grpc::ServerContext*, grpc::ServerReader<v1::SubmitJobRequest>*,
                         v1::SubmitJobResponse*) override;
  grpc::Status ListJobs(grpc::ServerContext*, const v1::ListJobsRequest*,
                        v1::ListJobsResponse*) override;
  grpc::Status GetJob(grpc::ServerContext*, const v1::JobRequest*, v1::JobStatus*) override;
  grpc::Status KillJob(grpc::ServerContext*, const v1::JobRequest*, v1::KillJobResponse*) override;
  grpc::Status ScaleJob(grpc::ServerContext*, const v1::ScaleJobRequest*,
                        v1::ScaleJobResponse*) override;
  grpc::Status ResetJob(grpc::ServerContext*, const v1::ResetJobRequest*,
                        v1::ResetJobResponse*) override;
  grpc::Status ListNodes(grpc::ServerContext*, const v1::ListNodesRequest*,
                         v1::ListNodesResponse*) override;

 private:
  ClusterManager* m_;
  std::string token_;
};

}  // namespace eddy::cluster
