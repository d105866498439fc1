// WordCount: splits each input line into words (by spaces), counts every word in a RocksDB store
// with a changelog, and on every window emits (word, count) for the words that changed since the
// last window to the output stream (app.wordcount.output, default eddy.wordcount-counts), key =
// word, value = the count in decimal. Each task counts the words of its input partition (no
// repartitioning, so the counts stay exact across crashes) and writes them to the same partition
// number of the output (give the output as many partitions as the input); the total for a word
// is the sum over partitions. The set of changed words is itself a logged store, so after a
// crash the words whose latest count was not yet emitted are emitted again: the last value per
// word in the output is exact. On end of stream (bounded runs) it emits once more.
#include <string>
#include <string_view>
#include <vector>

#include "eddy/eddy.h"

namespace {

class WordCount : public eddy::StreamTask,
                  public eddy::InitableTask,
                  public eddy::WindowableTask,
                  public eddy::EndOfStreamListenerTask {
 public:
  absl::Status Init(eddy::Context& context) override {
    auto counts = context.GetStore<std::string, int64_t>("wordcount-counts");
    if (!counts.ok()) return counts.status();
    counts_ = *counts;
    auto pending = context.GetStore<std::string, std::string>("wordcount-pending");
    if (!pending.ok()) return pending.status();
    pending_ = *pending;
    auto out = eddy::SystemStream::Parse(
        context.config().GetOr("app.wordcount.output", "eddy.wordcount-counts"));
    if (!out.ok()) return out.status();
    output_ = *out;
    words_ = &context.metrics().NewCounter("wordcount", "words");
    partition_ = context.system_stream_partitions().empty()
                     ? 0
                     : context.system_stream_partitions().front().partition;
    return absl::OkStatus();
  }

  absl::Status Process(const eddy::IncomingMessageEnvelope& envelope, eddy::MessageCollector&,
                       eddy::TaskCoordinator&) override {
    if (!envelope.message()) return absl::OkStatus();
    std::string_view line = *envelope.message();
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && line[i] == ' ') ++i;
      size_t j = i;
      while (j < line.size() && line[j] != ' ') ++j;
      if (j > i) {
        word_.assign(line.substr(i, j - i));
        auto c = counts_->Get(word_);
        if (!c.ok()) return c.status();
        if (auto s = counts_->Put(word_, c->value_or(0) + 1); !s.ok()) return s;
        if (auto s = pending_->Put(word_, ""); !s.ok()) return s;
        words_->Inc();
      }
      i = j;
    }
    return absl::OkStatus();
  }

  absl::Status Window(eddy::MessageCollector& collector, eddy::TaskCoordinator&) override {
    auto it = pending_->All();
    if (!it.ok()) return it.status();
    std::vector<std::string> done;
    for (; it->Valid(); it->Next()) done.emplace_back(it->raw_key());
    absl::Status st = it->status();
    it->Close();
    if (!st.ok()) return st;
    for (const auto& w : done) {
      auto c = counts_->Get(w);
      if (!c.ok()) return c.status();
      if (!c->has_value()) continue;
      eddy::OutgoingMessageEnvelope out(output_, w, std::to_string(**c));
      if (auto s = collector.Send(std::move(out.WithPartition(partition_))); !s.ok()) {
        return s;
      }
    }
    return pending_->DeleteAll(done);
  }

  absl::Status OnEndOfStream(eddy::MessageCollector& collector,
                             eddy::TaskCoordinator& coordinator) override {
    return Window(collector, coordinator);
  }

 private:
  eddy::KeyValueStore<std::string, int64_t>* counts_ = nullptr;
  eddy::KeyValueStore<std::string, std::string>* pending_ = nullptr;
  eddy::SystemStream output_;
  eddy::Counter* words_ = nullptr;
  std::string word_;
  int32_t partition_ = 0;
};

}  // namespace

EDDY_REGISTER_TASK(WordCount);
