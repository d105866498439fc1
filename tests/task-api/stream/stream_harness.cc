#include "stream_harness.h"

#include <deque>
#include <set>

#include "absl/strings/str_cat.h"
#include "eddy/collector.h"
#include "eddy/coordinator.h"
#include "eddy/registry.h"

namespace eddy::stream::testing {
namespace {

class MapIterator final : public KeyValueIteratorBytes {
 public:
  MapIterator(std::string store, std::vector<std::pair<std::string, std::string>> rows)
      : KeyValueIteratorBytes(std::move(store)), rows_(std::move(rows)) {}
  bool Valid() const override { return i_ < rows_.size(); }
  std::string_view key() const override { return rows_[i_].first; }
  std::string_view value() const override { return rows_[i_].second; }
  void Next() override { ++i_; }
  absl::Status status() const override { return absl::OkStatus(); }

 protected:
  void DoClose() override {}

 private:
  std::vector<std::pair<std::string, std::string>> rows_;
  size_t i_ = 0;
};

class TestTimers final : public TimerService {
 public:
  absl::Status Register(TimeDomain, std::string_view, int64_t) override {
    return absl::OkStatus();
  }
  absl::Status Delete(TimeDomain, std::string_view, int64_t) override { return absl::OkStatus(); }
  int64_t CurrentWatermark() const override { return watermark; }
  int64_t CurrentProcessingTime() const override { return 0; }
  void SetEventTimeExtractor(const SystemStream& stream, EventTimeExtractor e) override {
    extractors[stream] = std::move(e);
  }
  int64_t watermark = kNoWatermark;
  std::map<SystemStream, EventTimeExtractor> extractors;
};

class TestContext final : public Context {
 public:
  TestContext(Config config, StoreContents restored)
      : config_(std::move(config)), restored_(std::move(restored)), task_("Partition 0") {}
  const Config& config() const override { return config_; }
  const TaskName& task_name() const override { return task_; }
  const std::vector<SystemStreamPartition>& system_stream_partitions() const override {
    return ssps_;
  }
  MetricsRegistry& metrics() override { return metrics_; }
  absl::StatusOr<StoreHandle> GetStoreHandle(std::string_view name) override {
    std::string n(name);
    if (!config_.Has("stores." + n + ".factory")) {
      return absl::NotFoundError("store " + n + " is not defined");
    }
    auto it = stores_.find(n);
    if (it == stores_.end()) {
      auto s = std::make_unique<MapStore>(n);
      if (auto r = restored_.find(n); r != restored_.end()) s->data = r->second;
      StoreHandle h;
      h.store = s.get();
      for (const char* which : {"key.serde", "msg.serde"}) {
        std::string sn = config_.GetOr("stores." + n + "." + which, "");
        if (sn.empty()) continue;
        auto serde = ResolveSerde(config_, sn, "stores." + n + "." + which);
        if (!serde.ok()) return serde.status();
        serdes_.push_back(*serde);
        if (std::string(which) == "key.serde") {
          h.key_serde = serde->get();
          h.key_serde_name = sn;
        } else {
          h.msg_serde = serde->get();
          h.msg_serde_name = sn;
        }
      }
      handles_[n] = h;
      it = stores_.emplace(n, std::move(s)).first;
    }
    return handles_[n];
  }
  TimerService& timers() override { return timers_; }

