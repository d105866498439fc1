#include "log-store/broker/logd_metrics.h"

#include <string>

#include "log-store/http/metric_families.h"
#include "log-store/kafka/kafka_probe.h"
#include "log-store/kafka/kafka_protocol.h"
#include "log-store/storage/storage_probe.h"

namespace eddy::logstore {

namespace {

using eddy::http::FamilyBuilder;
using eddy::http::Labels;
using prometheus::MetricType;

const std::vector<double>& Bounds() {
  static const std::vector<double> b(AtomicHistogram::kBoundsSeconds.begin(),
                                     AtomicHistogram::kBoundsSeconds.end());
  return b;
}

void AddHistogram(FamilyBuilder& f, const Labels& labels, const AtomicHistogram& h) {
  AtomicHistogram::Snapshot s = h.Read();
  f.AddHistogram(labels, Bounds(), std::vector<uint64_t>(s.buckets.begin(), s.buckets.end()),
                 s.sum_seconds);
}

// A name for a grpc::StatusCode number, lower_snake (Prometheus label values).
const char* GrpcCodeName(int code) {
  static const char* const kNames[ServiceProbe::kCodes] = {"ok",
                                                           "cancelled",
                                                           "unknown",
                                                           "invalid_argument",
                                                           "deadline_exceeded",
                                                           "not_found",
                                                           "already_exists",
                                                           "permission_denied",
                                                           "resource_exhausted",
                                                           "failed_precondition",
                                                           "aborted",
                                                           "out_of_range",
                                                           "unimplemented",
                                                           "internal",
                                                           "unavailable",
                                                           "data_loss",
                                                           "unauthenticated"};
  return code >= 0 && code < ServiceProbe::kCodes ? kNames[code] : "unknown";
}

// A Kafka API name in lower_snake ("ListOffsets" -> "list_offsets"), as label values go.
std::string KafkaApiLabel(int key) {
  std::string out;
  for (const char* p = kafka::ApiName(static_cast<int16_t>(key)); *p != 0; ++p) {
    const char c = *p;
    if (c >= 'A' && c <= 'Z') {
      if (!out.empty()) out += '_';
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += c;
    }
  }
  return out;
}

void Partitions(const LogManager& logs, FamilyBuilder& f) {
  struct Row {
    std::string topic, partition;
    PartitionStats stats;
  };
  std::vector<Row> rows;
  for (const std::string& topic : logs.ListTopics()) {
    auto info = logs.DescribeTopic(topic);
    if (!info.ok()) continue;  // deleted between the two calls
    for (size_t p = 0; p < info->partitions.size(); ++p) {
      rows.push_back({topic, std::to_string(p), info->partitions[p]});
    }
  }
  auto family = [&](const char* name, const char* help, MetricType type, auto value) {
    f.Family(name, help, type);
    for (const Row& r : rows) {
      f.Add({{"topic", r.topic}, {"partition", r.partition}}, static_cast<double>(value(r.stats)));
    }
  };
  family("eddy_logd_partition_size_bytes", "Bytes of the partition's segments on disk.",
         MetricType::Gauge, [](const PartitionStats& s) { return s.size_bytes; });
  family("eddy_logd_partition_segments", "Segments of the partition.", MetricType::Gauge,
         [](const PartitionStats& s) { return s.segment_count; });
  family("eddy_logd_partition_log_start_offset", "First offset the partition still serves.",
         MetricType::Gauge, [](const PartitionStats& s) { return s.log_start_offset; });
  family("eddy_logd_partition_high_watermark",
         "Next offset to be written (the log end offset; every append is committed).",
         MetricType::Gauge, [](const PartitionStats& s) { return s.log_end_offset; });
  family("eddy_logd_partition_last_stable_offset",
         "First offset of the oldest open transaction, else the high watermark.", MetricType::Gauge,
         [](const PartitionStats& s) { return s.last_stable_offset; });
  f.Family("eddy_logd_partitions", "Partitions the broker holds over all topics.",
           MetricType::Gauge);
  f.Add({}, static_cast<double>(rows.size()));
}

}  // namespace

std::vector<prometheus::MetricFamily> LogdMetrics::Collect() const {
  FamilyBuilder f;
  if (logs_ != nullptr) Partitions(*logs_, f);

  // Produce and fetch traffic of both listeners, one family per figure, labelled by listener.
  const kafka::KafkaProbe& kp = kafka::KafkaProbe::Get();
  struct Traffic {
    const char* listener;
    const char* api;
    const TrafficProbe* probe;
    bool records_known;
  };
  std::vector<Traffic> traffic;
  if (service_ != nullptr) {
    traffic.push_back({"native", "produce", &service_->produce, true});
    traffic.push_back({"native", "fetch", &service_->fetch, true});
  }
  traffic.push_back({"kafka", "produce", &kp.apis[kafka::kProduce], false});
  traffic.push_back({"kafka", "fetch", &kp.apis[kafka::kFetch], false});
  f.Family("eddy_logd_requests_total", "Produce and fetch requests served, by listener and API.",
           MetricType::Counter);
  for (const auto& t : traffic) {
    f.Add({{"listener", t.listener}, {"api", t.api}}, t.probe->requests.load());
  }
  f.Family("eddy_logd_records_total",
           "Records produced (acknowledged) and fetched over the native API, by API.",
           MetricType::Counter);
  for (const auto& t : traffic) {
    if (t.records_known) f.Add({{"listener", t.listener}, {"api", t.api}}, t.probe->records.load());
  }
  f.Family("eddy_logd_record_bytes_total",
           "Record batch bytes produced and fetched over the native API, by API.",
           MetricType::Counter);
  for (const auto& t : traffic) {
    if (t.records_known) f.Add({{"listener", t.listener}, {"api", t.api}}, t.probe->bytes.load());
  }
  f.Family("eddy_logd_request_duration_seconds",
           "Time to answer a produce or fetch request (a fetch includes its long-poll wait).",
           MetricType::Histogram);
  for (const auto& t : traffic) {
    AddHistogram(f, {{"listener", t.listener}, {"api", t.api}}, t.probe->latency);
  }

  // Every answer of the native API by RPC and status code.
  if (service_ != nullptr) {
    f.Family("eddy_logd_native_answers_total",
             "Answers of the native gRPC API by RPC (produce, fetch) and status code.",
             MetricType::Counter);
    const char* rpcs[] = {"produce", "fetch"};
    for (int r = 0; r < 2; ++r) {
      for (int c = 0; c < ServiceProbe::kCodes; ++c) {
        uint64_t n = service_->answers[r][c].load(std::memory_order_relaxed);
        if (n != 0) f.Add({{"rpc", rpcs[r]}, {"code", GrpcCodeName(c)}}, static_cast<double>(n));
      }
    }
  }

  if (long_polls_ != nullptr) {
    f.Family("eddy_logd_long_polls_waiting",
             "Native Fetch/ShareFetch calls waiting for data now (at most --max-long-polls).",
             MetricType::Gauge);
    f.Add({}, static_cast<double>(long_polls_->waiting()));
    f.Family("eddy_logd_long_polls_refused_total",
             "Native Fetch/ShareFetch calls answered without waiting because --max-long-polls "
             "calls were already waiting.",
             MetricType::Counter);
    f.Add({}, static_cast<double>(long_polls_->refused()));
  }

  // The Kafka listener: every API key seen, bytes each way, connections.
  f.Family("eddy_logd_kafka_requests_total", "Kafka requests by API.", MetricType::Counter);
  for (int k = 0; k < kafka::KafkaProbe::kApiKeys; ++k) {
    uint64_t n = kp.apis[k].requests.load(std::memory_order_relaxed);
    if (n != 0) f.Add({{"api", KafkaApiLabel(k)}}, static_cast<double>(n));
  }
  f.Family("eddy_logd_kafka_request_bytes_total", "Bytes of Kafka request frames by API.",
           MetricType::Counter);
  for (int k = 0; k < kafka::KafkaProbe::kApiKeys; ++k) {
    if (kp.apis[k].requests.load() != 0) {
      f.Add({{"api", KafkaApiLabel(k)}}, kp.apis[k].bytes.load());
    }
  }
  f.Family("eddy_logd_kafka_response_bytes_total", "Bytes of Kafka response frames by API.",
           MetricType::Counter);
  for (int k = 0; k < kafka::KafkaProbe::kApiKeys; ++k) {
    if (kp.apis[k].requests.load() != 0) {
      f.Add({{"api", KafkaApiLabel(k)}}, kp.apis[k].records.load());
    }
  }
  f.Family("eddy_logd_kafka_closed_requests_total",
           "Kafka requests answered by closing the connection (malformed, unknown API or "
           "version).",
           MetricType::Counter);
  f.Add({}, kp.closed_requests.load());
  f.Family("eddy_logd_kafka_connections", "Open Kafka connections.", MetricType::Gauge);
  f.Add({}, kp.open_connections.load());
  f.Family("eddy_logd_kafka_connections_accepted_total", "Kafka connections accepted.",
           MetricType::Counter);
  f.Add({}, kp.accepted_connections.load());
  f.Family("eddy_logd_kafka_connections_refused_total",
           "Kafka connections closed at once for a limit (max connections, per IP, "
           "descriptors).",
           MetricType::Counter);
  f.Add({}, kp.refused_connections.load());

  // Storage engine.
  const StorageProbe& sp = StorageProbe::Get();
  f.Family("eddy_logd_fsync_duration_seconds", "Time of one fdatasync of a segment's log file.",
           MetricType::Histogram);
  AddHistogram(f, {}, sp.fsync);
  f.Family("eddy_logd_compaction_runs_total",
           "Compaction passes over a compacted partition that had cleanable segments.",
           MetricType::Counter);
  f.Add({}, sp.compaction_runs.load());
  f.Family("eddy_logd_compaction_reclaimed_bytes_total", "Bytes compaction removed from disk.",
           MetricType::Counter);
  f.Add({}, sp.compaction_reclaimed_bytes.load());
  f.Family("eddy_logd_compaction_seconds_total", "Time spent compacting.", MetricType::Counter);
  f.Add({}, static_cast<double>(sp.compaction_ns.load()) * 1e-9);

  // Transactions, summed over the transactional ids the coordinator holds.
  if (txn_ != nullptr) {
    int64_t commits = 0, aborts = 0, fenced = 0;
    for (const TxnDescription& d : txn_->Describe({})) {
      commits += d.commits;
      aborts += d.aborts;
      fenced += d.fenced_requests;
    }
    TxnCounters c = txn_->Counters();
    f.Family("eddy_logd_transactions_total",
             "Transactions ended since the broker started, by outcome (committed, aborted, "
             "timed_out: aborted by the broker after their timeout).",
             MetricType::Counter);
    f.Add({{"outcome", "committed"}}, static_cast<double>(commits));
    f.Add({{"outcome", "aborted"}}, static_cast<double>(aborts));
    f.Add({{"outcome", "timed_out"}}, static_cast<double>(c.timed_out_aborts));
    f.Family("eddy_logd_transaction_fenced_requests_total",
             "Requests refused for an old producer epoch (fenced), by kind.", MetricType::Counter);
    f.Add({{"kind", "produce"}}, static_cast<double>(c.fenced_produce_refused));
    f.Add({{"kind", "end_txn"}}, static_cast<double>(c.fenced_end_txn_refused));
    f.Add({{"kind", "any"}}, static_cast<double>(fenced));
  }
  return f.Take();
}

}  // namespace eddy::logstore
