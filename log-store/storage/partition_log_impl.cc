// PartitionLogImpl: open/recover, append, read, retention. Compaction is in log_compactor.cc.
#include "log-store/storage/partition_log_impl.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <filesystem>
#include <set>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "log-store/storage/batch_reencoder.h"
#include "log-store/storage/compression.h"
#include "log-store/storage/encoding.h"
#include "log-store/storage/fault_hooks.h"
#include "log-store/storage/file_io.h"

namespace eddy::logstore {
namespace fs = std::filesystem;

namespace {

// "00000000000000000042" -> 42; false for anything else.
bool ParseBase(const std::string& stem, int64_t* out) {
  if (stem.size() != 20) return false;
  int64_t v = 0;
  for (char c : stem) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

PartitionLogImpl::PartitionLogImpl(std::string dir, std::string topic, int32_t partition,
                                   const TopicConfig& config, PartitionOptions options)
    : dir_(std::move(dir)),
      topic_(std::move(topic)),
      partition_(partition),
      options_(std::move(options)),
      config_(config),
      txn_index_(dir_) {}

PartitionLogImpl::~PartitionLogImpl() = default;

std::string PartitionLogImpl::Label() const {
  return absl::StrCat("topic ", topic_, " partition ", partition_);
}

absl::StatusOr<std::shared_ptr<PartitionLogImpl>> PartitionLogImpl::Open(
    const std::string& dir, std::string topic, int32_t partition, const TopicConfig& config,
    PartitionOptions options, std::string* report) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("create directory ", dir, ": ", ec.message()));
  std::shared_ptr<PartitionLogImpl> p(
      new PartitionLogImpl(dir, std::move(topic), partition, config, std::move(options)));

  // Finish or undo an interrupted compaction swap, drop temp files, collect segment bases.
  std::set<int64_t> bases;
  std::set<int64_t> cleaned_log;
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir, ec))
    names.push_back(e.path().filename().string());
  if (ec) return absl::InternalError(absl::StrCat("list directory ", dir, ": ", ec.message()));
  for (const std::string& n : names) {
    int64_t b;
    if (EndsWith(n, ".log.cleaned") && ParseBase(n.substr(0, 20), &b)) cleaned_log.insert(b);
  }
  for (const std::string& n : names) {
    const std::string path = dir + "/" + n;
    int64_t b;
    if (EndsWith(n, ".tmp")) {
      ::unlink(path.c_str());
    } else if (EndsWith(n, ".cleaned") && ParseBase(n.substr(0, 20), &b)) {
      if (cleaned_log.count(b)) {
        ::unlink(path.c_str());  // the swap had not started: the old segment stays
      } else {
        // The .log was swapped in; finish the index renames.
        const std::string live = path.substr(0, path.size() - std::string(".cleaned").size());
        if (::rename(path.c_str(), live.c_str()) != 0)
          return fileio::ErrnoStatus(errno, "rename", path);
        absl::StrAppend(report, p->Label(), ": finished interrupted compaction swap of ", live,
                        "\n");
      }
    } else if (EndsWith(n, ".log") && ParseBase(n.substr(0, 20), &b)) {
      bases.insert(b);
    }
  }
  if (bases.empty()) {
    auto s = Segment::Create(dir, 0, p->Label(), config.index_interval_bytes);
    if (!s.ok()) return s.status();
    p->segments_[0] = *s;
    if (absl::Status st = fileio::SyncDir(dir); !st.ok()) return st;
  } else {
    for (auto it = bases.begin(); it != bases.end(); ++it) {
      auto next = std::next(it);
      const bool last = next == bases.end();
      auto s = Segment::Open(dir, *it, p->Label(), config.index_interval_bytes, last,
                             last ? 0 : *next, report);
      if (!s.ok()) return s.status();
      p->segments_[*it] = *s;
    }
  }
  p->next_offset_.store(p->segments_.rbegin()->second->next_offset());
  p->log_start_.store(p->segments_.begin()->first);
  // A start offset moved by DeleteRecords (FORMAT.md section 2). Segments it covers whole may
  // still be there after a crash between writing the file and unlinking them.
  if (fs::exists(p->LogStartPath(), ec)) {
    auto text = fileio::ReadWholeFile(p->LogStartPath());
    if (!text.ok()) return text.status();
    int64_t start = -1;
    if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &start) || start < 0) {
      return absl::DataLossError(absl::StrCat(p->Label(), ": ", p->LogStartPath(),
                                              " does not hold a log start offset: \"", *text,
                                              "\""));
    }
    start = std::min(start, p->next_offset_.load());
    if (start > p->log_start_.load()) {
      p->log_start_.store(start);
      std::lock_guard<std::mutex> cl(p->cleaner_mu_);
      p->DropSegmentsBelowStart();
    }
  }
  if (absl::Status st = p->RecoverProducerState(report); !st.ok()) return st;
  return p;
}

