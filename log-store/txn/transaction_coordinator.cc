#include "log-store/txn/transaction_coordinator.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "log-store/storage/encoding.h"
#include "log-store/storage/fault_hooks.h"
#include "log-store/storage/file_io.h"
#include "log-store/storage/log_manager.h"
#include "log-store/storage/state_record_file.h"

namespace eddy::logstore {
namespace fs = std::filesystem;

std::string TxnReason(const absl::Status& s) {
  auto p = s.GetPayload(kTxnReasonPayloadUrl);
  return p ? std::string(*p) : std::string();
}

absl::Status WithTxnReason(absl::Status s, std::string_view reason) {
  if (!s.ok() && !reason.empty())
    s.SetPayload(kTxnReasonPayloadUrl, absl::Cord(std::string(reason)));
  return s;
}

std::string_view TxnStateName(TxnState s) {
  switch (s) {
    case TxnState::kEmpty:
      return "Empty";
    case TxnState::kOngoing:
      return "Ongoing";
    case TxnState::kPrepareCommit:
      return "PrepareCommit";
    case TxnState::kPrepareAbort:
      return "PrepareAbort";
    case TxnState::kCompleteCommit:
      return "CompleteCommit";
    case TxnState::kCompleteAbort:
      return "CompleteAbort";
  }
  return "Unknown";
}

namespace {

constexpr int64_t kPidBlock = 1000;
constexpr int16_t kMaxEpoch = 32766;

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

absl::Status Err(absl::StatusCode code, std::string_view reason, std::string message) {
  return WithTxnReason(absl::Status(code, absl::StrCat(std::string(reason), ": ", message)),
                       reason);
}

// Record encoding (FORMAT.md "Transactions"): big-endian fields, strings as uint16 length + bytes.
using Writer = FieldWriter<2>;
using Reader = FieldReader<2>;

struct PendingOffset {
  std::string group;
  TxnPendingOffset o;
};

}  // namespace

struct TransactionCoordinator::Impl {
  struct Entry {
    std::mutex op_mu;                    // one operation on this id at a time
    mutable std::shared_mutex state_mu;  // fields below vs. produce checks
    std::string id;
    int64_t pid = -1;
    int16_t epoch = -1;
    TxnState state = TxnState::kEmpty;
    int32_t timeout_ms = 60000;
    int64_t start_ms = -1;
    std::set<TxnTopicPartition> partitions;
    std::set<std::string> groups;
    std::vector<PendingOffset> offsets;
    int16_t timed_out_epoch = -1;  // the epoch whose transaction the broker aborted (timeout)
    std::atomic<int64_t> commits{0}, aborts{0}, fenced{0};
  };

  LogManager* logs = nullptr;
  TransactionCoordinatorOptions options;
  std::string dir, state_path, pid_path;

  mutable std::mutex mu;  // the maps
  std::map<std::string, std::unique_ptr<Entry>> entries;
  std::map<int64_t, Entry*> by_pid;

  std::mutex file_mu;
  int fd = -1;
  int64_t file_bytes = 0;

  std::mutex pid_mu;
  int64_t next_pid = 0, reserved_until = 0;

  std::atomic<int64_t> fenced_produce{0}, fenced_end{0}, timed_out{0};

  std::mutex timer_mu;
  std::condition_variable timer_cv;
  bool stop = false;
  std::thread timer;

  // ---- durable state ----
  static std::string Encode(const Entry& e) {
    Writer w;
    w.U8(1);  // record version
    w.Str(e.id);
    w.U64(static_cast<uint64_t>(e.pid));
    w.U16(static_cast<uint16_t>(e.epoch));
    w.U8(static_cast<uint8_t>(e.state));
    w.U32(static_cast<uint32_t>(e.timeout_ms));
    w.U64(static_cast<uint64_t>(e.start_ms));
    w.U16(static_cast<uint16_t>(e.timed_out_epoch));
    w.U32(static_cast<uint32_t>(e.partitions.size()));
    for (const auto& tp : e.partitions) {
      w.Str(tp.topic);
      w.U32(static_cast<uint32_t>(tp.partition));
    }
    w.U32(static_cast<uint32_t>(e.groups.size()));
    for (const auto& g : e.groups) w.Str(g);
    w.U32(static_cast<uint32_t>(e.offsets.size()));
    for (const auto& po : e.offsets) {
      w.Str(po.group);
      w.Str(po.o.topic);
      w.U32(static_cast<uint32_t>(po.o.partition));
      w.U64(static_cast<uint64_t>(po.o.offset));
      w.Str(po.o.metadata);
    }
    return w.out;
  }

