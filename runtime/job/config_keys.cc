#include "runtime/job/config_keys.h"

#include <functional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace eddy::runtime {
namespace {

using K = KeyType;
using S = SystemKind;

constexpr int64_t kNoMin = INT64_MIN;

}  // namespace

const std::vector<ConfigKey>& KnownConfigKeys() {
  static const std::vector<ConfigKey> keys = {
      // Job.
      {"job.name", K::kString, "", "the job's name (required); a directory and topic name"},
      {"job.id", K::kString, "1", "the job's instance id, beside job.name"},
      {"job.container.count", K::kInt, "1", "containers the job's tasks are spread over", 1},
      {"job.systemstreampartition.grouper.factory", K::kString, "GroupByPartition",
       "how input partitions become tasks (Samza's grouper class names accepted)"},
      {"job.logged.store.base.dir", K::kString, "<work dir>/state", "where local stores live"},
      {"job.host-affinity.enabled", K::kBool, "false",
       "restart a container on its last node, reusing its local state"},
      {"job.standbytasks.replication.factor", K::kInt, "1",
       "copies of each task: the active and N-1 standbys on other nodes, each keeping a warm copy "
       "of the task's stores from its changelogs (cluster only; 1 = none, at most 5)",
       1},
      {"job.package.path", K::kString, "", "the job package (set by `eddy job submit PACKAGE`)"},
      {"job.default.system", K::kString, "",
       "system of an application's intermediate streams and changelogs (else its first input's)"},
      {"job.intermediate.stream.partitions", K::kInt, "",
       "partitions of an application's intermediate streams (else the largest input's)", 1},
      {"job.reset.epoch", K::kLong, "0",
       "set by `eddy job reset`: local stores of an older epoch are not reused", 0},
      // Task.
      {"task.class", K::kString, "", "the task class registered by the job library (required)"},
      {"task.library", K::kString, "", "the job's shared library, relative to the config dir"},
      {"task.inputs", K::kList, "", "input streams, system.stream,... (required)"},
      {"task.window.ms", K::kDuration, "-1", "window() period; -1 = never", -1},
      {"task.commit.ms", K::kDuration, "1000 (exactly_once), 60000 (at_least_once)",
       "commit period; -1 = only when asked. Under exactly_once outputs show at commit, so the "
       "period is their latency, and it must be below the writer's "
       "systems.<s>.producer.transaction.timeout.ms",
       -1},
      {"task.shutdown.ms", K::kDuration, "30000", "time a container gets to stop cleanly", 0},
      {"task.drop.deserialization.errors", K::kBool, "false",
       "drop a message that does not deserialize instead of failing"},
      {"task.checkpoint.system", K::kString, "<first input's system>",
       "the system holding the checkpoint topic"},
      {"processing.guarantee", K::kEnum, "exactly_once",
       "exactly_once (= exactly_once_v2): a task's outputs, changelog writes and checkpoint "
       "commit in one log-store transaction; at_least_once: no transactions, state still exact "
       "(restore trims the dead attempt's changelog tail)",
       kNoMin, "exactly_once,exactly_once_v2,at_least_once"},
      // Event time, watermarks, timers (eddy/timers.h; runtime/container/task_time_service.h).
      {"task.watermark.max.out.of.orderness.ms", K::kDuration, "0",
       "a partition's watermark is its largest event time minus this", 0},
      {"task.watermark.idle.timeout.ms", K::kDuration, "30000",
       "a caught-up partition silent this long stops holding the task's watermark", 1},
      {"task.watermark.control.interval.ms", K::kDuration, "100",
       "least time between two watermark control records a task sends to an intermediate "
       "stream",
       0},
      {"task.timer.check.ms", K::kDuration, "100", "how often processing-time timers are checked",
       1},
      {"task.timers.max", K::kLong, "10000000", "timers one task may hold", 1},
      // Async tasks (eddy/async_task.h; runtime/container/async_dispatcher.h).
      {"task.max.concurrency", K::kInt, "1", "messages of one AsyncStreamTask in flight", 1},
      {"task.callback.timeout.ms", K::kDuration, "60000",
       "an async callback not completed this long fails the container", 1},
      // Cluster manager.
      {"cluster-manager.container.retry.count", K::kInt, "8",
       "container failures tolerated within the retry window; -1 = unlimited", -1},
      {"cluster-manager.container.retry.window.ms", K::kDuration, "300000",
       "window over which container failures are counted", 0},
      {"cluster-manager.container.memory.mb", K::kLong, "1024", "memory per container", 1},
      {"cluster-manager.container.cpu.cores", K::kDouble, "1", "cores per container (> 0)"},
      {"cluster-manager.container.request.timeout.ms", K::kLong, "5000",
       "how long a container may wait for a node", 0},
      // Systems.
      {"systems.*.factory", K::kString, "", "eddy | kafka (Samza's KafkaSystemFactory accepted)"},
      {"systems.*.samza.factory", K::kString, "",
       "Samza's spelling of systems.*.factory (org.apache.samza.system.kafka.KafkaSystemFactory)"},
      {"systems.*.bootstrap.servers", K::kString, "<the grid's log store>",
       "HOST:PORT of eddy-logd or the Kafka brokers"},
      {"systems.*.samza.offset.default", K::kEnum, "upcoming",
       "where an input without a checkpoint starts", kNoMin, "oldest,upcoming"},
      {"systems.*.samza.key.serde", K::kString, "", "key serde of the system's streams"},
      {"systems.*.samza.msg.serde", K::kString, "", "message serde of the system's streams"},
      {"systems.*.consumer.fetch.max.wait.ms", K::kLong, "100", "longest fetch wait", 0, "",
       S::kEddy},
      {"systems.*.consumer.max.partition.fetch.bytes", K::kInt, "4194304",
       "most bytes fetched per partition", 1, "", S::kEddy},
      {"systems.*.consumer.fetch.max.bytes", K::kInt, "33554432", "most bytes per fetch", 1, "",
       S::kEddy},
      {"systems.*.consumer.fetch.min.bytes", K::kInt, "1", "bytes a fetch waits for", 0, "",
       S::kEddy},
      {"systems.*.producer.linger.ms", K::kLong, "1",
       "how long a batch waits to fill before it is sent (a partition with a request in flight "
       "keeps filling until it returns)",
       0, "", S::kEddy},
      {"systems.*.producer.batch.size", K::kInt, "262144", "bytes per produced batch", 1, "",
       S::kEddy},
      {"systems.*.producer.acks", K::kEnum, "-1", "-1 (all in-sync replicas) | 0 | 1", kNoMin,
       "-1,0,1,all", S::kEddy},
      {"systems.*.producer.transaction.timeout.ms", K::kLong, "60000",
       "a task's open transaction is aborted by the log store after this long", 1, "", S::kEddy},
      {"systems.*.consumer.isolation.level", K::kEnum, "read_committed",
       "read_committed: only committed records (never an aborted attempt's writes)", kNoMin,
       "read_committed,read_uncommitted", S::kEddy},
      {"systems.*.streams.*.share.group", K::kString, "",
       "the share group an input of task.inputs is read through as a queue: not split into "
       "partition tasks, one queue task per container; at-least-once, no per-key order (README "
       "\"Reading a topic as a queue\")",
       kNoMin, "", S::kEddy},
      {"systems.*.streams.*.share.max.records", K::kInt, "500",
       "records a queue input acquires per poll", 1, "", S::kEddy},
      {"systems.*.replication.factor", K::kInt, "1", "replication of topics Eddy creates", 1, "",
       S::kKafka},
      {"systems.*.consumer.**", K::kPassThrough, "", "librdkafka consumer properties", kNoMin, "",
       S::kKafka},
      {"systems.*.producer.**", K::kPassThrough, "", "librdkafka producer properties", kNoMin, "",
       S::kKafka},
      {"systems.*.admin.**", K::kPassThrough, "", "librdkafka admin client properties", kNoMin, "",
       S::kKafka},
      // Streams.
      {"streams.*.samza.system", K::kString, "", "the system of an output stream Eddy creates"},
      {"streams.*.samza.intermediate", K::kBool, "false",
       "an application's intermediate stream (generated by app.class)"},
      {"streams.*.partitions", K::kInt, "", "partitions of an output stream Eddy creates", 1},
      {"streams.*.samza.key.serde", K::kString, "", "key serde of one stream"},
      {"streams.*.samza.msg.serde", K::kString, "", "message serde of one stream"},
      {"streams.*.samza.intermediate", K::kBool, "false",
       "a stream the job writes and reads itself (generated by partition_by; carries watermark "
       "control records)"},
      // Stores.
      {"stores.*.factory", K::kString, "",
       "rocksdb | inmemory (Samza's RocksDb / InMemory KeyValueStorageEngineFactory accepted)"},
      {"stores.*.changelog", K::kString, "", "system.stream the store is logged to"},
      {"stores.*.changelog.min.compaction.lag.ms", K::kDuration, "14400000",
       "least min.compaction.lag.ms of the changelog topic (created with it; an existing topic "
       "with less is an error)",
       0},
      {"stores.*.key.serde", K::kString, "", "key serde"},
      {"stores.*.msg.serde", K::kString, "", "value serde"},
      {"stores.*.object.cache.size", K::kLong, "1000", "objects cached in front of the store", 0},
      {"stores.*.write.batch.size", K::kLong, "500", "dirty objects per flush", 1},
      {"stores.*.container.write.buffer.size.bytes", K::kLong, "",
       "Samza's per-container RocksDB write buffer", 1},
      {"stores.*.container.cache.size.bytes", K::kLong, "", "Samza's per-container block cache", 0},
      {"stores.*.restore.bulk.load", K::kBool, "true",
       "a long restore into RocksDB writes sorted SST files and ingests them; false = "
       "WriteBatches"},
      {"stores.*.restore.bulk.buffer.bytes", K::kLong, "16777216",
       "bytes of changelog records sorted into one SST file by a bulk restore (at most 2^32)",
       65536},
      {"stores.*.rocksdb.bloom.bits.per.key", K::kInt, "10",
       "bloom filter bits per key of the SST files (0 = no filter, at most 64)", 0},
      {"stores.*.rocksdb.memtable.bloom.ratio", K::kInt, "5",
       "percent of the write buffer given to a whole-key memtable bloom filter (0 = off, at most "
       "25)",
       0},
      {"stores.*.rocksdb.cache.index.and.filter.blocks", K::kBool, "false",
       "keep index and filter blocks in the block cache (bounded memory) instead of the heap"},
      {"stores.*.rocksdb.max.background.jobs", K::kInt, "2",
       "RocksDB flush and compaction threads (1 to 64)", 1},
      {"stores.*.rocksdb.level0.file.num.compaction.trigger", K::kInt, "8",
       "L0 files that start a compaction (1 to 1000)", 1},
      {"task.store.restore.threads", K::kInt, "2", "stores of one task restored at once (1 to 64)",
       1},
      {"stores.*.rocksdb.**", K::kPassThrough, "",
       "RocksDB options, checked by the store (unknown ones are errors)"},
      // Serdes.
      {"serializers.registry.*.class", K::kString, "",
       "a serde: a built-in name, a registered class or Samza's serde factory class"},
      // The job's own keys.
      {"app.**", K::kPassThrough, "", "the job's own settings, read by the task from Context"},
      {"__eddy.**", K::kPassThrough, "", "internal: set by Eddy's own tools, never by a job"},
      // Samza keys for things Eddy does differently.
      {"job.factory.class", K::kIgnored, "",
       "Eddy runs jobs with `eddy run` (one process) or `eddy job submit PACKAGE` (a grid)"},
      {"yarn.package.path", K::kIgnored, "",
       "Eddy packages are submitted with `eddy job submit PACKAGE`"},
      {"yarn.**", K::kIgnored, "", "Eddy has no YARN; eddy-coordinator places containers"},
      {"task.checkpoint.factory", K::kIgnored, "",
       "Eddy always checkpoints to a topic on task.checkpoint.system"},
      {"job.coordinator.system", K::kIgnored, "",
       "eddy-coordinator keeps the job model; there is no coordinator stream"},
      {"job.coordinator.**", K::kIgnored, "",
       "eddy-coordinator keeps the job model; there is no coordinator stream"},
      {"metrics.reporters", K::kList, "prometheus,file",
       "metrics reporters by name; each name's kind is metrics.reporter.<name>.class (a name "
       "that is a kind needs no class)"},
      {"metrics.reporter.*.class", K::kString, "",
       "prometheus (the container's GET /metrics) | file (metrics.json in the work dir) | "
       "snapshot (JSON snapshots to a topic; Samza's MetricsSnapshotReporterFactory)"},
      {"metrics.reporter.*.stream", K::kString, "",
       "snapshot reporter: <system>.<stream> the snapshots are written to (required)"},
      {"metrics.reporter.*.interval.ms", K::kDuration, "60000",
       "snapshot reporter: how often a snapshot is written", 1},
      {"task.opts", K::kIgnored, "", "Eddy containers are native processes, not JVMs"},
  };
  return keys;
}

