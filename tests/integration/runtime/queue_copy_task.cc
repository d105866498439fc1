// QueueCopy: a stateless test task for queue inputs (README "Reading a topic as a queue"). Each
// input record is sent to app.copy.output (default eddy.copy-out) with the input's value as key
// and "<task name>|<delivery count>" as value, so a test sees which container's queue task
// processed every record, and how often. app.copy.sleep.us slows each record down (default 0).
// Used by queue_job_test.cc.
#include <chrono>
#include <string>
#include <thread>

#include "eddy/eddy.h"

namespace {

class QueueCopy : public eddy::StreamTask, public eddy::InitableTask {
 public:
  absl::Status Init(eddy::Context& context) override {
    auto out =
        eddy::SystemStream::Parse(context.config().GetOr("app.copy.output", "eddy.copy-out"));
    if (!out.ok()) return out.status();
    output_ = *out;
    sleep_us_ = std::stoll(context.config().GetOr("app.copy.sleep.us", "0"));
    name_ = context.task_name().name;
    return absl::OkStatus();
  }

  absl::Status Process(const eddy::IncomingMessageEnvelope& envelope,
                       eddy::MessageCollector& collector, eddy::TaskCoordinator&) override {
    if (sleep_us_ > 0) std::this_thread::sleep_for(std::chrono::microseconds(sleep_us_));
    std::string deliveries = "?";
    for (const auto& h : envelope.headers()) {
      if (h.key == "eddy.delivery.count" && h.value) deliveries = std::string(*h.value);
    }
    std::optional<std::string> key;
    if (envelope.message()) key = std::string(*envelope.message());
    return collector.Send(eddy::OutgoingMessageEnvelope(output_, key, name_ + "|" + deliveries));
  }

 private:
  eddy::SystemStream output_;
  int64_t sleep_us_ = 0;
  std::string name_;
};

}  // namespace

EDDY_REGISTER_TASK(QueueCopy);