  static bool Decode(std::string_view payload, Entry* e) {
    Reader r{payload};
    if (r.U8() != 1) return false;
    e->id = r.Str();
    e->pid = static_cast<int64_t>(r.U64());
    e->epoch = static_cast<int16_t>(r.U16());
    const uint8_t st = r.U8();
    if (st > 5) return false;
    e->state = static_cast<TxnState>(st);
    e->timeout_ms = static_cast<int32_t>(r.U32());
    e->start_ms = static_cast<int64_t>(r.U64());
    e->timed_out_epoch = static_cast<int16_t>(r.U16());
    e->partitions.clear();
    for (uint32_t n = r.U32(); r.ok && n > 0; --n) {
      TxnTopicPartition tp;
      tp.topic = r.Str();
      tp.partition = static_cast<int32_t>(r.U32());
      e->partitions.insert(tp);
    }
    e->groups.clear();
    for (uint32_t n = r.U32(); r.ok && n > 0; --n) e->groups.insert(r.Str());
    e->offsets.clear();
    for (uint32_t n = r.U32(); r.ok && n > 0; --n) {
      PendingOffset po;
      po.group = r.Str();
      po.o.topic = r.Str();
      po.o.partition = static_cast<int32_t>(r.U32());
      po.o.offset = static_cast<int64_t>(r.U64());
      po.o.metadata = r.Str();
      e->offsets.push_back(std::move(po));
    }
    return r.ok && r.in.empty();
  }

  // Appends the entry's record and fsyncs. Caller holds e.op_mu.
  absl::Status Persist(const Entry& e) {
    std::string rec;
    {
      std::shared_lock<std::shared_mutex> sl(e.state_mu);
      rec = FrameStateRecord(Encode(e));
    }
    std::lock_guard<std::mutex> l(file_mu);
    if (fd < 0) return absl::UnavailableError("transaction state file is closed");
    if (fileio::PwriteAll(fd, rec.data(), rec.size(), static_cast<uint64_t>(file_bytes),
                          state_path) != absl::OkStatus() ||
        ::fdatasync(fd) != 0) {
      return absl::UnavailableError(absl::StrCat("transactional id '", e.id,
                                                 "': cannot write the transaction state to ",
                                                 state_path, ": ", std::strerror(errno)));
    }
    file_bytes += static_cast<int64_t>(rec.size());
    if (file_bytes > options.state_file_compact_bytes) CompactFileLocked();
    return absl::OkStatus();
  }

  // Rewrites the file with the latest record of every id. Holds file_mu.
  void CompactFileLocked() {
    std::string all;
    {
      std::lock_guard<std::mutex> l(mu);
      for (const auto& [id, e] : entries) {
        std::shared_lock<std::shared_mutex> sl(e->state_mu);
        all += FrameStateRecord(Encode(*e));
      }
    }
    if (!fileio::WriteFileAtomic(state_path, all).ok()) return;  // keep appending to the old one
    auto nfd = fileio::OpenFile(state_path, O_RDWR);
    if (!nfd.ok()) return;
    ::close(fd);
    fd = *nfd;
    file_bytes = static_cast<int64_t>(all.size());
  }

