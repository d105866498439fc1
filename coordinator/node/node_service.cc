#include "coordinator/node/node_service.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/numbers.h"
#include "coordinator/common/auth.h"
#include "runtime/job/names.h"

namespace eddy::cluster {
namespace fs = std::filesystem;

grpc::Status NodeService::ReadLog(grpc::ServerContext* ctx, const v1::ReadLogRequest* r,
                                  v1::ReadLogResponse* out) {
  if (auto a = CheckToken(*ctx, token_); !a.ok()) return a;
  std::string file = r->file().empty() ? "stderr" : r->file();
  if (auto s = runtime::CheckName(runtime::NameKind::kJob, "job name", r->job()); !s.ok()) {
    return ToGrpc(s);
  }
  if (auto s = runtime::CheckName(runtime::NameKind::kContainer, "container id", r->container_id());
      !s.ok()) {
    return ToGrpc(s);
  }
  if (file != "stderr" && file != "stdout") {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "log file '" + file + "' is unknown: stdout or stderr");
  }
  // The latest attempt of the container on this node.
  fs::path dir = fs::path(data_dir_) / "containers" / r->job();
  std::string prefix = r->container_id() + "-a";
  int64_t best = -1;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string n = e.path().filename().string();
    int64_t a;
    if (n.rfind(prefix, 0) == 0 && absl::SimpleAtoi(n.substr(prefix.size()), &a) && a > best) {
      best = a;
    }
  }
  if (best < 0) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "no logs of job " + r->job() + " container " +
                                                         r->container_id() + " on this node");
  }
  fs::path p = dir / (prefix + std::to_string(best)) / file;
  std::ifstream f(p, std::ios::binary);
  out->set_path(p.string());
  if (!f) return grpc::Status::OK;
  f.seekg(0, std::ios::end);
  int64_t size = f.tellg();
  int64_t from = r->offset() < 0 ? std::max<int64_t>(0, size - 65536) : r->offset();
  if (from > size) from = size;
  int64_t n = std::min<int64_t>(size - from, 1 << 20);
  std::string data(n, '\0');
  f.seekg(from);
  f.read(data.data(), n);
  out->set_data(std::move(data));
  out->set_next_offset(from + n);
  return grpc::Status::OK;
}

}  // namespace eddy::cluster
