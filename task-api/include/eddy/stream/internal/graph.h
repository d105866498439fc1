// Internal to the stream API (eddy/stream/): the type-erased operator graph that
// MessageStream<M> builds and the application task (src/stream/app_task.cc) runs. Not for job
// authors; the names may change.
//
// A graph is a list of nodes; node i has a factory that makes its Operator per task (after the
// task's stores exist) and output ports, each wired to (node, input port) pairs. Records carry
// a value of the type the builder knows statically (MessageStream<M>: an M) and its event time.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "eddy/app_registry.h"
#include "eddy/collector.h"
#include "eddy/config.h"
#include "eddy/context.h"
#include "eddy/serde.h"
#include "eddy/system_stream.h"
#include "eddy/timers.h"

namespace eddy::stream::internal {

struct Record {
  std::shared_ptr<const void> value;
  int64_t event_time = 0;
};

template <class T>
Record MakeRecord(T value, int64_t event_time) {
  return Record{std::make_shared<const T>(std::move(value)), event_time};
}
template <class T>
const T& Value(const Record& r) {
  return *static_cast<const T*>(r.value.get());
}

// What an operator sees while it runs.
class Emitter {
 public:
  virtual ~Emitter();
  // Passes `r` to everything wired to output `port` of the calling operator.
  virtual absl::Status Emit(int port, const Record& r) = 0;
  virtual MessageCollector& collector() = 0;
  // The task's watermark (TimerService::CurrentWatermark).
  virtual int64_t watermark() const = 0;
  // The input message being processed (offset, partition), for unique state keys; -1 outside
  // Process.
  virtual int64_t input_offset() const = 0;
  virtual int32_t input_partition() const = 0;
  // 0, 1, 2, ... per input message: tells apart records one message fans out into.
  virtual uint32_t NextSequence() = 0;
};

class Operator {
 public:
  virtual ~Operator();
  // `in_port`: which upstream (a join's left 0 / right 1); 0 for the others.
  virtual absl::Status Process(int in_port, const Record& r, Emitter& out) = 0;
  // The watermark advanced to `watermark`.
  virtual absl::Status OnWatermark(int64_t /*watermark*/, Emitter& /*out*/) {
    return absl::OkStatus();
  }
};

using OperatorFactory = std::function<absl::StatusOr<std::unique_ptr<Operator>>(Context&)>;

struct Wire {
  int node;
  int in_port;
};

struct Node {
  std::string kind;   // "map", "window", ...
  std::string op_id;  // stable: names stores, intermediate streams and metrics
  OperatorFactory factory;
  std::vector<std::vector<Wire>> outputs;  // per output port
};

struct InputBinding {
  SystemStream stream;
  int node;  // the input node: receives a Record holding the IncomingMessageEnvelope*
  EventTimeExtractor extractor;  // empty: the record timestamp
};

// Built by StreamAppDescriptor and MessageStream; read by the application task and by Describe.
class Graph {
 public:
  explicit Graph(const Config& config);

  const Config& config() const { return config_; }
  const std::string& job_name() const { return job_name_; }
  const std::string& job_id() const { return job_id_; }
  // job.default.system when set, else the first input's system.
  std::string DefaultSystem() const;

  int AddNode(std::string kind, std::string op_id, OperatorFactory factory, int ports = 1);
  void Connect(int from_node, int port, int to_node, int in_port = 0);
  // "<kind>-<n>": an id for a stateless operator (stable: the graph is built the same way).
  std::string AutoId(std::string_view kind);
  // Records the first error of the build (returned by Describe).
  void Fail(absl::Status s);
  // Claims `op_id` for a stateful operator; a second claim fails the build.
  void ClaimId(const std::string& op_id);

  // An input (or a table's or an intermediate stream's): task.inputs.
  void AddInput(const SystemStream& stream, int node, EventTimeExtractor extractor);
  void AddStore(const std::string& name, const std::string& key_serde,
                const std::string& msg_serde);
  void AddIntermediate(const SystemStream& stream);
  void SetConfig(const std::string& key, const std::string& value);

  // The AppDescription: task.class=app_name, task.inputs, stores, intermediate streams.
  absl::StatusOr<AppDescription> Describe(const std::string& app_name) const;

  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<InputBinding>& inputs() const { return inputs_; }