  absl::Status Load(std::string* report) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return absl::InternalError(absl::StrCat("create ", dir, ": ", ec.message()));
    auto f = fileio::OpenFile(state_path, O_RDWR | O_CREAT);
    if (!f.ok()) return f.status();
    fd = *f;
    auto data = fileio::ReadWholeFile(state_path);
    if (!data.ok()) return data.status();
    auto used =
        ReadStateRecords(*data, "transaction state", state_path, [&](std::string_view payload) {
          auto e = std::make_unique<Entry>();
          if (!Decode(payload, e.get())) return false;
          auto& slot = entries[e->id];
          if (slot) by_pid.erase(slot->pid);
          by_pid[e->pid] = e.get();
          slot = std::move(e);
          return true;
        });
    if (!used.ok()) return used.status();
    const size_t pos = *used;
    if (pos != data->size()) {
      if (::ftruncate(fd, static_cast<off_t>(pos)) != 0)
        return fileio::ErrnoStatus(errno, "truncate", state_path);
      absl::StrAppend(report, "transaction state: cut a torn tail of ", data->size() - pos,
                      " bytes from ", state_path, "\n");
    }
    file_bytes = static_cast<int64_t>(pos);
    // Producer ids: the high-water mark shared with the Kafka listener's idempotent producers.
    if (fs::exists(pid_path, ec)) {
      auto text = fileio::ReadWholeFile(pid_path);
      if (!text.ok()) return text.status();
      int64_t hw = 0;
      if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &hw) || hw < 0) {
        return absl::DataLossError(absl::StrCat("producer id state file ", pid_path,
                                                " is unreadable; remove it only if no "
                                                "idempotent or transactional producer is running"));
      }
      next_pid = reserved_until = hw;
    }
    for (const auto& [id, e] : entries) next_pid = std::max(next_pid, e->pid + 1);
    if (next_pid > reserved_until) reserved_until = next_pid;  // re-reserved on first use
    return absl::OkStatus();
  }

  absl::StatusOr<int64_t> NewPid() {
    std::lock_guard<std::mutex> l(pid_mu);
    if (next_pid >= reserved_until) {
      const int64_t hw = next_pid + kPidBlock;
      if (absl::Status st = fileio::WriteFileAtomic(pid_path, absl::StrCat(hw, "\n")); !st.ok())
        return st;
      reserved_until = hw;
    }
    return next_pid++;
  }

  Entry* Find(const std::string& id) const {
    std::lock_guard<std::mutex> l(mu);
    auto it = entries.find(id);
    return it == entries.end() ? nullptr : it->second.get();
  }

  // The entry of an id a producer must have initialised, else TRANSACTIONAL_ID_NOT_FOUND.
  absl::StatusOr<Entry*> FindKnown(const std::string& id) const {
    Entry* e = Find(id);
    if (e == nullptr) {
      return Err(absl::StatusCode::kNotFound, "TRANSACTIONAL_ID_NOT_FOUND",
                 absl::StrCat("transactional id '", id, "' is unknown: call InitProducer first"));
    }
    return e;
  }

  // Starts a new transaction on `e` (no partitions, groups or pending offsets yet). Caller
  // holds e.state_mu exclusively.
  static void BeginTransaction(Entry& e) {
    e.state = TxnState::kOngoing;
    e.start_ms = WallMs();
    e.partitions.clear();
    e.offsets.clear();
    e.groups.clear();
  }

  // Checks the caller is the id's current producer. Caller holds e.op_mu.
  absl::Status CheckIdentity(Entry& e, int64_t pid, int16_t epoch, bool count_end_txn) {
    if (pid != e.pid) {
      return Err(
          absl::StatusCode::kFailedPrecondition, "INVALID_PRODUCER_ID_MAPPING",
          absl::StrCat("transactional id '", e.id, "' has producer id ", e.pid, ", not ", pid));
    }
    if (epoch < e.epoch) {
      e.fenced.fetch_add(1);
      if (count_end_txn) fenced_end.fetch_add(1);
      return Err(absl::StatusCode::kFailedPrecondition, "PRODUCER_FENCED",
                 absl::StrCat("transactional id '", e.id, "' producer ", pid, " epoch ", epoch,
                              " is fenced: epoch ", e.epoch, " holds the id now"));
    }
    if (epoch > e.epoch) {
      return Err(absl::StatusCode::kFailedPrecondition, "INVALID_PRODUCER_EPOCH",
                 absl::StrCat("transactional id '", e.id, "' producer ", pid, " epoch ", epoch,
                              " is newer than the coordinator's ", e.epoch));
    }
    return absl::OkStatus();
  }

  // Writes the markers of e's transaction and completes it. Caller holds e.op_mu; e.state is
  // PrepareCommit or PrepareAbort and durable.
  absl::Status Complete(Entry& e) {
    const bool commit = e.state == TxnState::kPrepareCommit;
    size_t written = 0;
    for (const auto& tp : e.partitions) {
      if (written++ > 0 && FaultHooks::Fire("txn.markers.between")) {
        std::fprintf(stderr, "eddy-logd: fault hook txn.markers.between: exiting\n");
        std::fflush(stderr);
        ::_exit(9);
      }
      auto log = logs->GetPartition(tp.topic, tp.partition);
      if (!log.ok()) {
        std::fprintf(stderr,
                     "eddy-logd: transaction '%s': no marker for %s/%d (%s); the partition is "
                     "gone\n",
                     e.id.c_str(), tp.topic.c_str(), tp.partition,
                     std::string(log.status().message()).c_str());
        continue;
      }
      auto w = (*log)->WriteTxnMarker(e.pid, e.epoch, commit, 0);
      if (!w.ok()) {
        return absl::Status(
            w.status().code(),
            absl::StrCat("transactional id '", e.id, "': writing the ", commit ? "commit" : "abort",
                         " marker to ", tp.topic, "/", tp.partition, ": ", w.status().message()));
      }
    }
    if (commit) {
      for (const auto& po : e.offsets) {
        absl::Status st = options.commit_offset
                              ? options.commit_offset(po.group, po.o)
                              : logs->CommitOffset(po.group, po.o.topic, po.o.partition,
                                                   po.o.offset, po.o.metadata);
        if (!st.ok()) {
          return absl::Status(st.code(), absl::StrCat("transactional id '", e.id,
                                                      "': committing offsets of group '", po.group,
                                                      "': ", st.message()));
        }
      }
    }
    {
      std::unique_lock<std::shared_mutex> sl(e.state_mu);
      e.state = commit ? TxnState::kCompleteCommit : TxnState::kCompleteAbort;
      e.partitions.clear();
      e.groups.clear();
      e.offsets.clear();
      e.start_ms = -1;
    }
    (commit ? e.commits : e.aborts).fetch_add(1);
    return Persist(e);
  }

  // Moves an Ongoing transaction to Prepare* (durable), then completes it. With `bump`, the
  // epoch is bumped first so the markers fence the current holder. Caller holds e.op_mu.
  absl::Status End(Entry& e, bool commit, bool bump, bool timed_out_abort) {
    {
      std::unique_lock<std::shared_mutex> sl(e.state_mu);  // waits out produces in flight
      if (bump) {
        if (timed_out_abort) e.timed_out_epoch = e.epoch;
        e.epoch = static_cast<int16_t>(e.epoch + 1);
      }
      e.state = commit ? TxnState::kPrepareCommit : TxnState::kPrepareAbort;
    }
    if (absl::Status st = Persist(e); !st.ok()) return st;
    if (FaultHooks::Fire("txn.end.after_prepare")) {
      std::fprintf(stderr, "eddy-logd: fault hook txn.end.after_prepare: exiting\n");
      std::fflush(stderr);
      ::_exit(9);
    }
    return Complete(e);
  }

  void TimerLoop() {
    std::unique_lock<std::mutex> l(timer_mu);
    while (!stop) {
      timer_cv.wait_for(l, options.timeout_check_interval);
      if (stop) break;
      l.unlock();
      (void)AbortTimedOut();
      l.lock();
    }
  }

  absl::StatusOr<int> AbortTimedOut() {
    std::vector<Entry*> all;
    {
      std::lock_guard<std::mutex> l(mu);
      for (auto& [id, e] : entries) all.push_back(e.get());
    }
    int n = 0;
    const int64_t now = WallMs();
    absl::Status first;
    for (Entry* e : all) {
      std::lock_guard<std::mutex> op(e->op_mu);
      if (e->state == TxnState::kPrepareCommit || e->state == TxnState::kPrepareAbort) {
        // A completion that failed before (a partition's I/O error): try again.
        if (absl::Status st = Complete(*e); !st.ok() && first.ok()) first = st;
        continue;
      }
      if (e->state != TxnState::kOngoing || e->start_ms < 0 || now - e->start_ms < e->timeout_ms) {
        continue;
      }
      std::fprintf(stderr,
                   "eddy-logd: transaction of '%s' (producer %lld epoch %d) open for %lld ms, "
                   "past its timeout of %d ms: aborting it and fencing the producer\n",
                   e->id.c_str(), static_cast<long long>(e->pid), e->epoch,
                   static_cast<long long>(now - e->start_ms), e->timeout_ms);
      absl::Status st = End(*e, /*commit=*/false, /*bump=*/true, /*timed_out_abort=*/true);
      timed_out.fetch_add(1);
      ++n;
      if (!st.ok() && first.ok()) first = st;
    }
    if (!first.ok()) return first;
    return n;
  }
};