absl::Status PartitionLogImpl::RecoverProducerState(std::string* report) {
  std::lock_guard<std::mutex> l(append_mu_);
  const int64_t end = next_offset_.load();
  const int64_t start = log_start_.load();
  for (const auto& seg : SegmentsSnapshot()) {
    if (absl::Status st = txn_index_.LoadSegment(seg->base_offset(), end, report); !st.ok())
      return st;
  }
  int64_t scan_from = SegmentsSnapshot().front()->base_offset();
  std::error_code ec;
  if (fs::exists(SnapshotPath(), ec)) {
    auto data = fileio::ReadWholeFile(SnapshotPath());
    int64_t at = -1;
    absl::StatusOr<ProducerStateTable> t =
        data.ok() ? ProducerStateTable::Parse(*data, SnapshotPath(), &at) : data.status();
    if (t.ok() && at <= end) {
      producers_ = std::move(*t);
      scan_from = std::max(at, scan_from);
    } else {
      absl::StrAppend(report, Label(), ": ignoring producer state snapshot (",
                      t.ok() ? absl::StrCat("offset ", at, " is past the log end ", end)
                             : std::string(t.status().message()),
                      "); rebuilding it from the whole log\n");
    }
  }
  (void)start;
  // Replay the batches after the snapshot: sequences, epochs, open transactions, and the
  // aborted-transaction entries whose index write a crash may have lost.
  for (const auto& seg : SegmentsSnapshot()) {
    if (seg->next_offset() <= scan_from) continue;
    const int64_t seg_base = seg->base_offset();
    absl::Status st = seg->ForEachBatch([&](std::string_view batch, const BatchHeader& h) {
      if (h.last_offset() < scan_from || h.producer_id < 0) return absl::OkStatus();
      const int64_t closed = producers_.Apply(h, 0);
      if (h.is_control() && closed >= 0) {
        auto type = ControlBatchType(batch);
        if (type.ok() && *type == kControlAbort) {
          const int64_t fo = producers_.FirstOpenOffset();
          AbortedTxn e{h.producer_id, closed, h.last_offset(), fo >= 0 ? fo : h.last_offset() + 1};
          return txn_index_.Append(seg_base, e);
        }
      }
      return absl::OkStatus();
    });
    if (!st.ok()) {
      // Corrupt data is never served; the state stops where the readable log stops.
      absl::StrAppend(report, Label(), ": producer state rebuilt only up to a bad batch in ",
                      seg->log_path(), ": ", st.message(), "\n");
      break;
    }
  }
  first_open_.store(producers_.FirstOpenOffset(), std::memory_order_release);
  return absl::OkStatus();
}

void PartitionLogImpl::ExpireIdleProducers(int64_t now_ms) {
  const int64_t expiration = options_.producer_id_expiration_ms;
  if (expiration <= 0) return;
  const int64_t every = std::min<int64_t>(60000, std::max<int64_t>(expiration / 2, 1));
  if (now_ms - last_producer_expiry_ms_ < every) return;
  last_producer_expiry_ms_ = now_ms;
  producers_.ExpireIdle(now_ms, expiration);
}

absl::Status PartitionLogImpl::WriteSnapshot(int64_t offset) {
  std::error_code ec;
  if (producers_.States().empty() && !fs::exists(SnapshotPath(), ec)) return absl::OkStatus();
  return fileio::WriteFileAtomic(SnapshotPath(), producers_.Serialize(offset));
}

int64_t PartitionLogImpl::LastStableOffset() const {
  const int64_t hw = next_offset_.load(std::memory_order_acquire);
  const int64_t fo = first_open_.load(std::memory_order_acquire);
  return fo >= 0 ? std::min(fo, hw) : hw;
}

std::vector<AbortedTxn> PartitionLogImpl::AbortedTransactions(int64_t from, int64_t to) const {
  return txn_index_.Overlapping(from, to);
}

