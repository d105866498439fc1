// A job library for registry_test: registers one task and one serde, as a real job would.
#include "eddy/registry.h"
#include "eddy/serde.h"
#include "eddy/task.h"

namespace example {

class DlopenTask : public eddy::StreamTask, public eddy::InitableTask {
 public:
  absl::Status Init(eddy::Context&) override { return absl::OkStatus(); }
  absl::Status Process(const eddy::IncomingMessageEnvelope& envelope, eddy::MessageCollector& c,
                       eddy::TaskCoordinator&) override {
    return c.Send(eddy::OutgoingMessageEnvelope(
        eddy::SystemStream("eddy", "out"),
        std::string("seen:") + std::string(envelope.message().value_or(""))));
  }
};

// Upper-cases on serialize; a user serde for std::string.
class UpperSerde : public eddy::Serde<std::string> {
 public:
  absl::Status Serialize(const std::string& v, std::string* out) const override {
    out->clear();
    for (char ch : v) out->push_back(static_cast<char>(ch >= 'a' && ch <= 'z' ? ch - 32 : ch));
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> Deserialize(std::string_view b) const override {
    return std::string(b);
  }
};

}  // namespace example

EDDY_REGISTER_TASK_AS("com.example.DlopenTask", example::DlopenTask);
EDDY_REGISTER_SERDE("com.example.UpperSerde", example::UpperSerde);
