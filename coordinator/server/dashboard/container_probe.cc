#include "coordinator/server/dashboard/container_probe.h"

#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "coordinator/common/auth.h"
#include "coordinator/proto/coordinator.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "nlohmann/json.hpp"
#include "runtime/proto/container_state.grpc.pb.h"

namespace eddy::dashboard {
namespace {

double Number(const nlohmann::json& group, const char* name) {
  auto it = group.find(name);
  if (it == group.end() || !it->is_number()) return -1;
  return it->get<double>();
}

std::unique_ptr<grpc::ClientContext> Context(const std::string& token,
                                             std::chrono::milliseconds deadline) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + deadline);
  cluster::AddToken(ctx.get(), token);
  return ctx;
}

}  // namespace

ContainerFigures ParseContainerFigures(const std::string& metrics_json,
                                       std::vector<StoreFigures> sizes) {
  ContainerFigures out;
  nlohmann::json m = nlohmann::json::parse(metrics_json, nullptr, /*allow_exceptions=*/false);
  if (!m.is_object()) m = nlohmann::json::object();
  for (const auto& [group, values] : m.items()) {
    if (!absl::StartsWith(group, "task.") || !values.is_object()) continue;
    TaskFigures t;
    t.task = group.substr(5);
    double processed = Number(values, "messages-processed");
    t.processed = processed < 0 ? 0 : static_cast<int64_t>(processed);
    for (const auto& [name, v] : values.items()) {
      if (!absl::StartsWith(name, "lag.") || !v.is_number()) continue;
      t.partitions.push_back(name.substr(4));
      t.lag += v.get<double>();
      t.has_lag = true;
    }
    out.tasks.push_back(std::move(t));
  }
  for (auto& s : sizes) {
    auto it = m.find(absl::StrCat("store.", s.task, ".", s.store));
    if (it != m.end() && it->is_object()) {
      const auto& g = *it;
      s.restore_records = Number(g, "restore-records");
      s.restore_ms = Number(g, "restore-wall-ms");
      s.cache_hit_rate = Number(g, "cache-hit-rate");
      s.restored_from_checkpoint = Number(g, "restore-from-local-checkpoint");
      s.restore_start_offset = Number(g, "restore-start-offset");
      s.restore_end_offset = Number(g, "restore-end-offset");
    }
    out.stores.push_back(std::move(s));
  }
  return out;
}

absl::StatusOr<ContainerFigures> ContainerProbe::Stats(const std::string& container,
                                                       const std::string& address) const {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(16 << 20);
  auto stub = runtime::v1::ContainerState::NewStub(
      grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
  runtime::v1::StateStatsRequest req;
  runtime::v1::StateStatsResponse resp;
  auto st = stub->Stats(Context(token_, deadline_).get(), req, &resp);
  if (!st.ok()) {
    return cluster::FromGrpc(st, absl::StrCat("container ", container, " at ", address));
  }
  std::vector<StoreFigures> sizes;
  for (const auto& s : resp.stores()) {
    StoreFigures f;
    f.task = s.task();
    f.store = s.store();
    f.keys = s.keys();
    f.bytes = s.bytes();
    sizes.push_back(std::move(f));
  }
  return ParseContainerFigures(resp.metrics_json(), std::move(sizes));
}

absl::StatusOr<LogChunk> ContainerProbe::ReadLog(const std::string& node_address,
                                                 const std::string& job,
                                                 const std::string& container,
                                                 const std::string& file, int64_t offset,
                                                 size_t max_bytes) const {
  auto stub = coordinator::v1::Node::NewStub(
      grpc::CreateChannel(node_address, grpc::InsecureChannelCredentials()));
  coordinator::v1::ReadLogRequest req;
  req.set_job(job);
  req.set_container_id(container);
  req.set_file(file);
  req.set_offset(offset);
  coordinator::v1::ReadLogResponse resp;
  auto st = stub->ReadLog(Context(token_, deadline_).get(), req, &resp);
  if (!st.ok()) {
    return cluster::FromGrpc(
        st, absl::StrCat("log of job ", job, " container ", container, " on ", node_address));
  }
  LogChunk out;
  out.path = resp.path();
  out.data = resp.data();
  out.next_offset = resp.next_offset();
  if (out.data.size() > max_bytes) {
    // Keep the first max_bytes; the caller asks again from next_offset for the rest.
    out.next_offset -= static_cast<int64_t>(out.data.size() - max_bytes);
    out.data.resize(max_bytes);
  }
  return out;
}

}  // namespace eddy::dashboard