std::vector<PartitionProducerState> PartitionLogImpl::ProducerStates() const {
  std::lock_guard<std::mutex> l(const_cast<std::mutex&>(append_mu_));
  return producers_.States();
}

absl::StatusOr<AppendResult> PartitionLogImpl::WriteTxnMarker(int64_t producer_id,
                                                              int16_t producer_epoch, bool commit,
                                                              int32_t coordinator_epoch) {
  std::lock_guard<std::mutex> l(append_mu_);
  if (deleted_.load()) return absl::NotFoundError(absl::StrCat(Label(), ": topic was deleted"));
  AppendResult none;
  none.base_offset = none.last_offset = -1;
  none.log_start_offset = log_start_.load();
  if (!producers_.HasOpenTxn(producer_id)) return none;
  const std::string marker =
      BuildControlBatch(producer_id, producer_epoch, commit ? kControlCommit : kControlAbort,
                        coordinator_epoch, NowMs());
  if (FaultHooks::Fire("partition.txn_marker.before_append")) {
    return absl::UnavailableError(
        absl::StrCat(Label(), ": fault hook partition.txn_marker.before_append"));
  }
  const int64_t first = producers_.OpenTxnFirstOffset(producer_id);
  hold_lso_ = !commit;
  auto appended = AppendLocked(marker, /*force_sync=*/true, /*internal=*/true);
  hold_lso_ = false;
  // An abort's LSO moves only once the index entry is there (or the append failed).
  auto release_lso = [this] {
    first_open_.store(producers_.FirstOpenOffset(), std::memory_order_release);
  };
  if (!appended.ok() || commit) {
    if (!commit) release_lso();
    return appended;
  }
  std::shared_ptr<Segment> seg = Floor(appended->last_offset);
  const int64_t hw = next_offset_.load(std::memory_order_acquire);
  const int64_t fo = producers_.FirstOpenOffset();
  AbortedTxn e{producer_id, first, appended->last_offset, fo >= 0 ? std::min(fo, hw) : hw};
  absl::Status indexed = txn_index_.Append(seg ? seg->base_offset() : 0, e);
  release_lso();
  if (absl::Status st = indexed; !st.ok()) {
    // The marker is durable; recovery re-adds the entry from it (RecoverProducerState).
    return absl::Status(st.code(),
                        absl::StrCat(Label(), ": abort marker at offset ", appended->last_offset,
                                     " written but ", st.message()));
  }
  return appended;
}

int PartitionLogImpl::DropSegmentsBelowStart() {
  std::vector<std::shared_ptr<Segment>> doomed;
  {
    std::lock_guard<std::mutex> l(segments_mu_);
    const int64_t start = log_start_.load();
    while (segments_.size() > 1 && std::next(segments_.begin())->first <= start) {
      doomed.push_back(segments_.begin()->second);
      segments_.erase(segments_.begin());
    }
  }
  for (const auto& s : doomed) s->RemoveFiles();
  txn_index_.DropBelow(Floor(log_start_.load()) ? Floor(log_start_.load())->base_offset()
                                                : log_start_.load());
  return static_cast<int>(doomed.size());
}

absl::StatusOr<int64_t> PartitionLogImpl::DeleteRecordsBefore(int64_t offset) {
  std::lock_guard<std::mutex> l(append_mu_);
  std::lock_guard<std::mutex> cl(cleaner_mu_);
  if (deleted_.load()) return absl::NotFoundError(absl::StrCat(Label(), ": topic was deleted"));
  const int64_t end = next_offset_.load();
  if (offset == -1) offset = end;
  if (offset < 0 || offset > end) {
    return absl::OutOfRangeError(absl::StrCat("OFFSET_OUT_OF_RANGE: ", Label(),
                                              ": cannot delete records before offset ", offset,
                                              ": the high watermark is ", end));
  }
  if (offset <= log_start_.load()) return log_start_.load();
  // Durable first: a crash after this point comes back with the new start (Open drops the
  // covered segments then).
  if (absl::Status st = fileio::WriteFileAtomic(LogStartPath(), absl::StrCat(offset, "\n"));
      !st.ok()) {
    return st;
  }
  log_start_.store(offset, std::memory_order_release);
  // Everything is deleted: roll so the old active segment can go too.
  if (offset == end && Active()->size() > 0) {
    if (absl::Status st = RollLocked(end); !st.ok()) return st;
  }
  DropSegmentsBelowStart();
  return offset;
}

