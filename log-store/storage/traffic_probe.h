// TrafficProbe: what one request kind of one listener (native Produce, Kafka Fetch, ...) has
// carried — requests, records, bytes and time per request — counted with relaxed atomics on
// the request path. Owned by the listener's probe (log-store/broker/service_probe.h,
// log-store/kafka/kafka_probe.h); eddy-logd's metrics collector reads it at scrape time.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "log-store/storage/atomic_histogram.h"
#include "log-store/storage/encoding.h"

namespace eddy::logstore {

struct TrafficProbe {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> records{0};
  std::atomic<uint64_t> bytes{0};
  AtomicHistogram latency;

  void Count(uint64_t n_records, uint64_t n_bytes) {
    requests.fetch_add(1, std::memory_order_relaxed);
    if (n_records != 0) records.fetch_add(n_records, std::memory_order_relaxed);
    if (n_bytes != 0) bytes.fetch_add(n_bytes, std::memory_order_relaxed);
  }
};

// The records in a run of whole v2 batches (the recordsCount field of each batch header); a
// cut or malformed tail stops the count. Costs one header read per batch, not per record.
inline uint64_t CountBatchRecords(std::string_view batches) {
  uint64_t n = 0;
  size_t pos = 0;
  while (batches.size() - pos >= 61) {
    const char* h = batches.data() + pos;
    const uint32_t len = enc::LoadBe32(h + 8);
    const size_t whole = 12 + static_cast<size_t>(len);
    if (len < 49 || whole > batches.size() - pos) break;
    n += enc::LoadBe32(h + 57);
    pos += whole;
  }
  return n;
}

}  // namespace eddy::logstore
