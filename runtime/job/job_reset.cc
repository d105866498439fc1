#include "runtime/job/job_reset.h"

#include <memory>
#include <set>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "log-store/client/admin_client.h"
#include "log-store/client/producer.h"
#include "runtime/checkpoint/checkpoint.h"
#include "runtime/job/internal_stores.h"

namespace eddy::runtime {
namespace {

std::string Get(const std::map<std::string, std::string>& c, const std::string& k) {
  auto it = c.find(k);
  return it == c.end() ? "" : it->second;
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() > suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// One admin client per system, connected on first use.
class Systems {
 public:
  explicit Systems(const std::map<std::string, std::string>& config) : config_(config) {}

  absl::StatusOr<std::string> Bootstrap(const std::string& system) const {
    std::string factory = Get(config_, "systems." + system + ".factory");
    if (factory.empty()) factory = Get(config_, "systems." + system + ".samza.factory");
    if (factory != "eddy") {
      return absl::InvalidArgumentError(absl::StrCat("job reset: system '", system, "' (systems.",
                                                     system, ".factory=", factory,
                                                     "): only `eddy` systems can be reset"));
    }
    std::string b = Get(config_, "systems." + system + ".bootstrap.servers");
    if (b.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("job reset: missing required key systems.", system, ".bootstrap.servers"));
    }
    return b;
  }

  absl::StatusOr<logstore::AdminClient*> Admin(const std::string& system) {
    if (auto it = admins_.find(system); it != admins_.end()) return it->second.get();
    auto b = Bootstrap(system);
    if (!b.ok()) return b.status();
    logstore::ClientOptions o;
    o.bootstrap = *b;
    o.request_timeout = std::chrono::milliseconds(10000);
    auto a = logstore::AdminClient::Connect(o);
    if (!a.ok()) return a.status();
    return (admins_[system] = std::move(*a)).get();
  }

 private:
  const std::map<std::string, std::string>& config_;
  std::map<std::string, std::unique_ptr<logstore::AdminClient>> admins_;
};

// Empties every partition of `system`.`topic` (a missing topic has nothing to wipe).
absl::Status EmptyTopic(Systems& systems, const std::string& system, const std::string& topic,
                        ResetReport* report, int64_t* partitions_emptied) {
  auto admin = systems.Admin(system);
  if (!admin.ok()) return admin.status();
  auto d = (*admin)->DescribeTopic(topic);
  if (!d.ok()) {
    if (d.status().code() == absl::StatusCode::kNotFound) return absl::OkStatus();
    return absl::Status(d.status().code(), absl::StrCat("job reset: ", system, ".", topic, ": ",
                                                        d.status().message()));
  }
  int64_t dropped = 0;
  for (const auto& p : d->partitions) {
    auto moved = (*admin)->DeleteRecordsBefore({topic, p.partition}, -1);
    if (!moved.ok()) {
      return absl::Status(moved.status().code(),
                          absl::StrCat("job reset: emptying ", system, ".", topic, "[", p.partition,
                                       "]: ", moved.status().message()));
    }
    dropped += p.log_end_offset - p.log_start_offset;
    ++*partitions_emptied;
  }
  report->records_dropped += dropped;
  report->lines.push_back(absl::StrCat("emptied ", system, ".", topic, " (", d->partitions.size(),
                                       " partitions, ", dropped, " records)"));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ResetSpec> ParseResetSpec(bool to_earliest, const std::string& to_timestamp) {
  if (to_earliest == !to_timestamp.empty()) {
    return absl::InvalidArgumentError(
        "job reset: give exactly one of --to-earliest and --to-timestamp T");
  }
  ResetSpec spec;
  spec.to_earliest = to_earliest;
  if (to_earliest) return spec;
  int64_t ms = 0;
  if (absl::SimpleAtoi(to_timestamp, &ms)) {
    if (ms < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--to-timestamp=", to_timestamp, ": milliseconds since the epoch must be >= 0"));
    }
    spec.timestamp_ms = ms;
    return spec;
  }
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, to_timestamp, &t, &err)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--to-timestamp=", to_timestamp,
                     ": expected milliseconds since the epoch or an RFC 3339 time "
                     "(2026-12-01T20:00:00Z): ",
                     err));
  }
  spec.timestamp_ms = absl::ToUnixMillis(t);
  if (spec.timestamp_ms < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--to-timestamp=", to_timestamp, ": before the epoch"));
  }
  spec.to_earliest = false;
  return spec;
}

