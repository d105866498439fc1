// Job reset (Samza's / Kafka Streams' application reset tool, `eddy job reset`, `eddy run
// --reset`): wipes what a stopped job has processed so it recomputes its results from the log.
// Run by the coordinator's ResetJob RPC (coordinator/server/job_reset_rpc.cc) and by the
// standalone runner, always on a job none of whose containers runs. On the job's log stores:
//
//   1. changelogs: every partition of every `stores.<s>.changelog` topic of the (merged) config,
//      and of the runtime's internal stores (runtime/job/internal_stores.h: the timer and
//      watermark store), is emptied with DeleteRecords up to its end (log start = end), so a
//      restore replays nothing; the topics themselves (and their partition counts) stay;
//   2. inputs: each task's input partition is set to its earliest offset (`to_earliest`) or to
//      the first offset whose record timestamp is >= `timestamp_ms` (ListOffsets by timestamp;
//      its end when there is none);
//   3. intermediate streams (`streams.<s>.samza.intermediate=true`, an application's
//      partition_by topics) are skipped to their end, not truncated: their old records are never
//      read again, the records the replay writes are, and nothing races a reader of the topic;
//   4. the checkpoint topic `__eddy_checkpoint_<job>[_<id>]` is emptied the same way and one
//      checkpoint per task of `model` is written: the offsets of 2 and 3, and for each logged
//      store its changelog partition at the (empty) end.
//
// Local store copies on the nodes are not touched here: the caller raises job.reset.epoch
// (runtime/container/reset_epoch.h) or, standalone, removes the work dir's stores.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/job/job_model.h"

namespace eddy::runtime {

struct ResetSpec {
  bool to_earliest = true;
  int64_t timestamp_ms = -1;  // when !to_earliest: the first offset at/after it
};

struct ResetReport {
  int64_t checkpoints_written = 0;
  int64_t input_partitions = 0;         // set to earliest / the timestamp's offset
  int64_t intermediate_partitions = 0;  // skipped to their end
  int64_t changelog_partitions = 0;     // emptied
  int64_t records_dropped = 0;          // changelog + checkpoint records no longer served
  std::vector<std::string> lines;       // one per action, for logs and `eddy job reset`
};

// `config` is the job's full (merged) config with bootstrap servers set for its `eddy`
// systems; `model` its tasks. Errors name the system, topic and partition; a failure part way
// leaves the job stopped and the reset can simply be run again (every step is idempotent).
absl::StatusOr<ResetReport> ResetJobState(const std::map<std::string, std::string>& config,
                                          const JobModel& model, const ResetSpec& spec);

// `--to-earliest` / `--to-timestamp T` as flags give; InvalidArgument naming the flag.
absl::StatusOr<ResetSpec> ParseResetSpec(bool to_earliest, const std::string& to_timestamp);

}  // namespace eddy::runtime
