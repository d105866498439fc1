// StreamApplication: a job written with the high-level stream API (Samza's StreamApplication,
// Kafka Streams' DSL). The application builds its graph in Describe from the job config; the
// same Describe runs in the planner (to learn its inputs, stores and intermediate streams,
// eddy/app_registry.h) and in every task (to build the operators), so it must depend on the
// config only.
//
//   class WordCount : public eddy::stream::StreamApplication {
//    public:
//     absl::Status Describe(eddy::stream::StreamAppDescriptor& app) override {
//       auto lines = app.GetInputStream<std::string, std::string>(
//           eddy::stream::Input("eddy", "wordcount-lines"));
//       ...
//       return absl::OkStatus();
//     }
//   };
//   EDDY_REGISTER_APP(WordCount);   // app.class=WordCount
//
// EDDY_REGISTER_APP registers an AppDescriber (AppRegistry) and a task factory (TaskRegistry)
// under the class name. The job config names it with app.class (and task.library); the planner
// merges the generated keys (task.class=<name>, task.inputs, stores.*, streams.*) into the job
// config (runtime/job/app_config.h). One task per partition group, as for any job: the task
// routes each message by its input stream to that input's operators; panes and joins fire on
// the task's watermark (eddy/timers.h).
//
// Generated config (a user value of the same key wins, except task.inputs):
//   task.class=<name>; task.inputs = the inputs, tables and intermediate streams, in order;
//   stores.<id>.factory=rocksdb, .key.serde, .msg.serde,
//     .changelog=<system>.<job.name>-<job.id>-<id>-changelog for every stateful operator
//     (system: job.default.system, else the first input's);
//   streams.<s>.samza.system, streams.<s>.samza.intermediate=true for every PartitionBy.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "eddy/app_registry.h"
#include "eddy/config.h"
#include "eddy/registry.h"
#include "eddy/stream/message_stream.h"

namespace eddy::stream {

class StreamAppDescriptor {
 public:
  explicit StreamAppDescriptor(const Config& config) : graph_(config) {}
  StreamAppDescriptor(const StreamAppDescriptor&) = delete;
  StreamAppDescriptor& operator=(const StreamAppDescriptor&) = delete;

  // The job config (the user's, plus the generated keys inside a task).
  const Config& config() const { return graph_.config(); }

  // The stream of KV<K, V> read from `input`. Event time: `extractor(envelope)` when given
  // (also installed as the runtime's extractor for the stream, so watermarks agree), else the
  // record timestamp.
  template <class K, class V>
  MessageStream<KV<K, V>> GetInputStream(const StreamDescriptor& input,
                                         EventTimeExtractor extractor = nullptr) {
    int n = internal::AddTypedInput<K, V>(&graph_, input, std::move(extractor),
                                          "input-" + input.stream.ToString());
    return MessageStream<KV<K, V>>(&graph_, n, 0, internal::SerdeOr<K>(input.key_serde));
  }

  template <class K, class V>
  OutputStream<K, V> GetOutputStream(const StreamDescriptor& output) {
    return OutputStream<K, V>(output);
  }

  // A table kept in the store `table.store` (changelogged) from the input `table.input`.
  template <class K, class V>
  Table<K, V> GetTable(const TableDescriptor& table) {
    graph_.ClaimId(table.store);
    TableDescriptor d = table;
    d.input.key_serde = internal::SerdeOr<K>(d.input.key_serde);
    d.input.msg_serde = internal::SerdeOr<V>(d.input.msg_serde);
    graph_.AddStore(d.store, d.input.key_serde, d.input.msg_serde);
    std::string store = d.store;
    int n = graph_.AddNode("table", d.store,
                           [store](Context& c) -> absl::StatusOr<std::unique_ptr<internal::Operator>> {
                             auto st = internal::OpenStore(c, store);
                             if (!st.ok()) return st.status();
                             return std::unique_ptr<internal::Operator>(
                                 new internal::TableInputOperator(*st));
                           });
    graph_.AddInput(d.input.stream, n, nullptr);
    return Table<K, V>(std::move(d));
  }

  internal::Graph& graph() { return graph_; }

 private:
  internal::Graph graph_;
};

class StreamApplication {
 public:
  virtual ~StreamApplication();
  virtual absl::Status Describe(StreamAppDescriptor& app) = 0;
};

using AppFactory = std::function<std::unique_ptr<StreamApplication>()>;

namespace internal {
// Runs `factory`'s Describe on `config`: the AppDescription for the planner.
absl::StatusOr<AppDescription> DescribeApp(const std::string& name, const AppFactory& factory,
                                           const Config& config);
// The task that runs the application (a StreamTask, InitableTask, WatermarkListenerTask).
std::unique_ptr<StreamTask> NewAppTask(std::string name, AppFactory factory);
// Registers both; returns true to initialize a static.
bool RegisterApp(const std::string& name, AppFactory factory);
}  // namespace internal

}  // namespace eddy::stream

#define EDDY_APP_CONCAT_INNER(a, b) a##b
#define EDDY_APP_CONCAT(a, b) EDDY_APP_CONCAT_INNER(a, b)

// Registers stream application `Class` (default-constructible, derived from
// eddy::stream::StreamApplication) as app.class=<Class> (and its task as task.class=<Class>).
// Put it in a .cc file of the job library, at namespace scope.
#define EDDY_REGISTER_APP_AS(name, Class)                                              \
  static const bool EDDY_APP_CONCAT(eddy_app_registered_, __COUNTER__) =               \
      ::eddy::stream::internal::RegisterApp(                                           \
          name, []() -> std::unique_ptr<::eddy::stream::StreamApplication> {           \
            return std::make_unique<Class>();                                          \
          })
#define EDDY_REGISTER_APP(Class) EDDY_REGISTER_APP_AS(#Class, Class)
