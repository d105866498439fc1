#include "log-store/client/rpc_channel.h"

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "grpc/grpc.h"

namespace eddy::logstore {

absl::StatusOr<std::shared_ptr<RpcChannel>> MakeRpcChannel(const ClientOptions& options) {
  const std::string& b = options.bootstrap;
  auto colon = b.rfind(':');
  int port = 0;
  if (b.empty() || colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(absl::string_view(b).substr(colon + 1), &port) || port <= 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("bootstrap address '", b, "' is not HOST:PORT (e.g. 127.0.0.1:9093)"));
  }
  // Hold one reference on the gRPC library for the life of the process: otherwise destroying
  // the last channel shuts gRPC down while its callback thread may still be returning from
  // one of our completion callbacks (an assertion failure in grpc_cq_internal_unref).
  static const bool grpc_held = [] {
    grpc_init();
    return true;
  }();
  (void)grpc_held;
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options.max_message_bytes);
  args.SetMaxSendMessageSize(options.max_message_bytes);
  // A private channel per client object: producer and consumer do not share one connection.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto ch = std::make_shared<RpcChannel>();
  ch->channel = grpc::CreateCustomChannel(b, grpc::InsecureChannelCredentials(), args);
  ch->stub = v1::LogStore::NewStub(ch->channel);
  ch->options = options;
  return ch;
}

absl::Status FromGrpc(const grpc::Status& s, const std::string& what,
                      const ClientOptions& options) {
  if (s.ok()) return absl::OkStatus();
  std::string msg = s.error_message();
  if (s.error_code() == grpc::StatusCode::UNAVAILABLE) {
    msg = absl::StrCat("broker ", options.bootstrap, " unavailable: ", msg);
  }
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                      what.empty() ? msg : absl::StrCat(what, ": ", msg));
}

absl::Status FromPartitionError(const v1::PartitionError& e) {
  if (e.code() == 0) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(e.code()), e.message());
}

}  // namespace eddy::logstore
