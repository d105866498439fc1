#include "runtime/container/container.h"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "eddy/async_task.h"
#include "eddy/context.h"
#include "eddy/registry.h"
#include "eddy/serde.h"
#include "eddy/task.h"
#include "log-store/client/producer.h"
#include "log-store/client/share_consumer.h"
#include "runtime/checkpoint/checkpoint.h"
#include "runtime/container/async_dispatcher.h"
#include "runtime/container/changelog_topics.h"
#include "runtime/container/checkpoint_store.h"
#include "runtime/container/commit_protocol.h"
#include "runtime/container/control_records.h"
#include "runtime/container/reset_epoch.h"
#include "runtime/container/round_robin_chooser.h"
#include "runtime/container/snapshot_reporter.h"
#include "runtime/container/systems_hub.h"
#include "runtime/container/task_stores.h"
#include "runtime/container/task_time_service.h"
#include "runtime/container/time_setup.h"
#include "runtime/job/grouper.h"
#include "runtime/job/internal_stores.h"

namespace eddy::runtime {
namespace {

using Clock = std::chrono::steady_clock;
std::atomic<bool> g_shutdown{false};

std::string What(const std::exception& e) { return e.what(); }

// Calls `f` (returning absl::Status), turning a thrown exception into a status.
template <class F>
absl::Status Guard(F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("threw ", What(e)));
  } catch (...) {
    return absl::InternalError("threw a non-std exception");
  }
}

}  // namespace

class TaskInstance;

// Serdes for a stream (streams.<stream>.samza.{key,msg}.serde, else systems.<sys>.samza.*).
struct StreamSerdes {
  std::shared_ptr<const SerdeBase> key, msg;
};

class Container::Impl {
 public:
  explicit Impl(ContainerOptions o) : opt_(std::move(o)), hub_(opt_.job.systems) {}

  absl::Status Run();
  absl::Status Send(TaskInstance* task, OutgoingMessageEnvelope& env);
  const ContainerOptions& options() const { return opt_; }
  std::vector<int64_t> commit_latencies_micros() const {
    return commit_ ? commit_->latencies_micros() : std::vector<int64_t>{};
  }
  MetricsRegistry& metrics() { return metrics_; }
  const MetricsRegistry& metrics() const { return metrics_; }
  std::atomic<int64_t> processed{0};
  bool stop_all_ = false;
  // Wall-clock ms sampled once per run-loop batch, stamped on outputs that carry no timestamp
  // (-1 outside a batch: the producer stamps them).
  int64_t batch_now_ms_ = -1;

 private:
  struct Input {
    Ssp ssp;
    SystemStreamPartition api_ssp;
    TaskInstance* task = nullptr;
    int64_t* next_offset = nullptr;  // in the task's checkpoint map
    PartitionBatch batch;
    size_t pos = 0;
    int64_t end_target = -1;  // caught-up mode: stop once next_offset >= it
    bool caught_up = false;
    Gauge* lag = nullptr;     // high_watermark - *next_offset: fetched or not, not yet processed
    int64_t high_watermark = -1;  // from the newest fetch of the partition
    int64_t fetched_end = -1;     // the partition's position after the newest fetch
    StreamSerdes serdes;
    IncomingMessageEnvelope env;
    int time_input = -1;        // index in the task's TaskTimeService
    int async_partition = -1;   // index in the task's AsyncDispatcher (async tasks)
    bool intermediate = false;  // streams.<s>.samza.intermediate: may carry control records
    int64_t seen_next = 0;      // one past the last record taken from the batch
  };

  // A queue input (systems.<s>.streams.<t>.share.group): the task "Queue <stream> <container>"
  // reads it through a ShareConsumer. Records of a poll are processed in order, then the task
  // commits, and only then are they accepted (at-least-once; README "Reading a topic as a
  // queue").
  struct QueueInput {
    Ssp ssp;  // partition kQueuePartition
    TaskInstance* task = nullptr;
    std::unique_ptr<logstore::ShareConsumer> consumer;
    std::vector<logstore::ShareRecord> batch;  // acquired; processed below pos
    size_t pos = 0;
    std::vector<logstore::ShareRecord> done;  // processed, accepted after the next commit
    bool idle = false;                        // the last poll acquired nothing
    StreamSerdes serdes;
    IncomingMessageEnvelope env;
    std::string delivery_count;  // the value of the eddy.delivery.count header
    Counter* accepted = nullptr;
    Counter* redelivered = nullptr;
    Counter* ack_failures = nullptr;
  };

  absl::Status Setup();
  absl::Status SetupQueue(TaskInstance* t, const Ssp& ssp);
  absl::Status PollQueues(std::chrono::milliseconds timeout);
  absl::Status ProcessQueueRecord(QueueInput& q, const logstore::ShareRecord& r);
  // Processes what the queue inputs hold, committing each task whose poll batch is done.
  absl::Status ProcessQueues();
  bool QueuesReady() const {
    for (const auto& q : queues_) {
      if (q.pos < q.batch.size()) return true;
    }
    return false;
  }
  bool QueuesIdle() const {
    for (const auto& q : queues_) {
      if (!q.idle || q.pos < q.batch.size() || !q.done.empty()) return false;
    }
    return true;
  }
  // After a successful commit of `tasks`: accepts what their queue inputs processed.
  absl::Status AcceptQueued(const std::vector<TaskInstance*>& tasks);
  absl::Status RunLoop();
  absl::StatusOr<StreamSerdes> SerdesFor(const std::string& system, const std::string& stream);
  absl::Status Poll(std::chrono::milliseconds timeout);
  void SkipTrailingControlRecords();
  absl::Status ProcessOne(Input& in);
  // Adds the per-task processed counts kept in plain fields to the shared metrics.
  void PublishProcessed();
  absl::Status Commit(const std::vector<TaskInstance*>& tasks);
  absl::Status WindowAll();
  // Between batches: applies async completions, then ticks every task's time service (due
  // timers, watermark listeners, control records). `blocked`: a pass found a task full.
  absl::Status PumpTime(bool blocked);
  absl::Status Shutdown();
  void WriteMetrics();

