// Checkpoint: what a task has durably processed: for every input partition the next offset to
// read, and for every logged store the changelog end offset that state corresponds to. Written
// on commit to `__eddy_checkpoint_<job>` (compacted, key = task name, value = this JSON) and read
// on start to restore stores exactly to that point and resume input. Used by the container and
// tests.
//
// JSON value:
//   {"version":1,
//    "inputs":[{"system":"eddy","stream":"lines","partition":0,"offset":1234}],
//    "changelogs":{"counts":{"system":"eddy","stream":"wc-counts-changelog","partition":0,
//                            "offset":567}}}
// `offset` of an input is the NEXT offset to process (Kafka's committed-offset meaning).
// `offset` of a changelog is its end offset after the commit's flush: restore replays records
// with offset < it.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "runtime/system/ssp.h"

namespace eddy::runtime {

struct Checkpoint {
  std::map<Ssp, int64_t> inputs;
  std::map<std::string, std::pair<Ssp, int64_t>> changelogs;  // store name → (partition, end)
  bool operator==(const Checkpoint&) const = default;
};

std::string CheckpointToJson(const Checkpoint& c);
absl::StatusOr<Checkpoint> CheckpointFromJson(std::string_view json);

// The checkpoint topic of a job: __eddy_checkpoint_<job.name>[_<job.id> when job.id != 1].
std::string CheckpointTopic(const std::string& job_name, const std::string& job_id);

}  // namespace eddy::runtime
