#include "runtime/container/job_config.h"

#include <filesystem>
#include <set>

#include "absl/strings/str_cat.h"
#include "runtime/job/config_keys.h"
#include "runtime/job/internal_stores.h"
#include "runtime/job/names.h"

namespace eddy::runtime {
namespace fs = std::filesystem;

absl::StatusOr<InputStream> ParseSystemStream(const std::string& text, const std::string& key) {
  auto dot = text.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == text.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("config key ", key, ": '", text, "' is not system.stream"));
  }
  return InputStream{text.substr(0, dot), text.substr(dot + 1)};
}

absl::StatusOr<JobConfig> ParseJobConfig(const Config& original, const std::string& config_dir,
                                         const std::string& work_dir) {
  JobConfig j;
  const Config c = ApplySamzaAliases(original);
  auto warnings = CheckConfigKeys(c);
  if (!warnings.ok()) return warnings.status();
  j.warnings = std::move(*warnings);
  auto req = [&](const char* key) -> absl::StatusOr<std::string> {
    auto v = c.Get(key);
    if (!v.ok() || v->empty()) {
      return absl::InvalidArgumentError(absl::StrCat("config key ", key, " is missing",
                                                     c.source().empty() ? "" : " in ", c.source()));
    }
    return v;
  };
  auto name = req("job.name");
  if (!name.ok()) return name.status();
  if (auto s = CheckName(NameKind::kJob, "config key job.name", *name); !s.ok()) return s;
  j.job_name = *name;
  j.job_id = c.GetOr("job.id", "1");
  if (auto s = CheckName(NameKind::kJobId, "config key job.id", j.job_id); !s.ok()) return s;
  auto cls = req("task.class");
  if (!cls.ok()) return cls.status();
  j.task_class = *cls;
  std::string lib = c.GetOr("task.library", "");
  if (!lib.empty()) {
    fs::path p(lib);
    if (p.is_relative()) {
      fs::path a = fs::path(config_dir) / p;
      fs::path b = fs::path(config_dir) / ".." / "lib" / p.filename();
      p = fs::exists(a) || !fs::exists(b) ? a : b;
    }
    j.task_library = fs::absolute(p).lexically_normal().string();
  }
  // systems.<sys>.*
  for (const auto& [k, v] : c.entries()) {
    if (k.rfind("systems.", 0) != 0) continue;
    auto rest = k.substr(8);
    auto dot = rest.find('.');
    if (dot == std::string::npos) continue;
    auto sys = rest.substr(0, dot);
    j.systems[sys].name = sys;
    j.systems[sys].props[rest.substr(dot + 1)] = v;
  }
  for (const auto& [sys, sc] : j.systems) {
    if (sc.Get("factory").empty() && sc.Get("samza.factory").empty()) {
      for (const auto& [k, v] : sc.props) {
        if (k.rfind("streams.", 0) == 0 && k.find(".share.") != std::string::npos) {
          return absl::InvalidArgumentError(
              absl::StrCat("config key systems.", sys, ".", k, ": system '", sys,
                           "' is not defined (no systems.", sys, ".factory)"));
        }
      }
      return absl::InvalidArgumentError(
          absl::StrCat("config key systems.", sys, ".factory is missing (eddy | kafka)"));
    }
    if (auto f = MakeSystemFactory(sc); !f.ok()) return f.status();
    if (auto d = ParseOffsetDefault(sc); !d.ok()) return d.status();
  }
  auto inputs = c.GetList("task.inputs");
  if (!inputs.ok() || inputs->empty()) {
    return absl::InvalidArgumentError("config key task.inputs is missing (system.stream,...)");
  }
  for (const auto& in : *inputs) {
    auto ss = ParseSystemStream(in, "task.inputs");
    if (!ss.ok()) return ss.status();
    if (auto s = CheckName(NameKind::kStream, "config key task.inputs: stream", ss->stream);
        !s.ok()) {
      return s;
    }
    if (!j.systems.count(ss->system)) {
      return absl::InvalidArgumentError(
          absl::StrCat("config key task.inputs: input ", in, " names system '", ss->system,
                       "' which has no systems.", ss->system, ".factory"));
    }
    const std::string share = "systems." + ss->system + ".streams." + ss->stream + ".share.";
    if (c.Has(share + "group")) {
      ss->share_group = c.GetOr(share + "group", "");
      if (ss->share_group.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("config key ", share, "group: the share group must not be empty"));
      }
      const std::string factory = j.systems[ss->system].Get(
          j.systems[ss->system].Get("factory").empty() ? "samza.factory" : "factory");
      if (factory != "eddy") {
        return absl::InvalidArgumentError(absl::StrCat(
            "config key ", share, "group: queue inputs need an `eddy` system (systems.", ss->system,
            " is ", factory, ")"));
      }
      auto mr = c.GetInt(share + "max.records", 500);
      if (!mr.ok()) return mr.status();
      if (*mr < 1 || *mr > 100000) {
        return absl::InvalidArgumentError(
            absl::StrCat("config key ", share, "max.records=", *mr, " must be in 1..100000"));
      }
      ss->share_max_records = *mr;
    } else if (c.Has(share + "max.records")) {
      return absl::InvalidArgumentError(
          absl::StrCat("config key ", share, "max.records is set without ", share, "group"));
    }
    j.inputs.push_back(*ss);
  }
  // A share-group key for a stream that is not an input, or on an undefined system.
  for (const auto& [k, v] : c.entries()) {
    const std::string g = ".share.group";
    if (k.rfind("systems.", 0) != 0 || k.size() <= g.size() ||
        k.compare(k.size() - g.size(), g.size(), g) != 0 ||
        k.find(".streams.") == std::string::npos) {
      continue;
    }
    bool used = false;
    for (const auto& in : j.inputs) {
      if (k == "systems." + in.system + ".streams." + in.stream + g) used = true;
    }
    if (!used) {
      return absl::InvalidArgumentError(absl::StrCat(
          "config key ", k, ": names no input of task.inputs (or its system is not defined)"));
    }
  }
  auto num = [&](const char* key, int64_t def, int64_t* out) -> absl::Status {
    auto v = c.GetDurationMs(key, def);
    if (!v.ok()) return v.status();
    *out = *v;
    return absl::OkStatus();
  };
  if (auto s = num("task.window.ms", -1, &j.window_ms); !s.ok()) return s;
  if (auto s = num("task.commit.ms", 60000, &j.commit_ms); !s.ok()) return s;
  if (auto s = num("task.shutdown.ms", 30000, &j.shutdown_ms); !s.ok()) return s;
  // Ranges are checked by CheckConfigKeys (config_keys.cc) before this.
  if (auto s =
          num("task.watermark.max.out.of.orderness.ms", 0, &j.watermark_max_out_of_orderness_ms);
      !s.ok()) {
    return s;
  }
  if (auto s = num("task.watermark.idle.timeout.ms", 30000, &j.watermark_idle_timeout_ms);
      !s.ok()) {
    return s;
  }
  if (auto s = num("task.watermark.control.interval.ms", 100, &j.watermark_control_interval_ms);
      !s.ok()) {
    return s;
  }
  if (auto s = num("task.timer.check.ms", 100, &j.timer_check_ms); !s.ok()) return s;
  if (auto s = num("task.callback.timeout.ms", 60000, &j.callback_timeout_ms); !s.ok()) return s;
  if (auto v = c.GetLong("task.timers.max", 10'000'000); v.ok()) {
    j.timers_max = *v;
  } else {
    return v.status();
  }
  if (auto v = c.GetInt("task.max.concurrency", 1); v.ok()) {
    j.max_concurrency = *v;
  } else {
    return v.status();
  }
  if (j.shutdown_ms < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("config key task.shutdown.ms: ", j.shutdown_ms, " must be >= 0"));
  }
  if (auto s = num("cluster-manager.container.retry.window.ms", 300000, &j.retry_window_ms);
      !s.ok())
    return s;
  auto drop = c.GetBool("task.drop.deserialization.errors", false);
  if (!drop.ok()) return drop.status();
  j.drop_deserialization_errors = *drop;
  auto cc = c.GetInt("job.container.count", 1);
  if (!cc.ok()) return cc.status();
  if (*cc < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("config key job.container.count=", *cc, " must be >= 1"));
  }
  j.container_count = *cc;
  auto rc = c.GetInt("cluster-manager.container.retry.count", 8);
  if (!rc.ok()) return rc.status();
  j.retry_count = *rc;
  auto g = ParseSspGrouper(c.GetOr("job.systemstreampartition.grouper.factory", ""));
  if (!g.ok()) return g.status();
  j.grouper = *g;
  j.checkpoint_system = c.GetOr("task.checkpoint.system", j.inputs.front().system);
  if (!j.systems.count(j.checkpoint_system)) {
    return absl::InvalidArgumentError(absl::StrCat("config key task.checkpoint.system: system '",
                                                   j.checkpoint_system, "' is not defined"));
  }
  std::string guarantee = c.GetOr("processing.guarantee", "exactly_once");
  if (guarantee == "exactly_once" || guarantee == "exactly_once_v2") {
    j.exactly_once = true;
  } else if (guarantee == "at_least_once") {
    j.exactly_once = false;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("config key processing.guarantee: '", guarantee,
                     "' is not one of exactly_once, exactly_once_v2, at_least_once"));
  }
  // Under exactly_once a read_committed reader sees a task's outputs only when it commits, so the
  // commit interval IS the output latency: without task.commit.ms, commit every second (Kafka
  // Streams commits every 100 ms under exactly-once), not every 60 s (Samza's at-least-once
  // default, kept for at_least_once). docs/benchmarks/latency.md has the trade-off.
  if (j.exactly_once && !c.Has("task.commit.ms")) j.commit_ms = kExactlyOnceDefaultCommitMs;
  if (j.exactly_once && j.commit_ms > 0) {
    // A task's transaction stays open from one commit to the next: an interval at or above the
    // writer's transaction timeout lets the log store abort it and fence the task before it can
    // commit (the job then stops, fenced). Refuse it here, naming both keys.
    const std::string timeout_key =
        absl::StrCat("systems.", j.checkpoint_system, ".producer.transaction.timeout.ms");
    auto timeout = c.GetLong(timeout_key, 60000);
    if (!timeout.ok()) return timeout.status();
    if (j.commit_ms >= *timeout) {
      return absl::InvalidArgumentError(absl::StrCat(
          "config key task.commit.ms=", j.commit_ms, " is not below ", timeout_key, "=", *timeout,
          ": under exactly_once a task's transaction stays open between commits and the log "
          "store would abort it; lower task.commit.ms or raise the timeout"));
    }
  }
  std::string base = c.GetOr("job.logged.store.base.dir", "");
  if (j.exactly_once) {
    // A queue input has no offsets to commit atomically with a store's changelog.
    for (const auto& in : j.inputs) {
      if (!in.queue()) continue;
      for (const auto& [k, v] : c.entries()) {
        if (k.rfind("stores.", 0) == 0 && k.size() > 10 &&
            k.compare(k.size() - 10, 10, ".changelog") == 0 && !v.empty()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "config key systems.", in.system, ".streams.", in.stream,
              ".share.group: a queue input cannot be exactly-once with a logged store (", k,
              "); set processing.guarantee=at_least_once or drop the changelog"));
        }
      }
    }
  }
  if (base.empty()) base = (fs::path(work_dir) / "state").string();
  j.store_base_dir = fs::absolute(base).lexically_normal().string();
  // stores.<s>.*
  std::set<std::string> names;
  for (const auto& [k, v] : c.entries()) {
    if (k.rfind("stores.", 0) != 0) continue;
    auto rest = k.substr(7);
    auto dot = rest.find('.');
    if (dot != std::string::npos) names.insert(rest.substr(0, dot));
  }
  for (const auto& n : names) {
    if (auto st = CheckName(NameKind::kStore, "store name in config key stores." + n, n);
        !st.ok()) {
      return st;
    }
    if (n == kTimerStoreName) {
      return absl::InvalidArgumentError(absl::StrCat(
          "config key stores.", n, ".*: the store name ", n,
          " is reserved for the runtime's timer store (runtime/job/internal_stores.h)"));
    }
    StoreConfig s;
    s.name = n;
    s.factory = c.GetOr("stores." + n + ".factory", "");
    if (s.factory.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("config key stores.", n, ".factory is missing (rocksdb | in-memory)"));
    }
    std::string cl = c.GetOr("stores." + n + ".changelog", "");
    if (!cl.empty()) {
      std::string key = "stores." + n + ".changelog";
      auto ss = ParseSystemStream(cl, key);
      if (!ss.ok()) return ss.status();
      if (auto st = CheckName(NameKind::kStream, "config key " + key + ": stream", ss->stream);
          !st.ok()) {
        return st;
      }
      if (!j.systems.count(ss->system)) {
        return absl::InvalidArgumentError(
            absl::StrCat("config key ", key, ": system '", ss->system, "' is not defined"));
      }
      s.changelog = *ss;
      std::string lag_key = key + ".min.compaction.lag.ms";
      if (c.Has(lag_key)) {
        auto lag = c.GetLong(lag_key);
        if (!lag.ok()) return lag.status();
        if (*lag < 0) {
          return absl::InvalidArgumentError(
              absl::StrCat("config key ", lag_key, "=", *lag, " must be >= 0"));
        }
        s.changelog_min_compaction_lag_ms = *lag;
      }
    }
    j.stores.push_back(std::move(s));
  }
  std::vector<std::string> system_names;
  for (const auto& [sys_name, unused] : j.systems) system_names.push_back(sys_name);
  auto reporters = ParseMetricsReporters(c, system_names);
  if (!reporters.ok()) return reporters.status();
  j.reporters = std::move(*reporters);
  return j;
}

}  // namespace eddy::runtime
