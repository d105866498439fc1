// Test tasks for the runtime's timekeeping (eddy/timers.h, eddy/async_task.h), used by
// timekeeping_test.cc:
// - TimerProbe: every input value starts with its event time in ms ("<ts>[ <rest>]", read by
//   the task's EventTimeExtractor). Process registers an event-time timer (key = the record key,
//   at ts + app.probe.delay.ms); OnTimer sends key -> "<timer ts>@<watermark>" to
//   app.probe.fired (default eddy.tk-fired); OnWatermark sends "wm" -> "<watermark>" to
//   app.probe.watermarks (default eddy.tk-wm), one record per advance. app.probe.sleep.us slows
//   Process down (default 0).
// - AsyncProbe: an AsyncStreamTask. ProcessAsync counts the record's word (its value) in the
//   store async-counts (on the run loop) and sends word -> count to app.probe.counts (default
//   eddy.tk-counts); then a pool of app.probe.threads (4) threads completes it after a random
//   delay of 0..app.probe.max.delay.ms (20): it sends key -> value to app.probe.output (default
//   eddy.tk-async-out) from the pool thread, then calls Complete().
#include <charconv>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "eddy/async_task.h"
#include "eddy/eddy.h"
#include "eddy/timers.h"

namespace {

int64_t LeadingNumber(std::optional<std::string_view> v) {
  if (!v) return -1;
  int64_t ts = -1;
  std::from_chars(v->data(), v->data() + v->size(), ts);
  return ts;
}

eddy::SystemStream StreamOr(const eddy::Context& c, const char* key, const char* def) {
  auto s = eddy::SystemStream::Parse(c.config().GetOr(key, def));
  return s.ok() ? *s : eddy::SystemStream("eddy", def);
}

class TimerProbe : public eddy::StreamTask,
                   public eddy::InitableTask,
                   public eddy::TimerTask,
                   public eddy::WatermarkListenerTask {
 public:
  absl::Status Init(eddy::Context& context) override {
    timers_ = &context.timers();
    fired_ = StreamOr(context, "app.probe.fired", "eddy.tk-fired");
    watermarks_ = StreamOr(context, "app.probe.watermarks", "eddy.tk-wm");
    delay_ = std::stoll(context.config().GetOr("app.probe.delay.ms", "0"));
    sleep_us_ = std::stoll(context.config().GetOr("app.probe.sleep.us", "0"));
    for (const auto& ssp : context.system_stream_partitions()) {
      timers_->SetEventTimeExtractor(
          ssp.system_stream(),
          [](const eddy::IncomingMessageEnvelope& e) { return LeadingNumber(e.message()); });
    }
    return absl::OkStatus();
  }
  absl::Status Process(const eddy::IncomingMessageEnvelope& envelope, eddy::MessageCollector&,
                       eddy::TaskCoordinator&) override {
    if (sleep_us_ > 0) std::this_thread::sleep_for(std::chrono::microseconds(sleep_us_));
    std::string key = envelope.key() ? std::string(*envelope.key()) : "";
    return timers_->Register(eddy::TimeDomain::kEventTime, key,
                             LeadingNumber(envelope.message()) + delay_);
  }
  absl::Status OnTimer(const eddy::TimerKey& timer, eddy::MessageCollector& collector,
                       eddy::TaskCoordinator&) override {
    return collector.Send(eddy::OutgoingMessageEnvelope(
        fired_, timer.key,
        std::to_string(timer.timestamp) + "@" + std::to_string(timers_->CurrentWatermark())));
  }
  absl::Status OnWatermark(int64_t watermark_ms, eddy::MessageCollector& collector,
                           eddy::TaskCoordinator&) override {
    return collector.Send(eddy::OutgoingMessageEnvelope(watermarks_, std::string("wm"),
                                                        std::to_string(watermark_ms)));
  }

 private:
  eddy::TimerService* timers_ = nullptr;
  eddy::SystemStream fired_, watermarks_;
  int64_t delay_ = 0;
  int64_t sleep_us_ = 0;
};

class AsyncProbe : public eddy::AsyncStreamTask,
                   public eddy::InitableTask,
                   public eddy::ClosableTask {
 public:
  ~AsyncProbe() override { Stop(); }
  absl::Status Init(eddy::Context& context) override {
    output_ = StreamOr(context, "app.probe.output", "eddy.tk-async-out");
    counts_out_ = StreamOr(context, "app.probe.counts", "eddy.tk-counts");
    max_delay_ms_ = std::stoi(context.config().GetOr("app.probe.max.delay.ms", "20"));
    auto store = context.GetStore<std::string, int64_t>("async-counts");
    if (!store.ok()) return store.status();
    counts_ = *store;
    int threads = std::stoi(context.config().GetOr("app.probe.threads", "4"));
    for (int i = 0; i < threads; ++i) pool_.emplace_back([this, i] { Work(i); });
    return absl::OkStatus();
  }
  void ProcessAsync(const eddy::IncomingMessageEnvelope& envelope,
                    eddy::MessageCollector& collector, eddy::TaskCoordinator&,
                    std::shared_ptr<eddy::TaskCallback> callback) override {
    std::string word = envelope.message() ? std::string(*envelope.message()) : "";
    auto c = counts_->Get(word);
    if (!c.ok()) return callback->Failure(c.status());
    int64_t n = c->value_or(0) + 1;
    if (auto s = counts_->Put(word, n); !s.ok()) return callback->Failure(s);
    if (auto s =
            collector.Send(eddy::OutgoingMessageEnvelope(counts_out_, word, std::to_string(n)));
        !s.ok()) {
      return callback->Failure(s);
    }
    const eddy::IncomingMessageEnvelope* env = &envelope;  // valid until Complete()
    eddy::MessageCollector* out = &collector;
    std::lock_guard<std::mutex> l(mu_);
    work_.push_back([this, env, out, callback] {
      // Reads the envelope from this thread, before completing: the runtime keeps it alive.
      std::string key = env->key() ? std::string(*env->key()) : "";
      std::string value = env->message() ? std::string(*env->message()) : "";
      absl::Status s = out->Send(eddy::OutgoingMessageEnvelope(output_, key, value));
      if (s.ok()) {
        callback->Complete();
      } else {
        callback->Failure(s);
      }
    });
    cv_.notify_one();
  }
  absl::Status Close() override {
    Stop();
    return absl::OkStatus();
  }

 private:
  void Work(int seed) {
    std::mt19937 rng(seed * 7919 + 1);
    while (true) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> l(mu_);
        cv_.wait(l, [&] { return stop_ || !work_.empty(); });
        if (stop_ && work_.empty()) return;
        // Take a random pending one, so completions come out of order.
        size_t i = rng() % work_.size();
        job = std::move(work_[i]);
        work_.erase(work_.begin() + static_cast<long>(i));
      }
      if (max_delay_ms_ > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(rng() % (max_delay_ms_ + 1)));
      }
      job();
    }
  }
  void Stop() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : pool_) t.join();
    pool_.clear();
  }

  eddy::SystemStream output_, counts_out_;
  int max_delay_ms_ = 20;
  eddy::KeyValueStore<std::string, int64_t>* counts_ = nullptr;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> work_;
  bool stop_ = false;
  std::vector<std::thread> pool_;
};

