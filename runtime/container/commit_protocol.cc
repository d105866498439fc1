#include "runtime/container/commit_protocol.h"

#include <chrono>
#include <cstdio>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "log-store/client/producer.h"

namespace eddy::runtime {
namespace {

constexpr char kFencedPayloadUrl[] = "type.eddy.dev/runtime.task-fenced";

}  // namespace

absl::Status TaskFencedError(const std::string& task, const absl::Status& cause) {
  absl::Status s = absl::FailedPreconditionError(
      absl::StrCat("task ", task, " was fenced by a newer attempt: ", cause.message()));
  s.SetPayload(kFencedPayloadUrl, absl::Cord(task));
  return s;
}

bool IsTaskFenced(const absl::Status& s) { return s.GetPayload(kFencedPayloadUrl).has_value(); }

CommitProtocol::CommitProtocol(const JobConfig& job, SystemsHub* hub, CheckpointStore* checkpoints,
                               MetricsRegistry* metrics)
    : job_(job),
      hub_(hub),
      checkpoints_(checkpoints),
      exactly_once_(job.exactly_once),
      commit_timer_(&metrics->NewTimer("container", "commit-ns")),
      task_commit_timer_(&metrics->NewTimer("container", "task-commit-ns")),
      commits_(&metrics->NewCounter("container", "commits")),
      trimmed_keys_(&metrics->NewCounter("container", "trimmed-keys")) {}

std::string CommitProtocol::TransactionalId(const JobConfig& job, const std::string& task) {
  return absl::StrCat("eddy-", job.job_name, "-", job.job_id, "-", task);
}

absl::Status CommitProtocol::CheckConfig() const {
  auto it = job_.systems.find(job_.checkpoint_system);
  std::string factory;
  if (it != job_.systems.end()) {
    factory = it->second.Get("factory");
    if (factory.empty()) factory = it->second.Get("samza.factory");
  }
  if (factory != "eddy") {
    return absl::InvalidArgumentError(absl::StrCat(
        "config key task.checkpoint.system: system '", job_.checkpoint_system,
        "' is not an eddy system (factory ", factory.empty() ? "unset" : factory,
        "); each task's fenced writer (processing.guarantee, either mode) needs the log store's "
        "transactional producer"));
  }
  if (!exactly_once_) return absl::OkStatus();
  for (const auto& st : job_.stores) {
    if (!st.changelog) continue;
    auto a = job_.systems.find(st.changelog->system);
    auto b = job_.systems.find(job_.checkpoint_system);
    std::string fa = a == job_.systems.end() ? "" : a->second.Get("factory");
    bool same =
        fa == "eddy" && a->second.Get("bootstrap.servers") == b->second.Get("bootstrap.servers");
    if (!same) {
      return absl::InvalidArgumentError(absl::StrCat(
          "config key stores.", st.name, ".changelog: system '", st.changelog->system,
          "' is not on the log store of task.checkpoint.system '", job_.checkpoint_system,
          "', so its writes cannot join the task's transaction; with "
          "processing.guarantee=exactly_once put the changelog there, or set "
          "processing.guarantee=at_least_once"));
    }
  }
  return absl::OkStatus();
}

absl::Status CommitProtocol::CheckOutput(const std::string& system, const std::string& task) const {
  if (!exactly_once_ || hub_->SharesWriter(system, task)) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "task '", task, "' sends to system '", system,
      "', which is not on the log store of its transactional writer (task.checkpoint.system '",
      job_.checkpoint_system,
      "'): processing.guarantee=exactly_once cannot include it in the task's transaction; set "
      "processing.guarantee=at_least_once for this job"));
}

absl::Status CommitProtocol::Fenced(const CommitUnit& u, absl::Status s) const {
  if (s.ok()) return s;
  if (IsTaskFenced(s)) return s;
  if ((u.writer && u.writer->fenced()) || logstore::IsProducerFenced(s)) {
    return TaskFencedError(u.task, s);
  }
  return s;
}

absl::Status CommitProtocol::StartWriter(CommitUnit& u) {
  auto w = hub_->AddTaskWriter(u.task, job_.checkpoint_system, TransactionalId(job_, u.task));
  if (!w.ok()) return w.status();
  u.writer = *w;
  auto s = u.writer->InitTransactions();
  if (!s.ok()) {
    return Fenced(u,
                  absl::Status(s.code(), absl::StrCat("task '", u.task,
                                                      "': taking over its writer: ", s.message())));
  }
  return absl::OkStatus();
}

absl::Status CommitProtocol::AfterRestore(CommitUnit& u) {
  if (exactly_once_) {
    if (auto s = u.writer->BeginTransaction(); !s.ok()) return Fenced(u, s);
    u.in_transaction = true;
  }
  auto trimmed = u.stores->Trim(/*read_committed=*/exactly_once_);
  if (!trimmed.ok()) {
    return Fenced(u,
                  absl::Status(trimmed.status().code(),
                               absl::StrCat("task '", u.task, "': ", trimmed.status().message())));
  }
  trimmed_keys_->Inc(*trimmed);
  if (*trimmed > 0) {
    CommitUnit* one[] = {&u};
    return Commit(one);
  }
  return absl::OkStatus();
}

absl::Status CommitProtocol::CommitOne(CommitUnit& u) {
  ScopedTimer timer(*task_commit_timer_);
  if (auto s = u.stores->FlushCaches(); !s.ok()) return s;
  if (auto s = u.writer->Flush(); !s.ok()) return s;
  if (!exactly_once_) {
    // Outputs to systems outside the writer's log store (kafka): acknowledged before the
    // checkpoint that covers their input.
    if (auto s = hub_->FlushAll(); !s.ok()) return s;
  }
  auto offs = u.stores->ChangelogOffsets();
  if (!offs.ok()) return offs.status();
  Checkpoint cp;
  cp.inputs = *u.next_offsets;
  cp.changelogs = *offs;
  if (exactly_once_) {
    if (auto s = checkpoints_->Write(u.writer, u.task, cp); !s.ok()) return s;
    if (auto s = u.writer->CommitTransaction(); !s.ok()) return s;
    u.in_transaction = false;
    if (auto s = u.stores->Persist(*offs); !s.ok()) return s;
    if (auto s = u.writer->BeginTransaction(); !s.ok()) return s;
    u.in_transaction = true;
    return absl::OkStatus();
  }
  // The local store checkpoint only after the task checkpoint is acknowledged: a zombie whose
  // epoch was fenced between reading the changelog ends (which may then include the new
  // attempt's writes) and writing the checkpoint gets its write refused here and never leaves a
  // local checkpoint claiming offsets its state does not hold (a later attempt on this host would
  // otherwise reuse it and replay too little). A crash between the two leaves the previous local
  // checkpoint, which is behind the task checkpoint: the tail is replayed from it.
  if (auto s = checkpoints_->Write(u.writer, u.task, cp); !s.ok()) return s;
  if (auto s = u.writer->Flush(); !s.ok()) return s;
  return u.stores->Persist(*offs);
}

absl::Status CommitProtocol::Commit(std::span<CommitUnit* const> units) {
  ScopedTimer timer(*commit_timer_);
  auto t0 = std::chrono::steady_clock::now();
  for (CommitUnit* u : units) {
    if (auto s = CommitOne(*u); !s.ok()) {
      return Fenced(*u, absl::Status(s.code(), absl::StrCat("committing task '", u->task,
                                                            "': ", s.message())));
    }
  }
  commits_->Inc();
  if (latencies_us_.size() < 100000) {
    latencies_us_.push_back(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
            .count());
  }
  return absl::OkStatus();
}

}  // namespace eddy::runtime