absl::StatusOr<std::unique_ptr<TransactionCoordinator>> TransactionCoordinator::Open(
    LogManager* logs, TransactionCoordinatorOptions options) {
  std::unique_ptr<TransactionCoordinator> c(new TransactionCoordinator());
  c->impl_ = std::make_unique<Impl>();
  Impl& m = *c->impl_;
  m.logs = logs;
  m.options = std::move(options);
  m.dir = m.options.data_dir + "/__transaction_state";
  m.state_path = m.dir + "/txn-state.log";
  m.pid_path = m.options.data_dir + "/kafka_producer_ids";
  std::string report;
  if (absl::Status st = m.Load(&report); !st.ok()) return st;
  if (!report.empty()) std::fprintf(stderr, "eddy-logd: %s", report.c_str());
  // Finish what a crash interrupted: decided transactions get their markers now.
  for (auto& [id, e] : m.entries) {
    if (e->state != TxnState::kPrepareCommit && e->state != TxnState::kPrepareAbort) continue;
    std::lock_guard<std::mutex> op(e->op_mu);
    std::fprintf(stderr, "eddy-logd: transaction of '%s' was in %s at start: completing it\n",
                 id.c_str(), std::string(TxnStateName(e->state)).c_str());
    if (absl::Status st = m.Complete(*e); !st.ok()) {
      std::fprintf(stderr, "eddy-logd: %s (retried by the timer)\n",
                   std::string(st.message()).c_str());
    }
  }
  if (m.options.start_timer) m.timer = std::thread([&m] { m.TimerLoop(); });
  return c;
}

