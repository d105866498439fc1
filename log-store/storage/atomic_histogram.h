// AtomicHistogram: a fixed-bucket latency histogram that hot paths of the log store (fsync,
// produce, fetch) update with a few relaxed atomic adds, no lock and no allocation. The broker's
// metrics collector (log-store/broker/logd_metrics.h) reads it at scrape time and writes it as a
// Prometheus histogram in seconds. Readers may see a count and a sum from slightly different
// moments; Prometheus tolerates that.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

namespace eddy::logstore {

class AtomicHistogram {
 public:
  // Upper bounds in seconds (the +Inf bucket is implicit): 50 us .. 10 s.
  static constexpr std::array<double, 16> kBoundsSeconds = {
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
      0.025,   0.05,   0.1,     0.25,   0.5,   1.0,    2.5,   10.0};

  void Observe(std::chrono::nanoseconds d) {
    const double s = static_cast<double>(d.count()) * 1e-9;
    size_t i = 0;
    while (i < kBoundsSeconds.size() && s > kBoundsSeconds[i]) ++i;
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(static_cast<uint64_t>(d.count() < 0 ? 0 : d.count()),
                      std::memory_order_relaxed);
  }

  struct Snapshot {
    std::array<uint64_t, kBoundsSeconds.size() + 1> buckets{};  // not cumulative; last = +Inf
    uint64_t count = 0;
    double sum_seconds = 0;
  };
  Snapshot Read() const {
    Snapshot s;
    for (size_t i = 0; i < buckets_.size(); ++i) {
      s.buckets[i] = buckets_[i].load(std::memory_order_relaxed);
      s.count += s.buckets[i];
    }
    s.sum_seconds = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) * 1e-9;
    return s;
  }

 private:
  std::array<std::atomic<uint64_t>, kBoundsSeconds.size() + 1> buckets_{};
  std::atomic<uint64_t> sum_ns_{0};
};

// Observes the time from construction to destruction into `h`.
class ScopedTimer {
 public:
  explicit ScopedTimer(AtomicHistogram& h) : h_(h), start_(std::chrono::steady_clock::now()) {}
  ~ScopedTimer() { h_.Observe(std::chrono::steady_clock::now() - start_); }
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;

 private:
  AtomicHistogram& h_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace eddy::logstore
