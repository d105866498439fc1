#include "runtime/container/watermark_tracker.h"

#include <algorithm>
#include <limits>

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
                                         int64_t watermark_ms, int64_t now_ms, bool idle) {
  Partition& p = partitions_[partition];
  if (!idle) p.last_active_ms = now_ms;
  p.writers = std::max(p.writers, writers);
  auto [it, added] = p.writer_watermarks.emplace(writer, Writer{watermark_ms, idle});
  if (added) return;
  if (watermark_ms > it->second.watermark) it->second.watermark = watermark_ms;
  it->second.idle = idle;
}

bool WatermarkTracker::AllWritersIdle(const Partition& p) {
  if (!AllWritersHeard(p)) return false;
  for (const auto& [name, w] : p.writer_watermarks) {
    if (!w.idle) return false;
  }
  return true;
}

bool WatermarkTracker::SourceIdle(int64_t now_ms) const {
  bool any = false;
  for (int i = 0; i < size(); ++i) {
    if (partitions_[i].intermediate) continue;
    if (!Idle(i, now_ms)) return false;
    any = true;
  }
  return any;
}

int64_t WatermarkTracker::PartitionWatermark(int partition) const {
  const Partition& p = partitions_[partition];
  if (p.intermediate) {
    if (!AllWritersHeard(p)) return kNoWatermark;
    // The minimum over the non-idle writers; all idle: the largest (the partition is idle).
    int64_t min_active = std::numeric_limits<int64_t>::max();
    int64_t max_idle = kNoWatermark;
    bool any_active = false;
    for (const auto& [name, w] : p.writer_watermarks) {
      if (w.idle) {
        max_idle = std::max(max_idle, w.watermark);
      } else {
        any_active = true;
        min_active = std::min(min_active, w.watermark);
      }
    }
    return any_active ? min_active : max_idle;
  }
  if (p.max_event_time == kNoWatermark) return kNoWatermark;
  // Saturating: an event time near the minimum must not wrap.
  if (p.max_event_time < kNoWatermark + opt_.max_out_of_orderness_ms) return kNoWatermark;
  return p.max_event_time - opt_.max_out_of_orderness_ms;
}

bool WatermarkTracker::Idle(int partition, int64_t now_ms) const {
  const Partition& p = partitions_[partition];
  if (p.intermediate && AllWritersIdle(p)) return true;
  if (p.ended && (!p.intermediate || AllWritersHeard(p))) return true;
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