TransactionCoordinator::~TransactionCoordinator() {
  if (!impl_) return;
  {
    std::lock_guard<std::mutex> l(impl_->timer_mu);
    impl_->stop = true;
  }
  impl_->timer_cv.notify_all();
  if (impl_->timer.joinable()) impl_->timer.join();
  std::lock_guard<std::mutex> l(impl_->file_mu);
  if (impl_->fd >= 0) ::close(impl_->fd);
  impl_->fd = -1;
}

absl::StatusOr<int64_t> TransactionCoordinator::NextProducerId() { return impl_->NewPid(); }

absl::StatusOr<ProducerIdAndEpoch> TransactionCoordinator::InitProducerId(
    const std::optional<std::string>& transactional_id, int32_t timeout_ms,
    std::optional<ProducerIdAndEpoch> current) {
  Impl& m = *impl_;
  if (!transactional_id || transactional_id->empty()) {
    auto pid = m.NewPid();
    if (!pid.ok()) return pid.status();
    return ProducerIdAndEpoch{*pid, 0};
  }
  const std::string& id = *transactional_id;
  if (timeout_ms <= 0) timeout_ms = static_cast<int32_t>(m.options.default_transaction_timeout_ms);
  if (timeout_ms > m.options.max_transaction_timeout_ms) {
    return Err(absl::StatusCode::kInvalidArgument, "INVALID_TRANSACTION_TIMEOUT",
               absl::StrCat("transactional id '", id, "': transaction timeout ", timeout_ms,
                            " ms is above the broker's --max-transaction-timeout-ms ",
                            m.options.max_transaction_timeout_ms));
  }
  if (id.size() > 32767) {
    return Err(absl::StatusCode::kInvalidArgument, "INVALID_REQUEST",
               "transactional id is longer than 32767 bytes");
  }
  Impl::Entry* e = nullptr;
  {
    std::lock_guard<std::mutex> l(m.mu);
    auto it = m.entries.find(id);
    if (it == m.entries.end()) {
      if (static_cast<int64_t>(m.entries.size()) >= m.options.max_transactional_ids) {
        return Err(absl::StatusCode::kResourceExhausted, "RESOURCE_EXHAUSTED",
                   absl::StrCat("transactional id '", id, "': the broker holds ", m.entries.size(),
                                " transactional ids, its limit "
                                "(--max-transactional-ids)"));
      }
      auto fresh = std::make_unique<Impl::Entry>();
      fresh->id = id;
      e = fresh.get();
      m.entries[id] = std::move(fresh);
    } else {
      e = it->second.get();
    }
  }
  std::lock_guard<std::mutex> op(e->op_mu);
  if (e->pid >= 0 && current && current->producer_id >= 0) {
    const bool same = current->producer_id == e->pid && (current->producer_epoch == e->epoch ||
                                                         current->producer_epoch == e->epoch - 1);
    if (!same) {
      e->fenced.fetch_add(1);
      return Err(absl::StatusCode::kFailedPrecondition, "PRODUCER_FENCED",
                 absl::StrCat("transactional id '", id, "': producer ", current->producer_id,
                              " epoch ", current->producer_epoch, " is not its current holder (",
                              e->pid, " epoch ", e->epoch, ")"));
    }
  }
  if (e->state == TxnState::kPrepareCommit || e->state == TxnState::kPrepareAbort) {
    if (absl::Status st = m.Complete(*e); !st.ok()) return st;
  }
  if (e->state == TxnState::kOngoing) {
    // Abort the previous holder's transaction with a bumped epoch: the markers fence it.
    if (absl::Status st = m.End(*e, /*commit=*/false, /*bump=*/true, false); !st.ok()) return st;
  } else if (e->pid < 0 || e->epoch >= kMaxEpoch) {
    // A new id, or an epoch about to overflow: a new producer id (Kafka does the same).
    auto pid = m.NewPid();
    if (!pid.ok()) return pid.status();
    {
      std::lock_guard<std::mutex> l(m.mu);
      if (e->pid >= 0) m.by_pid.erase(e->pid);
      m.by_pid[*pid] = e;
    }
    std::unique_lock<std::shared_mutex> sl(e->state_mu);
    e->pid = *pid;
    e->epoch = 0;
    if (e->state != TxnState::kCompleteCommit && e->state != TxnState::kCompleteAbort)
      e->state = TxnState::kEmpty;
  } else {
    std::unique_lock<std::shared_mutex> sl(e->state_mu);
    e->epoch = static_cast<int16_t>(e->epoch + 1);
  }
  {
    std::unique_lock<std::shared_mutex> sl(e->state_mu);
    e->timeout_ms = timeout_ms;
  }
  if (absl::Status st = m.Persist(*e); !st.ok()) return st;
  return ProducerIdAndEpoch{e->pid, e->epoch};
}