SystemKind SystemKindOf(std::string_view f) {
  if (f == "eddy") return SystemKind::kEddy;
  if (f == "kafka" || f == "org.apache.samza.system.kafka.KafkaSystemFactory") {
    return SystemKind::kKafka;
  }
  return SystemKind::kAny;
}

std::string SystemFactoryKey(const Config& c, const std::string& sys) {
  const std::string p = "systems." + sys + ".";
  return c.Has(p + "factory") || !c.Has(p + "samza.factory") ? "factory" : "samza.factory";
}

namespace {

// Debian's Abseil does not take std::string_view: a plain split on one character.
std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

std::string Str(std::string_view s) { return std::string(s); }

// Matches key segments against pattern segments. `*` takes one or more segments (names may hold
// dots), a trailing `**` one or more. `on_name` sees the segments the first `*` took and may
// refuse them, so every split is tried.
bool Match(const std::vector<std::string_view>& p, size_t pi,
           const std::vector<std::string_view>& k, size_t ki, std::string* name,
           const std::function<bool(const std::string&)>& ok) {
  if (pi == p.size()) return ki == k.size() && ok(*name);
  if (p[pi] == "**") return pi + 1 == p.size() && ki < k.size() && ok(*name);
  if (ki == k.size()) return false;
  if (p[pi] == "*") {
    const bool first = name->empty();
    std::string taken;
    for (size_t end = ki; end < k.size(); ++end) {
      if (end > ki) taken += '.';
      taken += k[end];
      if (first) *name = taken;
      if (Match(p, pi + 1, k, end + 1, name, ok)) return true;
    }
    if (first) name->clear();
    return false;
  }
  return p[pi] == k[ki] && Match(p, pi + 1, k, ki + 1, name, ok);
}

SystemKind KindOfSystem(const Config& c, const std::string& sys) {
  return SystemKindOf(c.GetOr("systems." + sys + "." + SystemFactoryKey(c, sys), ""));
}

const ConfigKey* Find(const Config& c, const std::string& key) {
  std::vector<std::string_view> ks = Split(key, '.');
  for (const ConfigKey& e : KnownConfigKeys()) {
    std::vector<std::string_view> ps = Split(e.pattern, '.');
    std::string name;
    auto ok = [&](const std::string& n) {
      return e.system == SystemKind::kAny || KindOfSystem(c, n) == e.system;
    };
    if (Match(ps, 0, ks, 0, &name, ok)) return &e;
  }
  return nullptr;
}

absl::Status CheckValue(const Config& c, const std::string& key, const ConfigKey& e) {
  auto below = [&](int64_t v) -> absl::Status {
    if (v >= e.min) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat("config key ", key, ": ", v, " must be >= ", e.min));
  };
  switch (e.type) {
    case K::kInt: {
      auto v = c.GetInt(key);
      return v.ok() ? below(*v) : v.status();
    }
    case K::kLong: {
      auto v = c.GetLong(key);
      return v.ok() ? below(*v) : v.status();
    }
    case K::kDuration: {
      auto v = c.GetDurationMs(key);
      return v.ok() ? below(*v) : v.status();
    }
    case K::kBool:
      return c.GetBool(key).status();
    case K::kDouble: {
      double d;
      std::string v = c.GetOr(key, "");
      if (!absl::SimpleAtod(v, &d) || !(d > 0)) {
        return absl::InvalidArgumentError(
            absl::StrCat("config key ", key, ": expected a number > 0, got '", v, "'"));
      }
      return absl::OkStatus();
    }
    case K::kEnum: {
      std::string v = c.GetOr(key, "");
      for (std::string_view choice : Split(e.choices, ',')) {
        if (v == choice) return absl::OkStatus();
      }
      return absl::InvalidArgumentError(absl::StrCat("config key ", key, ": expected one of ",
                                                     Str(e.choices), ", got '", v, "'"));
    }
    default:
      return absl::OkStatus();
  }
}

}  // namespace

