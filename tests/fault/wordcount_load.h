// The fault suite's workload and checks (tests/fault): generated wordcount input fed while faults
// happen, and, after healing, the three views compared word by word with what the input implies:
// the job's live stores (`eddy state scan`), the output topic read read_committed, and the log
// store's count of writes refused from fenced attempts (DescribeTransactions).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tests/integration/cluster/cluster_harness.h"

namespace eddy::test {

// Word -> count, one map per partition (task "Partition p" counts the words of input partition
// p and writes them to output partition p).
using PartitionCounts = std::vector<std::unordered_map<std::string, int64_t>>;

struct CorpusOptions {
  int64_t lines = 300000;
  int vocabulary = 50000;  // words w0 .. w<vocabulary-1>
  int partitions = 6;
  uint64_t seed = 1;
};

// Lines of 1..5 words: most drawn uniformly from the vocabulary (so nearly all of it appears),
// one in five from 64 hot words (counts in the tens of thousands). Line i goes to partition
// i % partitions with key "l<i>".
struct Corpus {
  explicit Corpus(const CorpusOptions& o);
  CorpusOptions options;
  std::vector<std::string> lines;
  PartitionCounts expected;  // from the generated lines, each sent once
  int64_t words = 0;
  int64_t distinct = 0;
};

// Feeds a corpus to `topic` from a thread at a fixed pace (lines/s), batch by batch; a batch
// whose send fails (broker killed) is sent again once the broker answers, so a line may land
// twice then: the checks compute what to expect from the input topic as stored.
class Feeder {
 public:
  Feeder(const Corpus& corpus, std::string bootstrap, std::string topic, int lines_per_second);
  ~Feeder();  // stops sending and joins
  void Start();
  // Lines acknowledged so far.
  int64_t sent() const { return sent_.load(); }
  // Waits until at least `fraction` of the corpus is acknowledged (or the feeder finished).
  void WaitFraction(double fraction) const;
  // Joins; the error if a batch could not be sent for 120 s.
  absl::Status Finish();
  int64_t resent_batches() const { return resent_.load(); }

 private:
  void Run();
  const Corpus& corpus_;
  std::string bootstrap_, topic_;
  int rate_;
  std::thread thread_;
  std::atomic<int64_t> sent_{0}, resent_{0};
  std::atomic<bool> done_{false}, stop_{false};
  absl::Status error_;
};

// What the input topic holds: per partition word counts, and how often each line id appears.
struct InputContents {
  PartitionCounts counts;
  int64_t lines = 0;
  int64_t missing_lines = 0;    // generated ids not in the topic
  int64_t duplicate_lines = 0;  // ids stored more than once
};
absl::StatusOr<InputContents> ReadInput(const std::string& bootstrap, const std::string& topic,
                                        const Corpus& corpus);

// Word by word comparison of `got` with `want`.
struct CountDiff {
  int64_t words_checked = 0;  // distinct (partition, word) pairs expected
  int64_t exact = 0;
  int64_t over = 0;                   // counted more often than the input implies
  int64_t under = 0;                  // less often (missing words included)
  int64_t missing = 0;                // expected but absent
  int64_t extra = 0;                  // present but not in the input at all
  int64_t over_by = 0, under_by = 0;  // sum of the differences
  std::string example;                // the first few wrong words
  bool ok() const { return over == 0 && under == 0 && extra == 0; }
  std::string Summary() const;
};
CountDiff Compare(const PartitionCounts& want, const PartitionCounts& got);

// The stores of job `job`, per task, read live (`eddy state scan JOB wordcount-counts`); an
// error unless every container answered.
absl::StatusOr<PartitionCounts> StoreCounts(const Grid& g, const std::string& job, int partitions);
// The last count per word of each partition of the output topic, read read_committed with the
// native consumer up to its end.
absl::StatusOr<PartitionCounts> OutputCounts(const std::string& bootstrap, const std::string& topic,
                                             int partitions);

// Polls `read` until what it returns equals `want`, or has stayed the same (and wrong) for 20 s,
// or `seconds` pass (a wrong count may still be a view that is catching up); the last
// comparison, and in *last_error the last read error.
CountDiff WaitExact(const PartitionCounts& want, int seconds,
                    const std::function<absl::StatusOr<PartitionCounts>()>& read,
                    std::string* last_error);

// The log store's transaction figures (DescribeTransactions): refused writes from fenced
// attempts. `available` false when the broker does not implement the call yet.
struct FencingFigures {
  bool available = false;
  std::string note;  // why not available
  int64_t transactional_ids = 0;
  int64_t fenced_produce_refused = 0;
  int64_t fenced_end_txn_refused = 0;
  int64_t fenced_requests = 0;  // summed over the ids
  int64_t commits = 0, aborts = 0, timed_out_aborts = 0;
  std::string Summary() const;
};
FencingFigures DescribeFencing(const std::string& bootstrap);

}  // namespace eddy::test
