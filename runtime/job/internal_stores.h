// The internal stores a job config implies: stores the runtime keeps for every task beside the
// user's stores.<s>.*, with their changelog topics. Today one: the per-task timer store
// (runtime/container/timer_store.h; format in runtime/STATE_FORMAT.md "Timer store") that holds
// the task's watermark and its timers. Used by the container (which adds the store's keys to
// the config of a task that uses timers) and by whoever wipes a job's state (`eddy job reset`
// must delete these changelog topics too, when they exist).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "eddy/config.h"

namespace eddy::runtime {

// Name of the timer store (reserved: ParseJobConfig refuses a user store of that name).
inline constexpr char kTimerStoreName[] = "__eddy_timers";

struct InternalStore {
  std::string name;             // the store name (stores.<name>.*)
  std::string system;           // the changelog's system: task.checkpoint.system
  std::string changelog_topic;  // its changelog topic on `system`
  // The stores.<name>.* keys the container adds to the task's config when the store is used.
  std::map<std::string, std::string> config;
  // True when the store exists only if a task uses it (the topic may be absent: a wipe deletes
  // it when present, a planner need not create it).
  bool on_demand = true;
};

// The changelog topic of the timer store: __eddy_timers_<job.name>[_<job.id> when job.id != 1],
// like the checkpoint topic (runtime/checkpoint/checkpoint.h).
std::string TimerStoreChangelogTopic(const std::string& job_name, const std::string& job_id);

// Every internal store `config` implies (job.name, job.id, task.checkpoint.system else the
// system of the first task.inputs entry). Entries whose system cannot be told (no inputs) are
// left out.
std::vector<InternalStore> InternalStores(const Config& config);

}  // namespace eddy::runtime
