// The stream API's operator graph (eddy/stream/internal/graph.h): building it and turning it
// into an AppDescription.
#include "eddy/stream/internal/graph.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "eddy/stream/app.h"

namespace eddy::stream {

StreamApplication::~StreamApplication() = default;

namespace internal {

Emitter::~Emitter() = default;
Operator::~Operator() = default;

Graph::Graph(const Config& config)
    : config_(config),
      job_name_(config.GetOr("job.name", "")),
      job_id_(config.GetOr("job.id", "1")) {}

std::string Graph::DefaultSystem() const {
  std::string s = config_.GetOr("job.default.system", "");
  if (!s.empty()) return s;
  if (!inputs_.empty()) return inputs_.front().stream.system;
  return "eddy";
}

int Graph::AddNode(std::string kind, std::string op_id, OperatorFactory factory, int ports) {
  Node n;
  n.kind = std::move(kind);
  n.op_id = std::move(op_id);
  n.factory = std::move(factory);
  n.outputs.resize(ports);
  nodes_.push_back(std::move(n));
  return static_cast<int>(nodes_.size()) - 1;
}

void Graph::Connect(int from_node, int port, int to_node, int in_port) {
  nodes_[from_node].outputs[port].push_back(Wire{to_node, in_port});
}

std::string Graph::AutoId(std::string_view kind) {
  int n = auto_ids_[std::string(kind)]++;
  return absl::StrCat(std::string(kind), "-", n);
}

void Graph::Fail(absl::Status s) {
  if (status_.ok()) status_ = std::move(s);
}

void Graph::ClaimId(const std::string& op_id) {
  if (op_id.empty()) {
    Fail(absl::InvalidArgumentError("an operator id is empty"));
    return;
  }
  for (char c : op_id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) {
      Fail(absl::InvalidArgumentError(
          absl::StrCat("operator id '", op_id, "': only [A-Za-z0-9._-] (it names stores and "
                                               "streams)")));
      return;
    }
  }
  if (std::find(claimed_.begin(), claimed_.end(), op_id) != claimed_.end()) {
    Fail(absl::InvalidArgumentError(
        absl::StrCat("operator id '", op_id, "' is used twice in the application")));
    return;
  }
  claimed_.push_back(op_id);
}

void Graph::AddInput(const SystemStream& stream, int node, EventTimeExtractor extractor) {
  for (const auto& in : inputs_) {
    if (in.stream == stream) {
      Fail(absl::InvalidArgumentError(
          absl::StrCat("input ", stream.ToString(), " is read twice in the application (read "
                                                    "it once and use the stream twice)")));
      return;
    }
  }
  inputs_.push_back(InputBinding{stream, node, std::move(extractor)});
}

void Graph::AddStore(const std::string& name, const std::string& key_serde,
                     const std::string& msg_serde) {
  std::string p = "stores." + name + ".";
  generated_[p + "factory"] = "rocksdb";
  generated_[p + "key.serde"] = key_serde;
  generated_[p + "msg.serde"] = msg_serde;
  // The system is known once the inputs are: filled in by Describe.
  generated_[p + "changelog"] = "";
}

void Graph::AddIntermediate(const SystemStream& stream) {
  generated_["streams." + stream.stream + ".samza.system"] = stream.system;
  generated_["streams." + stream.stream + ".samza.intermediate"] = "true";
  intermediates_.push_back(IntermediateStream{stream.system, stream.stream, -1});
}

void Graph::SetConfig(const std::string& key, const std::string& value) { generated_[key] = value; }

absl::StatusOr<AppDescription> Graph::Describe(const std::string& app_name) const {
  if (!status_.ok()) {
    return absl::Status(status_.code(),
                        absl::StrCat("app.class=", app_name, ": ", status_.message()));
  }
  if (job_name_.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("app.class=", app_name, ": config key job.name is missing (it names the "
                                             "intermediate streams and changelogs)"));
  }
  if (inputs_.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("app.class=", app_name, ": the application reads no input"));
  }
  AppDescription d;
  d.config = generated_;
  std::string system = DefaultSystem();
  for (auto& [k, v] : d.config) {
    if (k.rfind("stores.", 0) == 0 && k.size() > 10 && k.substr(k.size() - 10) == ".changelog") {
      std::string store = k.substr(7, k.size() - 17);
      v = absl::StrCat(system, ".", job_name_, "-", job_id_, "-", store, "-changelog");
    }
  }
  d.config["task.class"] = app_name;
  std::vector<std::string> ins;
  for (const auto& in : inputs_) ins.push_back(in.stream.ToString());
  d.config["task.inputs"] = absl::StrJoin(ins, ",");
  d.intermediate_streams = intermediates_;
  return d;
}

absl::StatusOr<KeyValueStoreBytes*> OpenStore(Context& context, const std::string& name) {
  absl::StatusOr<StoreHandle> h = context.GetStoreHandle(name);
  if (!h.ok()) return h.status();
  if (h->store == nullptr) return absl::InternalError("store " + name + " has no byte store");
  return h->store;
}

Counter& OperatorCounter(Context& context, const std::string& op_id, const char* name) {
  return context.metrics().NewCounter("stream." + op_id, name);
}

}  // namespace internal
}  // namespace eddy::stream