  ContainerOptions opt_;
  SystemsHub hub_;
  MetricsRegistry metrics_;
  std::unique_ptr<CheckpointStore> checkpoints_;
  std::vector<std::unique_ptr<TaskInstance>> tasks_;
  std::vector<Input> inputs_;
  std::vector<QueueInput> queues_;
  // Per input system: the consumer and registration index → inputs_ index.
  struct ConsumerSlot {
    std::unique_ptr<SystemConsumer> consumer;
    std::vector<int32_t> to_input;
  };
  std::vector<ConsumerSlot> consumers_;
  RoundRobinChooser chooser_;
  int32_t not_caught_up_ = 0;
  std::map<std::string, StreamSerdes> output_serdes_;
  std::unique_ptr<CommitProtocol> commit_;  // runtime/container/commit_protocol.h
  std::vector<std::unique_ptr<SnapshotReporter>> snapshot_reporters_;  // metrics.reporters
  int64_t started_ms_ = 0;
  Counter* commits_ = nullptr;
  void* library_ = nullptr;
};

class TaskInstance : public Context, public MessageCollector, public TaskCoordinator {
 public:
  TaskInstance(Container::Impl* c, TaskModel model) : c_(c), model_(std::move(model)) {
    name_ = TaskName(model_.name);
    for (const auto& s : model_.inputs) api_ssps_.emplace_back(s.system, s.stream, s.partition);
    std::string g = "task." + model_.name;
    processed_ = &c->metrics().NewCounter(g, "messages-processed");
    process_timer_ = &c->metrics().NewTimer(g, "process-ns");
    window_timer_ = &c->metrics().NewTimer(g, "window-ns");
    deser_errors_ = &c->metrics().NewCounter(g, "deserialization-errors-dropped");
  }
  ~TaskInstance() override = default;

  // Context
  const Config& config() const override { return c_->options().config; }
  const TaskName& task_name() const override { return name_; }
  const std::vector<SystemStreamPartition>& system_stream_partitions() const override {
    return api_ssps_;
  }
  MetricsRegistry& metrics() override { return c_->metrics(); }
  absl::StatusOr<StoreHandle> GetStoreHandle(std::string_view name) override {
    if (name == kTimerStoreName) {
      return absl::NotFoundError(
          absl::StrCat("store ", std::string(name), " is the runtime's timer store"));
    }
    return stores_->Handle(name);
  }
  TimerService& timers() override { return *time_; }
  // MessageCollector
  absl::Status Send(OutgoingMessageEnvelope envelope) override { return c_->Send(this, envelope); }
  // TaskCoordinator
  void Commit(RequestScope scope) override {
    if (scope == RequestScope::CURRENT_TASK) {
      commit_requested_ = true;
    } else {
      commit_all_requested_ = true;
    }
  }
  void Shutdown(RequestScope scope) override {
    if (scope == RequestScope::CURRENT_TASK) {
      shutdown_requested_ = true;
    } else {
      c_->stop_all_ = true;
    }
  }

  Container::Impl* c_;
  TaskModel model_;
  TaskName name_;
  std::vector<SystemStreamPartition> api_ssps_;
  std::unique_ptr<StreamTask> task_;
  InitableTask* initable_ = nullptr;
  WindowableTask* windowable_ = nullptr;
  ClosableTask* closable_ = nullptr;
  EndOfStreamListenerTask* eos_ = nullptr;
  std::unique_ptr<TaskStores> stores_;
  std::unique_ptr<TaskTimeService> time_;  // watermark and timers (task_time_service.h)
  AsyncStreamTask* async_ = nullptr;
  std::unique_ptr<AsyncDispatcher> dispatcher_;  // async tasks (async_dispatcher.h)
  std::map<Ssp, int64_t> next_offsets_;
  Counter* processed_;
  Timer* process_timer_;
  Timer* window_timer_;
  Counter* deser_errors_;
  int64_t unpublished_ = 0;  // processed, not yet added to processed_ (PublishProcessed)
  int64_t sample_tick_ = 0;  // process-time sampling: every 64th message is timed
  bool commit_requested_ = false;
  bool commit_all_requested_ = false;
  bool shutdown_requested_ = false;
  bool eos_done_ = false;
  std::string current_what_;
  CommitUnit unit_;  // what the commit protocol needs of this task
  // Send's producer cache: the last system sent to and its producer for this task.
  std::string last_system_;
  SystemProducer* last_producer_ = nullptr;
};

absl::StatusOr<StreamSerdes> Container::Impl::SerdesFor(const std::string& system,
                                                        const std::string& stream) {
  StreamSerdes s;
  const Config& c = opt_.config;
  for (const char* which : {"key", "msg"}) {
    std::string key = absl::StrCat("streams.", stream, ".samza.", which, ".serde");
    std::string name = c.GetOr(key, "");
    if (name.empty()) {
      key = absl::StrCat("systems.", system, ".samza.", which, ".serde");
      name = c.GetOr(key, "");
    }
    if (name.empty()) continue;
    auto serde = ResolveSerde(c, name, key);
    if (!serde.ok()) return serde.status();
    (std::string(which) == "key" ? s.key : s.msg) = *serde;
  }
  return s;
}

