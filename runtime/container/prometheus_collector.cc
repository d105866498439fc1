// ContainerCollector: MetricsRegistry snapshot + RocksDB figures → Prometheus families.
#include "runtime/container/prometheus_collector.h"

#include <map>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "runtime/state/rocksdb_probe.h"

namespace eddy::runtime {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<ClientMetric::Label>;

// Help text of the runtime's own families (the rest get a generic one).
const std::map<std::string, std::string>& HelpTexts() {
  static const auto* help = new std::map<std::string, std::string>{
      {"eddy_task_messages_processed_total", "Messages the task's Process() handled."},
      {"eddy_task_process_seconds", "Time in the task's Process(), one message in 64 timed."},
      {"eddy_task_window_seconds", "Time in the task's Window(), per call."},
      {"eddy_task_deserialization_errors_total",
       "Input messages dropped because their key or value did not deserialize."},
      {"eddy_task_consumer_lag_messages",
       "Messages in the input partition after the task's next offset (high watermark - next)."},
      {"eddy_container_commit_seconds", "Wall time of a container commit (all its tasks)."},
      {"eddy_container_task_commit_seconds", "Wall time of one task's part of a commit."},
      {"eddy_container_commits_total", "Commits done by the container."},
      {"eddy_container_trimmed_keys_total", "Changelog keys rewritten by the trim after restore."},
      {"eddy_store_keys", "Estimated keys in the store (RocksDB rocksdb.estimate-num-keys)."},
      {"eddy_store_bytes", "Store size: SST files plus memtables, bytes."},
      {"eddy_store_sst_bytes", "Bytes of the store's SST files."},
      {"eddy_store_memtable_bytes", "Bytes of the store's memtables."},
      {"eddy_store_cache_hits_total", "Object-cache hits of the store."},
      {"eddy_store_cache_misses_total", "Object-cache misses of the store."},
      {"eddy_store_cache_hit_ratio", "Object-cache hits / (hits + misses)."},
      {"eddy_store_restore_records_total", "Changelog records replayed into the store."},
      {"eddy_store_restore_bytes_total", "Changelog bytes replayed into the store."},
      {"eddy_store_restore_start_offset",
       "Changelog offset the last restore started from (-1 = no restore)."},
      {"eddy_store_restore_end_offset",
       "Changelog offset (exclusive) the last restore went to (-1 = no restore)."},
      {"eddy_store_restore_from_local_checkpoint",
       "1 = the last restore started from a local checkpoint, 0 = from the changelog start, -1 = "
       "none."},
      {"eddy_store_restore_done", "1 once the store is restored and the task may use it."},
      {"eddy_store_restore_seconds", "Wall time of the store's whole restore."},
      {"eddy_store_rocksdb_block_cache_hits_total", "RocksDB block cache hits (BLOCK_CACHE_HIT)."},
      {"eddy_store_rocksdb_block_cache_misses_total",
       "RocksDB block cache misses (BLOCK_CACHE_MISS)."},
      {"eddy_store_rocksdb_bytes_written_total", "Bytes written to RocksDB (BYTES_WRITTEN)."},
      {"eddy_store_rocksdb_bytes_read_total", "Bytes read by RocksDB point reads (BYTES_READ)."},
      {"eddy_store_rocksdb_compaction_read_bytes_total",
       "Bytes read by RocksDB compactions (COMPACT_READ_BYTES)."},
      {"eddy_store_rocksdb_compaction_written_bytes_total",
       "Bytes written by RocksDB compactions (COMPACT_WRITE_BYTES)."},
      {"eddy_store_rocksdb_write_stall_seconds_total",
       "Time RocksDB stalled writes (STALL_MICROS)."},
  };
  return *help;
}

std::string Snake(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    out.push_back(ok ? c : '_');
  }
  return out;
}