absl::StatusOr<std::vector<std::string>> CheckConfigKeys(const Config& c) {
  std::vector<std::string> warnings;
  for (const auto& [key, value] : c.entries()) {
    const ConfigKey* e = Find(c, key);
    if (!e) {
      warnings.push_back(absl::StrCat("unknown config key ", key,
                                      " (ignored; put the job's own keys under app.)"));
      continue;
    }
    if (e->type == K::kIgnored) {
      warnings.push_back(absl::StrCat(key, " is ignored: ", Str(e->doc)));
      continue;
    }
    if (auto s = CheckValue(c, key, *e); !s.ok()) return s;
  }
  return warnings;
}

Config ApplySamzaAliases(const Config& c) {
  Config::Map m = c.entries();
  for (const auto& [k, v] : m) {
    const std::string suffix = ".factory";
    if (k.rfind("systems.", 0) != 0 || k.size() <= 8 + suffix.size() ||
        k.compare(k.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    std::string p = k.substr(0, k.size() - suffix.size());
    const std::string samza = ".samza";
    if (p.size() > samza.size() && p.compare(p.size() - samza.size(), samza.size(), samza) == 0) {
      p.resize(p.size() - samza.size());  // systems.<s>.samza.factory
    }
    p += ".";
    if (KindOfSystem(c, p.substr(8, p.size() - 9)) != SystemKind::kKafka) continue;
    if (m.count(p + "bootstrap.servers")) continue;
    for (const char* alt : {"producer.bootstrap.servers", "consumer.bootstrap.servers"}) {
      auto it = m.find(p + alt);
      if (it != m.end()) {
        m[p + "bootstrap.servers"] = it->second;
        break;
      }
    }
  }
  return Config(std::move(m), c.source());
}

std::string ConfigKeysMarkdown() {
  auto type_name = [](KeyType t) -> std::string_view {
    switch (t) {
      case K::kString:
        return "string";
      case K::kInt:
        return "int";
      case K::kLong:
        return "long";
      case K::kDouble:
        return "number";
      case K::kBool:
        return "bool";
      case K::kDuration:
        return "ms";
      case K::kList:
        return "list";
      case K::kEnum:
        return "enum";
      case K::kPassThrough:
        return "passed on";
      case K::kIgnored:
        return "ignored";
    }
    return "";
  };
  std::string out = "| key | type | default | what |\n|---|---|---|---|\n";
  for (const ConfigKey& e : KnownConfigKeys()) {
    std::string doc(e.doc);
    if (e.system == SystemKind::kEddy) doc += " (eddy systems)";
    if (e.system == SystemKind::kKafka) doc += " (kafka systems)";
    if (e.min != kNoMin) doc += absl::StrCat("; >= ", e.min);
    if (!e.choices.empty()) doc += absl::StrCat("; one of ", Str(e.choices));
    absl::StrAppend(&out, "| `", Str(e.pattern), "` | ", Str(type_name(e.type)), " | ",
                    e.default_value.empty() ? "" : absl::StrCat("`", Str(e.default_value), "`"),
                    " | ", doc, " |\n");
  }
  return out;
}

}  // namespace eddy::runtime
