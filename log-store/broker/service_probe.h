// ServiceProbe: the native gRPC API's own metrics — Produce and Fetch traffic (requests,
// records, bytes, latency) and every RPC's answers by status code. Owned by LogStoreService,
// updated with relaxed atomics on the request path, read by eddy-logd's metrics collector
// (logd_metrics.h) at scrape time.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "log-store/storage/traffic_probe.h"

namespace eddy::logstore {

struct ServiceProbe {
  static constexpr int kCodes = 17;  // grpc::StatusCode 0..16
  enum Rpc { kProduce = 0, kFetch = 1, kOther = 2, kRpcs = 3 };

  TrafficProbe produce;
  TrafficProbe fetch;
  // [rpc][code]: answers by gRPC status code.
  std::array<std::array<std::atomic<uint64_t>, kCodes>, kRpcs> answers{};

  void Answer(Rpc rpc, int code) {
    if (code < 0 || code >= kCodes) code = 2;  // UNKNOWN
    answers[rpc][code].fetch_add(1, std::memory_order_relaxed);
  }
};

}  // namespace eddy::logstore
