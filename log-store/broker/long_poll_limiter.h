// LongPollLimiter: bounds how many native RPCs may wait at once for data (Fetch and ShareFetch
// long polls). The broker answers gRPC calls on a bounded thread pool (64 threads, main.cc); a
// call that long-polls holds one for up to its max_wait_ms, so without a bound a few dozen idle
// consumers would leave no thread for Produce, and every other client would stall. A call that
// finds no free slot is answered with what is available now (as if max_wait_ms were 0), so the
// client simply polls again; it is counted (eddy_logd_long_polls_refused_total).
#pragma once

#include <atomic>
#include <cstdint>

namespace eddy::logstore {

class LongPollLimiter {
 public:
  // A slot held for the duration of one wait; empty when none was free.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& o) noexcept : owner_(o.owner_) { o.owner_ = nullptr; }
    Slot& operator=(Slot&& o) noexcept {
      Release();
      owner_ = o.owner_;
      o.owner_ = nullptr;
      return *this;
    }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { Release(); }
    bool held() const { return owner_ != nullptr; }

   private:
    friend class LongPollLimiter;
    explicit Slot(LongPollLimiter* owner) : owner_(owner) {}
    void Release() {
      if (owner_ != nullptr) owner_->waiting_.fetch_sub(1, std::memory_order_acq_rel);
      owner_ = nullptr;
    }
    LongPollLimiter* owner_ = nullptr;
  };

  // At most `max` waits at once (max <= 0: none may wait).
  explicit LongPollLimiter(int32_t max) : max_(max) {}

  Slot TryAcquire() {
    int32_t n = waiting_.load(std::memory_order_relaxed);
    while (n < max_) {
      if (waiting_.compare_exchange_weak(n, n + 1, std::memory_order_acq_rel)) return Slot(this);
    }
    refused_.fetch_add(1, std::memory_order_relaxed);
    return Slot();
  }

  int32_t waiting() const { return waiting_.load(std::memory_order_relaxed); }
  uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }
  int32_t max() const { return max_; }

 private:
  const int32_t max_;
  std::atomic<int32_t> waiting_{0};
  std::atomic<uint64_t> refused_{0};
};

}  // namespace eddy::logstore
