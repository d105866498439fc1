#include "runtime/container/watermark_tracker.h"

#include <algorithm>

namespace eddy::runtime {

int WatermarkTracker::AddPartition(int64_t now_ms, bool intermediate, int32_t writers) {
  Partition p;
  p.intermediate = intermediate;
  p.writers = writers;
  p.last_active_ms = now_ms;
  partitions_.push_back(std::move(p));
  return static_cast<int>(partitions_.size()) - 1;
}

void WatermarkTracker::OnWriterWatermark(int partition, const std::string& writer, int32_t writers,
                                         int64_t watermark_ms, int64_t now_ms) {
  Partition& p = partitions_[partition];
  p.last_active_ms = now_ms;
  p.writers = std::max(p.writers, writers);
  auto [it, added] = p.writer_watermarks.emplace(writer, watermark_ms);
  if (!added && watermark_ms > it->second) it->second = watermark_ms;
}

int64_t WatermarkTracker::PartitionWatermark(int partition) const {
  const Partition& p = partitions_[partition];
  if (p.intermediate) {
    if (p.writers <= 0 || static_cast<int32_t>(p.writer_watermarks.size()) < p.writers) {
      return kNoWatermark;
    }
    int64_t m = std::numeric_limits<int64_t>::max();
    for (const auto& [w, v] : p.writer_watermarks) m = std::min(m, v);
    return m;
  }
  if (p.max_event_time == kNoWatermark) return kNoWatermark;
  // Saturating: an event time near the minimum must not wrap.
  if (p.max_event_time < kNoWatermark + opt_.max_out_of_orderness_ms) return kNoWatermark;
  return p.max_event_time - opt_.max_out_of_orderness_ms;
}

bool WatermarkTracker::Idle(int partition, int64_t now_ms) const {
  const Partition& p = partitions_[partition];
  return p.caught_up && now_ms - p.last_active_ms >= opt_.idle_timeout_ms;
}

int64_t WatermarkTracker::Compute(const std::vector<int64_t>& active,
                                  const std::vector<int64_t>& idle) {
  if (!active.empty()) return *std::min_element(active.begin(), active.end());
  if (!idle.empty()) return *std::max_element(idle.begin(), idle.end());
  return kNoWatermark;
}

bool WatermarkTracker::Update(int64_t now_ms) {
  std::vector<int64_t> active, idle, src_active, src_idle;
  for (int i = 0; i < size(); ++i) {
    const int64_t w = PartitionWatermark(i);
    const bool is_idle = Idle(i, now_ms);
    (is_idle ? idle : active).push_back(w);
    if (!partitions_[i].intermediate) (is_idle ? src_idle : src_active).push_back(w);
  }
  source_watermark_ = std::max(source_watermark_, Compute(src_active, src_idle));
  const int64_t w = Compute(active, idle);
  if (w > watermark_) {
    watermark_ = w;
    return true;
  }
  return false;
}

void WatermarkTracker::Restore(int64_t watermark_ms) {
  watermark_ = std::max(watermark_, watermark_ms);
  source_watermark_ = std::max(source_watermark_, watermark_ms);
}

}  // namespace eddy::runtime
