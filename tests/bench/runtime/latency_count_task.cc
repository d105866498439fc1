// LatencyCount: the stateful job of eddy-latency-bench (latency_bench.cc). It counts messages per
// key in the RocksDB store `counts` (logged to a changelog when the job config says so) and, for
// every input message, sends the key with the value "<new count>|<input value>" to
// app.latency.output (default eddy.lat-out), on the input's partition. The bench finds in the
// input value the run and sequence number it produced, so it can match each output to its
// scheduled send time, and it checks the counts against what it sent.
#include <string>

#include "eddy/eddy.h"

namespace {

class LatencyCount : public eddy::StreamTask, public eddy::InitableTask {
 public:
  absl::Status Init(eddy::Context& context) override {
    auto store = context.GetStore<std::string, int64_t>("counts");
    if (!store.ok()) return store.status();
    store_ = *store;
    auto out =
        eddy::SystemStream::Parse(context.config().GetOr("app.latency.output", "eddy.lat-out"));
    if (!out.ok()) return out.status();
    output_ = *out;
    return absl::OkStatus();
  }

  absl::Status Process(const eddy::IncomingMessageEnvelope& envelope,
                       eddy::MessageCollector& collector, eddy::TaskCoordinator&) override {
    if (!envelope.key()) return absl::InvalidArgumentError("LatencyCount: message without a key");
    key_.assign(*envelope.key());
    auto count = store_->Get(key_);
    if (!count.ok()) return count.status();
    const int64_t next = count->value_or(0) + 1;
    if (auto s = store_->Put(key_, next); !s.ok()) return s;
    value_ = std::to_string(next);
    value_ += '|';
    if (envelope.message()) value_.append(*envelope.message());
    // Non-owning: the producer copies key and value into its batch inside Send().
    auto out = eddy::OutgoingMessageEnvelope::View(output_, key_, value_);
    out.WithPartition(envelope.partition());
    return collector.Send(std::move(out));
  }

 private:
  eddy::KeyValueStore<std::string, int64_t>* store_ = nullptr;
  eddy::SystemStream output_;
  std::string key_, value_;
};

}  // namespace

EDDY_REGISTER_TASK(LatencyCount);
