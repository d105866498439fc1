#include "log-store/share/share_partition.h"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "absl/strings/str_cat.h"
#include "log-store/txn/transaction_coordinator.h"

namespace eddy::logstore::share {

SharePartition::SharePartition(std::string group, std::string topic, int32_t partition,
                               std::shared_ptr<PartitionLog> log, ShareStateSink* sink,
                               DeadLetterSink* dlq, int64_t start_offset,
                               const std::vector<StateRun>& restored)
    : group_(std::move(group)),
      topic_(std::move(topic)),
      partition_(partition),
      log_(std::move(log)),
      sink_(sink),
      dlq_(dlq),
      start_(start_offset),
      start_at_last_flush_(start_offset) {
  for (const StateRun& run : restored) {
    for (int64_t o = std::max(run.first, start_); o < run.first + run.count; ++o) {
      while (End() <= o) window_.push_back(Entry{});
      Entry& e = At(o);
      // A lock does not survive a restart: what was acquired is available again, its delivery
      // count kept.
      e.state = run.state == RecordState::kAcquired ? RecordState::kAvailable : run.state;
      e.delivery_count = run.delivery_count;
    }
  }
  AdvanceStart();
}

void SharePartition::AdvanceStart() {
  while (!window_.empty() && Done(window_.front())) {
    window_.pop_front();
    ++start_;
  }
}

absl::Status SharePartition::Flush(bool reset) {
  if (!reset && touched_.empty() && start_ == start_at_last_flush_) return absl::OkStatus();
  PartitionDelta delta;
  delta.start_offset = start_;
  delta.reset = reset;
  std::sort(touched_.begin(), touched_.end());
  touched_.erase(std::unique(touched_.begin(), touched_.end()), touched_.end());
  for (int64_t o : touched_) {
    if (o < start_ || o >= End()) continue;
    const Entry& e = At(o);
    if (!delta.runs.empty()) {
      StateRun& last = delta.runs.back();
      if (last.first + last.count == o && last.state == e.state &&
          last.delivery_count == e.delivery_count) {
        ++last.count;
        continue;
      }
    }
    delta.runs.push_back(StateRun{o, 1, e.state, e.delivery_count});
  }
  touched_.clear();
  start_at_last_flush_ = start_;
  if (sink_ == nullptr) return absl::OkStatus();
  return sink_->PersistPartition(group_, topic_, partition_, delta);
}

void SharePartition::Archive(int64_t offset, const ShareGroupConfig& cfg, std::string_view reason) {
  Entry& e = At(offset);
  if (!cfg.dead_letter_topic.empty() && dlq_ != nullptr) {
    absl::Status st = absl::OkStatus();
    bool found = false;
    auto read = log_->Read(offset, 1);
    if (!read.ok()) {
      st = read.status();
    } else {
      BatchIterator batches(read->batches);
      std::string_view batch;
      BatchHeader h;
      if (batches.Next(&batch, &h) && !h.is_control()) {
        RecordIterator records(batch);
        Record r;
        while (records.Next(&r)) {
          if (r.offset != offset) continue;
          found = true;
          st = dlq_->WriteDeadLetter(cfg.dead_letter_topic, group_, topic_, partition_, r,
                                     e.delivery_count, reason);
          break;
        }
        if (!records.status().ok()) st = records.status();
      }
    }
    if (found && st.ok()) {
      ++counters_.dead_lettered_total;
    } else if (!st.ok()) {
      // Counted and logged: the record is archived all the same, so one bad record cannot stop
      // the queue.
      ++counters_.dead_letter_failed_total;
      std::fprintf(stderr,
                   "eddy-logd: share group '%s' %s-%d offset %lld: cannot copy to dead-letter "
                   "topic '%s': %s\n",
                   group_.c_str(), topic_.c_str(), partition_, static_cast<long long>(offset),
                   cfg.dead_letter_topic.c_str(), std::string(st.message()).c_str());
    }
  }
  e.state = RecordState::kArchived;
  e.owner = 0;
  ++counters_.archived_total;
  Touch(offset);
}

void SharePartition::Release(int64_t offset, const ShareGroupConfig& cfg, std::string_view reason) {
  Entry& e = At(offset);
  e.owner = 0;
  if (e.delivery_count >= cfg.delivery_count_limit) {
    Archive(offset, cfg, reason);
    return;
  }
  e.state = RecordState::kAvailable;
  Touch(offset);
}

void SharePartition::Acquired(int64_t offset, uint64_t member, int64_t deadline,
                              AcquireOutput* out) {
  while (End() <= offset) window_.push_back(Entry{});
  Entry& e = At(offset);
  e.state = RecordState::kAcquired;
  e.owner = member;
  e.deadline_ms = deadline;
  ++e.delivery_count;
  if (e.delivery_count > 1) ++counters_.redelivered_total;
  Touch(offset);
  if (!out->acquired.empty()) {
    AcquiredRange& last = out->acquired.back();
    if (last.last + 1 == offset && last.delivery_count == e.delivery_count) {
      last.last = offset;
      return;
    }
  }
  out->acquired.push_back(AcquiredRange{offset, offset, e.delivery_count});
}

void SharePartition::TakeRange(int64_t from, int64_t to, uint64_t member, int64_t deadline,
                               int32_t* budget, int32_t max_bytes, AcquireOutput* out,
                               int64_t* appended_until) {
  // An offset the log holds no record for (compacted away, a control batch): done at once.
  auto no_record = [&](int64_t first, int64_t last) {
    for (int64_t o = first; o <= last; ++o) {
      while (End() <= o) window_.push_back(Entry{});
      At(o).state = RecordState::kAcknowledged;
      At(o).owner = 0;
      Touch(o);
    }
  };
  int64_t pos = from;
  while (pos <= to && *budget > 0) {
    if (!out->records.empty() && out->records.size() >= static_cast<size_t>(max_bytes)) return;
    const int32_t room = static_cast<int32_t>(
        std::max<int64_t>(1, static_cast<int64_t>(max_bytes) - out->records.size()));
    auto read = log_->Read(pos, room);
    if (!read.ok()) {
      const int64_t lso = log_->LogStartOffset();
      if (absl::IsOutOfRange(read.status()) && pos < lso) {
        no_record(pos, std::min(to, lso - 1));  // removed by retention: nothing to deliver
        pos = lso;
        continue;
      }
      return;  // a read error: try again on the next fetch
    }
    if (read->batches.empty()) return;
    const int64_t before = pos;
    BatchIterator batches(read->batches);
    std::string_view batch;
    BatchHeader h;
    while (pos <= to && *budget > 0 && batches.Next(&batch, &h)) {
      if (h.last_offset() < pos) continue;
      if (h.base_offset > pos) {
        no_record(pos, std::min(h.base_offset - 1, to));
        pos = h.base_offset;
        if (pos > to) break;
      }
      const int64_t seg_end = std::min(h.last_offset(), to);
      if (h.is_control()) {
        no_record(pos, seg_end);
        pos = seg_end + 1;
        continue;
      }
      const int64_t n = std::min<int64_t>(seg_end - pos + 1, *budget);
      for (int64_t o = pos; o < pos + n; ++o) Acquired(o, member, deadline, out);
      if (h.last_offset() >= *appended_until) {
        out->records.append(batch);
        *appended_until = h.last_offset() + 1;
      }
      pos += n;
      *budget -= static_cast<int32_t>(n);
      if (out->records.size() >= static_cast<size_t>(max_bytes)) return;
    }
    if (pos == before) return;  // no progress (a corrupt read): stop here
  }
}

absl::Status SharePartition::Acquire(uint64_t member, const ShareGroupConfig& cfg,
                                     int32_t max_records, int32_t max_bytes, int64_t now_ms,
                                     AcquireOutput* out) {
  std::lock_guard<std::mutex> l(mu_);
  const int64_t deadline = now_ms + cfg.record_lock_duration_ms;
  int32_t budget = std::max(max_records, 1);
  int64_t appended_until = std::numeric_limits<int64_t>::min();
  // Records given back (released, lock expired, member gone) go out first.
  for (int64_t o = start_; o < End() && budget > 0; ++o) {
    if (At(o).state != RecordState::kAvailable) continue;
    int64_t last = o;
    while (last + 1 < End() && At(last + 1).state == RecordState::kAvailable) ++last;
    TakeRange(o, last, member, deadline, &budget, max_bytes, out, &appended_until);
    o = last;
    if (!out->records.empty() && out->records.size() >= static_cast<size_t>(max_bytes)) break;
  }
  // Then new records from the log, keeping at most max_record_locks in flight.
  if (window_.empty()) {
    const int64_t lso = log_->LogStartOffset();
    if (start_ < lso) start_ = lso;  // the records below were removed by retention
  }
  const int64_t hw = log_->LogEndOffset();
  const int64_t to = std::min(hw, start_ + cfg.max_record_locks) - 1;
  if (budget > 0 && End() <= to &&
      (out->records.empty() || out->records.size() < static_cast<size_t>(max_bytes))) {
    TakeRange(End(), to, member, deadline, &budget, max_bytes, out, &appended_until);
  }
  AdvanceStart();
  return Flush();
}

absl::Status SharePartition::Acknowledge(uint64_t member, const std::vector<AckRange>& acks,
                                         const ShareGroupConfig& cfg,
                                         std::vector<absl::Status>* results) {
  std::lock_guard<std::mutex> l(mu_);
  results->clear();
  for (const AckRange& a : acks) {
    if (a.first > a.last || a.first < 0) {
      results->push_back(absl::InvalidArgumentError(
          absl::StrCat("share acknowledge ", topic_, "-", partition_, ": first offset ", a.first,
                       " after last offset ", a.last)));
      continue;
    }
    bool held = a.first >= start_ && a.last < End();
    for (int64_t o = a.first; held && o <= a.last; ++o) {
      const Entry& e = At(o);
      held = e.state == RecordState::kAcquired && e.owner == member;
    }
    if (!held) {
      results->push_back(WithTxnReason(
          absl::FailedPreconditionError(absl::StrCat(
              "INVALID_RECORD_STATE: share group '", group_, "' ", topic_, "-", partition_,
              " offsets ", a.first, "..", a.last,
              " are not all acquired by this member (acknowledged already, lock expired, or "
              "never acquired)")),
          "INVALID_RECORD_STATE"));
      continue;
    }
    for (int64_t o = a.first; o <= a.last; ++o) {
      Entry& e = At(o);
      switch (a.type) {
        case AckType::kAccept:
        case AckType::kGap:
          if (a.type == AckType::kAccept) ++counters_.accepted_total;
          e.state = RecordState::kAcknowledged;
          e.owner = 0;
          Touch(o);
          break;
        case AckType::kRelease:
          ++counters_.released_total;
          Release(o, cfg, "delivery count limit");
          break;
        case AckType::kReject:
          ++counters_.rejected_total;
          Archive(o, cfg, "rejected");
          break;
      }
    }
    results->push_back(absl::OkStatus());
  }
  AdvanceStart();
  return Flush();
}

int64_t SharePartition::ExpireLocks(const ShareGroupConfig& cfg, int64_t now_ms) {
  std::lock_guard<std::mutex> l(mu_);
  int64_t next = std::numeric_limits<int64_t>::max();
  for (int64_t o = start_; o < End(); ++o) {
    Entry& e = At(o);
    if (e.state != RecordState::kAcquired) continue;
    if (e.deadline_ms <= now_ms) {
      ++counters_.lock_expired_total;
      Release(o, cfg, "delivery count limit");
    } else {
      next = std::min(next, e.deadline_ms);
    }
  }
  AdvanceStart();
  (void)Flush();  // a failed write is retried with the next change (the state stays in touched_)
  return next;
}

void SharePartition::ReleaseMember(uint64_t member, const ShareGroupConfig& cfg) {
  std::lock_guard<std::mutex> l(mu_);
  for (int64_t o = start_; o < End(); ++o) {
    Entry& e = At(o);
    if (e.state == RecordState::kAcquired && e.owner == member) {
      Release(o, cfg, "delivery count limit");
    }
  }
  AdvanceStart();
  (void)Flush();
}

absl::Status SharePartition::Reset(int64_t offset) {
  std::lock_guard<std::mutex> l(mu_);
  window_.clear();
  touched_.clear();
  start_ = offset;
  return Flush(/*reset=*/true);
}

int64_t SharePartition::AcquiredBy(uint64_t member) const {
  std::lock_guard<std::mutex> l(mu_);
  int64_t n = 0;
  for (const Entry& e : window_) n += (e.state == RecordState::kAcquired && e.owner == member);
  return n;
}

bool SharePartition::HasWork(const ShareGroupConfig& cfg) const {
  std::lock_guard<std::mutex> l(mu_);
  for (const Entry& e : window_) {
    if (e.state == RecordState::kAvailable) return true;
  }
  const int64_t end = start_ + static_cast<int64_t>(window_.size());
  return end < log_->LogEndOffset() && static_cast<int64_t>(window_.size()) < cfg.max_record_locks;
}

SharePartitionStats SharePartition::Stats() const {
  std::lock_guard<std::mutex> l(mu_);
  SharePartitionStats s = counters_;
  s.start_offset = start_;
  s.end_offset = start_ + static_cast<int64_t>(window_.size());
  for (const Entry& e : window_) {
    if (!Done(e)) ++s.in_flight;
    if (e.state == RecordState::kAcquired) ++s.acquired;
    if (e.state == RecordState::kAvailable) ++s.available;
  }
  return s;
}

}  // namespace eddy::logstore::share
