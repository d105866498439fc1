// CommitProtocol: how a container makes a task's progress durable, and how a task attempt takes
// over from the one before it. Used by the container (runtime/container/container.cc) at task
// start (StartWriter before restore, AfterRestore before processing) and at every commit
// (task.commit.ms, TaskCoordinator::Commit, the final commit of an orderly stop).
//
// One writer per task, in every mode. Each task has its own producer on the task's writer
// system (task.checkpoint.system; it must be an eddy system) with the transactional id
//     eddy-<job.name>-<job.id>-<task name>        (TransactionalId below)
// Every write of the task that lands on that log store goes through it: output sends, changelog
// records, the checkpoint record. StartWriter calls InitTransactions BEFORE the task's
// checkpoint is read and its stores are restored: the log store gives the id a new epoch, which
// fences every earlier attempt of the task (a crashed container, or a zombie whose node was
// paused or cut off) and aborts its open transaction. The zombie's next write or commit fails
// with a fenced error; the container then stops at once, without another commit, logs
// "task X was fenced by a newer attempt" and exits with kExitFenced.
//
// processing.guarantee=exactly_once (the default; exactly_once_v2 accepted): a commit is, for
// each task, in this order:
//   1. flush the store caches (dirty entries go to the engines and, as changelog sends, to the
//      task's writer);
//   2. Flush the task's writer (every send of the transaction acknowledged);
//   3. read the changelog partitions' end offsets (the task is their only writer);
//   4. send the checkpoint record (input offsets + those changelog offsets);
//   5. CommitTransaction: outputs, changelog records and checkpoint become visible together to
//      read_committed readers, or (crash before it) never;
//   6. the local store checkpoint (runtime/state/store_checkpoints.h) at those offsets;
//   7. BeginTransaction of the next transaction.
// Restore and checkpoint reads are read_committed, so nothing a dead attempt wrote after its
// last commit is ever replayed: its transaction was aborted by our InitTransactions. Outputs are
// exactly-once for read_committed readers. A task of an exactly_once job that sends to a system
// outside its writer's log store (a kafka system, or an eddy system with other
// bootstrap.servers) is refused at its first such send (CheckOutput: an error naming
// processing.guarantee and the system); the changelog systems are checked at start.
//
// processing.guarantee=at_least_once: no transactions, but the same fenced writer (records sent
// outside a transaction still carry the epoch, so a zombie's writes are refused). A commit is:
// flush caches, flush the writer and the shared producers, read changelog end offsets, send the
// checkpoint record, flush the writer, local store checkpoint (only after the checkpoint is
// acknowledged, so a fenced zombie never leaves a local checkpoint behind). State stays exact because of
// the trim (Samza's): after restoring a store to its checkpointed changelog offset, AfterRestore
// reads that changelog partition from the offset to its end (the dead attempt's tail) and writes
// the restored value (or a tombstone) of every key found there again, then commits before the
// task processes anything; a later full restore therefore ends on the restored values. The trim
// runs in exactly_once mode too (read_committed): it then finds only a tail written without
// transactions (a job switched from at_least_once), usually nothing.
#pragma once

#include <map>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "eddy/metrics.h"
#include "runtime/container/checkpoint_store.h"
#include "runtime/container/job_config.h"
#include "runtime/container/systems_hub.h"
#include "runtime/container/task_stores.h"
#include "runtime/system/ssp.h"

namespace eddy::runtime {

// Exit code of eddy-container (container mode and `run`) when one of its tasks was fenced by a
// newer attempt: distinct from 1 (failed) and 2 (bad usage/config), so a node or the
// coordinator can tell "superseded" from "crashed" and must not restart it.
inline constexpr int kExitFenced = 3;

// The error a fenced container stops with (IsTaskFenced is true for it).
absl::Status TaskFencedError(const std::string& task, const absl::Status& cause);
bool IsTaskFenced(const absl::Status& s);

// One task as the commit protocol sees it (owned by the container's task instance).
struct CommitUnit {
  std::string task;
  TaskStores* stores = nullptr;
  const std::map<Ssp, int64_t>* next_offsets = nullptr;  // input offsets to checkpoint
  SystemProducer* writer = nullptr;                      // set by StartWriter
  bool in_transaction = false;
};

class CommitProtocol {
 public:
  CommitProtocol(const JobConfig& job, SystemsHub* hub, CheckpointStore* checkpoints,
                 MetricsRegistry* metrics);

  // eddy-<job name>-<job id>-<task name>.
  static std::string TransactionalId(const JobConfig& job, const std::string& task);

  // Start-time checks: the writer system is an eddy system; in exactly_once every changelog is
  // on its log store. Errors name the key.
  absl::Status CheckConfig() const;

  // Before the task's checkpoint is read and its stores restored: makes its writer and calls
  // InitTransactions (fences earlier attempts, aborts their open transaction).
  absl::Status StartWriter(CommitUnit& unit);

  // After Restore, before processing: BeginTransaction (exactly_once), the trim, and a commit
  // when the trim wrote anything.
  absl::Status AfterRestore(CommitUnit& unit);

  // Commits `units` (see the header comment for the order). On error nothing more is
  // committed; a fenced writer turns the error into TaskFencedError.
  absl::Status Commit(std::span<CommitUnit* const> units);

  // exactly_once: a send of `task` to `system` must go through its writer (same log store).
  absl::Status CheckOutput(const std::string& system, const std::string& task) const;

  bool exactly_once() const { return exactly_once_; }
  // Wall time of every Commit() call so far in microseconds (the first 100 000), for
  // eddy-job-bench's commit latency percentiles.
  const std::vector<int64_t>& latencies_micros() const { return latencies_us_; }

 private:
  absl::Status CommitOne(CommitUnit& u);
  absl::Status Fenced(const CommitUnit& u, absl::Status s) const;

  const JobConfig& job_;
  SystemsHub* hub_;
  CheckpointStore* checkpoints_;
  bool exactly_once_;
  Timer* commit_timer_;
  Timer* task_commit_timer_;
  Counter* commits_;
  Counter* trimmed_keys_;
  std::vector<int64_t> latencies_us_;
};

}  // namespace eddy::runtime