void PartitionLogImpl::SetConfig(const TopicConfig& config) {
  std::lock_guard<std::mutex> l(config_mu_);
  config_ = config;
}

TopicConfig PartitionLogImpl::config() const {
  std::lock_guard<std::mutex> l(config_mu_);
  return config_;
}

void PartitionLogImpl::MarkDeleted() { deleted_.store(true); }

std::shared_ptr<Segment> PartitionLogImpl::Active() const {
  std::lock_guard<std::mutex> l(segments_mu_);
  return segments_.rbegin()->second;
}

std::shared_ptr<Segment> PartitionLogImpl::Floor(int64_t offset) const {
  std::lock_guard<std::mutex> l(segments_mu_);
  auto it = segments_.upper_bound(offset);
  if (it == segments_.begin()) return nullptr;
  return std::prev(it)->second;
}

std::shared_ptr<Segment> PartitionLogImpl::Higher(int64_t base) const {
  std::lock_guard<std::mutex> l(segments_mu_);
  auto it = segments_.upper_bound(base);
  if (it == segments_.end()) return nullptr;
  return it->second;
}

std::vector<std::shared_ptr<Segment>> PartitionLogImpl::SegmentsSnapshot() const {
  std::lock_guard<std::mutex> l(segments_mu_);
  std::vector<std::shared_ptr<Segment>> v;
  v.reserve(segments_.size());
  for (const auto& [b, s] : segments_) v.push_back(s);
  return v;
}

absl::Status PartitionLogImpl::RollLocked(int64_t new_base) {
  std::shared_ptr<Segment> active = Active();
  if (active->size() == 0) return absl::OkStatus();
  active->Seal(new_base);
  active->SetEndOffset(new_base);
  const TopicConfig cfg = config();
  auto s = Segment::Create(dir_, new_base, Label(), cfg.index_interval_bytes);
  if (!s.ok()) return s.status();
  if (options_.fsync_every_append || cfg.flush_messages == 1) {
    if (absl::Status st = active->SyncAll(); !st.ok()) return st;
    if (absl::Status st = fileio::SyncDir(dir_); !st.ok()) return st;
  }
  {
    std::lock_guard<std::mutex> l(segments_mu_);
    segments_[new_base] = *s;
  }
  // The producer state as of the new segment: recovery scans only from here.
  return WriteSnapshot(new_base);
}

absl::Status PartitionLogImpl::Roll() {
  std::lock_guard<std::mutex> l(append_mu_);
  return RollLocked(next_offset_.load());
}

absl::StatusOr<AppendResult> PartitionLogImpl::Append(std::string_view batches, bool force_sync) {
  std::lock_guard<std::mutex> l(append_mu_);
  return AppendLocked(batches, force_sync, /*internal=*/false);
}

