// The harness of the examples' exactness tests (examples_kill_test.cc): runs gen/generate.py
// and reference/<example>.py, writes an input phase file to the log store, follows the job's
// output topics (read_committed) and compares them with a reference script's expectation.
// Formats: tests/integration/examples/README.md.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "log-store/client/consumer.h"
#include "nlohmann/json.hpp"

namespace eddy::examples_test {

// Runs `argv` (argv[0] found on PATH), returns its stdout; an error naming the command and its
// exit status when it fails.
absl::StatusOr<std::string> RunCommand(const std::vector<std::string>& argv);

// The canonical form of a message value: compact JSON with sorted keys when it parses as JSON,
// else the bytes themselves (reference/common.py's canonical()).
std::string Canonical(std::string_view value);

// Reads `dir`/`file` (one {"topic","partition","key","value"} a line) and produces it.
absl::Status ProducePhaseFile(const std::string& bootstrap, const std::string& path,
                              int64_t* produced);

// Follows one topic from its beginning: every committed record read so far.
class TopicTail {
 public:
  TopicTail(std::string bootstrap, std::string topic)
      : bootstrap_(std::move(bootstrap)), topic_(std::move(topic)) {}
  // Reads what is readable now (up to about a second); a topic that does not exist yet reads as
  // empty.
  absl::Status Update();

  struct Record {
    int32_t partition;
    std::optional<std::string> key;
    std::optional<std::string> value;  // canonical
  };
  const std::vector<Record>& records() const { return records_; }
  const std::string& topic() const { return topic_; }

 private:
  std::string bootstrap_;
  std::string topic_;
  std::unique_ptr<logstore::Consumer> consumer_;
  std::vector<Record> records_;
};

// Compares the tails with a reference script's document ({"last", "all",
// "exclude_key_prefix"}); returns "" when they match, else a readable diff (at most `max_lines`
// differences per topic, then counts).
std::string Diff(const nlohmann::json& expected,
                 const std::map<std::string, std::unique_ptr<TopicTail>>& tails,
                 int max_lines = 15);

}  // namespace eddy::examples_test
