// WordCount, on the high-level stream API (eddy/stream/stream.h): splits each line of
// app.wordcount.input (default eddy.wordcount-lines) into words (by spaces), repartitions by
// word (intermediate stream <job.name>-<job.id>-partition_by-word), counts each word in the
// changelogged store `wordcount-counts`, and sends (word, running total in decimal) to
// app.wordcount.output (default eddy.wordcount-counts) after every word: the last value per word
// is the word's total over the whole input. The low-level version (per-partition counts) is
// jobs/wordcount-lowlevel.
#include <string>
#include <string_view>
#include <vector>

#include "eddy/eddy.h"
#include "eddy/stream/stream.h"

namespace {

using eddy::stream::KV;

std::vector<std::string> Words(std::string_view line) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ') ++j;
    if (j > i) words.emplace_back(line.substr(i, j - i));
    i = j;
  }
  return words;
}

class WordCount : public eddy::stream::StreamApplication {
 public:
  absl::Status Describe(eddy::stream::StreamAppDescriptor& app) override {
    auto in = eddy::SystemStream::Parse(
        app.config().GetOr("app.wordcount.input", "eddy.wordcount-lines"));
    if (!in.ok()) return in.status();
    auto out = eddy::SystemStream::Parse(
        app.config().GetOr("app.wordcount.output", "eddy.wordcount-counts"));
    if (!out.ok()) return out.status();
    auto lines = app.GetInputStream<std::string, std::string>(
        eddy::stream::Input(in->system, in->stream, "bytes", "string"));
    auto counts = app.GetOutputStream<std::string, std::string>(
        eddy::stream::Output(out->system, out->stream, "string", "string"));
    lines.FlatMap([](const KV<std::string, std::string>& line) { return Words(line.value); })
        .PartitionBy([](const std::string& word) { return word; },
                     [](const std::string&) { return std::string(); }, "word")
        .Count("wordcount-counts")
        .Map([](const KV<std::string, int64_t>& c) {
          return KV<std::string, std::string>{c.key, std::to_string(c.value)};
        })
        .SendTo(counts);
    return absl::OkStatus();
  }
};

}  // namespace

EDDY_REGISTER_APP(WordCount);
