// RoundRobinChooser: picks the next input partition to process among those with buffered
// records, in turn (Samza's default MessageChooser). Partitions are small integers (the
// consumer's registration index). Used by the container's run loop; O(1) per pick.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

namespace eddy::runtime {

class RoundRobinChooser {
 public:
  explicit RoundRobinChooser(int32_t partitions = 0) : queued_(partitions, false) {}

  void Resize(int32_t partitions) { queued_.resize(partitions, false); }
  // The partition has buffered records (idempotent).
  void Ready(int32_t p) {
    if (!queued_[p]) {
      queued_[p] = true;
      ready_.push_back(p);
    }
  }
  // The next partition to take one record from, or -1 when none is ready. The caller calls
  // Ready(p) again if p still has records after taking one.
  int32_t Next() {
    if (ready_.empty()) return -1;
    int32_t p = ready_.front();
    ready_.pop_front();
    queued_[p] = false;
    return p;
  }
  bool empty() const { return ready_.empty(); }

 private:
  std::vector<bool> queued_;
  std::deque<int32_t> ready_;
};

}  // namespace eddy::runtime
