#include "log-store/storage/producer_state.h"

#include <algorithm>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "log-store/storage/crc32c.h"
#include "log-store/storage/encoding.h"
#include "log-store/storage/record_batch_builder.h"

namespace eddy::logstore {
namespace {

constexpr size_t kWindow = 5;
constexpr char kSnapshotMagic[4] = {'E', 'P', 'S', '1'};

int32_t SeqAdd(int32_t seq, int32_t n) {
  int64_t s = static_cast<int64_t>(seq) + n;
  if (s > 0x7fffffff) s -= 0x80000000LL;
  return static_cast<int32_t>(s);
}

void PutBe16(std::string* out, uint16_t v) {
  char b[2];
  enc::StoreBe16(b, v);
  out->append(b, 2);
}
void PutBe32(std::string* out, uint32_t v) {
  char b[4];
  enc::StoreBe32(b, v);
  out->append(b, 4);
}
void PutBe64(std::string* out, uint64_t v) {
  char b[8];
  enc::StoreBe64(b, v);
  out->append(b, 8);
}

}  // namespace

absl::Status WithReasonStatus(absl::Status s, std::string_view reason) {
  if (!s.ok() && !reason.empty())
    s.SetPayload(kStorageReasonPayloadUrl, absl::Cord(std::string(reason)));
  return s;
}

std::string ReasonOf(const absl::Status& s) {
  auto p = s.GetPayload(kStorageReasonPayloadUrl);
  return p ? std::string(*p) : std::string();
}

absl::StatusOr<int16_t> ControlBatchType(std::string_view batch) {
  RecordIterator it(batch);
  Record r;
  if (!it.Next(&r)) {
    return absl::DataLossError(absl::StrCat("control batch has no record: ",
                                            it.status().ok() ? "empty" : it.status().message()));
  }
  if (!r.key || r.key->size() < 4) {
    return absl::DataLossError("control record key is shorter than 4 bytes");
  }
  return static_cast<int16_t>(enc::LoadBe16(r.key->data() + 2));
}

std::string BuildControlBatch(int64_t producer_id, int16_t producer_epoch, int16_t type,
                              int32_t coordinator_epoch, int64_t timestamp_ms) {
  char key[4];
  enc::StoreBe16(key, 0);
  enc::StoreBe16(key + 2, static_cast<uint16_t>(type));
  char value[6];
  enc::StoreBe16(value, 0);
  enc::StoreBe32(value + 2, static_cast<uint32_t>(coordinator_epoch));
  RecordBatchBuilder b;
  b.SetProducer(producer_id, producer_epoch, -1);
  b.SetTransactional(true, true);
  b.Add(std::string_view(key, 4), std::string_view(value, 6), timestamp_ms);
  return b.Finish();
}

ProducerStateTable::Check ProducerStateTable::CheckBatch(const BatchHeader& h) const {
  Check c;
  auto it = producers_.find(h.producer_id);
  if (it == producers_.end()) return c;  // new here (or older than the recovered state): accept
  const Producer& p = it->second;
  if (h.producer_epoch < p.epoch) {
    c.verdict = Verdict::kInvalidEpoch;
    c.known_epoch = p.epoch;
    return c;
  }
  if (h.base_sequence < 0) return c;  // not sequenced (transactional without idempotence)
  if (h.producer_epoch > p.epoch || p.recent.empty()) return c;  // a new epoch, a new sequence
  const int32_t first_seq = h.base_sequence;
  const int32_t last_seq = SeqAdd(first_seq, h.last_offset_delta);
  for (const BatchEntry& e : p.recent) {
    if (e.first_seq == first_seq && e.last_seq == last_seq) {
      c.verdict = Verdict::kDuplicate;
      c.duplicate_base_offset = e.base_offset;
      c.duplicate_last_offset = e.last_offset;
      return c;
    }
  }
  const int32_t expected = SeqAdd(p.recent.back().last_seq, 1);
  if (first_seq == expected) return c;
  // Older than the window (but not a gap): a duplicate whose offsets are no longer known.
  const int32_t oldest = p.recent.front().first_seq;
  const bool older = first_seq < oldest && oldest - first_seq < (1 << 30);
  c.verdict = older ? Verdict::kDuplicate : Verdict::kOutOfOrder;
  return c;
}

int64_t ProducerStateTable::Apply(const BatchHeader& h, int64_t now_ms) {
  if (h.producer_id < 0) return -1;
  Producer& p = producers_[h.producer_id];
  p.last_write_ms = std::max(p.last_write_ms, now_ms);
  if (h.producer_epoch != p.epoch) {
    if (h.producer_epoch > p.epoch || p.epoch < 0) p.recent.clear();
    p.epoch = std::max(p.epoch, h.producer_epoch);
  }
  if (h.is_control()) {
    const int64_t first = p.open_txn_first;
    if (first >= 0) {
      open_.erase(first);
      p.open_txn_first = -1;
    }
    return first;
  }
  if (h.base_sequence >= 0) {
    p.recent.push_back(BatchEntry{h.base_sequence, SeqAdd(h.base_sequence, h.last_offset_delta),
                                  h.base_offset, h.last_offset()});
    while (p.recent.size() > kWindow) p.recent.pop_front();
  }
  if (h.is_transactional() && p.open_txn_first < 0) {
    p.open_txn_first = h.base_offset;
    open_[h.base_offset] = h.producer_id;
  }
  return -1;
}

size_t ProducerStateTable::ExpireIdle(int64_t now_ms, int64_t expiration_ms) {
  size_t forgotten = 0;
  for (auto it = producers_.begin(); it != producers_.end();) {
    Producer& p = it->second;
    // Restored from a snapshot: its age is unknown, so its expiration period starts now.
    if (p.last_write_ms == 0) p.last_write_ms = now_ms;
    if (p.open_txn_first < 0 && p.last_write_ms <= now_ms - expiration_ms) {
      it = producers_.erase(it);
      ++forgotten;
    } else {
      ++it;
    }
  }
  return forgotten;
}

int64_t ProducerStateTable::OpenTxnFirstOffset(int64_t pid) const {
  auto it = producers_.find(pid);
  return it == producers_.end() ? -1 : it->second.open_txn_first;
}

int64_t ProducerStateTable::FirstOpenOffset() const {
  return open_.empty() ? -1 : open_.begin()->first;
}

std::vector<PartitionProducerState> ProducerStateTable::States() const {
  std::vector<PartitionProducerState> v;
  for (const auto& [pid, p] : producers_) {
    PartitionProducerState s;
    s.producer_id = pid;
    s.producer_epoch = p.epoch;
    s.last_sequence = p.recent.empty() ? -1 : p.recent.back().last_seq;
    s.open_txn_first_offset = p.open_txn_first;
    v.push_back(s);
  }
  return v;
}

// Layout (FORMAT.md "Transactions"): magic "EPS1", int64 offset, int32 count, per producer
// {int64 pid, int16 epoch, int64 open_txn_first, int8 n, n x {int32 first_seq, int32 last_seq,
// int64 base_offset, int64 last_offset}}, then CRC-32C (uint32) of everything before it.
std::string ProducerStateTable::Serialize(int64_t offset) const {
  std::string out(kSnapshotMagic, 4);
  PutBe64(&out, static_cast<uint64_t>(offset));
  PutBe32(&out, static_cast<uint32_t>(producers_.size()));
  for (const auto& [pid, p] : producers_) {
    PutBe64(&out, static_cast<uint64_t>(pid));
    PutBe16(&out, static_cast<uint16_t>(p.epoch));
    PutBe64(&out, static_cast<uint64_t>(p.open_txn_first));
    out.push_back(static_cast<char>(p.recent.size()));
    for (const BatchEntry& e : p.recent) {
      PutBe32(&out, static_cast<uint32_t>(e.first_seq));
      PutBe32(&out, static_cast<uint32_t>(e.last_seq));
      PutBe64(&out, static_cast<uint64_t>(e.base_offset));
      PutBe64(&out, static_cast<uint64_t>(e.last_offset));
    }
  }
  PutBe32(&out, Crc32c(0, out.data(), out.size()));
  return out;
}

absl::StatusOr<ProducerStateTable> ProducerStateTable::Parse(std::string_view data,
                                                             std::string_view what,
                                                             int64_t* offset) {
  auto bad = [&](std::string_view why) {
    return absl::DataLossError(
        absl::StrCat("producer state snapshot ", std::string(what), ": ", std::string(why)));
  };
  if (data.size() < 20 || data.substr(0, 4) != std::string_view(kSnapshotMagic, 4))
    return bad("bad magic or too short");
  const uint32_t crc = enc::LoadBe32(data.data() + data.size() - 4);
  if (Crc32c(0, data.data(), data.size() - 4) != crc) return bad("CRC mismatch");
  std::string_view in = data.substr(4, data.size() - 8);
  *offset = static_cast<int64_t>(enc::LoadBe64(in.data()));
  const uint32_t count = enc::LoadBe32(in.data() + 8);
  in.remove_prefix(12);
  ProducerStateTable t;
  for (uint32_t i = 0; i < count; ++i) {
    if (in.size() < 19) return bad("truncated producer entry");
    const auto pid = static_cast<int64_t>(enc::LoadBe64(in.data()));
    Producer p;
    p.epoch = static_cast<int16_t>(enc::LoadBe16(in.data() + 8));
    p.open_txn_first = static_cast<int64_t>(enc::LoadBe64(in.data() + 10));
    const auto n = static_cast<uint8_t>(in[18]);
    in.remove_prefix(19);
    if (n > kWindow || in.size() < n * 24u) return bad("truncated sequence entries");
    for (int k = 0; k < n; ++k) {
      BatchEntry e;
      e.first_seq = static_cast<int32_t>(enc::LoadBe32(in.data()));
      e.last_seq = static_cast<int32_t>(enc::LoadBe32(in.data() + 4));
      e.base_offset = static_cast<int64_t>(enc::LoadBe64(in.data() + 8));
      e.last_offset = static_cast<int64_t>(enc::LoadBe64(in.data() + 16));
      p.recent.push_back(e);
      in.remove_prefix(24);
    }
    if (p.open_txn_first >= 0) t.open_[p.open_txn_first] = pid;
    t.producers_[pid] = std::move(p);
  }
  if (!in.empty()) return bad("trailing bytes");
  return t;
}

}  // namespace eddy::logstore