absl::StatusOr<AppendResult> PartitionLogImpl::AppendLocked(std::string_view batches,
                                                            bool force_sync, bool internal) {
  if (deleted_.load()) return absl::NotFoundError(absl::StrCat(Label(), ": topic was deleted"));
  const TopicConfig cfg = config();
  // compression.type=producer (nullopt) never touches the bytes: no decompression, no copy.
  const std::optional<Compression> codec = StoredCodec(cfg.compression_type);
  std::vector<std::string> reencoded;  // batches rewritten to `codec`; allocates only when used
  infos_.clear();
  sources_.clear();
  producer_batches_.clear();
  size_t pos = 0;
  int duplicates = 0;
  AppendResult dup;
  dup.duplicate = true;
  size_t stored_bytes = 0;
  int64_t records = 0;
  while (pos < batches.size()) {
    std::string_view rest = batches.substr(pos);
    if (rest.size() < kBatchHeaderSize) {
      return absl::InvalidArgumentError(absl::StrCat(Label(), ": CORRUPT_MESSAGE: ", rest.size(),
                                                     " trailing bytes at byte ", pos,
                                                     " are not a whole batch"));
    }
    const auto len = static_cast<int32_t>(enc::LoadBe32(rest.data() + 8));
    if (len < static_cast<int32_t>(kBatchHeaderSize - kBatchLogOverhead) ||
        static_cast<size_t>(len) + kBatchLogOverhead > rest.size()) {
      return absl::InvalidArgumentError(absl::StrCat(Label(), ": CORRUPT_MESSAGE: batch at byte ",
                                                     pos, " has batchLength ", len, " but ",
                                                     rest.size(), " bytes remain"));
    }
    const size_t total = static_cast<size_t>(len) + kBatchLogOverhead;
    if (total > static_cast<size_t>(cfg.max_message_bytes)) {
      return absl::OutOfRangeError(
          absl::StrCat("MESSAGE_TOO_LARGE: ", Label(), ": batch of ", total,
                       " bytes exceeds max.message.bytes=", cfg.max_message_bytes));
    }
    std::string_view batch = rest.substr(0, total);
    if (absl::Status st = ValidateBatch(batch); !st.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(Label(), ": CORRUPT_MESSAGE: ", st.message()));
    }
    auto h = ParseBatchHeader(batch);
    if (h->records_count < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat(Label(), ": CORRUPT_MESSAGE: empty batch at byte ", pos));
    }
    if (h->last_offset_delta != h->records_count - 1) {
      // Producers number records 0..n-1; anything else would skip or overlap offsets.
      return absl::InvalidArgumentError(
          absl::StrCat(Label(), ": CORRUPT_MESSAGE: batch at byte ", pos, " has lastOffsetDelta ",
                       h->last_offset_delta, " for ", h->records_count, " records"));
    }
    if (h->is_control() && !internal) {
      return absl::InvalidArgumentError(absl::StrCat(
          Label(), ": INVALID_RECORD: control batch at byte ", pos,
          ": transaction markers are written by the broker's transaction coordinator only"));
    }
    if (h->producer_id >= 0 && !internal) {
      // Producer checks: against the partition's state for the pid's first batch in this
      // append, against the previous batch of the pid for the next ones.
      const std::pair<size_t, BatchHeader>* prev = nullptr;
      for (const auto& pb : producer_batches_)
        if (pb.second.producer_id == h->producer_id) prev = &pb;
      ProducerStateTable::Check c;
      if (prev == nullptr || duplicates > 0) {
        c = producers_.CheckBatch(*h);
      } else if (h->producer_epoch != prev->second.producer_epoch ||
                 (h->base_sequence >= 0 && h->base_sequence != prev->second.base_sequence +
                                                                   prev->second.last_offset_delta +
                                                                   1)) {
        c.verdict = ProducerStateTable::Verdict::kOutOfOrder;
      }
      switch (c.verdict) {
        case ProducerStateTable::Verdict::kAppend:
          if (duplicates > 0) {
            return WithReasonStatus(
                absl::OutOfRangeError(absl::StrCat(
                    Label(), ": OUT_OF_ORDER_SEQUENCE_NUMBER: producer ", h->producer_id,
                    " sent a retried batch followed by a new one in one request")),
                "OUT_OF_ORDER_SEQUENCE_NUMBER");
          }
          break;
        case ProducerStateTable::Verdict::kDuplicate:
          if (!infos_.empty()) {
            return WithReasonStatus(
                absl::OutOfRangeError(absl::StrCat(
                    Label(), ": OUT_OF_ORDER_SEQUENCE_NUMBER: producer ", h->producer_id,
                    " sent a retried batch after a new one in one request")),
                "OUT_OF_ORDER_SEQUENCE_NUMBER");
          }
          if (duplicates++ == 0) dup.base_offset = c.duplicate_base_offset;
          dup.last_offset = c.duplicate_last_offset;
          pos += total;
          continue;
        case ProducerStateTable::Verdict::kOutOfOrder:
          return WithReasonStatus(
              absl::OutOfRangeError(
                  absl::StrCat(Label(), ": OUT_OF_ORDER_SEQUENCE_NUMBER: producer ", h->producer_id,
                               " epoch ", h->producer_epoch, " sent sequence ", h->base_sequence,
                               ", which does not follow its last batch here")),
              "OUT_OF_ORDER_SEQUENCE_NUMBER");
        case ProducerStateTable::Verdict::kInvalidEpoch:
          return WithReasonStatus(
              absl::FailedPreconditionError(
                  absl::StrCat(Label(), ": INVALID_PRODUCER_EPOCH: producer ", h->producer_id,
                               " epoch ", h->producer_epoch, " is older than epoch ", c.known_epoch,
                               " known here (a newer producer holds the id)")),
              "INVALID_PRODUCER_EPOCH");
      }
    }
    if (h->producer_id >= 0) producer_batches_.emplace_back(infos_.size(), *h);
    const char* stored = batch.data();
    size_t stored_size = total;
    const bool reencode = codec && *codec != h->compression() && !h->is_control();
    if (h->compression() != Compression::kNone && !reencode) {
      // The CRC only says the bytes arrived as sent: a compressed batch's records are checked
      // too, so a batch whose records do not decode is never stored (it would fail every
      // reader and the compactor at that offset). ReencodeBatch checks them on its own.
      auto plain = Decompress(h->compression(), batch.substr(kBatchHeaderSize));
      absl::Status rs = plain.ok() ? ValidateRecords(*h, *plain) : plain.status();
      if (!rs.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            Label(), ": CORRUPT_MESSAGE: compressed batch at byte ", pos, " (codec ",
            static_cast<int>(h->compression()), "): its records do not decode: ", rs.message()));
      }
    }
    if (reencode) {
      auto re = ReencodeBatch(batch, *codec);
      if (!re.ok()) {
        const bool corrupt = re.status().code() == absl::StatusCode::kInvalidArgument;
        return absl::Status(
            re.status().code(),
            absl::StrCat(Label(), corrupt ? ": CORRUPT_MESSAGE: " : ": ", re.status().message()));
      }
      if (re->size() > static_cast<size_t>(cfg.max_message_bytes)) {
        return absl::OutOfRangeError(absl::StrCat(
            "MESSAGE_TOO_LARGE: ", Label(), ": batch of ", total, " bytes is ", re->size(),
            " bytes as compression.type=", CompressionTypeName(cfg.compression_type),
            ", over max.message.bytes=", cfg.max_message_bytes));
      }
      stored_size = re->size();
      reencoded.push_back(std::move(*re));
      stored = nullptr;  // resolved below, once `reencoded` stops growing
    }
    sources_.push_back(stored);
    infos_.push_back(BatchInfo{0, h->last_offset_delta, h->max_timestamp,
                               static_cast<uint32_t>(stored_size), h->records_count});
    records += h->records_count;
    stored_bytes += stored_size;
    pos += total;
  }
  if (duplicates > 0 && infos_.empty()) {
    dup.log_start_offset = log_start_.load();
    dup.append_time_ms = -1;
    return dup;
  }
  if (infos_.empty())
    return absl::InvalidArgumentError(absl::StrCat(Label(), ": append of no batches"));

  std::shared_ptr<Segment> active = Active();
  if (active->failed()) {
    return absl::UnavailableError(absl::StrCat(Label(), ": a write to ", active->log_path(),
                                               " failed uncleanly; reopen the log to recover"));
  }
  const int64_t first = next_offset_.load(std::memory_order_relaxed);
  // Positions in the offset index are 32-bit: a segment never grows past 2 GiB - 1.
  const uint64_t seg_limit =
      static_cast<uint64_t>(std::clamp<int64_t>(cfg.segment_bytes, 1, INT32_MAX));
  if (active->size() > 0 && (active->size() + stored_bytes > seg_limit ||
                             NowMs() - active->created_ms() >= cfg.segment_ms)) {
    if (absl::Status st = RollLocked(first); !st.ok()) return st;
    active = Active();
  }

  // Assign offsets: each batch goes out as (its new 8-byte base offset, its bytes after it).
  offset_bytes_.resize(infos_.size());
  iov_.resize(infos_.size() * 2);
  int64_t next = first;
  size_t next_reencoded = 0;
  for (size_t i = 0; i < infos_.size(); ++i) {
    BatchInfo& b = infos_[i];
    const int64_t delta = b.last_offset;
    b.base_offset = next;
    b.last_offset = next + delta;
    next = b.last_offset + 1;
    enc::StoreBe64(offset_bytes_[i].data(), static_cast<uint64_t>(b.base_offset));
    iov_[2 * i] = {offset_bytes_[i].data(), 8};
    const char* data = sources_[i] ? sources_[i] : reencoded[next_reencoded++].data();
    iov_[2 * i + 1] = {const_cast<char*>(data + 8), b.size - 8};
  }
  if (absl::Status st = active->Append(iov_.data(), static_cast<int>(iov_.size()), stored_bytes,
                                       infos_.data(), infos_.size());
      !st.ok()) {
    return st;
  }
  // Test hook: hold the appended batches unpublished for a while, so a racing read can be seen.
  if (FaultHooks::Fire("partition.append.before_publish")) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  const int64_t now_ms = NowMs();
  for (auto& [index, ph] : producer_batches_) {
    ph.base_offset = infos_[index].base_offset;
    producers_.Apply(ph, now_ms);
  }
  ExpireIdleProducers(now_ms);
  // A transaction opened: the LSO holds before the new end offset is visible.
  const int64_t open_before = first_open_.load(std::memory_order_relaxed);
  const int64_t open_after = producers_.FirstOpenOffset();
  if (open_after >= 0 && (open_before < 0 || open_after < open_before))
    first_open_.store(open_after, std::memory_order_release);
  next_offset_.store(next, std::memory_order_release);
  // A transaction closed: the LSO moves only after the marker is visible (and, for an abort,
  // after its index entry: WriteTxnMarker moves it then).
  if (!hold_lso_ && open_after != first_open_.load(std::memory_order_relaxed))
    first_open_.store(open_after, std::memory_order_release);
  unflushed_messages_ += records;
  if (force_sync || options_.fsync_every_append || unflushed_messages_ >= cfg.flush_messages) {
    if (absl::Status st = active->Sync(); !st.ok()) return st;
    unflushed_messages_ = 0;
  }
  if (options_.on_append) options_.on_append();
  AppendResult r;
  r.base_offset = first;
  r.last_offset = next - 1;
  r.append_time_ms = NowMs();
  r.log_start_offset = log_start_.load();
  return r;
}