  Config config_;
  StoreContents restored_;
  TaskName task_;
  std::vector<SystemStreamPartition> ssps_;
  MetricsRegistry metrics_;
  std::map<std::string, std::unique_ptr<MapStore>> stores_;
  std::map<std::string, StoreHandle> handles_;
  std::vector<std::shared_ptr<const SerdeBase>> serdes_;
  TestTimers timers_;
};

class Collector final : public MessageCollector {
 public:
  absl::Status Send(OutgoingMessageEnvelope e) override {
    SentMessage m;
    m.stream = e.system_stream();
    if (auto k = e.key_bytes()) m.key = std::string(*k);
    if (auto v = e.message_bytes()) m.message = std::string(*v);
    m.timestamp = e.timestamp();
    sent.push_back(m);
    pending.push_back(m);
    return absl::OkStatus();
  }
  std::vector<SentMessage> sent;
  std::deque<SentMessage> pending;
};

class NoCoordinator final : public TaskCoordinator {
 public:
  void Commit(RequestScope) override {}
  void Shutdown(RequestScope) override {}
};

}  // namespace

absl::StatusOr<std::optional<std::string>> MapStore::Get(std::string_view key) {
  auto it = data.find(key);
  if (it == data.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}
absl::Status MapStore::Put(std::string_view key, std::string_view value) {
  data[std::string(key)] = std::string(value);
  return absl::OkStatus();
}
absl::Status MapStore::Delete(std::string_view key) {
  auto it = data.find(key);
  if (it != data.end()) data.erase(it);
  return absl::OkStatus();
}
absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> MapStore::Range(std::string_view from,
                                                                       std::string_view to) {
  std::vector<std::pair<std::string, std::string>> rows;
  for (auto it = data.lower_bound(from); it != data.end() && it->first < to; ++it) {
    rows.emplace_back(it->first, it->second);
  }
  return std::unique_ptr<KeyValueIteratorBytes>(new MapIterator(name_, std::move(rows)));
}
absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> MapStore::All() {
  std::vector<std::pair<std::string, std::string>> rows(data.begin(), data.end());
  return std::unique_ptr<KeyValueIteratorBytes>(new MapIterator(name_, std::move(rows)));
}
absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> MapStore::PrefixScan(
    std::string_view prefix) {
  std::vector<std::pair<std::string, std::string>> rows;
  for (auto it = data.lower_bound(prefix);
       it != data.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    rows.emplace_back(it->first, it->second);
  }
  return std::unique_ptr<KeyValueIteratorBytes>(new MapIterator(name_, std::move(rows)));
}

class StreamHarness::Impl {
 public:
  std::string name;
  AppFactory factory;
  std::map<std::string, std::string> user;
  StoreContents restored;
  std::unique_ptr<TestContext> context;
  std::unique_ptr<StreamTask> task;
  Collector collector;
  NoCoordinator coordinator;
  std::set<std::string> inputs;
  std::map<std::string, int64_t> offsets;

  absl::Status Deliver(const std::string& stream, int32_t partition,
                       std::optional<std::string> key, std::optional<std::string> message,
                       int64_t ts) {
    auto ss = SystemStream::Parse(stream);
    if (!ss.ok()) return ss.status();
    std::string k = key.value_or(""), m = message.value_or("");
    int64_t off = offsets[absl::StrCat(stream, "#", partition)]++;
    IncomingMessageEnvelope e(SystemStreamPartition(*ss, partition), off,
                              key ? std::optional<std::string_view>(k) : std::nullopt,
                              message ? std::optional<std::string_view>(m) : std::nullopt, ts);
    if (absl::Status s = task->Process(e, collector, coordinator); !s.ok()) return s;
    return Drain();
  }
  // Feeds back what the task sent to its own inputs.
  absl::Status Drain() {
    while (!collector.pending.empty()) {
      SentMessage m = collector.pending.front();
      collector.pending.pop_front();
      if (!inputs.count(m.stream.ToString())) continue;
      if (absl::Status s = Deliver(m.stream.ToString(), 0, m.key, m.message, m.timestamp);
          !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  }
};

StreamHarness::StreamHarness(std::string name, AppFactory factory,
                             std::map<std::string, std::string> user, StoreContents restored)
    : impl_(std::make_unique<Impl>()) {
  impl_->name = std::move(name);
  impl_->factory = std::move(factory);
  impl_->user = std::move(user);
  impl_->restored = std::move(restored);
}
StreamHarness::~StreamHarness() = default;

absl::Status StreamHarness::Start() {
  Config::Map user(impl_->user.begin(), impl_->user.end());
  auto d = internal::DescribeApp(impl_->name, impl_->factory, Config(user));
  if (!d.ok()) return d.status();
  description_ = *d;
  Config::Map merged = user;
  for (const auto& [k, v] : d->config) merged.emplace(k, v);
  for (const std::string& in : Config(merged).GetListOr("task.inputs", {})) {
    impl_->inputs.insert(in);
  }
  impl_->context = std::make_unique<TestContext>(Config(merged), impl_->restored);
  impl_->task = internal::NewAppTask(impl_->name, impl_->factory);
  auto* init = dynamic_cast<InitableTask*>(impl_->task.get());
  if (init == nullptr) return absl::InternalError("the application task is not initable");
  return init->Init(*impl_->context);
}

absl::Status StreamHarness::Send(const std::string& stream, std::optional<std::string> key,
                                 std::optional<std::string> message, int64_t timestamp,
                                 int32_t partition) {
  return impl_->Deliver(stream, partition, std::move(key), std::move(message), timestamp);
}

absl::Status StreamHarness::AdvanceWatermark(int64_t watermark) {
  TestTimers& t = impl_->context->timers_;
  if (t.watermark != kNoWatermark && watermark < t.watermark) {
    return absl::InvalidArgumentError("the watermark does not go back");
  }
  t.watermark = watermark;
  auto* l = dynamic_cast<WatermarkListenerTask*>(impl_->task.get());
  if (l == nullptr) return absl::InternalError("the application task hears no watermarks");
  if (absl::Status s = l->OnWatermark(watermark, impl_->collector, impl_->coordinator); !s.ok()) {
    return s;
  }
  return impl_->Drain();
}

std::vector<SentMessage> StreamHarness::Sent(const std::string& stream) const {
  std::vector<SentMessage> out;
  for (const auto& m : impl_->collector.sent) {
    if (m.stream.ToString() == stream) out.push_back(m);
  }
  return out;
}

std::map<std::string, std::string> StreamHarness::LastByKey(const std::string& stream) const {
  std::map<std::string, std::string> out;
  for (const auto& m : Sent(stream)) out[m.key.value_or("")] = m.message.value_or("");
  return out;
}

int64_t StreamHarness::CounterValue(const std::string& group, const std::string& name) const {
  for (const auto& s : impl_->context->metrics_.Snapshot()) {
    if (s.group == group && s.name == name) return static_cast<int64_t>(s.value);
  }
  return -1;
}

StoreContents StreamHarness::Stores() const {
  StoreContents out;
  for (const auto& [n, s] : impl_->context->stores_) out[n] = s->data;
  return out;
}

const Config& StreamHarness::config() const { return impl_->context->config_; }

}  // namespace eddy::stream::testing