// Families being built, by name. A name seen with another type keeps the first type (the
// conflicting sample is dropped: Prometheus allows one type per family).
class Families {
 public:
  void Counter(const std::string& name, Labels labels, double v) {
    if (auto* f = Get(name, MetricType::Counter)) {
      ClientMetric m;
      m.label = std::move(labels);
      m.counter.value = v;
      f->metric.push_back(std::move(m));
    }
  }
  void Gauge(const std::string& name, Labels labels, double v) {
    if (auto* f = Get(name, MetricType::Gauge)) {
      ClientMetric m;
      m.label = std::move(labels);
      m.gauge.value = v;
      f->metric.push_back(std::move(m));
    }
  }
  void Summary(const std::string& name, Labels labels, const MetricSample& t) {
    if (auto* f = Get(name, MetricType::Summary)) {
      ClientMetric m;
      m.label = std::move(labels);
      m.summary.sample_count = static_cast<uint64_t>(t.count);
      m.summary.sample_sum = static_cast<double>(t.sum_ns) / 1e9;
      f->metric.push_back(std::move(m));
    }
  }
  // A sample by its kind: counters get `_total`, timers (nanoseconds) become `_seconds`
  // summaries (a trailing "_ns" of the name is dropped first), gauges stay as they are.
  void Sample(std::string name, Labels labels, const MetricSample& s) {
    switch (s.kind) {
      case MetricKind::kCounter:
        if (!absl::EndsWith(name, "_total")) name += "_total";
        Counter(name, std::move(labels), s.value);
        break;
      case MetricKind::kGauge:
        Gauge(name, std::move(labels), s.value);
        break;
      case MetricKind::kTimer:
        if (absl::EndsWith(name, "_ns")) name.resize(name.size() - 3);
        if (!absl::EndsWith(name, "_seconds")) name += "_seconds";
        Summary(name, std::move(labels), s);
        break;
    }
  }
  std::vector<MetricFamily> Take() {
    std::vector<MetricFamily> out;
    out.reserve(families_.size());
    for (auto& [name, f] : families_) out.push_back(std::move(f));
    return out;
  }

 private:
  MetricFamily* Get(const std::string& name, MetricType type) {
    auto [it, added] = families_.try_emplace(name);
    if (added) {
      it->second.name = name;
      it->second.type = type;
      auto h = HelpTexts().find(name);
      it->second.help = h != HelpTexts().end() ? h->second : "Eddy container metric " + name + ".";
    }
    return it->second.type == type ? &it->second : nullptr;
  }
  std::map<std::string, MetricFamily> families_;
};

// "eddy.lines[3]" → system "eddy", stream "lines", partition "3".
bool ParseSsp(const std::string& s, std::string* system, std::string* stream,
              std::string* partition) {
  size_t dot = s.find('.');
  size_t open = s.rfind('[');
  if (dot == std::string::npos || open == std::string::npos || open < dot || s.back() != ']') {
    return false;
  }
  *system = s.substr(0, dot);
  *stream = s.substr(dot + 1, open - dot - 1);
  *partition = s.substr(open + 1, s.size() - open - 2);
  int p;
  return absl::SimpleAtoi(*partition, &p);
}

// Store metrics whose Prometheus name is not the generic conversion.
const std::map<std::string, std::string>& StoreNames() {
  static const auto* names = new std::map<std::string, std::string>{
      {"cache-hit-rate", "cache_hit_ratio"},
      {"restore-time", "restore_replay_seconds"},
      {"checkpoint-time", "checkpoint_seconds"},
  };
  return *names;
}

}  // namespace

std::string UserMetricName(const std::string& name) { return "eddy_user_" + Snake(name); }

ContainerCollector::ContainerCollector(const MetricsRegistry* registry, std::string job,
                                       std::string container)
    : registry_(registry), job_(std::move(job)), container_(std::move(container)) {}