absl::StatusOr<ReadResult> PartitionLogImpl::Read(int64_t offset, int32_t max_bytes) const {
  ReadResult r;
  auto meta = ReadAppend(offset, max_bytes, &r.batches);
  if (!meta.ok()) return meta.status();
  r.high_watermark = meta->high_watermark;
  r.log_start_offset = meta->log_start_offset;
  r.last_stable_offset = meta->last_stable_offset;
  return r;
}

absl::StatusOr<ReadResult> PartitionLogImpl::ReadAppend(int64_t offset, int32_t max_bytes,
                                                        std::string* out) const {
  ReadResult r;
  r.high_watermark = next_offset_.load(std::memory_order_acquire);
  r.log_start_offset = log_start_.load(std::memory_order_acquire);
  {
    const int64_t fo = first_open_.load(std::memory_order_acquire);
    r.last_stable_offset = fo >= 0 ? std::min(fo, r.high_watermark) : r.high_watermark;
  }
  if (offset < r.log_start_offset || offset > r.high_watermark) {
    return absl::OutOfRangeError(absl::StrCat("OFFSET_OUT_OF_RANGE: ", Label(), ": offset ", offset,
                                              " is outside [", r.log_start_offset, ", ",
                                              r.high_watermark, "]"));
  }
  if (offset == r.high_watermark) return r;
  std::shared_ptr<Segment> seg = Floor(offset);
  if (seg == nullptr) {
    return absl::OutOfRangeError(absl::StrCat("OFFSET_OUT_OF_RANGE: ", Label(), ": offset ", offset,
                                              " was deleted by retention"));
  }
  const size_t start = out->size();
  while (seg != nullptr) {
    auto found = seg->Read(offset, max_bytes, out);
    if (!found.ok()) {
      out->resize(start);
      return found.status();
    }
    if (*found) break;
    seg = Higher(seg->base_offset());
  }
  TrimPastHighWatermark(start, r.high_watermark, out);
  return r;
}

