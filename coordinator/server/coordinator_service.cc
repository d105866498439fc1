#include "coordinator/server/coordinator_service.h"

#include "coordinator/common/auth.h"

namespace eddy::cluster {

#define EDDY_AUTH(ctx)                                          \
  if (auto a = CheckToken(*(ctx), token_); !a.ok()) return a

grpc::Status CoordinatorService::Register(grpc::ServerContext* ctx, const v1::RegisterRequest* r,
                                          v1::RegisterResponse* out) {
  EDDY_AUTH(ctx);
  if (r->node_id().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "node_id is empty");
  }
  *out = m_->Register(*r);
  return grpc::Status::OK;
}

grpc::Status CoordinatorService::Heartbeat(grpc::ServerContext* ctx,
                                           const v1::HeartbeatRequest* r,
                                           v1::HeartbeatResponse* out) {
  EDDY_AUTH(ctx);
  *out = m_->Heartbeat(*r);
  return grpc::Status::OK;
}

grpc::Status CoordinatorService::GetPackage(grpc::ServerContext* ctx,
                                            const v1::GetPackageRequest* r,
                                            v1::GetPackageResponse* out) {
  EDDY_AUTH(ctx);
  auto p = m_->GetPackage(r->digest());
  if (!p.ok()) return ToGrpc(p.status());
  out->set_data(std::move(*p));
  return grpc::Status::OK;
}

grpc::Status CoordinatorService::SubmitJob(grpc::ServerContext* ctx,
                                           const v1::SubmitJobRequest* r,
                                           v1::SubmitJobResponse* out) {
  EDDY_AUTH(ctx);
  auto name = m_->Submit(*r);
  if (!name.ok()) return ToGrpc(name.status());
  out->set_job(*name);
  return grpc::Status::OK;
}

grpc::Status CoordinatorService::ListJobs(grpc::ServerContext* ctx, const v1::ListJobsRequest*,
                                          v1::ListJobsResponse* out) {
  EDDY_AUTH(ctx);
  for (auto& j : m_->ListJobs()) *out->add_jobs() = std::move(j);
  return grpc::Status::OK;
}

grpc::Status CoordinatorService::GetJob(grpc::ServerContext* ctx, const v1::JobRequest* r,
                                        v1::JobStatus* out) {
  EDDY_AUTH(ctx);
  auto s = m_->GetJob(r->job());
  if (!s.ok()) return ToGrpc(s.status());
  *out = std::move(*s);
  return grpc::Status::OK;
}

grpc::Status CoordinatorService::KillJob(grpc::ServerContext* ctx, const v1::JobRequest* r,
                                         v1::KillJobResponse*) {
  EDDY_AUTH(ctx);
  return ToGrpc(m_->Kill(r->job()));
}

grpc::Status CoordinatorService::ScaleJob(grpc::ServerContext* ctx, const v1::ScaleJobRequest* r,
                                          v1::ScaleJobResponse* out) {
  EDDY_AUTH(ctx);
  auto g = m_->Scale(r->job(), r->containers());
  if (!g.ok()) return ToGrpc(g.status());
  out->set_generation(*g);
  return grpc::Status::OK;
}

grpc::Status CoordinatorService::ListNodes(grpc::ServerContext* ctx, const v1::ListNodesRequest*,
                                           v1::ListNodesResponse* out) {
  EDDY_AUTH(ctx);
  for (auto& n : m_->ListNodes()) *out->add_nodes() = std::move(n);
  return grpc::Status::OK;
}

}  // namespace eddy::cluster
