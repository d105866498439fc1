// AttemptHistory: the coordinator's record of a container's attempts — every start the
// coordinator hands to a node is an attempt with a number, node, start time and, once it is
// over, how it ended (exited with a code or signal, stopped by a scale or kill, node lost,
// fenced by the log store, self-fenced by its node, never started). Keeps the last
// kMaxAttempts; `eddy job status` shows them. Owned by ContainerState (job_state.h), filled by
// ClusterManager, written with the job record.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include "coordinator/proto/coordinator.pb.h"
#include "nlohmann/json.hpp"

namespace eddy::cluster {

// The exit code eddy-container uses when the log store fenced its writes (a newer attempt of
// the same task holds the epoch): the attempt stops itself and must not be retried as a crash.
inline constexpr int kExitFencedByLogStore = 3;

enum class AttemptEnd {
  kRunning,         // not ended
  kExited,          // the process exited (code, signal or out of memory) on its own
  kStopped,         // stopped on the coordinator's request (scale, kill, a failed job)
  kNodeLost,        // its node stopped heartbeating; restarted elsewhere
  kLogStoreFenced,  // exited with kExitFencedByLogStore
  kSelfFenced,      // its node lost the coordinator and SIGKILLed it before being declared lost
  kNeverStarted,    // the node never reported starting it
};

// "running", "exited", "stopped", "node lost", "fenced by the log store", "self-fenced",
// "never started".
const char* AttemptEndName(AttemptEnd e);

struct AttemptRecord {
  int64_t attempt = 0;
  std::string node;
  int64_t started_ms = 0, ended_ms = 0;
  AttemptEnd end = AttemptEnd::kRunning;
  int32_t exit_code = 0, signal = 0;
  std::string detail;
};

class AttemptHistory {
 public:
  static constexpr size_t kMaxAttempts = 8;

  // A new attempt placed on `node` (drops the oldest beyond kMaxAttempts).
  void Start(int64_t attempt, const std::string& node, int64_t now_ms);
  // The record of `attempt`, nullptr when it is not (or no longer) kept.
  AttemptRecord* Find(int64_t attempt);
  // Ends `attempt` unless it has ended already; returns false when it is not kept or had ended.
  bool End(int64_t attempt, AttemptEnd end, const std::string& detail, int64_t now_ms,
           int32_t exit_code = 0, int32_t signal = 0);
  // What a node's report of an exited attempt says about its end. `stop_requested` when the
  // coordinator asked for the stop (or the job was scaling).
  static AttemptEnd FromReport(const coordinator::v1::ContainerReport& r, bool stop_requested);
  // A report about an attempt that had already ended (node lost): what the node says it did
  // with it (self-fenced, or killed when it came back) is added to the record.
  void NoteLateReport(const coordinator::v1::ContainerReport& r, int64_t now_ms);

  const std::deque<AttemptRecord>& all() const { return attempts_; }
  // Appends one AttemptStatus per kept attempt, oldest first.
  void Fill(coordinator::v1::ContainerStatus* out) const;

  nlohmann::json ToJson() const;
  void FromJson(const nlohmann::json& j);  // ignores what it cannot read

 private:
  std::deque<AttemptRecord> attempts_;
};

}  // namespace eddy::cluster
