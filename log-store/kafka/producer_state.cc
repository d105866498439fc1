#include "log-store/kafka/producer_state.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "log-store/storage/record_batch.h"

namespace eddy::kafka {
namespace {
constexpr int64_t kBlock = 1000;
constexpr size_t kWindow = 5;

int32_t SeqAdd(int32_t seq, int32_t n) {
  int64_t s = static_cast<int64_t>(seq) + n;
  if (s > 0x7fffffff) s -= 0x80000000LL;
  return static_cast<int32_t>(s);
}
}  // namespace

absl::StatusOr<std::unique_ptr<ProducerStateManager>> ProducerStateManager::Open(
    const std::string& state_file) {
  std::unique_ptr<ProducerStateManager> m(new ProducerStateManager(state_file));
  std::ifstream in(state_file);
  if (in) {
    int64_t hw = 0;
    if (!(in >> hw) || hw < 0) {
      return absl::DataLossError(absl::StrCat("producer id state file ", state_file,
                                              " is unreadable; remove it only ",
                                              "if no idempotent producer is running"));
    }
    m->next_id_ = hw;
    m->reserved_until_ = hw;
  }
  return m;
}

absl::Status ProducerStateManager::PersistHighWater(int64_t hw) {
  std::string tmp = state_file_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("open ", tmp, ": ", std::strerror(errno)));
  }
  std::string text = absl::StrCat(hw, "\n");
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), state_file_.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("write ", state_file_, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ProducerStateManager::NextProducerId() {
  std::lock_guard<std::mutex> lock(mu_);
  if (next_id_ >= reserved_until_) {
    int64_t hw = next_id_ + kBlock;
    if (absl::Status s = PersistHighWater(hw); !s.ok()) return s;
    reserved_until_ = hw;
  }
  return next_id_++;
}

std::mutex& ProducerStateManager::PartitionLock(const std::string& topic, int32_t partition) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& m = partition_locks_[{topic, partition}];
  if (!m) m = std::make_unique<std::mutex>();
  return *m;
}

ProducerStateManager::Check ProducerStateManager::CheckBatch(const std::string& topic,
                                                             int32_t partition, int64_t pid,
                                                             int16_t epoch, int32_t first_seq,
                                                             int32_t count) {
  std::lock_guard<std::mutex> lock(mu_);
  Check c;
  auto it = producers_.find(Key{pid, topic, partition});
  // Unknown producer (new, or older than the scanned tail of the log): accept.
  if (it == producers_.end()) return c;
  PartitionProducer& p = it->second;
  if (epoch < p.epoch) {
    c.verdict = Verdict::kInvalidEpoch;
    return c;
  }
  if (epoch > p.epoch || p.recent.empty()) return c;  // new epoch starts a new sequence
  const int32_t last_seq = SeqAdd(first_seq, count - 1);
  for (const BatchEntry& e : p.recent) {
    if (e.first_seq == first_seq && e.last_seq == last_seq) {
      c.verdict = Verdict::kDuplicate;
      c.duplicate_base_offset = e.base_offset;
      return c;
    }
  }
  const int32_t expected = SeqAdd(p.recent.back().last_seq, 1);
  if (first_seq == expected) return c;
  // Older than the window (but not a gap): treat as duplicate without an offset.
  const int32_t oldest = p.recent.front().first_seq;
  bool older = first_seq < oldest && oldest - first_seq < (1 << 30);
  c.verdict = older ? Verdict::kDuplicate : Verdict::kOutOfOrder;
  return c;
}

void ProducerStateManager::Record(const std::string& topic, int32_t partition, int64_t pid,
                                  int16_t epoch, int32_t first_seq, int32_t count,
                                  int64_t base_offset) {
  std::lock_guard<std::mutex> lock(mu_);
  PartitionProducer& p = producers_[Key{pid, topic, partition}];
  if (epoch != p.epoch) {
    p.epoch = epoch;
    p.recent.clear();
  }
  p.recent.push_back(BatchEntry{first_seq, SeqAdd(first_seq, count - 1), base_offset});
  while (p.recent.size() > kWindow) p.recent.pop_front();
}

absl::Status ProducerStateManager::RecoverPartition(const logstore::PartitionLog& log,
                                                    int64_t max_scan_offsets) {
  const std::pair<std::string, int32_t> key{log.topic(), log.partition()};
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (recovered_.count(key)) return absl::OkStatus();
  }
  constexpr int32_t kChunk = 4 << 20;
  const int64_t end = log.LogEndOffset();
  int64_t offset = std::max(log.LogStartOffset(), end - std::max<int64_t>(0, max_scan_offsets));
  std::string buf;
  while (offset < end) {
    buf.clear();
    auto read = log.ReadAppend(offset, kChunk, &buf);
    if (!read.ok()) {
      if (read.status().code() == absl::StatusCode::kOutOfRange && offset < log.LogStartOffset()) {
        offset = log.LogStartOffset();  // retention deleted the segment under us
        continue;
      }
      return absl::Status(
          read.status().code(),
          absl::StrCat("rebuilding idempotent-producer state of ", key.first, "/", key.second,
                       " at offset ", offset, ": ", read.status().message()));
    }
    if (buf.empty()) break;
    std::string_view data(buf);
    int64_t next = offset;
    while (data.size() >= logstore::kBatchHeaderSize) {
      auto h = logstore::ParseBatchHeader(data);
      if (!h.ok() || h->size_bytes() > data.size()) break;
      if (h->producer_id >= 0 && h->base_sequence >= 0 && h->last_offset() >= offset) {
        Record(key.first, key.second, h->producer_id, h->producer_epoch, h->base_sequence,
               h->last_offset_delta + 1, h->base_offset);
      }
      next = std::max(next, h->last_offset() + 1);
      data.remove_prefix(h->size_bytes());
    }
    if (next <= offset) break;  // no progress: nothing more to learn
    offset = next;
  }
  std::lock_guard<std::mutex> lock(mu_);
  recovered_.insert(key);
  return absl::OkStatus();
}

}  // namespace eddy::kafka
