// SlowTask: a test job whose task sleeps `app.slow.sleep.ms` (default 20) per message, so a test
// that keeps producing faster than that sees the job's consumer lag grow (the "stalled job" of
// prometheus_test.cc). Packaged as build/jobs/slow-task.tar.gz.
#include <chrono>
#include <string>
#include <thread>

#include "eddy/eddy.h"

namespace {

class SlowTask : public eddy::StreamTask, public eddy::InitableTask {
 public:
  absl::Status Init(eddy::Context& context) override {
    sleep_ms_ = std::stoi(context.config().GetOr("app.slow.sleep.ms", "20"));
    return absl::OkStatus();
  }

  absl::Status Process(const eddy::IncomingMessageEnvelope&, eddy::MessageCollector&,
                       eddy::TaskCoordinator&) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms_));
    return absl::OkStatus();
  }

 private:
  int sleep_ms_ = 20;
};

}  // namespace

EDDY_REGISTER_TASK(SlowTask);
