// The task that runs a stream application (eddy/stream/app.h): builds the application's graph
// from the task's config, makes one Operator per node, and routes every input message to its
// input's node and every watermark advance to all nodes (in graph order, so an upstream
// operator's output reaches downstream operators before they see the watermark).
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "eddy/stream/app.h"
#include "eddy/task.h"

namespace eddy::stream::internal {
namespace {

class AppTask final : public StreamTask, public InitableTask, public WatermarkListenerTask {
 public:
  AppTask(std::string name, AppFactory factory)
      : name_(std::move(name)), factory_(std::move(factory)) {}

  absl::Status Init(Context& context) override {
    context_ = &context;
    app_ = factory_();
    descriptor_ = std::make_unique<StreamAppDescriptor>(context.config());
    if (absl::Status s = app_->Describe(*descriptor_); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("app.class=", name_, ": ", s.message()));
    }
    Graph& g = descriptor_->graph();
    if (auto d = g.Describe(name_); !d.ok()) return d.status();
    ops_.resize(g.nodes().size());
    emitters_.reserve(g.nodes().size());
    for (size_t i = 0; i < g.nodes().size(); ++i) {
      const Node& n = g.nodes()[i];
      auto op = n.factory(context);
      if (!op.ok()) {
        return absl::Status(op.status().code(), absl::StrCat("app.class=", name_, ": operator ",
                                                             n.op_id, " (", n.kind,
                                                             "): ", op.status().message()));
      }
      ops_[i] = std::move(*op);
      emitters_.emplace_back(this, static_cast<int>(i));
    }
    for (const auto& in : g.inputs()) {
      inputs_[in.stream] = &in;
      if (in.extractor) context.timers().SetEventTimeExtractor(in.stream, in.extractor);
    }
    return absl::OkStatus();
  }

  absl::Status Process(const IncomingMessageEnvelope& envelope, MessageCollector& collector,
                       TaskCoordinator&) override {
    const SystemStreamPartition& ssp = envelope.system_stream_partition();
    if (last_ == nullptr || last_->stream.stream != ssp.stream ||
        last_->stream.system != ssp.system) {
      auto it = inputs_.find(ssp.system_stream());
      if (it == inputs_.end()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "app.class=", name_, ": a message of ", ssp.ToString(),
            " which the application does not read (task.inputs lists more than it declares)"));
      }
      last_ = it->second;
    }
    collector_ = &collector;
    offset_ = envelope.offset();
    partition_ = envelope.partition();
    sequence_ = 0;
    int64_t ts = last_->extractor ? last_->extractor(envelope) : envelope.timestamp();
    Record r{std::shared_ptr<const void>(std::shared_ptr<const void>(), &envelope), ts};
    absl::Status s = ops_[last_->node]->Process(0, r, emitters_[last_->node]);
    offset_ = -1;
    return s;
  }

  absl::Status OnWatermark(int64_t watermark_ms, MessageCollector& collector,
                           TaskCoordinator&) override {
    collector_ = &collector;
    for (size_t i = 0; i < ops_.size(); ++i) {
      if (absl::Status s = ops_[i]->OnWatermark(watermark_ms, emitters_[i]); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

 private:
  class NodeEmitter final : public Emitter {
   public:
    NodeEmitter(AppTask* task, int node) : task_(task), node_(node) {}
    absl::Status Emit(int port, const Record& r) override { return task_->Dispatch(node_, port, r); }
    MessageCollector& collector() override { return *task_->collector_; }
    int64_t watermark() const override { return task_->context_->timers().CurrentWatermark(); }
    int64_t input_offset() const override { return task_->offset_; }
    int32_t input_partition() const override { return task_->partition_; }
    uint32_t NextSequence() override { return task_->sequence_++; }

   private:
    AppTask* task_;
    int node_;
  };

  absl::Status Dispatch(int node, int port, const Record& r) {
    for (const Wire& w : descriptor_->graph().nodes()[node].outputs[port]) {
      if (absl::Status s = ops_[w.node]->Process(w.in_port, r, emitters_[w.node]); !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  }

  std::string name_;
  AppFactory factory_;
  Context* context_ = nullptr;
  std::unique_ptr<StreamApplication> app_;
  std::unique_ptr<StreamAppDescriptor> descriptor_;
  std::vector<std::unique_ptr<Operator>> ops_;
  std::vector<NodeEmitter> emitters_;
  std::unordered_map<SystemStream, const InputBinding*> inputs_;
  const InputBinding* last_ = nullptr;
  MessageCollector* collector_ = nullptr;
  int64_t offset_ = -1;
  int32_t partition_ = -1;
  uint32_t sequence_ = 0;
};

}  // namespace

absl::StatusOr<AppDescription> DescribeApp(const std::string& name, const AppFactory& factory,
                                           const Config& config) {
  std::unique_ptr<StreamApplication> app = factory();
  StreamAppDescriptor d(config);
  if (absl::Status s = app->Describe(d); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat("app.class=", name, ": ", s.message()));
  }
  return d.graph().Describe(name);
}

std::unique_ptr<StreamTask> NewAppTask(std::string name, AppFactory factory) {
  return std::make_unique<AppTask>(std::move(name), std::move(factory));
}

bool RegisterApp(const std::string& name, AppFactory factory) {
  AppRegistry::Global().Register(name, [name, factory](const Config& c) {
    return DescribeApp(name, factory, c);
  });
  return eddy::internal::RegisterTaskClass(
      name, [name, factory]() { return NewAppTask(name, factory); });
}

}  // namespace eddy::stream::internal
