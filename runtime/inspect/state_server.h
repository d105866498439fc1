// StateServer: the container's read-only state and metrics service
// (runtime/proto/container_state.proto) on HOST:0 (127.0.0.1 unless EDDY_INSPECT_HOST says). gRPC
// threads queue each request; the container's run loop executes it through RunLoopHook::OnLoop, so
// reads see the tasks' stores exactly as the tasks do (cache included) and never race with
// Process/Commit. Started by eddy-container when EDDY_INSPECT_ADDR_FILE is set; the address is
// written to that file once the tasks are running (eddy-node reads it and reports it to the
// coordinator).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "runtime/inspect/run_loop_hook.h"

namespace eddy::runtime {

class StateServer : public RunLoopHook {
 public:
  // Listens at once on `host`:0 ("" = 127.0.0.1; eddy-node passes its --host, so the service
  // is reachable from other hosts); `token` ("" = none) is required on every call.
  static absl::StatusOr<std::unique_ptr<StateServer>> Start(std::string token,
                                                            std::string addr_file,
                                                            std::string host = "");
  ~StateServer() override;
  // A call whose read the run loop has not begun within `timeout` (default 30 s: a run loop
  // blocked in a long commit, a paused process) fails DEADLINE_EXCEEDED and is dropped: the run
  // loop never runs it later. A read the run loop has begun is always waited for. Set before
  // the first call.
  void set_loop_timeout(std::chrono::milliseconds timeout);
  int port() const;

  void OnStarted(std::vector<InspectTask> tasks, std::vector<std::string> stores,
                 MetricsRegistry* metrics) override;
  void OnLoop() override;
  void OnStopping() override;

  class Impl;

 private:
  explicit StateServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace eddy::runtime