absl::StatusOr<ReadResult> PartitionLogImpl::ReadSlice(int64_t offset, int32_t max_bytes,
                                                       bool stop_at_lso, FileSlice* out) const {
  *out = FileSlice{};
  ReadResult r;
  r.high_watermark = next_offset_.load(std::memory_order_acquire);
  r.log_start_offset = log_start_.load(std::memory_order_acquire);
  {
    const int64_t fo = first_open_.load(std::memory_order_acquire);
    r.last_stable_offset = fo >= 0 ? std::min(fo, r.high_watermark) : r.high_watermark;
  }
  if (offset < r.log_start_offset || offset > r.high_watermark) {
    return absl::OutOfRangeError(absl::StrCat("OFFSET_OUT_OF_RANGE: ", Label(), ": offset ", offset,
                                              " is outside [", r.log_start_offset, ", ",
                                              r.high_watermark, "]"));
  }
  if (offset == r.high_watermark) {
    out->valid = true;  // nothing to serve
    return r;
  }
  std::shared_ptr<Segment> seg = Floor(offset);
  if (seg == nullptr) {
    return absl::OutOfRangeError(absl::StrCat("OFFSET_OUT_OF_RANGE: ", Label(), ": offset ", offset,
                                              " was deleted by retention"));
  }
  const int64_t below = stop_at_lso ? r.last_stable_offset : r.high_watermark;
  while (seg != nullptr) {
    SegmentSlice s;
    auto found = seg->Slice(offset, max_bytes, below, &s);
    if (!found.ok()) return found.status();
    if (*found) {
      if (s.unchecked) return r;  // not valid: the caller reads (and CRC-checks) with ReadAppend
      out->valid = true;
      out->fd = seg->fd();
      out->position = s.position;
      out->length = s.length;
      out->last_offset = s.last_offset;
      out->owner = std::move(seg);
      return r;
    }
    seg = Higher(seg->base_offset());
  }
  out->valid = true;  // nothing at or after offset below the end (a race with an append)
  return r;
}