std::vector<absl::Status> TransactionCoordinator::AddPartitions(
    const std::string& transactional_id, int64_t producer_id, int16_t producer_epoch,
    const std::vector<TxnTopicPartition>& partitions) {
  Impl& m = *impl_;
  auto all = [&](const absl::Status& s) { return std::vector<absl::Status>(partitions.size(), s); };
  auto found = m.FindKnown(transactional_id);
  if (!found.ok()) return all(found.status());
  Impl::Entry* e = *found;
  std::lock_guard<std::mutex> op(e->op_mu);
  if (absl::Status st = m.CheckIdentity(*e, producer_id, producer_epoch, false); !st.ok())
    return all(st);
  if (e->state == TxnState::kPrepareCommit || e->state == TxnState::kPrepareAbort) {
    return all(Err(absl::StatusCode::kUnavailable, "CONCURRENT_TRANSACTIONS",
                   absl::StrCat("transactional id '", transactional_id,
                                "': the previous transaction is still ending")));
  }
  std::vector<absl::Status> out(partitions.size());
  std::vector<TxnTopicPartition> add;
  for (size_t i = 0; i < partitions.size(); ++i) {
    auto log = m.logs->GetPartition(partitions[i].topic, partitions[i].partition);
    if (!log.ok()) {
      out[i] =
          WithTxnReason(absl::NotFoundError(absl::StrCat("transactional id '", transactional_id,
                                                         "': ", log.status().message())),
                        "UNKNOWN_TOPIC_OR_PARTITION");
      continue;
    }
    add.push_back(partitions[i]);
  }
  bool changed = false;
  {
    std::unique_lock<std::shared_mutex> sl(e->state_mu);
    const bool begin = e->state != TxnState::kOngoing;
    std::set<TxnTopicPartition> next = begin ? std::set<TxnTopicPartition>{} : e->partitions;
    for (const auto& tp : add) next.insert(tp);
    if (static_cast<int64_t>(next.size()) > m.options.max_partitions_per_txn) {
      return all(Err(
          absl::StatusCode::kOutOfRange, "INVALID_REQUEST",
          absl::StrCat("transactional id '", transactional_id, "': ", next.size(),
                       " partitions in one transaction is above the limit of ",
                       m.options.max_partitions_per_txn, " (--max-partitions-per-transaction)")));
    }
    if (begin && add.empty()) return out;
    if (begin) {
      Impl::BeginTransaction(*e);
      changed = true;
    }
    if (next.size() != e->partitions.size()) changed = true;
    e->partitions = std::move(next);
  }
  if (changed) {
    if (absl::Status st = m.Persist(*e); !st.ok()) return all(st);
  }
  return out;
}