absl::Status Container::Impl::Setup() {
  const JobConfig& job = opt_.job;
  const ContainerModel* cm = opt_.model.FindContainer(opt_.container_id);
  if (!cm) {
    return absl::InvalidArgumentError(
        absl::StrCat("container id ", opt_.container_id, " is not in the job model"));
  }
  if (!job.task_library.empty()) {
    library_ = dlopen(job.task_library.c_str(), RTLD_NOW | RTLD_GLOBAL);
    if (!library_) {
      return absl::InvalidArgumentError(
          absl::StrCat("config key task.library: cannot load ", job.task_library, ": ", dlerror()));
    }
  }
  // A task class that uses timers gets the timer store (time_setup.h), before anything reads the
  // stores of the job config.
  if (auto probe = TaskRegistry::Global().Create(job.task_class);
      probe.ok() && UsesTimers(probe->get())) {
    AddTimerStore(&opt_.config, &opt_.job);
  }
  // Checkpoints and the commit protocol.
  checkpoints_ = std::make_unique<CheckpointStore>(&hub_, job.checkpoint_system,
                                                   CheckpointTopic(job.job_name, job.job_id));
  if (auto s = checkpoints_->Init(); !s.ok()) return s;
  commit_ = std::make_unique<CommitProtocol>(job, &hub_, checkpoints_.get(), &metrics_);
  commits_ = &metrics_.NewCounter("container", "commits");
  if (auto s = commit_->CheckConfig(); !s.ok()) return s;

  // One fenced writer per task, taken over BEFORE its checkpoint is read and its stores are
  // restored: every earlier attempt of the task is fenced and its open transaction aborted.
  for (const auto& tm : cm->tasks) {
    auto t = std::make_unique<TaskInstance>(this, tm);
    t->unit_.task = tm.name;
    t->unit_.next_offsets = &t->next_offsets_;
    if (auto s = commit_->StartWriter(t->unit_); !s.ok()) return s;
    tasks_.push_back(std::move(t));
  }
  auto cps = checkpoints_->ReadAll();
  if (!cps.ok()) return cps.status();
  // `eddy job reset`: local store copies of an older reset epoch are never restored from.
  std::vector<std::string> reset_lines;
  if (auto s = ApplyResetEpoch(job, opt_.config, &reset_lines); !s.ok()) return s;
  for (const auto& l : reset_lines) std::fprintf(stderr, "eddy-container: %s\n", l.c_str());

  // Changelog topics: checked, created or grown (changelog_topics.h).
  std::vector<std::string> changelog_notes;
  if (auto s = EnsureChangelogTopics(job, opt_.model, &hub_, &changelog_notes); !s.ok()) return s;
  for (const auto& n : changelog_notes) std::fprintf(stderr, "eddy-container: %s\n", n.c_str());

  // Output streams declared with streams.<s>.samza.system + streams.<s>.partitions: created when
  // missing (the native log store does not auto-create topics).
  for (const auto& [k, v] : opt_.config.entries()) {
    const std::string suffix = ".partitions";
    if (k.rfind("streams.", 0) != 0 || k.size() <= 8 + suffix.size() ||
        k.compare(k.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    std::string stream = k.substr(8, k.size() - 8 - suffix.size());
    std::string sys = opt_.config.GetOr("streams." + stream + ".samza.system", "");
    if (sys.empty()) continue;
    auto n = opt_.config.GetInt(k);
    if (!n.ok()) return n.status();
    auto admin = hub_.Admin(sys);
    if (!admin.ok()) return admin.status();
    if (auto s = (*admin)->CreateStream({stream, *n, false}); !s.ok()) return s;
  }

  // Tasks: create, restore (Init comes after the trim, below).
  for (auto& t : tasks_) {
    const TaskModel& tm = t->model_;
    auto created = TaskRegistry::Global().Create(job.task_class);
    if (!created.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("config key task.class=", job.task_class, ": ", created.status().message()));
    }
    t->task_ = std::move(*created);
    t->initable_ = dynamic_cast<InitableTask*>(t->task_.get());
    t->windowable_ = dynamic_cast<WindowableTask*>(t->task_.get());
    t->closable_ = dynamic_cast<ClosableTask*>(t->task_.get());
    t->eos_ = dynamic_cast<EndOfStreamListenerTask*>(t->task_.get());
    t->async_ = dynamic_cast<AsyncStreamTask*>(t->task_.get());
    if (t->async_) {
      t->dispatcher_ = std::make_unique<AsyncDispatcher>(
          tm.name, AsyncDispatcher::Options{job.max_concurrency, job.callback_timeout_ms}, t.get(),
          &metrics_);
    }
    auto stores = TaskStores::Open(job, opt_.config, tm, &hub_, &metrics_);
    if (!stores.ok()) return stores.status();
    t->stores_ = std::move(*stores);
    t->unit_.stores = t->stores_.get();
    auto cp = cps->find(tm.name);
    const Checkpoint* checkpoint = cp == cps->end() ? nullptr : &cp->second;
    if (auto s = t->stores_->Restore(checkpoint); !s.ok()) {
      return absl::Status(s.code(),
                          absl::StrCat("restoring stores of task '", tm.name, "': ", s.message()));
    }
    KeyValueStoreBytes* timer_store = nullptr;
    if (UsesTimers(t->task_.get())) {
      auto h = t->stores_->Handle(kTimerStoreName);
      if (!h.ok()) return h.status();
      timer_store = h->store;
    }
    t->time_ = std::make_unique<TaskTimeService>(
        tm.name, TimeOptionsOf(job), timer_store, dynamic_cast<TimerTask*>(t->task_.get()),
        dynamic_cast<WatermarkListenerTask*>(t->task_.get()), &metrics_);
    if (auto s = t->time_->Load(); !s.ok()) return s;
    for (const auto& ssp : tm.inputs) {
      if (ssp.partition == kQueuePartition) continue;
      if (checkpoint) {
        auto it = checkpoint->inputs.find(ssp);
        if (it != checkpoint->inputs.end()) t->next_offsets_[ssp] = it->second;
      }
    }
  }

  // Inputs: one consumer per system; register every partition at its checkpointed offset.
  const int32_t watermark_writers = WatermarkWriters(opt_.model, opt_.config);
  const int64_t setup_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  std::map<std::string, size_t> slot_of;
  for (auto& t : tasks_) {
    for (const auto& ssp : t->model_.inputs) {
      if (ssp.partition == kQueuePartition) {
        if (auto s = SetupQueue(t.get(), ssp); !s.ok()) return s;
        continue;
      }
      if (!slot_of.count(ssp.system)) {
        auto c = hub_.NewConsumer(ssp.system);
        if (!c.ok()) return c.status();
        slot_of[ssp.system] = consumers_.size();
        consumers_.push_back({std::move(*c), {}});
      }
      auto& slot = consumers_[slot_of[ssp.system]];
      std::optional<int64_t> off;
      auto it = t->next_offsets_.find(ssp);
      if (it != t->next_offsets_.end()) off = it->second;
      auto idx = slot.consumer->Register(ssp, off);
      if (!idx.ok()) return idx.status();
      if (slot.to_input.size() <= static_cast<size_t>(*idx)) slot.to_input.resize(*idx + 1);
      slot.to_input[*idx] = static_cast<int32_t>(inputs_.size());
      Input in;
      in.ssp = ssp;
      in.api_ssp = SystemStreamPartition(ssp.system, ssp.stream, ssp.partition);
      in.env.set_system_stream_partition(in.api_ssp);
      in.task = t.get();
      in.intermediate = IsIntermediate(opt_.config, ssp.stream);
      in.time_input = t->time_->AddInput(SystemStream(ssp.system, ssp.stream), in.intermediate,
                                         watermark_writers, setup_ms);
      in.lag = &metrics_.NewGauge("task." + t->model_.name, "lag." + ssp.ToString());
      auto sd = SerdesFor(ssp.system, ssp.stream);
      if (!sd.ok()) return sd.status();
      in.serdes = *sd;
      auto admin = hub_.Admin(ssp.system);
      if (!admin.ok()) return admin.status();
      auto offs = (*admin)->Offsets(ssp.stream, ssp.partition);
      if (!offs.ok()) return offs.status();
      if (!off) {
        auto d = ParseOffsetDefault(opt_.job.systems[ssp.system]);
        off = (d.ok() && *d == OffsetDefault::kOldest) ? offs->oldest : offs->upcoming;
      }
      t->next_offsets_[ssp] = *off;
      in.end_target = offs->upcoming;
      in.high_watermark = offs->upcoming;
      in.lag->Set(static_cast<double>(offs->upcoming - *off));
      inputs_.push_back(std::move(in));
    }
  }
  for (auto& in : inputs_) {
    in.next_offset = &in.task->next_offsets_[in.ssp];
    in.seen_next = *in.next_offset;
    in.caught_up = *in.next_offset >= in.end_target;
    if (!in.caught_up) ++not_caught_up_;
    if (in.task->dispatcher_) {
      in.async_partition = in.task->dispatcher_->AddPartition(
          absl::StrCat(in.ssp.system, ".", in.ssp.stream, " partition ", in.ssp.partition),
          in.next_offset);
    }
  }
  // Watermark control records: every writer task sends to every intermediate stream.
  auto intermediates = IntermediateStreams(opt_.config, opt_.job, &hub_);
  if (!intermediates.ok()) return intermediates.status();
  for (auto& t : tasks_) {
    if (!IsWatermarkWriter(t->model_, opt_.config)) continue;
    for (const auto& target : *intermediates) {
      t->time_->AddControlOutput(target.stream, target.partitions, watermark_writers);
    }
  }
  chooser_.Resize(static_cast<int32_t>(inputs_.size()));
  // Every input offset is known now: trim the dead attempt's changelog tail (and commit), then
  // Init the task.
  for (auto& t : tasks_) {
    if (auto s = commit_->AfterRestore(t->unit_); !s.ok()) return s;
    if (t->initable_) {
      TaskInstance* ti = t.get();
      auto s = Guard([&] { return ti->initable_->Init(*ti); });
      if (!s.ok()) {
        return absl::Status(s.code(),
                            absl::StrCat("task '", t->model_.name, "' Init failed: ", s.message()));
      }
    }
  }
  for (auto& slot : consumers_) {
    if (auto s = slot.consumer->Start(); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status Container::Impl::SetupQueue(TaskInstance* t, const Ssp& ssp) {
  const InputStream* cfg = nullptr;
  for (const auto& in : opt_.job.inputs) {
    if (in.system == ssp.system && in.stream == ssp.stream && in.queue()) cfg = &in;
  }
  const std::string key =
      absl::StrCat("systems.", ssp.system, ".streams.", ssp.stream, ".share.group");
  if (!cfg) {
    return absl::InvalidArgumentError(absl::StrCat("task '", t->model_.name, "' reads ", ssp.system,
                                                   ".", ssp.stream,
                                                   " as a queue, but the config has no ", key));
  }
  logstore::ShareConsumerOptions o;
  std::string bs = opt_.job.systems[ssp.system].Get("bootstrap.servers");
  if (bs.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "systems.", ssp.system, ".bootstrap.servers is missing (HOST:PORT of eddy-logd)"));
  }
  o.client.bootstrap = bs.substr(0, bs.find(','));
  o.group = cfg->share_group;
  o.topics = {ssp.stream};
  o.max_records = cfg->share_max_records;
  auto c = logstore::ShareConsumer::Create(o);
  if (!c.ok()) {
    return absl::Status(c.status().code(),
                        absl::StrCat("config key ", key, "=", o.group,
                                     ": joining the share group: ", c.status().message()));
  }
  QueueInput q;
  q.ssp = ssp;
  q.task = t;
  q.consumer = std::move(*c);
  auto sd = SerdesFor(ssp.system, ssp.stream);
  if (!sd.ok()) return sd.status();
  q.serdes = *sd;
  std::string g = "task." + t->model_.name;
  q.accepted = &metrics_.NewCounter(g, "queue-records-accepted");
  q.redelivered = &metrics_.NewCounter(g, "queue-records-redelivered");
  q.ack_failures = &metrics_.NewCounter(g, "queue-ack-failures");
  std::fprintf(stderr, "eddy-container %s: task '%s' reads %s.%s as a queue (share group %s)\n",
               opt_.container_id.c_str(), t->model_.name.c_str(), ssp.system.c_str(),
               ssp.stream.c_str(), o.group.c_str());
  queues_.push_back(std::move(q));
  return absl::OkStatus();
}

absl::Status Container::Impl::PollQueues(std::chrono::milliseconds timeout) {
  for (auto& q : queues_) {
    if (q.pos < q.batch.size() || !q.done.empty()) continue;  // still busy with the last poll
    auto recs = q.consumer->Poll(timeout);
    if (!recs.ok()) {
      return absl::Status(
          recs.status().code(),
          absl::StrCat("task '", q.task->model_.name, "' polling queue ", q.ssp.system, ".",
                       q.ssp.stream, ": ", recs.status().message()));
    }
    q.batch = std::move(*recs);
    q.pos = 0;
    q.idle = q.batch.empty();
  }
  return absl::OkStatus();
}

absl::Status Container::Impl::ProcessQueueRecord(QueueInput& q, const logstore::ShareRecord& r) {
  TaskInstance* t = q.task;
  IncomingMessageEnvelope& env = q.env;
  env.set_system_stream_partition(SystemStreamPartition(q.ssp.system, r.topic, r.partition));
  env.set_offset(r.offset);
  env.set_key(r.key ? std::optional<std::string_view>(*r.key) : std::nullopt);
  env.set_message(r.value ? std::optional<std::string_view>(*r.value) : std::nullopt);
  env.set_timestamp(r.timestamp);
  auto* hs = env.mutable_headers();
  hs->clear();
  for (const auto& [k, v] : r.headers) {
    hs->push_back({k, v ? std::optional<std::string_view>(*v) : std::nullopt});
  }
  q.delivery_count = std::to_string(r.delivery_count);
  hs->push_back({"eddy.delivery.count", std::optional<std::string_view>(q.delivery_count)});
  if (r.delivery_count > 1) q.redelivered->Inc();
  for (int which = 0; which < 2; ++which) {
    const auto& serde = which == 0 ? q.serdes.key : q.serdes.msg;
    const auto& bytes = which == 0 ? r.key : r.value;
    if (!serde) continue;
    ErasedValue v;
    if (bytes) {
      auto d = serde->DeserializeErased(*bytes);
      if (!d.ok()) {
        if (opt_.job.drop_deserialization_errors) {
          t->deser_errors_->Inc();
          return absl::OkStatus();  // accepted with the batch: never delivered again
        }
        return absl::DataLossError(absl::StrCat(
            "task '", t->model_.name, "': cannot deserialize the ", which == 0 ? "key" : "message",
            " of queue ", q.ssp.system, ".", r.topic, " partition ", r.partition, " offset ",
            r.offset, ": ", d.status().message(),
            " (set task.drop.deserialization.errors=true to drop and count such messages)"));
      }
      v = std::move(*d);
    }
    if (which == 0) {
      env.set_decoded_key(std::move(v));
    } else {
      env.set_decoded_message(std::move(v));
    }
  }
  absl::Status s = Guard([&] { return t->task_->Process(env, *t, *t); });
  if (!s.ok()) {
    return absl::Status(
        s.code(),
        absl::StrCat("task '", t->model_.name, "' failed processing queue ", q.ssp.system, ".",
                     r.topic, " partition ", r.partition, " offset ", r.offset, ": ", s.message()));
  }
  ++t->unpublished_;
  return absl::OkStatus();
}

absl::Status Container::Impl::ProcessQueues() {
  for (auto& q : queues_) {
    if (q.pos >= q.batch.size()) continue;
    while (q.pos < q.batch.size()) {
      if (auto s = ProcessQueueRecord(q, q.batch[q.pos]); !s.ok()) return s;
      q.done.push_back(std::move(q.batch[q.pos]));
      ++q.pos;
    }
    q.batch.clear();
    q.pos = 0;
    PublishProcessed();
    TaskInstance* t = q.task;
    if (t->commit_all_requested_) {
      t->commit_all_requested_ = false;
      std::vector<TaskInstance*> all;
      for (auto& x : tasks_) all.push_back(x.get());
      if (auto s = Commit(all); !s.ok()) return s;
    } else {
      if (auto s = Commit({t}); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

absl::Status Container::Impl::AcceptQueued(const std::vector<TaskInstance*>& tasks) {
  for (auto& q : queues_) {
    if (q.done.empty() || std::find(tasks.begin(), tasks.end(), q.task) == tasks.end()) continue;
    for (const auto& r : q.done) {
      if (auto s = q.consumer->Acknowledge(r, logstore::ShareAck::kAccept); !s.ok()) {
        q.ack_failures->Inc();
        std::fprintf(stderr, "eddy-container %s: task '%s': %s\n", opt_.container_id.c_str(),
                     q.task->model_.name.c_str(), std::string(s.message()).c_str());
      }
    }
    int64_t n = static_cast<int64_t>(q.done.size());
    q.done.clear();
    auto res = q.consumer->Commit();
    if (!res.ok()) {
      return absl::Status(
          res.status().code(),
          absl::StrCat("task '", q.task->model_.name, "' accepting ", n, " queue records of ",
                       q.ssp.system, ".", q.ssp.stream, ": ", res.status().message()));
    }
    q.accepted->Inc(res->applied);
    for (const auto& f : res->failures) {
      // The lock expired (or the member was removed) before the accept: the record is, or was,
      // delivered again (at-least-once).
      q.ack_failures->Inc();
      std::fprintf(stderr, "eddy-container %s: task '%s': accept not applied: %s\n",
                   opt_.container_id.c_str(), q.task->model_.name.c_str(),
                   std::string(f.status.message()).c_str());
    }
  }
  return absl::OkStatus();
}

absl::Status Container::Impl::Poll(std::chrono::milliseconds timeout) {
  const size_t sources = consumers_.size() + queues_.size();
  auto each = sources > 1 ? std::chrono::milliseconds(0) : timeout;
  if (!queues_.empty()) {
    if (auto s = PollQueues(each); !s.ok()) return s;
  }
  for (auto& slot : consumers_) {
    auto batches = slot.consumer->Poll(each);
    if (!batches.ok()) return batches.status();
    for (auto& b : *batches) {
      int32_t idx = slot.to_input[b.ssp_index];
      Input& in = inputs_[idx];
      if (b.high_watermark >= 0) in.high_watermark = b.high_watermark;
      if (b.next_offset > in.fetched_end) in.fetched_end = b.next_offset;
      if (b.records.empty()) continue;
      if (in.pos < in.batch.records.size()) {
        // Still buffered (several consumers, or a slow partition): append.
        for (auto& r : b.records) in.batch.records.push_back(r);
        auto prev = in.batch.owner;
        auto next = b.owner;
        in.batch.owner = std::shared_ptr<const void>(nullptr, [prev, next](const void*) mutable {});
      } else {
        in.batch = std::move(b);
        in.pos = 0;
      }
      chooser_.Ready(idx);
    }
  }
  if (opt_.until_caught_up && not_caught_up_ > 0) SkipTrailingControlRecords();
  if (sources > 1 && chooser_.empty() && !QueuesReady() && timeout.count() > 0) {
    // Several sources are polled without blocking, then this nap: it is added to the latency of
    // a record that arrives meanwhile, so keep it at 1 ms.
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(timeout.count(), 1)));
  }
  return absl::OkStatus();
}

// A partition that ends with control records (commit markers of a stream the runtime wrote,
// e.g. an intermediate stream) never has a record at end_target - 1: once every fetched record
// is processed and the fetch position passed end_target, the input is caught up (and its
// position is the fetch position).
void Container::Impl::SkipTrailingControlRecords() {
  for (auto& in : inputs_) {
    if (in.caught_up || in.pos < in.batch.records.size() || in.fetched_end < in.end_target ||
        in.fetched_end <= *in.next_offset) {
      continue;
    }
    *in.next_offset = in.fetched_end;
    in.caught_up = true;
    --not_caught_up_;
  }
}

absl::Status Container::Impl::ProcessOne(Input& in) {
  const logstore::Record& r = in.batch.records[in.pos++];
  TaskInstance* t = in.task;
  if (r.offset < *in.next_offset) return absl::OkStatus();  // before the checkpoint
  IncomingMessageEnvelope& env = in.env;
  env.set_offset(r.offset);
  env.set_key(r.key);
  env.set_message(r.value);
  env.set_timestamp(r.timestamp);
  if (r.header_count > 0) {
    auto* hs = env.mutable_headers();
    hs->clear();
    logstore::RecordHeaderIterator hi(r.headers_raw, r.header_count);
    logstore::RecordHeader h;
    while (hi.Next(&h)) hs->push_back({h.key, h.value});
  } else if (!env.headers().empty()) {
    env.mutable_headers()->clear();
  }
  in.seen_next = r.offset + 1;
  if (in.intermediate && r.header_count > 0 && ControlKind(env.headers())) {
    // A control record (control_records.h): the runtime's, never handed to the task.
    if (auto s = t->time_->OnControl(in.time_input, env, batch_now_ms_); !s.ok()) return s;
    if (t->dispatcher_) {
      t->dispatcher_->Skip(in.async_partition, r.offset);
    } else {
      *in.next_offset = r.offset + 1;
    }
    return absl::OkStatus();
  }
  if (in.serdes.key || in.serdes.msg) {
    for (int which = 0; which < 2; ++which) {
      const auto& serde = which == 0 ? in.serdes.key : in.serdes.msg;
      const auto& bytes = which == 0 ? r.key : r.value;
      if (!serde) continue;
      ErasedValue v;
      if (bytes) {
        auto d = serde->DeserializeErased(*bytes);
        if (!d.ok()) {
          if (opt_.job.drop_deserialization_errors) {
            t->deser_errors_->Inc();
            if (t->dispatcher_) {
              t->dispatcher_->Skip(in.async_partition, r.offset);
            } else {
              *in.next_offset = r.offset + 1;
            }
            return absl::OkStatus();
          }
          return absl::DataLossError(absl::StrCat(
              "task '", t->model_.name, "': cannot deserialize the ",
              which == 0 ? "key" : "message", " of ", in.ssp.system, ".", in.ssp.stream,
              " partition ", in.ssp.partition, " offset ", r.offset, ": ", d.status().message(),
              " (set task.drop.deserialization.errors=true to drop and count such messages)"));
        }
        v = std::move(*d);
      }
      if (which == 0) {
        env.set_decoded_key(std::move(v));
      } else {
        env.set_decoded_message(std::move(v));
      }
    }
  }
  t->time_->OnMessage(in.time_input, env, batch_now_ms_);
  if (t->dispatcher_) {
    // Async (async_dispatcher.h): the checkpoint offset moves when the message completes.
    auto started = t->dispatcher_->Start(in.async_partition, r.offset, env, in.batch.owner);
    absl::Status s = Guard([&] {
      t->async_->ProcessAsync(*started.envelope, t->dispatcher_->collector(), *t, started.callback);
      return absl::OkStatus();
    });
    if (!s.ok()) started.callback->Failure(s);
    ++t->unpublished_;
    return absl::OkStatus();
  }
  absl::Status s;
  if ((t->sample_tick_++ & 63) == 0) {
    auto t0 = Clock::now();
    s = Guard([&] { return t->task_->Process(env, *t, *t); });
    t->process_timer_->Update(Clock::now() - t0);
  } else {
    s = Guard([&] { return t->task_->Process(env, *t, *t); });
  }
  if (!s.ok()) {
    return absl::Status(
        s.code(), absl::StrCat("task '", t->model_.name, "' failed processing ", in.ssp.system, ".",
                               in.ssp.stream, " partition ", in.ssp.partition, " offset ", r.offset,
                               ": ", s.message()));
  }
  *in.next_offset = r.offset + 1;
  ++t->unpublished_;
  if (!in.caught_up && *in.next_offset >= in.end_target) {
    in.caught_up = true;
    --not_caught_up_;
  }
  return absl::OkStatus();
}

void Container::Impl::PublishProcessed() {
  int64_t total = 0;
  for (auto& t : tasks_) {
    if (t->unpublished_ == 0) continue;
    t->processed_->Inc(t->unpublished_);
    total += t->unpublished_;
    t->unpublished_ = 0;
  }
  if (total) processed.fetch_add(total, std::memory_order_relaxed);
  // Lag counts what is fetched but not yet processed too: a slow task with a full buffer lags.
  for (auto& in : inputs_) {
    if (in.high_watermark < 0) continue;
    in.lag->Set(static_cast<double>(std::max<int64_t>(0, in.high_watermark - *in.next_offset)));
  }
}

absl::Status Container::Impl::Send(TaskInstance* task, OutgoingMessageEnvelope& e) {
  const auto& ss = e.system_stream();
  SystemProducer* p;
  if (task->last_producer_ && ss.system == task->last_system_) {
    p = task->last_producer_;
  } else {
    if (auto s = commit_->CheckOutput(ss.system, task->model_.name); !s.ok()) return s;
    auto pr = hub_.ProducerFor(ss.system, task->model_.name);
    if (!pr.ok()) {
      return absl::Status(pr.status().code(),
                          absl::StrCat("task '", task->model_.name, "' sending to ", ss.ToString(),
                                       ": ", pr.status().message()));
    }
    p = *pr;
    task->last_system_ = ss.system;
    task->last_producer_ = p;
  }
  if (e.key_object().has_value() || e.message_object().has_value()) {
    std::string k = ss.ToString();
    auto it = output_serdes_.find(k);
    if (it == output_serdes_.end()) {
      auto sd = SerdesFor(ss.system, ss.stream);
      if (!sd.ok()) return sd.status();
      it = output_serdes_.emplace(k, *sd).first;
    }
    for (int which = 0; which < 2; ++which) {
      const ErasedValue& obj = which == 0 ? e.key_object() : e.message_object();
      if (!obj.has_value()) continue;
      const auto& serde = which == 0 ? it->second.key : it->second.msg;
      if (!serde) {
        return absl::InvalidArgumentError(absl::StrCat(
            "output ", k, ": a typed ", which == 0 ? "key" : "message", " needs streams.",
            ss.stream, ".samza.", which == 0 ? "key" : "msg", ".serde"));
      }
      std::string out;
      if (auto s = serde->SerializeErased(obj, &out); !s.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("output ", k, ": ", s.message()));
      }
      *(which == 0 ? e.mutable_key() : e.mutable_message()) = std::move(out);
    }
  }
  int32_t partition = -1;
  if (e.partition()) {
    partition = *e.partition();
  } else if (e.partition_key()) {
    auto n = p->PartitionCount(ss.stream);
    if (!n.ok()) return n.status();
    partition = logstore::PartitionForKey(*e.partition_key(), *n);
  }
  // Views (of the task's View() envelope or of its owned bytes): the producer copies them into
  // its batch before returning.
  std::vector<logstore::RecordHeader> headers;
  if (!e.headers().empty()) {
    headers.reserve(e.headers().size());
    for (const Header& h : e.headers()) {
      headers.push_back(
          {h.key, h.value ? std::optional<std::string_view>(*h.value) : std::nullopt});
    }
  }
  return p->Send(ss.stream, partition, e.key_bytes(), e.message_bytes(),
                 e.timestamp() >= 0 ? e.timestamp() : batch_now_ms_, headers);
}

absl::Status Container::Impl::PumpTime(bool blocked) {
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  for (auto& t : tasks_) {
    if (!t->dispatcher_) continue;
    if (blocked && t->dispatcher_->Full()) t->dispatcher_->WaitAny(std::chrono::milliseconds(5));
    if (auto s = t->dispatcher_->Drain(); !s.ok()) return s;
  }
  for (auto& in : inputs_) {
    if (!in.caught_up && *in.next_offset >= in.end_target) {  // async tasks complete later
      in.caught_up = true;
      --not_caught_up_;
    }
    in.task->time_->SetCaughtUp(
        in.time_input, in.pos >= in.batch.records.size() && in.seen_next >= in.high_watermark);
    if (opt_.until_caught_up && in.caught_up) in.task->time_->SetEnded(in.time_input);
  }
  for (auto& t : tasks_) {
    if (auto s = t->time_->Tick(now_ms, *t, *t); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status Container::Impl::Commit(const std::vector<TaskInstance*>& tasks) {
  for (auto* t : tasks) {
    // A commit waits for the task's in-flight messages (bounded by task.callback.timeout.ms).
    if (t->dispatcher_) {
      if (auto s = t->dispatcher_->DrainAll(); !s.ok()) return s;
    }
    if (auto s = t->time_->BeforeCommit(); !s.ok()) return s;
  }
  std::vector<CommitUnit*> units;
  units.reserve(tasks.size());
  for (auto* t : tasks) units.push_back(&t->unit_);
  if (auto s = commit_->Commit(units); !s.ok()) return s;
  for (auto* t : tasks) t->commit_requested_ = false;
  if (!queues_.empty()) {
    if (auto s = AcceptQueued(tasks); !s.ok()) return s;
  }
  WriteMetrics();
  return absl::OkStatus();
}

absl::Status Container::Impl::WindowAll() {
  for (auto& t : tasks_) {
    if (!t->windowable_) continue;
    if (t->dispatcher_) {  // Window runs with nothing in flight
      if (auto s = t->dispatcher_->DrainAll(); !s.ok()) return s;
    }
    ScopedTimer timer(*t->window_timer_);
    TaskInstance* ti = t.get();
    auto s = Guard([&] { return ti->windowable_->Window(*ti, *ti); });
    if (!s.ok()) {
      return absl::Status(s.code(),
                          absl::StrCat("task '", t->model_.name, "' Window failed: ", s.message()));
    }
  }
  return absl::OkStatus();
}

void Container::Impl::WriteMetrics() {
  if (!opt_.job.reporters.file) return;
  std::string path = (std::filesystem::path(opt_.work_dir) / "metrics.json").string();
  std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << metrics_.SnapshotJson() << "\n";
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
}

absl::Status Container::Impl::Shutdown() {
  for (auto& t : tasks_) {  // EOS and Close run with nothing in flight
    if (t->dispatcher_) {
      if (auto s = t->dispatcher_->DrainAll(); !s.ok()) return s;
    }
  }
  for (auto& t : tasks_) {
    if (opt_.until_caught_up && t->eos_ && !t->eos_done_) {
      TaskInstance* ti = t.get();
      auto s = Guard([&] { return ti->eos_->OnEndOfStream(*ti, *ti); });
      if (!s.ok()) {
        return absl::Status(s.code(), absl::StrCat("task '", t->model_.name,
                                                   "' OnEndOfStream failed: ", s.message()));
      }
      t->eos_done_ = true;
    }
  }
  // The last watermark of each writer of an intermediate stream goes out with the final commit.
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  for (auto& in : inputs_) {
    if (opt_.until_caught_up && in.caught_up) in.task->time_->SetEnded(in.time_input);
  }
  for (auto& t : tasks_) {
    // A last pass: what the ended inputs let the watermark reach fires its timers and windows.
    if (auto s = t->time_->Tick(now_ms, *t, *t); !s.ok()) return s;
    if (auto s = t->time_->FlushControls(now_ms, *t); !s.ok()) return s;
  }
  for (auto& t : tasks_) {
    if (!t->closable_) continue;
    TaskInstance* ti = t.get();
    auto s = Guard([&] { return ti->closable_->Close(); });
    if (!s.ok()) {
      return absl::Status(s.code(),
                          absl::StrCat("task '", t->model_.name, "' Close failed: ", s.message()));
    }
  }
  std::vector<TaskInstance*> all;
  for (auto& t : tasks_) all.push_back(t.get());
  if (auto s = Commit(all); !s.ok()) return s;
  for (auto& t : tasks_) {
    if (auto s = t->stores_->Close(); !s.ok()) return s;
  }
  for (auto& q : queues_) {  // releases what is held (nothing after the commit), leaves
    if (auto s = q.consumer->Close(); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status Container::Impl::Run() {
  absl::Status s = RunLoop();
  if (!s.ok() && !IsTaskFenced(s)) {
    // A task's error may hide that its writer was fenced (a send inside Process, say).
    for (auto& t : tasks_) {
      if (t->unit_.writer && t->unit_.writer->fenced()) {
        s = TaskFencedError(t->model_.name, s);
        break;
      }
    }
  }
  if (IsTaskFenced(s)) {
    std::fprintf(stderr, "eddy-container %s: %s; stopping without another commit\n",
                 opt_.container_id.c_str(), std::string(s.message()).c_str());
  }
  if (!s.ok()) WriteMetrics();  // a failed container still leaves its metrics behind
  return s;
}

absl::Status Container::Impl::RunLoop() {
  auto started = Clock::now();
  started_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  if (auto s = Setup(); !s.ok()) return s;
  WriteMetrics();  // the restore (and trim) metrics, before the first commit
  for (const auto& r : opt_.job.reporters.snapshots) {
    SnapshotHeader h;
    h.job = opt_.job.job_name;
    h.job_id = opt_.job.job_id;
    h.container = opt_.container_id;
    char host[256] = {};
    if (gethostname(host, sizeof(host) - 1) == 0) h.host = host;
    h.version = EDDY_VERSION_STRING;
    h.reset_time_ms = started_ms_;
    auto rep = std::make_unique<SnapshotReporter>(r, std::move(h), &metrics_, &hub_);
    if (auto s = rep->Start(); !s.ok()) return s;
    snapshot_reporters_.push_back(std::move(rep));
  }
  const JobConfig& job = opt_.job;
  if (opt_.hook) {
    std::vector<InspectTask> views;
    for (auto& t : tasks_) {
      InspectTask v;
      v.name = t->model_.name;
      for (const auto& ssp : t->model_.inputs) v.partitions.push_back(ssp.partition);
      TaskStores* st = t->stores_.get();
      v.store = [st](std::string_view n) { return st->Handle(n); };
      views.push_back(std::move(v));
    }
    std::vector<std::string> names;
    for (const auto& st : job.stores) names.push_back(st.name);
    opt_.hook->OnStarted(std::move(views), std::move(names), &metrics_);
  }
  auto now = Clock::now();
  auto next_window =
      job.window_ms > 0 ? now + std::chrono::milliseconds(job.window_ms) : Clock::time_point::max();
  auto next_commit =
      job.commit_ms > 0 ? now + std::chrono::milliseconds(job.commit_ms) : Clock::time_point::max();
  absl::Status result;
  while (true) {
    if (opt_.hook) opt_.hook->OnLoop();
    if (g_shutdown.load(std::memory_order_relaxed) || stop_all_) break;
    bool all_asked = !tasks_.empty();
    for (auto& t : tasks_) all_asked = all_asked && t->shutdown_requested_;
    if (all_asked) break;
    if (opt_.until_caught_up && not_caught_up_ == 0 && QueuesIdle()) break;
    if (chooser_.empty() && !QueuesReady()) {
      auto wait = std::min(next_window, next_commit) - Clock::now();
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(wait).count();
      ms = std::clamp<int64_t>(ms, 0, 100);
      for (auto& t : tasks_) {
        if (t->dispatcher_ && t->dispatcher_->in_flight() > 0) ms = std::min<int64_t>(ms, 2);
      }
      if (auto s = Poll(std::chrono::milliseconds(ms)); !s.ok()) return s;
    }
    // Batch-at-a-time: up to 4096 records per pass, taken in runs of up to 256 from one input
    // partition (round-robin between partitions per run); clock and metrics once per pass.
    if (!chooser_.empty()) {
      batch_now_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
    }
    size_t blocked = 0;  // inputs whose async task was full this pass
    // A pass ends after task.timer.check.ms too, so timers and watermarks are checked that
    // often even when a task is slow (one clock read per run of up to 256 records).
    const auto pass_end = Clock::now() + std::chrono::milliseconds(job.timer_check_ms);
    for (int budget = 4096; budget > 0;) {
      if (budget < 4096 && Clock::now() >= pass_end) break;
      int32_t p = chooser_.Next();
      if (p < 0) break;
      Input& in = inputs_[p];
      TaskInstance* t = in.task;
      const size_t run_end =
          std::min(in.batch.records.size(), in.pos + static_cast<size_t>(std::min(budget, 256)));
      bool asked = false;
      while (in.pos < run_end) {
        if (t->dispatcher_ && t->dispatcher_->Full()) break;  // backpressure
        if (auto s = ProcessOne(in); !s.ok()) return s;
        --budget;
        if (t->commit_requested_ || t->commit_all_requested_ || stop_all_) {
          asked = true;
          break;
        }
      }
      if (in.pos < in.batch.records.size()) {
        chooser_.Ready(p);
        if (t->dispatcher_ && t->dispatcher_->Full() && ++blocked > inputs_.size()) break;
      } else {
        in.batch.records.clear();
        in.batch.owner.reset();
        in.pos = 0;
      }
      if (asked) {
        PublishProcessed();
        if (t->commit_all_requested_) {
          t->commit_all_requested_ = false;
          std::vector<TaskInstance*> all;
          for (auto& x : tasks_) all.push_back(x.get());
          if (auto s = Commit(all); !s.ok()) return s;
        } else if (t->commit_requested_) {
          if (auto s = Commit({t}); !s.ok()) return s;
        }
        break;
      }
    }
    if (!queues_.empty()) {
      if (auto s = ProcessQueues(); !s.ok()) return s;
    }
    if (auto s = PumpTime(blocked > 0); !s.ok()) return s;
    batch_now_ms_ = -1;
    PublishProcessed();
    now = Clock::now();
    if (now >= next_window) {
      if (auto s = WindowAll(); !s.ok()) return s;
      next_window = Clock::now() + std::chrono::milliseconds(job.window_ms);
    }
    if (now >= next_commit) {
      std::vector<TaskInstance*> all;
      for (auto& t : tasks_) all.push_back(t.get());
      if (auto s = Commit(all); !s.ok()) return s;
      next_commit = Clock::now() + std::chrono::milliseconds(job.commit_ms);
    }
    for (auto& r : snapshot_reporters_) {
      // A failed snapshot is reported and skipped, as Samza's reporter does: metrics never stop
      // the job. The next interval tries again.
      if (auto s = r->MaybeReport(now); !s.ok()) {
        std::fprintf(stderr, "eddy-container %s: warning: %s\n", opt_.container_id.c_str(),
                     std::string(s.message()).c_str());
      }
    }
  }
  if (opt_.hook) opt_.hook->OnStopping();
  if (auto s = Shutdown(); !s.ok()) return s;
  for (auto& r : snapshot_reporters_) {  // the final figures
    if (auto s = r->Report(); !s.ok()) {
      std::fprintf(stderr, "eddy-container %s: warning: %s\n", opt_.container_id.c_str(),
                   std::string(s.message()).c_str());
    }
  }
  double secs = std::chrono::duration<double>(Clock::now() - started).count();
  std::fprintf(stderr,
               "eddy-container %s: stopped; %zu tasks, %lld messages processed in %.2f s, %lld "
               "commits\n",
               opt_.container_id.c_str(), tasks_.size(), static_cast<long long>(processed.load()),
               secs, static_cast<long long>(commits_->Get()));
  return result;
}

Container::Container(ContainerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
Container::~Container() = default;
absl::Status Container::Run() { return impl_->Run(); }
void Container::RequestShutdownAll() { g_shutdown.store(true); }
int64_t Container::messages_processed() const { return impl_->processed.load(); }
const MetricsRegistry& Container::metrics() const { return impl_->metrics(); }
std::vector<int64_t> Container::commit_latencies_micros() const {
  return impl_->commit_latencies_micros();
}

}  // namespace eddy::runtime