// An append writes its batches into the segment before it publishes the new end offset, so a
// read racing it can find batches at or past the end offset it loaded. They are cut off: a read
// never returns more than the end offset it reports (the next read gets them).
void PartitionLogImpl::TrimPastHighWatermark(size_t start, int64_t high_watermark,
                                             std::string* out) {
  size_t pos = start;
  while (pos + 12 <= out->size()) {
    const auto base = static_cast<int64_t>(enc::LoadBe64(out->data() + pos));
    if (base >= high_watermark) {
      out->resize(pos);
      return;
    }
    // A partial last batch (cut by max_bytes) moves pos past the end, which ends the loop.
    pos += 12 + static_cast<size_t>(enc::LoadBe32(out->data() + pos + 8));
  }
}

absl::StatusOr<TimestampOffset> PartitionLogImpl::FindTimestamp(int64_t timestamp_ms) const {
  const int64_t start = log_start_.load(std::memory_order_acquire);
  for (const auto& seg : SegmentsSnapshot()) {
    if (seg->max_timestamp() < timestamp_ms) continue;
    auto o = seg->FindTimestamp(timestamp_ms, start);
    if (!o.ok()) return o.status();
    if (o->offset >= 0) return *o;
  }
  return TimestampOffset{};
}

PartitionStats PartitionLogImpl::Stats() const {
  PartitionStats s;
  std::lock_guard<std::mutex> l(segments_mu_);
  s.log_start_offset = log_start_.load();
  s.log_end_offset = next_offset_.load();
  s.last_stable_offset = LastStableOffset();
  for (const auto& [b, seg] : segments_) s.size_bytes += static_cast<int64_t>(seg->size());
  s.segment_count = static_cast<int32_t>(segments_.size());
  return s;
}

absl::Status PartitionLogImpl::Flush() {
  std::lock_guard<std::mutex> l(append_mu_);
  if (deleted_.load()) return absl::OkStatus();
  unflushed_messages_ = 0;
  return Active()->SyncAll();
}

absl::Status PartitionLogImpl::ApplyRetention(int64_t now_ms, CleanerStats* stats) {
  std::lock_guard<std::mutex> cl(cleaner_mu_);
  const TopicConfig cfg = config();
  if (cfg.cleanup_policy == CleanupPolicy::kCompact || deleted_.load()) return absl::OkStatus();
  std::vector<std::shared_ptr<Segment>> doomed;
  {
    std::lock_guard<std::mutex> l(segments_mu_);
    int64_t total = 0;
    for (const auto& [b, s] : segments_) total += static_cast<int64_t>(s->size());
    while (segments_.size() > 1) {
      const std::shared_ptr<Segment>& first = segments_.begin()->second;
      const bool expired =
          cfg.retention_ms >= 0 && first->max_timestamp() < now_ms - cfg.retention_ms;
      const bool too_big = cfg.retention_bytes >= 0 &&
                           total - static_cast<int64_t>(first->size()) >= cfg.retention_bytes;
      if (!expired && !too_big) break;
      total -= static_cast<int64_t>(first->size());
      doomed.push_back(first);
      segments_.erase(segments_.begin());
    }
    if (!doomed.empty()) {
      log_start_.store(std::max(log_start_.load(), segments_.begin()->first),
                       std::memory_order_release);
    }
  }
  for (const auto& s : doomed) s->RemoveFiles();
  if (!doomed.empty()) txn_index_.DropBelow(SegmentsSnapshot().front()->base_offset());
  if (stats != nullptr) stats->segments_deleted += static_cast<int>(doomed.size());
  return absl::OkStatus();
}

}  // namespace eddy::logstore
