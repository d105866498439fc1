// AsyncStreamTask's synchronous fallback and the anchors of the async and timer interfaces.
#include "eddy/async_task.h"

#include <condition_variable>
#include <mutex>
#include <optional>

#include "eddy/timers.h"

namespace eddy {
namespace {

// Completion of one message, waited for by Process().
class BlockingCallback final : public TaskCallback {
 public:
  void Complete() override { Set(absl::OkStatus()); }
  void Failure(absl::Status status) override { Set(std::move(status)); }
  absl::Status Wait() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return result_.has_value(); });
    return *result_;
  }

 private:
  void Set(absl::Status s) {
    std::lock_guard<std::mutex> l(mu_);
    if (result_.has_value()) return;  // a second completion is ignored
    result_ = std::move(s);
    cv_.notify_all();
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<absl::Status> result_;
};

}  // namespace

TaskCallback::~TaskCallback() = default;
AsyncStreamTask::~AsyncStreamTask() = default;
TimerService::~TimerService() = default;
TimerTask::~TimerTask() = default;
WatermarkListenerTask::~WatermarkListenerTask() = default;

absl::Status AsyncStreamTask::Process(const IncomingMessageEnvelope& envelope,
                                      MessageCollector& collector, TaskCoordinator& coordinator) {
  auto callback = std::make_shared<BlockingCallback>();
  ProcessAsync(envelope, collector, coordinator, callback);
  return callback->Wait();
}

}  // namespace eddy