 private:
  Config config_;
  std::string job_name_, job_id_;
  std::vector<Node> nodes_;
  std::vector<InputBinding> inputs_;
  std::map<std::string, std::string> generated_;
  std::vector<IntermediateStream> intermediates_;
  std::map<std::string, int> auto_ids_;
  std::vector<std::string> claimed_;
  absl::Status status_;
};

// A serde named `name` producing T, resolved with the job config (ResolveSerde); the error
// names `what` (a stream or store) when it produces another type.
template <class T>
absl::StatusOr<std::shared_ptr<const Serde<T>>> ResolveTyped(const Config& config,
                                                             const std::string& name,
                                                             const std::string& what) {
  std::string n = name.empty() ? "bytes" : name;
  absl::StatusOr<std::shared_ptr<const SerdeBase>> s = ResolveSerde(config, n, what);
  if (!s.ok()) return s.status();
  if ((*s)->value_type() != typeid(T)) {
    return absl::InvalidArgumentError(what + ": serde " + n + " produces " +
                                      TypeName((*s)->value_type()) +
                                      ", the application declared " + TypeName(typeid(T)));
  }
  return std::static_pointer_cast<const Serde<T>>(*s);
}

// The serde name used when the application gives none for a T: "" when there is no default.
template <class T>
std::string DefaultSerdeName() {
  if constexpr (std::is_same_v<T, std::string>) return "string";
  if constexpr (std::is_same_v<T, int64_t>) return "int64";
  if constexpr (std::is_same_v<T, int32_t>) return "int32";
  if constexpr (std::is_same_v<T, nlohmann::json>) return "json";
  return "";
}

// The byte store `name` of the task (Context::GetStoreHandle).
absl::StatusOr<KeyValueStoreBytes*> OpenStore(Context& context, const std::string& name);
// The counter `name` of operator `op_id` (metrics group "stream.<op_id>").
Counter& OperatorCounter(Context& context, const std::string& op_id, const char* name);

// Byte-level pieces implemented in src/stream/ (so the window and join logic is compiled once).

// Functions a window operator calls; all work on serialized keys and accumulators.
struct WindowFunctions {
  // The key bytes of a KV record.
  std::function<absl::Status(const Record&, std::string* key)> key_bytes;
  // acc := add(acc, record's value); `acc` empty (nullptr) = the initial value.
  std::function<absl::Status(const std::string* acc, const Record&, std::string* out)> add;
  // acc := merge(a, b) (session windows).
  std::function<absl::Status(const std::string& a, const std::string& b, std::string* out)> merge;
  // The pane record (WindowPane<K, A>) of a window.
  struct PaneInfo {
    int64_t start, end, count, max_event_time, sequence;
    int kind;  // PaneKind
  };
  std::function<absl::StatusOr<Record>(std::string_view key, const std::string& acc,
                                       const PaneInfo& info)>
      make_pane;
};
struct WindowSpecData {
  int kind;  // WindowKind
  int64_t size_ms, advance_ms, gap_ms, count, allowed_lateness_ms;
  int trigger;  // Trigger
};
// Output port 0: panes; port 1: late events (the input record unchanged).
absl::StatusOr<std::unique_ptr<Operator>> NewWindowOperator(Context& context,
                                                            const std::string& op_id,
                                                            const WindowSpecData& spec,
                                                            WindowFunctions fns);

// A stream-stream join: input port 0 = left, 1 = right; both KV with the same key serde.
struct JoinFunctions {
  std::function<absl::Status(const Record&, std::string* key)> key_bytes;
  std::function<absl::Status(int side, const Record&, std::string* value)> value_bytes;
  // The joined record from key bytes and both sides' value bytes.
  std::function<absl::StatusOr<Record>(std::string_view key, std::string_view left,
                                       std::string_view right, int64_t event_time)>
      join;
};
// Output port 0: joined records; port 1: events later than the join window (dropped, counted).
absl::StatusOr<std::unique_ptr<Operator>> NewStreamJoinOperator(Context& context,
                                                                const std::string& op_id,
                                                                int64_t window_ms,
                                                                JoinFunctions fns);

// Store names of the stream-stream join `op_id`.
std::string JoinStoreName(const std::string& op_id, int side);

}  // namespace eddy::stream::internal
