// ReplayCount: a low-level two-stage application for the replay tests (issue 10, `eddy job
// reset`), registered with AppRegistry by hand (no high-level API). Its describer generates what
// a partition_by + count pipeline needs:
//
//   stage 1  app.replay.input (default eddy.replay-in) → key = the record's value (a word) →
//            the intermediate stream <job.name>-<job.id>-by-word (partitioned by that key)
//   stage 2  the intermediate stream → count per word in store replay-counts (RocksDB, changelog
//            <job.name>-<job.id>-replay-counts-changelog) → app.replay.output (default
//            eddy.replay-out): key = word, value = its new count in decimal
//
// so a word's counts arrive in the output as 1, 2, ..., n, all from one task. One task class
// runs both stages (each task reads one partition of each stream). Used by replay_test.cc.
#include <string>

#include "eddy/app_registry.h"
#include "eddy/eddy.h"

namespace {

std::string IntermediateOf(const eddy::Config& c) {
  return c.GetOr("job.name", "replay") + "-" + c.GetOr("job.id", "1") + "-by-word";
}

class ReplayCount : public eddy::StreamTask, public eddy::InitableTask {
 public:
  absl::Status Init(eddy::Context& context) override {
    auto counts = context.GetStore<std::string, int64_t>("replay-counts");
    if (!counts.ok()) return counts.status();
    counts_ = *counts;
    auto out =
        eddy::SystemStream::Parse(context.config().GetOr("app.replay.output", "eddy.replay-out"));
    if (!out.ok()) return out.status();
    output_ = *out;
    by_word_ = eddy::SystemStream("eddy", IntermediateOf(context.config()));
    return absl::OkStatus();
  }

  absl::Status Process(const eddy::IncomingMessageEnvelope& envelope,
                       eddy::MessageCollector& collector, eddy::TaskCoordinator&) override {
    if (!envelope.message()) return absl::OkStatus();
    std::string word(*envelope.message());
    if (envelope.system_stream().stream != by_word_.stream) {  // stage 1: repartition by word
      return collector.Send(eddy::OutgoingMessageEnvelope(by_word_, word, word));
    }
    auto c = counts_->Get(word);  // stage 2: count
    if (!c.ok()) return c.status();
    const int64_t n = c->value_or(0) + 1;
    if (auto s = counts_->Put(word, n); !s.ok()) return s;
    return collector.Send(eddy::OutgoingMessageEnvelope(output_, word, std::to_string(n)));
  }

 private:
  eddy::KeyValueStore<std::string, int64_t>* counts_ = nullptr;
  eddy::SystemStream output_, by_word_;
};

absl::StatusOr<eddy::AppDescription> DescribeReplayCount(const eddy::Config& c) {
  auto in = eddy::SystemStream::Parse(c.GetOr("app.replay.input", "eddy.replay-in"));
  if (!in.ok()) return in.status();
  const std::string job = c.GetOr("job.name", "replay") + "-" + c.GetOr("job.id", "1");
  const std::string by_word = IntermediateOf(c);
  eddy::AppDescription d;
  // The container creates tasks by task.class today; the application names itself.
  d.config["task.class"] = "ReplayCount";
  d.config["task.inputs"] = in->ToString() + ",eddy." + by_word;
  d.config["streams." + by_word + ".samza.intermediate"] = "true";
  d.config["stores.replay-counts.factory"] = "rocksdb";
  d.config["stores.replay-counts.key.serde"] = "string";
  d.config["stores.replay-counts.msg.serde"] = "int64";
  d.config["stores.replay-counts.changelog"] = "eddy." + job + "-replay-counts-changelog";
  d.intermediate_streams.push_back({"eddy", by_word, -1});
  return d;
}

}  // namespace

EDDY_REGISTER_TASK(ReplayCount);
static const bool kReplayCountApp =
    eddy::AppRegistry::Global().Register("ReplayCount", DescribeReplayCount);
