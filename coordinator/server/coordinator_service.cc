#include "coordinator/server/coordinator_service.h"

#include <fstream>
#include <map>

#include "coordinator/common/auth.h"

namespace eddy::cluster {

#define EDDY_AUTH(ctx) \
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

grpc::Status CoordinatorService::Heartbeat(grpc::ServerContext* ctx, const v1::HeartbeatRequest* r,
                                           v1::HeartbeatResponse* out) {
  EDDY_AUTH(ctx);
  *out = m_->Heartbeat(*r);
  return grpc::Status::OK;
}

grpc::Status CoordinatorService::GetPackage(grpc::ServerContext* ctx,
                                            const v1::GetPackageRequest* r,
                                            grpc::ServerWriter<v1::GetPackageResponse>* out) {
  EDDY_AUTH(ctx);
  auto path = m_->PackagePath(r->digest());
  if (!path.ok()) return ToGrpc(path.status());
  std::ifstream f(*path, std::ios::binary);
  if (!f) return grpc::Status(grpc::StatusCode::INTERNAL, "cannot read package " + *path);
  f.seekg(0, std::ios::end);
  int64_t size = f.tellg();
  f.seekg(0);
  std::string buf(kPackageChunkBytes, '\0');
  bool first = true;
  while (first || f) {
    f.read(buf.data(), buf.size());
    v1::GetPackageResponse chunk;
    chunk.set_data(buf.data(), static_cast<size_t>(f.gcount()));
    if (first) chunk.set_size(size);
    first = false;
    if (!out->Write(chunk)) return grpc::Status(grpc::StatusCode::CANCELLED, "download cancelled");
  }
  if (f.bad()) return grpc::Status(grpc::StatusCode::INTERNAL, "read error in " + *path);
  return grpc::Status::OK;
}

grpc::Status CoordinatorService::SubmitJob(grpc::ServerContext* ctx,
                                           grpc::ServerReader<v1::SubmitJobRequest>* in,
                                           v1::SubmitJobResponse* out) {
  EDDY_AUTH(ctx);
  v1::SubmitJobRequest msg;
  if (!in->Read(&msg)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "submit: no package was sent");
  }
  std::map<std::string, std::string> overrides(msg.config().begin(), msg.config().end());
  std::string digest = msg.digest();
  auto upload = m_->packages().BeginUpload(msg.package_size() > 0 ? msg.package_size() : -1);
  if (!upload.ok()) return ToGrpc(upload.status());
  do {
    if (auto s = (*upload)->Append(msg.package()); !s.ok()) return ToGrpc(s);
  } while (in->Read(&msg));
  if (ctx->IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "submit cancelled");
  if (!digest.empty()) {
    auto got = (*upload)->Finish(digest);
    if (!got.ok()) return ToGrpc(got.status());
  }
  std::vector<std::string> warnings;
  auto name = m_->Submit(**upload, overrides, &warnings);
  if (!name.ok()) return ToGrpc(name.status());
  out->set_job(*name);
  for (auto& w : warnings) out->add_warnings(std::move(w));
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

grpc::Status CoordinatorService::ResetJob(grpc::ServerContext* ctx, const v1::ResetJobRequest* r,
                                          v1::ResetJobResponse* out) {
  EDDY_AUTH(ctx);
  auto got = m_->Reset(*r);
  if (!got.ok()) return ToGrpc(got.status());
  *out = std::move(*got);
  return grpc::Status::OK;
}

grpc::Status CoordinatorService::ListNodes(grpc::ServerContext* ctx, const v1::ListNodesRequest*,
                                           v1::ListNodesResponse* out) {
  EDDY_AUTH(ctx);
  for (auto& n : m_->ListNodes()) *out->add_nodes() = std::move(n);
  return grpc::Status::OK;
}

}  // namespace eddy::cluster
