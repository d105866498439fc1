#include "coordinator/cli/cluster_client.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "coordinator/common/auth.h"
#include "nlohmann/json.hpp"

namespace eddy::cli {

std::string ResolveGridDir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* e = std::getenv("EDDY_GRID_DIR"); e && *e) return e;
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "/tmp") + "/.eddy/grid";
}

absl::StatusOr<nlohmann::json> ReadGridJson(const std::string& dir) {
  std::string path = dir + "/grid.json";
  std::ifstream f(path);
  if (!f) return absl::NotFoundError(absl::StrCat("no grid in ", dir, " (no ", path, ")"));
  try {
    return nlohmann::json::parse(f);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", e.what()));
  }
}

absl::StatusOr<ClusterClient> ClusterClient::Connect(const ClusterFlags& flags) {
  ClusterClient c;
  std::string dir = ResolveGridDir(flags.grid_dir);
  c.address_ = flags.coordinator;
  if (c.address_.empty()) {
    if (const char* e = std::getenv("EDDY_COORDINATOR"); e && *e) c.address_ = e;
  }
  if (c.address_.empty()) {
    auto j = ReadGridJson(dir);
    if (absl::IsNotFound(j.status())) {
      return absl::NotFoundError(absl::StrCat(
          "no coordinator: pass --coordinator HOST:PORT, set EDDY_COORDINATOR, or run `eddy grid "
          "up` (no ", dir, "/grid.json)"));
    }
    if (!j.ok()) return j.status();
    try {
      c.address_ = j->at("coordinator").at("address").get<std::string>();
    } catch (const std::exception& e) {
      return absl::InvalidArgumentError(absl::StrCat(dir, "/grid.json: ", e.what()));
    }
  }
  std::string token_file = flags.token_file;
  if (token_file.empty()) {
    if (const char* e = std::getenv("EDDY_TOKEN_FILE"); e && *e) token_file = e;
  }
  if (token_file.empty()) token_file = dir + "/token";
  auto t = cluster::ReadTokenFile(token_file);
  if (t.ok()) {
    c.token_ = *t;
  } else if (!flags.token_file.empty()) {
    return t.status();
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(1 << 30);
  args.SetMaxSendMessageSize(1 << 30);
  c.stub_ = coordinator::v1::Coordinator::NewStub(
      grpc::CreateCustomChannel(c.address_, grpc::InsecureChannelCredentials(), args));
  return c;
}

std::unique_ptr<coordinator::v1::Node::Stub> ClusterClient::Node(const std::string& a) const {
  return coordinator::v1::Node::NewStub(grpc::CreateChannel(a, grpc::InsecureChannelCredentials()));
}

std::unique_ptr<runtime::v1::ContainerState::Stub> ClusterClient::Container(
    const std::string& a) const {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(256 << 20);
  return runtime::v1::ContainerState::NewStub(
      grpc::CreateCustomChannel(a, grpc::InsecureChannelCredentials(), args));
}

std::unique_ptr<grpc::ClientContext> ClusterClient::Context(int seconds) const {
  auto ctx = std::make_unique<grpc::ClientContext>();
  cluster::AddToken(ctx.get(), token_);
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  return ctx;
}

}  // namespace eddy::cli
