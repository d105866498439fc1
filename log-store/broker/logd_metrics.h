// LogdMetrics: eddy-logd's /metrics, a prometheus::Collectable that reads everything at scrape
// time — per topic/partition size and offsets walked from the LogManager (appends pay nothing
// for them), the native API's ServiceProbe, the Kafka listener's KafkaProbe, the storage
// engine's StorageProbe (fsync, compaction) and the transaction coordinator's counts. Names
// are listed in docs/METRICS.md. eddy-logd's main hands it to eddy::http::ServeMetrics.
#pragma once

#include <vector>

#include "log-store/broker/long_poll_limiter.h"
#include "log-store/broker/service_probe.h"
#include "log-store/storage/log_manager.h"
#include "log-store/txn/transaction_coordinator.h"
#include "prometheus/collectable.h"

namespace eddy::logstore {

class LogdMetrics : public prometheus::Collectable {
 public:
  // Nothing is owned; all must outlive the collector. `txn`, `service` and `long_polls` may be
  // null.
  LogdMetrics(const LogManager* logs, const TransactionCoordinator* txn,
              const ServiceProbe* service, const LongPollLimiter* long_polls = nullptr)
      : logs_(logs), txn_(txn), service_(service), long_polls_(long_polls) {}

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const LogManager* logs_;
  const TransactionCoordinator* txn_;
  const ServiceProbe* service_;
  const LongPollLimiter* long_polls_;
};

}  // namespace eddy::logstore