// Repartitioner: reads app.probe.source (default tk-src) and the intermediate stream
// app.probe.intermediate (default eddy.tk-mid). A source record is sent on to the intermediate
// stream, partitioned by its key; an intermediate record registers an event-time timer (key, its
// leading number). OnTimer sends key -> "<ts>@<watermark>" to app.probe.fired; OnWatermark sends
// <task name> -> "<watermark>" to app.probe.watermarks.
class Repartitioner : public eddy::StreamTask,
                      public eddy::InitableTask,
                      public eddy::TimerTask,
                      public eddy::WatermarkListenerTask {
 public:
  absl::Status Init(eddy::Context& context) override {
    timers_ = &context.timers();
    source_ = context.config().GetOr("app.probe.source", "tk-src");
    mid_ = StreamOr(context, "app.probe.intermediate", "eddy.tk-mid");
    fired_ = StreamOr(context, "app.probe.fired", "eddy.tk-fired");
    watermarks_ = StreamOr(context, "app.probe.watermarks", "eddy.tk-wm");
    name_ = context.task_name().name;
    for (const auto& ssp : context.system_stream_partitions()) {
      timers_->SetEventTimeExtractor(
          ssp.system_stream(),
          [](const eddy::IncomingMessageEnvelope& e) { return LeadingNumber(e.message()); });
    }
    return absl::OkStatus();
  }
  absl::Status Process(const eddy::IncomingMessageEnvelope& envelope,
                       eddy::MessageCollector& collector, eddy::TaskCoordinator&) override {
    std::string key = envelope.key() ? std::string(*envelope.key()) : "";
    std::string value = envelope.message() ? std::string(*envelope.message()) : "";
    if (envelope.system_stream_partition().stream == source_) {
      eddy::OutgoingMessageEnvelope e(mid_, key, value);
      e.WithPartitionKey(key);
      return collector.Send(std::move(e));
    }
    return timers_->Register(eddy::TimeDomain::kEventTime, key, LeadingNumber(envelope.message()));
  }
  absl::Status OnTimer(const eddy::TimerKey& timer, eddy::MessageCollector& collector,
                       eddy::TaskCoordinator&) override {
    return collector.Send(eddy::OutgoingMessageEnvelope(
        fired_, timer.key,
        std::to_string(timer.timestamp) + "@" + std::to_string(timers_->CurrentWatermark())));
  }
  absl::Status OnWatermark(int64_t watermark_ms, eddy::MessageCollector& collector,
                           eddy::TaskCoordinator&) override {
    return collector.Send(
        eddy::OutgoingMessageEnvelope(watermarks_, name_, std::to_string(watermark_ms)));
  }

 private:
  eddy::TimerService* timers_ = nullptr;
  std::string source_, name_;
  eddy::SystemStream mid_, fired_, watermarks_;
};

}  // namespace

EDDY_REGISTER_TASK(TimerProbe);
EDDY_REGISTER_TASK(Repartitioner);
EDDY_REGISTER_TASK(AsyncProbe);