absl::StatusOr<ResetReport> ResetJobState(const std::map<std::string, std::string>& config,
                                          const JobModel& model, const ResetSpec& spec) {
  ResetReport report;
  Systems systems(config);

  // Logged stores: store name → changelog (system, stream).
  std::map<std::string, std::pair<std::string, std::string>> changelogs;
  std::set<std::string> intermediate;  // stream names
  const std::string kStores = "stores.", kChangelog = ".changelog";
  const std::string kStreams = "streams.", kIntermediate = ".samza.intermediate";
  for (const auto& [k, v] : config) {
    if (k.rfind(kStores, 0) == 0 && EndsWith(k, kChangelog) &&
        k.size() > kStores.size() + kChangelog.size()) {
      std::string store = k.substr(kStores.size(), k.size() - kStores.size() - kChangelog.size());
      auto dot = v.find('.');
      if (dot == std::string::npos || dot == 0 || dot + 1 == v.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("config key ", k, "=", v, ": expected system.stream"));
      }
      changelogs[store] = {v.substr(0, dot), v.substr(dot + 1)};
    }
    if (k.rfind(kStreams, 0) == 0 && EndsWith(k, kIntermediate) && (v == "true" || v == "TRUE")) {
      intermediate.insert(
          k.substr(kStreams.size(), k.size() - kStreams.size() - kIntermediate.size()));
    }
  }
  // The runtime's internal per-task stores (the timer/watermark store), which a task may have
  // without naming them: their changelogs are wiped like the user's (a missing topic is skipped).
  for (const InternalStore& st :
       InternalStores(Config(Config::Map(config.begin(), config.end())))) {
    changelogs[st.name] = {st.system, st.changelog_topic};
  }

  // 1. Changelogs.
  std::set<std::pair<std::string, std::string>> emptied;
  for (const auto& [store, cl] : changelogs) {
    if (!emptied.insert(cl).second) continue;
    if (auto s = EmptyTopic(systems, cl.first, cl.second, &report, &report.changelog_partitions);
        !s.ok()) {
      return s;
    }
  }

  // 2 and 3. Every task's new checkpoint.
  std::map<std::string, Checkpoint> checkpoints;
  for (const auto& c : model.containers) {
    for (const auto& t : c.tasks) {
      Checkpoint cp;
      for (const Ssp& in : t.inputs) {
        if (in.partition < 0) continue;  // a queue input: its share group keeps its own state
        auto admin = systems.Admin(in.system);
        if (!admin.ok()) return admin.status();
        const bool skip = intermediate.count(in.stream) > 0;
        int64_t spec_value = skip || spec.to_earliest
                                 ? (skip ? logstore::kLatestOffset : logstore::kEarliestOffset)
                                 : spec.timestamp_ms;
        auto off = (*admin)->ListOffset({in.stream, in.partition}, spec_value);
        if (off.ok() && *off < 0) {
          off = (*admin)->ListOffset({in.stream, in.partition}, logstore::kLatestOffset);
        }
        if (!off.ok()) {
          return absl::Status(off.status().code(), absl::StrCat("job reset: input ", in.ToString(),
                                                                ": ", off.status().message()));
        }
        cp.inputs[in] = *off;
        ++(skip ? report.intermediate_partitions : report.input_partitions);
      }
      for (const auto& [store, cl] : changelogs) {
        auto admin = systems.Admin(cl.first);
        if (!admin.ok()) return admin.status();
        auto end =
            (*admin)->ListOffset({cl.second, t.changelog_partition}, logstore::kLatestOffset);
        if (!end.ok()) {
          if (end.status().code() == absl::StatusCode::kNotFound) continue;  // created at start
          return absl::Status(end.status().code(),
                              absl::StrCat("job reset: changelog ", cl.first, ".", cl.second, "[",
                                           t.changelog_partition, "]: ", end.status().message()));
        }
        cp.changelogs[store] = {Ssp{cl.first, cl.second, t.changelog_partition}, *end};
      }
      checkpoints[t.name] = std::move(cp);
    }
  }
  if (report.intermediate_partitions > 0) {
    report.lines.push_back(absl::StrCat("skipped ", intermediate.size(),
                                        " intermediate stream(s) to their end (",
                                        report.intermediate_partitions, " task partitions)"));
  }
  report.lines.push_back(absl::StrCat(
      "inputs: ", report.input_partitions, " task partitions set to ",
      spec.to_earliest ? std::string("their earliest offset")
                       : absl::StrCat("the first offset at/after ", spec.timestamp_ms, " ms")));

  // 4. The checkpoint topic: emptied, then one checkpoint per task.
  std::string cp_system = Get(config, "task.checkpoint.system");
  if (cp_system.empty() && !model.containers.empty()) {
    for (const auto& c : model.containers) {
      for (const auto& t : c.tasks) {
        if (!t.inputs.empty()) {
          cp_system = t.inputs.front().system;
          break;
        }
      }
      if (!cp_system.empty()) break;
    }
  }
  if (cp_system.empty()) {
    return absl::InvalidArgumentError(
        "job reset: the job has no input and no "
        "task.checkpoint.system");
  }
  const std::string cp_topic = CheckpointTopic(model.job_name, model.job_id);
  int64_t ignored = 0;
  if (auto s = EmptyTopic(systems, cp_system, cp_topic, &report, &ignored); !s.ok()) return s;
  auto admin = systems.Admin(cp_system);
  if (!admin.ok()) return admin.status();
  if (auto s = (*admin)->CreateTopic(cp_topic, 1, {{"cleanup.policy", "compact"}});
      !s.ok() && s.code() != absl::StatusCode::kAlreadyExists) {
    return absl::Status(s.code(), absl::StrCat("job reset: checkpoint topic ", cp_system, ".",
                                               cp_topic, ": ", s.message()));
  }
  auto bootstrap = systems.Bootstrap(cp_system);
  if (!bootstrap.ok()) return bootstrap.status();
  logstore::ProducerOptions po;
  po.client.bootstrap = *bootstrap;
  auto producer = logstore::Producer::Create(po);
  if (!producer.ok()) return producer.status();
  for (const auto& [task, cp] : checkpoints) {
    if (auto s = (*producer)->Send(cp_topic, 0, task, CheckpointToJson(cp)); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("job reset: writing the checkpoint of task '",
                                                 task, "' to ", cp_topic, ": ", s.message()));
    }
  }
  if (auto s = (*producer)->Close(); !s.ok()) {
    return absl::Status(
        s.code(), absl::StrCat("job reset: writing checkpoints to ", cp_topic, ": ", s.message()));
  }
  report.checkpoints_written = static_cast<int64_t>(checkpoints.size());
  report.lines.push_back(absl::StrCat("wrote ", checkpoints.size(), " task checkpoints to ",
                                      cp_system, ".", cp_topic));
  return report;
}

}  // namespace eddy::runtime
