#include "runtime/container/async_dispatcher.h"

#include <condition_variable>
#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"

namespace eddy::runtime {

// What callbacks (any thread) and the run loop share; callbacks may outlive the dispatcher.
struct AsyncDispatcher::Shared {
  struct Completion {
    int partition;
    uint64_t seq;
    absl::Status status;
  };
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Completion> completions;          // guarded by mu
  std::vector<OutgoingMessageEnvelope> outbox;  // guarded by mu
  Counter* twice = nullptr;
};

class AsyncDispatcher::Callback final : public TaskCallback {
 public:
  Callback(std::shared_ptr<Shared> shared, int partition, uint64_t seq)
      : shared_(std::move(shared)), partition_(partition), seq_(seq) {}
  void Complete() override { Finish(absl::OkStatus()); }
  void Failure(absl::Status status) override {
    if (status.ok()) status = absl::UnknownError("Failure() called with an OK status");
    Finish(std::move(status));
  }

 private:
  void Finish(absl::Status status) {
    if (done_.exchange(true)) {
      shared_->twice->Inc();
      return;
    }
    {
      std::lock_guard<std::mutex> l(shared_->mu);
      shared_->completions.push_back({partition_, seq_, std::move(status)});
    }
    shared_->cv.notify_all();
  }
  std::shared_ptr<Shared> shared_;
  int partition_;
  uint64_t seq_;
  std::atomic<bool> done_{false};
};

class AsyncDispatcher::QueueingCollector final : public MessageCollector {
 public:
  QueueingCollector(std::shared_ptr<Shared> shared, MessageCollector* direct)
      : shared_(std::move(shared)), direct_(direct), loop_(std::this_thread::get_id()) {}
  absl::Status Send(OutgoingMessageEnvelope envelope) override {
    if (std::this_thread::get_id() == loop_) return direct_->Send(std::move(envelope));
    {
      std::lock_guard<std::mutex> l(shared_->mu);
      shared_->outbox.push_back(std::move(envelope));
    }
    shared_->cv.notify_all();
    return absl::OkStatus();
  }

 private:
  std::shared_ptr<Shared> shared_;
  MessageCollector* direct_;
  std::thread::id loop_;
};

AsyncDispatcher::AsyncDispatcher(std::string task, Options options, MessageCollector* direct,
                                 MetricsRegistry* metrics)
    : task_(std::move(task)), opt_(options), shared_(std::make_shared<Shared>()) {
  collector_ = std::make_unique<QueueingCollector>(shared_, direct);
  const std::string g = "task." + task_;
  in_flight_gauge_ = &metrics->NewGauge(g, "async-in-flight");
  completed_ = &metrics->NewCounter(g, "callbacks-completed");
  twice_ = &metrics->NewCounter(g, "callbacks-completed-twice");
  shared_->twice = twice_;
}

AsyncDispatcher::~AsyncDispatcher() = default;

MessageCollector& AsyncDispatcher::collector() { return *collector_; }

int AsyncDispatcher::AddPartition(std::string what, int64_t* next_offset) {
  Partition p;
  p.what = std::move(what);
  p.next_offset = next_offset;
  partitions_.push_back(std::move(p));
  return static_cast<int>(partitions_.size()) - 1;
}

AsyncDispatcher::Started AsyncDispatcher::Start(int partition, int64_t offset,
                                                const IncomingMessageEnvelope& envelope,
                                                std::shared_ptr<const void> owner) {
  Partition& p = partitions_[partition];
  const uint64_t seq = p.first_seq + p.entries.size();
  Entry& e = p.entries.emplace_back();
  e.offset = offset;
  e.started = std::chrono::steady_clock::now();
  e.envelope = envelope;
  e.owner = std::move(owner);
  ++in_flight_;
  in_flight_gauge_->Set(static_cast<double>(in_flight_));
  return {&e.envelope, std::make_shared<Callback>(shared_, partition, seq)};
}

void AsyncDispatcher::Skip(int partition, int64_t offset) {
  Partition& p = partitions_[partition];
  if (p.entries.empty()) {
    *p.next_offset = offset + 1;
    ++p.first_seq;
    return;
  }
  Entry& e = p.entries.emplace_back();
  e.offset = offset;
  e.done = true;
}

absl::Status AsyncDispatcher::Drain() {
  std::vector<Shared::Completion> completions;
  std::vector<OutgoingMessageEnvelope> outbox;
  {
    std::lock_guard<std::mutex> l(shared_->mu);
    completions.swap(shared_->completions);
    outbox.swap(shared_->outbox);
  }
  // Sends first: a completion that follows them must not be checkpointed before they are sent.
  for (auto& e : outbox) {
    if (auto s = collector_->Send(std::move(e)); !s.ok()) {
      return absl::Status(
          s.code(),
          absl::StrCat("task '", task_, "': a send from an async callback failed: ", s.message()));
    }
  }
  for (auto& c : completions) {
    Partition& p = partitions_[c.partition];
    Entry& e = p.entries[c.seq - p.first_seq];
    if (!c.status.ok()) {
      return absl::Status(c.status.code(),
                          absl::StrCat("task '", task_, "' failed processing ", p.what, " offset ",
                                       e.offset, " (async callback): ", c.status.message()));
    }
    e.done = true;
    e.envelope = IncomingMessageEnvelope();
    e.owner.reset();
    --in_flight_;
    completed_->Inc();
  }
  if (!completions.empty()) {
    for (auto& p : partitions_) {
      while (!p.entries.empty() && p.entries.front().done) {
        *p.next_offset = p.entries.front().offset + 1;
        p.entries.pop_front();
        ++p.first_seq;
      }
    }
    in_flight_gauge_->Set(static_cast<double>(in_flight_));
  }
  return CheckTimeouts();
}

absl::Status AsyncDispatcher::CheckTimeouts() {
  if (in_flight_ == 0) return absl::OkStatus();
  const auto now = std::chrono::steady_clock::now();
  const auto limit = std::chrono::milliseconds(opt_.callback_timeout_ms);
  for (const auto& p : partitions_) {
    for (const auto& e : p.entries) {  // the oldest unfinished of the partition is first
      if (e.done) continue;
      if (now - e.started > limit) {
        return absl::DeadlineExceededError(
            absl::StrCat("task '", task_, "': the async callback of ", p.what, " offset ", e.offset,
                         " was neither completed nor failed within task.callback.timeout.ms=",
                         opt_.callback_timeout_ms));
      }
      break;
    }
  }
  return absl::OkStatus();
}

void AsyncDispatcher::WaitAny(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> l(shared_->mu);
  shared_->cv.wait_for(l, timeout,
                       [&] { return !shared_->completions.empty() || !shared_->outbox.empty(); });
}

absl::Status AsyncDispatcher::DrainAll() {
  while (true) {
    if (auto s = Drain(); !s.ok()) return s;
    if (in_flight_ == 0) return absl::OkStatus();
    WaitAny(std::chrono::milliseconds(20));
  }
}

}  // namespace eddy::runtime