std::vector<MetricFamily> ContainerCollector::Collect() const {
  Families out;
  std::set<std::string> store_groups;
  for (const MetricSample& s : registry_->Snapshot()) {
    Labels base = {{"job", job_}, {"container", container_}};
    if (absl::StartsWith(s.group, "task.")) {
      base.push_back({"task", s.group.substr(5)});
      if (absl::StartsWith(s.name, "lag.")) {
        std::string system, stream, partition;
        if (!ParseSsp(s.name.substr(4), &system, &stream, &partition)) continue;
        base.push_back({"system", system});
        base.push_back({"stream", stream});
        base.push_back({"partition", partition});
        out.Gauge("eddy_task_consumer_lag_messages", std::move(base), s.value);
      } else if (s.name == "deserialization-errors-dropped") {
        out.Counter("eddy_task_deserialization_errors_total", std::move(base), s.value);
      } else {
        out.Sample("eddy_task_" + Snake(s.name), std::move(base), s);
      }
    } else if (absl::StartsWith(s.group, "store.")) {
      // "store.<task>.<store>" or "store.<task>.<store>.engine" (the engine under a cache); task
      // names may hold dots, store names do not.
      std::string rest = s.group.substr(6);
      std::string prefix = "eddy_store_";
      if (absl::EndsWith(rest, ".engine")) {
        rest.resize(rest.size() - 7);
        prefix = "eddy_store_engine_";
      }
      size_t dot = rest.rfind('.');
      if (dot == std::string::npos) continue;
      if (prefix == "eddy_store_") {
        store_groups.insert(s.group);
      } else if (s.name != "puts" && s.name != "gets" && s.name != "deletes" &&
                 s.name != "range-queries" && s.name != "flushes") {
        continue;  // the engine's other figures repeat the store's or stay 0
      }
      base.push_back({"task", rest.substr(0, dot)});
      base.push_back({"store", rest.substr(dot + 1)});
      if (s.name == "restore-wall-ms") {
        out.Gauge(prefix + "restore_seconds", std::move(base), s.value / 1000.0);
        continue;
      }
      auto named = StoreNames().find(s.name);
      out.Sample(prefix + (named != StoreNames().end() ? named->second : Snake(s.name)),
                 std::move(base), s);
    } else if (s.group == "container") {
      out.Sample("eddy_container_" + Snake(s.name), std::move(base), s);
    } else {
      base.push_back({"group", s.group});
      out.Sample(UserMetricName(s.name), std::move(base), s);
    }
  }
  for (const auto& f : state::RocksDbProbes::Global().Read()) {
    if (!store_groups.count(f.group)) continue;  // another container's store (benchmarks)
    std::string rest = f.group.substr(6);
    size_t dot = rest.rfind('.');
    Labels l = {{"job", job_},
                {"container", container_},
                {"task", rest.substr(0, dot)},
                {"store", rest.substr(dot + 1)}};
    auto d = [](int64_t v) { return static_cast<double>(v); };
    out.Gauge("eddy_store_keys", l, d(f.estimate_num_keys));
    out.Gauge("eddy_store_bytes", l, d(f.sst_bytes + f.memtable_bytes));
    out.Gauge("eddy_store_sst_bytes", l, d(f.sst_bytes));
    out.Gauge("eddy_store_memtable_bytes", l, d(f.memtable_bytes));
    out.Counter("eddy_store_rocksdb_block_cache_hits_total", l, d(f.block_cache_hits));
    out.Counter("eddy_store_rocksdb_block_cache_misses_total", l, d(f.block_cache_misses));
    out.Counter("eddy_store_rocksdb_bytes_written_total", l, d(f.bytes_written));
    out.Counter("eddy_store_rocksdb_bytes_read_total", l, d(f.bytes_read));
    out.Counter("eddy_store_rocksdb_compaction_read_bytes_total", l, d(f.compaction_read_bytes));
    out.Counter("eddy_store_rocksdb_compaction_written_bytes_total", l,
                d(f.compaction_write_bytes));
    out.Counter("eddy_store_rocksdb_write_stall_seconds_total", l, d(f.write_stall_micros) / 1e6);
  }
  return out.Take();
}

}  // namespace eddy::runtime
