#include "log-store/client/rpc_channel.h"

#include <condition_variable>
#include <mutex>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "grpc/grpc.h"
#include "log-store/client/producer.h"
#include "log-store/rpc/grpc_status.h"

namespace eddy::logstore {

namespace {

// gRPC 1.51 shares one "callback alternative" completion queue among channels that made
// callback-API calls and shuts it down when the last such channel goes away; a callback still
// returning on its thread then trips an assertion (grpc_cq_internal_unref). Producers and
// consumers come and go, so hold the library and one such channel for the process lifetime.
bool HoldCallbackQueue() {
  grpc_init();
  // Reachable from a static for the whole process, so leak checkers do not report it.
  static auto* keeper = new std::shared_ptr<grpc::Channel>(
      grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials()));
  auto stub = v1::LogStore::NewStub(*keeper);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(1));
  v1::ListTopicsRequest req;
  v1::ListTopicsResponse resp;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  stub->async()->ListTopics(&ctx, &req, &resp, [&](grpc::Status) {
    std::lock_guard<std::mutex> l(mu);
    done = true;
    cv.notify_all();
  });
  std::unique_lock<std::mutex> l(mu);
  cv.wait(l, [&] { return done; });
  return true;
}

}  // namespace

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
  static const bool held = HoldCallbackQueue();
  (void)held;
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
  if (s.ok() || s.error_code() != grpc::StatusCode::UNAVAILABLE) return rpc::FromGrpc(s, what);
  // Name the broker that could not be reached.
  return rpc::FromGrpc(grpc::Status(s.error_code(), absl::StrCat("broker ", options.bootstrap,
                                                                  " unavailable: ",
                                                                  s.error_message())),
                       what);
}

absl::Status FromPartitionError(const v1::PartitionError& e) {
  if (e.code() == 0) return absl::OkStatus();
  return WithReason(absl::Status(static_cast<absl::StatusCode>(e.code()), e.message()), e.reason());
}

}  // namespace eddy::logstore