absl::Status TransactionCoordinator::AddOffsets(const std::string& transactional_id,
                                                int64_t producer_id, int16_t producer_epoch,
                                                const std::string& group) {
  Impl& m = *impl_;
  auto found = m.FindKnown(transactional_id);
  if (!found.ok()) return found.status();
  Impl::Entry* e = *found;
  std::lock_guard<std::mutex> op(e->op_mu);
  if (absl::Status st = m.CheckIdentity(*e, producer_id, producer_epoch, false); !st.ok())
    return st;
  if (e->state == TxnState::kPrepareCommit || e->state == TxnState::kPrepareAbort) {
    return Err(absl::StatusCode::kUnavailable, "CONCURRENT_TRANSACTIONS",
               absl::StrCat("transactional id '", transactional_id,
                            "': the previous transaction is still ending"));
  }
  {
    std::unique_lock<std::shared_mutex> sl(e->state_mu);
    if (e->state != TxnState::kOngoing) Impl::BeginTransaction(*e);
    e->groups.insert(group);
  }
  return m.Persist(*e);
}

absl::Status TransactionCoordinator::TxnOffsetCommit(const std::string& transactional_id,
                                                     int64_t producer_id, int16_t producer_epoch,
                                                     const std::string& group,
                                                     const std::vector<TxnPendingOffset>& offsets) {
  Impl& m = *impl_;
  auto found = m.FindKnown(transactional_id);
  if (!found.ok()) return found.status();
  Impl::Entry* e = *found;
  std::lock_guard<std::mutex> op(e->op_mu);
  if (absl::Status st = m.CheckIdentity(*e, producer_id, producer_epoch, false); !st.ok())
    return st;
  {
    std::unique_lock<std::shared_mutex> sl(e->state_mu);
    if (e->state != TxnState::kOngoing || !e->groups.count(group)) {
      return Err(absl::StatusCode::kFailedPrecondition, "INVALID_TXN_STATE",
                 absl::StrCat("transactional id '", transactional_id, "': group '", group,
                              "' was not added to the open transaction (AddOffsetsToTxn)"));
    }
    for (const auto& o : offsets) {
      auto it = std::find_if(e->offsets.begin(), e->offsets.end(), [&](const PendingOffset& p) {
        return p.group == group && p.o.topic == o.topic && p.o.partition == o.partition;
      });
      if (it != e->offsets.end())
        it->o = o;
      else
        e->offsets.push_back(PendingOffset{group, o});
    }
  }
  return m.Persist(*e);
}

absl::Status TransactionCoordinator::EndTxn(const std::string& transactional_id,
                                            int64_t producer_id, int16_t producer_epoch,
                                            bool commit) {
  Impl& m = *impl_;
  auto found = m.FindKnown(transactional_id);
  if (!found.ok()) return found.status();
  Impl::Entry* e = *found;
  std::lock_guard<std::mutex> op(e->op_mu);
  if (producer_id == e->pid && producer_epoch == e->timed_out_epoch &&
      producer_epoch + 1 == e->epoch && e->state == TxnState::kCompleteAbort) {
    if (!commit) return absl::OkStatus();  // already aborted, by the broker
    e->fenced.fetch_add(1);
    m.fenced_end.fetch_add(1);
    return Err(absl::StatusCode::kFailedPrecondition, "TRANSACTION_TIMED_OUT",
               absl::StrCat("transactional id '", transactional_id,
                            "': the transaction of "
                            "epoch ",
                            producer_epoch, " ran past its timeout of ", e->timeout_ms,
                            " ms and the broker aborted it"));
  }
  if (absl::Status st = m.CheckIdentity(*e, producer_id, producer_epoch, true); !st.ok()) return st;
  switch (e->state) {
    case TxnState::kOngoing:
      return m.End(*e, commit, /*bump=*/false, false);
    case TxnState::kPrepareCommit:
    case TxnState::kPrepareAbort:
      if ((e->state == TxnState::kPrepareCommit) == commit) return m.Complete(*e);
      break;
    case TxnState::kEmpty:
      return absl::OkStatus();
    case TxnState::kCompleteCommit:
    case TxnState::kCompleteAbort:
      if ((e->state == TxnState::kCompleteCommit) == commit) return absl::OkStatus();  // retry
      break;
  }
  return Err(
      absl::StatusCode::kFailedPrecondition, "INVALID_TXN_STATE",
      absl::StrCat("transactional id '", transactional_id, "': cannot ",
                   commit ? "commit" : "abort", " in state ", std::string(TxnStateName(e->state))));
}

