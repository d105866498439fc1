#include "log-store/rpc/grpc_status.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace eddy::logstore::rpc {

grpc::Status ToGrpc(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

absl::Status FromGrpc(const grpc::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  const int code = static_cast<int>(s.error_code());
  const auto absl_code =
      code > 0 && code <= 16 ? static_cast<absl::StatusCode>(code) : absl::StatusCode::kUnknown;
  return absl::Status(absl_code,
                      what.empty() ? s.error_message() : absl::StrCat(std::string(what), ": ", s.error_message()));
}

}  // namespace eddy::logstore::rpc
