// Metrics: counters, gauges and timers in named groups. Job authors get a registry from
// Context::metrics(); the runtime keeps one per container and reports Snapshot()s.
// Updates come from one thread (the run loop) and are cheap (a relaxed atomic add); reads may come
// from any thread (inspection, reporters), so values are relaxed atomics.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace eddy {

class Counter {
 public:
  void Inc(int64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  void Set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  int64_t Get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  double Get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Durations: count, total, max and last, in nanoseconds.
class Timer {
 public:
  void Update(std::chrono::nanoseconds d) { UpdateNs(d.count()); }
  void UpdateNs(int64_t ns) {
    count_.fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(ns, std::memory_order_relaxed);
    last_ns_.store(ns, std::memory_order_relaxed);
    if (ns > max_ns_.load(std::memory_order_relaxed)) max_ns_.store(ns, std::memory_order_relaxed);
  }
  int64_t count() const { return count_.load(std::memory_order_relaxed); }
  int64_t sum_ns() const { return sum_ns_.load(std::memory_order_relaxed); }
  int64_t max_ns() const { return max_ns_.load(std::memory_order_relaxed); }
  int64_t last_ns() const { return last_ns_.load(std::memory_order_relaxed); }
  double mean_ns() const {
    int64_t c = count();
    return c == 0 ? 0.0 : static_cast<double>(sum_ns()) / static_cast<double>(c);
  }

 private:
  std::atomic<int64_t> count_{0};
  std::atomic<int64_t> sum_ns_{0};
  std::atomic<int64_t> max_ns_{0};
  std::atomic<int64_t> last_ns_{0};
};

// Times a scope into a Timer.
class ScopedTimer {
 public:
  explicit ScopedTimer(Timer& timer) : timer_(timer), start_(std::chrono::steady_clock::now()) {}
  ~ScopedTimer() { timer_.Update(std::chrono::steady_clock::now() - start_); }
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;

 private:
  Timer& timer_;
  std::chrono::steady_clock::time_point start_;
};

enum class MetricKind { kCounter, kGauge, kTimer };

// One metric's value at Snapshot() time. Counters and gauges use `value`; timers use count,
// sum_ns, max_ns, last_ns (and `value` = mean ns).
struct MetricSample {
  std::string group;
  std::string name;
  MetricKind kind = MetricKind::kCounter;
  double value = 0;
  int64_t count = 0;
  int64_t sum_ns = 0;
  int64_t max_ns = 0;
  int64_t last_ns = 0;
};

// Metrics by (group, name), e.g. group "task.Partition 3", name "messages-processed".
// New*() returns the existing metric when the name is taken (with the same kind), so callers may
// look metrics up repeatedly; the returned reference lives as long as the registry. Creating a
// name that exists with another kind returns a fresh detached metric and logs once to stderr.
class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  Counter& NewCounter(std::string_view group, std::string_view name);
  Gauge& NewGauge(std::string_view group, std::string_view name);
  Timer& NewTimer(std::string_view group, std::string_view name);

  // Every metric, sorted by group then name. Safe from any thread.
  std::vector<MetricSample> Snapshot() const;
  // Snapshot() as a JSON object {group: {name: value | {count, mean_ns, max_ns, last_ns}}}.
  std::string SnapshotJson() const;

 private:
  struct Entry {
    MetricKind kind;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Timer> timer;
  };
  Entry& GetOrCreate(std::string_view group, std::string_view name, MetricKind kind);

  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, Entry> metrics_;
  std::vector<Entry> detached_;
};

}  // namespace eddy