absl::Status TransactionCoordinator::CheckProduce(const std::string& topic, int32_t partition,
                                                  int64_t producer_id, int16_t producer_epoch,
                                                  bool transactional, ProduceHold* hold) {
  Impl& m = *impl_;
  Impl::Entry* e = nullptr;
  {
    std::lock_guard<std::mutex> l(m.mu);
    auto it = m.by_pid.find(producer_id);
    if (it != m.by_pid.end()) e = it->second;
  }
  if (e == nullptr) {
    if (transactional) {
      return Err(
          absl::StatusCode::kFailedPrecondition, "INVALID_TXN_STATE",
          absl::StrCat("produce to ", topic, "/", partition, ": transactional batch from producer ",
                       producer_id, ", which holds no transactional id"));
    }
    return absl::OkStatus();  // an idempotent producer
  }
  ProduceHold lock(e->state_mu);
  if (producer_epoch < e->epoch) {
    e->fenced.fetch_add(1);
    m.fenced_produce.fetch_add(1);
    return Err(absl::StatusCode::kFailedPrecondition, "PRODUCER_FENCED",
               absl::StrCat("produce to ", topic, "/", partition, ": producer ", producer_id,
                            " epoch ", producer_epoch, " of transactional id '", e->id,
                            "' is fenced: epoch ", e->epoch, " holds the id now"));
  }
  if (producer_epoch > e->epoch) {
    return Err(
        absl::StatusCode::kFailedPrecondition, "INVALID_PRODUCER_EPOCH",
        absl::StrCat("produce to ", topic, "/", partition, ": producer ", producer_id, " epoch ",
                     producer_epoch, " is newer than the coordinator's ", e->epoch));
  }
  if (transactional && (e->state != TxnState::kOngoing ||
                        !e->partitions.count(TxnTopicPartition{topic, partition}))) {
    return Err(absl::StatusCode::kFailedPrecondition, "INVALID_TXN_STATE",
               absl::StrCat("produce to ", topic, "/", partition, ": transactional id '", e->id,
                            "' has not added this partition to an open transaction (state ",
                            std::string(TxnStateName(e->state)), ")"));
  }
  if (hold != nullptr) *hold = std::move(lock);
  return absl::OkStatus();
}

std::vector<TxnDescription> TransactionCoordinator::Describe(
    const std::vector<std::string>& transactional_ids) const {
  const Impl& m = *impl_;
  std::vector<TxnDescription> out;
  std::lock_guard<std::mutex> l(m.mu);
  auto describe = [&](const Impl::Entry& e) {
    std::shared_lock<std::shared_mutex> sl(e.state_mu);
    TxnDescription d;
    d.transactional_id = e.id;
    d.producer_id = e.pid;
    d.producer_epoch = e.epoch;
    d.state = e.state;
    d.partitions.assign(e.partitions.begin(), e.partitions.end());
    d.groups.assign(e.groups.begin(), e.groups.end());
    d.timeout_ms = e.timeout_ms;
    d.start_time_ms = e.state == TxnState::kOngoing ? e.start_ms : -1;
    d.commits = e.commits.load();
    d.aborts = e.aborts.load();
    d.fenced_requests = e.fenced.load();
    out.push_back(std::move(d));
  };
  if (transactional_ids.empty()) {
    for (const auto& [id, e] : m.entries) describe(*e);
  } else {
    for (const auto& id : transactional_ids) {
      auto it = m.entries.find(id);
      if (it != m.entries.end()) describe(*it->second);
    }
  }
  return out;
}

TxnCounters TransactionCoordinator::Counters() const {
  TxnCounters c;
  c.fenced_produce_refused = impl_->fenced_produce.load();
  c.fenced_end_txn_refused = impl_->fenced_end.load();
  c.timed_out_aborts = impl_->timed_out.load();
  return c;
}

absl::StatusOr<int> TransactionCoordinator::AbortTimedOut() { return impl_->AbortTimedOut(); }

}  // namespace eddy::logstore
