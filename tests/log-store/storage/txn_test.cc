// Transactions in the storage engine: the producer state per partition (epoch fencing,
// duplicates), the last stable offset with interleaved open transactions, markers, the
// aborted-transaction index on disk, recovery after a reopen (with and without a snapshot),
// compaction below the LSO only, and bad compressed batches.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <thread>
#include <fstream>

#include "log-store/storage/compression.h"
#include "log-store/storage/crc32c.h"
#include "log-store/storage/encoding.h"
#include "log-store/storage/log_manager.h"
#include "log-store/storage/partition_log_impl.h"
#include "log-store/storage/producer_state.h"
#include "test_util.h"

namespace eddy::logstore {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// A batch of `n` records key "k<first+i>", value `tag`, from producer (pid, epoch, seq).
std::string TxnBatch(int64_t pid, int16_t epoch, int32_t seq, int first, int n,
                     const std::string& tag, bool transactional = true, int64_t ts = -1) {
  RecordBatchBuilder b;
  if (ts < 0) ts = NowMs();
  for (int i = 0; i < n; ++i) b.Add("k" + std::to_string(first + i), tag, ts);
  b.SetProducer(pid, epoch, seq);
  b.SetTransactional(transactional);
  return b.Finish();
}

// Every stored batch from `from` to the end (a read returns one segment's batches at most).
std::string AllBatches(const PartitionLog& log, int64_t from = 0) {
  std::string out;
  int64_t next = std::max(from, log.LogStartOffset());
  while (next < log.LogEndOffset()) {
    auto r = log.Read(next, 64 << 20);
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok() || r->batches.empty()) break;
    BatchIterator it(r->batches);
    std::string_view batch;
    BatchHeader h;
    while (it.Next(&batch, &h)) {
      if (h.last_offset() >= next) out.append(batch);
      next = std::max(next, h.last_offset() + 1);
    }
  }
  return out;
}

class TxnStorageTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen(int64_t producer_id_expiration_ms = 86400000) {
    mgr_.reset();
    LogManagerOptions o;
    o.data_dir = dir_.path();
    o.producer_id_expiration_ms = producer_id_expiration_ms;
    o.start_cleaner = false;
    auto m = LogManager::Open(o);
    ASSERT_TRUE(m.ok()) << m.status();
    mgr_ = std::move(*m);
  }
  std::shared_ptr<PartitionLog> Create(const std::string& name,
                                       std::map<std::string, std::string> kv = {}) {
    auto cfg = TopicConfig::FromMap(kv, TopicConfig{});
    EXPECT_TRUE(cfg.ok());
    EXPECT_TRUE(mgr_->CreateTopic(name, *cfg).ok());
    return Get(name);
  }
  std::shared_ptr<PartitionLog> Get(const std::string& name) {
    auto l = mgr_->GetPartition(name, 0);
    EXPECT_TRUE(l.ok());
    return *l;
  }
  static PartitionLogImpl* Impl(const std::shared_ptr<PartitionLog>& l) {
    return dynamic_cast<PartitionLogImpl*>(l.get());
  }
  // Values of the records a read_committed reader gets: below the LSO, aborted batches out.
  static std::vector<std::string> Committed(const PartitionLog& log) {
    std::vector<std::string> out;
    const int64_t lso = log.LastStableOffset();
    auto aborted = log.AbortedTransactions(0, lso);
    const std::string all = AllBatches(log);
    BatchIterator it(all);
    std::string_view batch;
    BatchHeader h;
    while (it.Next(&batch, &h)) {
      if (h.base_offset >= lso || h.is_control()) continue;
      bool drop = false;
      for (const auto& a : aborted)
        if (h.is_transactional() && a.producer_id == h.producer_id &&
            a.first_offset <= h.base_offset && h.base_offset <= a.last_offset)
          drop = true;
      if (drop) continue;
      RecordIterator ri(batch);
      Record rec;
      while (ri.Next(&rec)) out.emplace_back(rec.value ? std::string(*rec.value) : "");
    }
    return out;
  }

  TempDir dir_;
  std::unique_ptr<LogManager> mgr_;
};

TEST_F(TxnStorageTest, LastStableOffsetWithInterleavedOpenTransactions) {
  auto log = Create("t");
  ASSERT_TRUE(log->Append(TxnBatch(1, 0, 0, 0, 3, "a")).ok());       // 0..2, pid 1 opens at 0
  ASSERT_TRUE(log->Append(TxnBatch(2, 0, 0, 0, 2, "b")).ok());       // 3..4, pid 2 opens at 3
  ASSERT_TRUE(log->Append(testing::MakeBatch(0, 1, NowMs())).ok());  // 5, plain
  ASSERT_TRUE(log->Append(TxnBatch(1, 0, 3, 3, 1, "a")).ok());       // 6, pid 1 again
  EXPECT_EQ(log->LogEndOffset(), 7);
  EXPECT_EQ(log->LastStableOffset(), 0);
  auto m1 = log->WriteTxnMarker(1, 0, /*commit=*/true, 0);  // 7
  ASSERT_TRUE(m1.ok()) << m1.status();
  EXPECT_EQ(m1->base_offset, 7);
  EXPECT_EQ(log->LastStableOffset(), 3);                     // pid 2's transaction is still open
  auto m2 = log->WriteTxnMarker(2, 0, /*commit=*/false, 0);  // 8
  ASSERT_TRUE(m2.ok());
  EXPECT_EQ(log->LastStableOffset(), 9);
  EXPECT_EQ(log->LastStableOffset(), log->LogEndOffset());
  std::vector<AbortedTxn> want{{2, 3, 8, 9}};
  EXPECT_EQ(log->AbortedTransactions(0, 9), want);
  EXPECT_TRUE(log->AbortedTransactions(0, 3).empty());  // the range ends before it begins
  EXPECT_EQ(Committed(*log), (std::vector<std::string>{"a", "a", "a", std::string(100, 'a'), "a"}));
  // A marker with nothing open writes nothing.
  auto again = log->WriteTxnMarker(2, 0, false, 0);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->base_offset, -1);
  EXPECT_EQ(log->LogEndOffset(), 9);
  // The stored marker is a control batch with the type in its key.
  auto r = log->Read(8, 1 << 20);
  ASSERT_TRUE(r.ok());
  auto h = ParseBatchHeader(r->batches);
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->is_control());
  EXPECT_TRUE(h->is_transactional());
  EXPECT_EQ(h->producer_id, 2);
  EXPECT_EQ(*ControlBatchType(std::string_view(r->batches).substr(0, h->size_bytes())),
            kControlAbort);
}

TEST_F(TxnStorageTest, OlderEpochIsRefusedAndRetriesAreDuplicates) {
  auto log = Create("t");
  auto first = log->Append(TxnBatch(7, 0, 0, 0, 2, "x", false));
  ASSERT_TRUE(first.ok());
  auto retry = log->Append(TxnBatch(7, 0, 0, 0, 2, "x", false));
  ASSERT_TRUE(retry.ok());
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->base_offset, 0);
  EXPECT_EQ(retry->last_offset, 1);
  EXPECT_EQ(log->LogEndOffset(), 2);
  auto gap = log->Append(TxnBatch(7, 0, 5, 0, 1, "x", false));
  EXPECT_EQ(ReasonOf(gap.status()), "OUT_OF_ORDER_SEQUENCE_NUMBER") << gap.status();
  // A transaction of epoch 1, aborted by a marker of epoch 2 (the coordinator's bump).
  ASSERT_TRUE(log->Append(TxnBatch(7, 1, 0, 0, 1, "y")).ok());
  ASSERT_TRUE(log->WriteTxnMarker(7, 2, false, 0).ok());
  auto zombie = log->Append(TxnBatch(7, 1, 1, 0, 1, "zombie"));
  ASSERT_FALSE(zombie.ok());
  EXPECT_EQ(ReasonOf(zombie.status()), "INVALID_PRODUCER_EPOCH");
  EXPECT_NE(zombie.status().message().find("topic t partition 0"), std::string::npos);
  // Client-sent control batches are refused.
  auto fake = log->Append(BuildControlBatch(9, 0, kControlCommit, 0, NowMs()));
  EXPECT_EQ(fake.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(TxnStorageTest, ProducerStateRemembersTheLastFiveBatchesAcrossReopen) {
  auto log = Create("t");
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(log->Append(TxnBatch(1, 0, i, i, 1, "x", false)).ok());
    if (i == 3) {
      ASSERT_TRUE(log->Append(testing::MakeBatch(0, 1, NowMs())).ok());  // plain, offset 4
    }
  }
  for (bool reopened : {false, true}) {
    if (reopened) {
      log.reset();
      Reopen();
      log = Get("t");
    }
    auto last = log->Append(TxnBatch(1, 0, 6, 6, 1, "x", false));
    ASSERT_TRUE(last.ok());
    EXPECT_TRUE(last->duplicate);
    EXPECT_EQ(last->base_offset, 7) << reopened;
    auto third = log->Append(TxnBatch(1, 0, 2, 2, 1, "x", false));
    ASSERT_TRUE(third.ok());
    EXPECT_TRUE(third->duplicate);
    EXPECT_EQ(third->base_offset, 2);
    auto old = log->Append(TxnBatch(1, 0, 0, 0, 1, "x", false));  // outside the window
    ASSERT_TRUE(old.ok());
    EXPECT_TRUE(old->duplicate);
    EXPECT_EQ(old->base_offset, -1);
    EXPECT_EQ(log->LogEndOffset(), 8);
  }
  EXPECT_TRUE(log->Append(TxnBatch(1, 0, 7, 7, 1, "x", false)).ok());
  EXPECT_EQ(log->LogEndOffset(), 9);
}

// Issue 12: producer state was never pruned. An idle producer id is forgotten after the
// expiration (its next batch is then accepted as a new producer's), one with an open
// transaction is kept, and a busy one keeps its dedup window.
TEST_F(TxnStorageTest, IdleProducerIdsAreForgottenAfterTheExpiration) {
  Reopen(/*producer_id_expiration_ms=*/200);
  auto log = Create("t");
  ASSERT_TRUE(log->Append(TxnBatch(1, 0, 0, 0, 1, "idle", false)).ok());
  ASSERT_TRUE(log->Append(TxnBatch(2, 0, 0, 0, 1, "open")).ok());  // opens a transaction
  EXPECT_EQ(log->ProducerStates().size(), 2u);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));  // > expiration and check period
  ASSERT_TRUE(log->Append(TxnBatch(3, 0, 0, 0, 1, "busy", false)).ok());  // triggers the check
  std::set<int64_t> pids;
  for (const auto& s : log->ProducerStates()) pids.insert(s.producer_id);
  EXPECT_EQ(pids, (std::set<int64_t>{2, 3}));
  // The forgotten producer starts over: a batch at a sequence that was a gap is now accepted.
  EXPECT_TRUE(log->Append(TxnBatch(1, 0, 5, 0, 1, "again", false)).ok());
  // The busy one still answers a retry as a duplicate.
  auto retry = log->Append(TxnBatch(3, 0, 0, 0, 1, "busy", false));
  ASSERT_TRUE(retry.ok());
  EXPECT_TRUE(retry->duplicate);
}

TEST_F(TxnStorageTest, AbortedIndexIsWrittenAndReadBackAfterReopen) {
  auto log = Create("t");
  ASSERT_TRUE(log->Append(TxnBatch(3, 0, 0, 0, 4, "aborted")).ok());
  ASSERT_TRUE(log->WriteTxnMarker(3, 0, false, 0).ok());
  const auto want = log->AbortedTransactions(0, 100);
  ASSERT_EQ(want.size(), 1u);
  const std::string idx = dir_.path() + "/t-0/00000000000000000000.txnindex";
  ASSERT_TRUE(fs::exists(idx));
  EXPECT_EQ(fs::file_size(idx), 34u);
  log.reset();
  Reopen();
  log = Get("t");
  EXPECT_EQ(log->AbortedTransactions(0, 100), want);
  EXPECT_TRUE(Committed(*log).empty());
  // A lost index entry (the crash came after the marker) is rebuilt from the marker.
  log.reset();
  mgr_.reset();
  fs::remove(idx);
  Reopen();
  log = Get("t");
  EXPECT_EQ(log->AbortedTransactions(0, 100), want);
}

TEST_F(TxnStorageTest, ReopenRecoversOpenCommittedAndAbortedTransactions) {
  auto log = Create("t");
  // Committed (pid 1), aborted (pid 2), then a roll (snapshot), then open ones (pid 1 and 3).
  ASSERT_TRUE(log->Append(TxnBatch(1, 0, 0, 0, 2, "c")).ok());   // 0..1
  ASSERT_TRUE(log->Append(TxnBatch(2, 0, 0, 0, 2, "a")).ok());   // 2..3
  ASSERT_TRUE(log->WriteTxnMarker(1, 0, true, 0).ok());          // 4
  ASSERT_TRUE(log->Append(TxnBatch(3, 0, 0, 0, 1, "o3")).ok());  // 5: pid 3 opens before the roll
  ASSERT_TRUE(Impl(log)->Roll().ok());
  ASSERT_TRUE(fs::exists(dir_.path() + "/t-0/producer-state.snapshot"));
  ASSERT_TRUE(log->WriteTxnMarker(2, 0, false, 0).ok());         // 6
  ASSERT_TRUE(log->Append(TxnBatch(1, 0, 2, 0, 1, "o1")).ok());  // 7: pid 1 opens again
  EXPECT_EQ(log->LastStableOffset(), 5);
  const auto states = log->ProducerStates();
  const auto aborted = log->AbortedTransactions(0, 100);
  for (bool with_snapshot : {true, false}) {
    log.reset();
    mgr_.reset();
    if (!with_snapshot) fs::remove(dir_.path() + "/t-0/producer-state.snapshot");
    Reopen();
    log = Get("t");
    EXPECT_EQ(log->LastStableOffset(), 5) << with_snapshot;
    EXPECT_EQ(log->AbortedTransactions(0, 100), aborted);
    auto now = log->ProducerStates();
    ASSERT_EQ(now.size(), states.size());
    for (size_t i = 0; i < now.size(); ++i) {
      EXPECT_EQ(now[i].producer_id, states[i].producer_id);
      EXPECT_EQ(now[i].producer_epoch, states[i].producer_epoch);
      EXPECT_EQ(now[i].last_sequence, states[i].last_sequence);
      EXPECT_EQ(now[i].open_txn_first_offset, states[i].open_txn_first_offset);
    }
  }
  // Sequences continue after the restart: a retry of pid 1's last batch is a duplicate.
  auto retry = log->Append(TxnBatch(1, 0, 2, 0, 1, "o1"));
  ASSERT_TRUE(retry.ok());
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->base_offset, 7);
  ASSERT_TRUE(log->WriteTxnMarker(3, 0, true, 0).ok());
  EXPECT_EQ(log->LastStableOffset(), 7);
  ASSERT_TRUE(log->WriteTxnMarker(1, 0, false, 0).ok());
  EXPECT_EQ(log->LastStableOffset(), log->LogEndOffset());
  EXPECT_EQ(Committed(*log), (std::vector<std::string>{"c", "c", "o3"}));
}

TEST_F(TxnStorageTest, CompactionKeepsCommittedRemovesAbortedAndStopsAtTheLso) {
  auto log = Create("c", {{"cleanup.policy", "compact"}});
  const int64_t ts = NowMs() - 10000;
  // Segment 0: committed k0..k4 = "v1" (pid 1), aborted k0..k4 = "bad" (pid 2).
  ASSERT_TRUE(log->Append(TxnBatch(1, 0, 0, 0, 5, "v1", true, ts)).ok());
  ASSERT_TRUE(log->Append(TxnBatch(2, 0, 0, 0, 5, "bad", true, ts)).ok());
  ASSERT_TRUE(log->WriteTxnMarker(1, 0, true, 0).ok());
  ASSERT_TRUE(log->WriteTxnMarker(2, 0, false, 0).ok());
  ASSERT_TRUE(Impl(log)->Roll().ok());
  // Segment 1: an open transaction of pid 3 rewriting k0..k4.
  ASSERT_TRUE(log->Append(TxnBatch(3, 0, 0, 0, 5, "open", true, ts)).ok());
  ASSERT_TRUE(Impl(log)->Roll().ok());
  ASSERT_TRUE(log->Append(testing::MakeBatch(100, 1, ts)).ok());
  ASSERT_TRUE(Impl(log)->Roll().ok());
  const int64_t end = log->LogEndOffset();
  ASSERT_TRUE(mgr_->RunCleanerOnce().ok());
  EXPECT_EQ(log->LogEndOffset(), end);
  // The aborted batch is gone, the committed one stays (the aborted "bad" never counted as the
  // latest value), and the open transaction's segment was not touched.
  const std::string all = AllBatches(*log);
  std::vector<std::string> values;
  BatchIterator it(all);
  std::string_view batch;
  BatchHeader h;
  int controls = 0;
  while (it.Next(&batch, &h)) {
    if (h.is_control()) {
      ++controls;
      continue;
    }
    RecordIterator ri(batch);
    Record rec;
    while (ri.Next(&rec))
      values.emplace_back(rec.value ? std::string(rec.value->substr(0, 4)) : "");
  }
  EXPECT_EQ(controls, 2);  // markers stay
  EXPECT_EQ(values, (std::vector<std::string>{"v1", "v1", "v1", "v1", "v1", "open", "open", "open",
                                              "open", "open", "wwww"}));
  // Once the open transaction commits, a later pass may compact v1 away (open is the latest).
  ASSERT_TRUE(log->WriteTxnMarker(3, 0, true, 0).ok());
  ASSERT_TRUE(Impl(log)->Roll().ok());
  ASSERT_TRUE(mgr_->RunCleanerOnce().ok());
  EXPECT_EQ(Committed(*log), (std::vector<std::string>{"open", "open", "open", "open", "open",
                                                       std::string(100, 'w')}));
}

// A compressed batch whose CRC is right but whose records do not decode.
std::string BadCompressedBatch() {
  std::string batch = testing::MakeBatch(0, 3, NowMs(), 10, Compression::kGzip);
  auto garbage = Compress(Compression::kGzip, std::string("\x7f\x7f\x7f not records", 17));
  EXPECT_TRUE(garbage.ok());
  batch.resize(kBatchHeaderSize);
  batch += *garbage;
  enc::StoreBe32(batch.data() + 8, static_cast<uint32_t>(batch.size() - kBatchLogOverhead));
  enc::StoreBe32(batch.data() + 17, BatchCrc(batch));
  return batch;
}

TEST_F(TxnStorageTest, BadCompressedBatchIsRefusedAtAppend) {
  auto log = Create("z");
  const std::string bad = BadCompressedBatch();
  EXPECT_TRUE(ValidateBatch(bad).ok()) << "the CRC alone does not catch it";
  auto r = log->Append(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("topic z partition 0"), std::string::npos) << r.status();
  EXPECT_EQ(log->LogEndOffset(), 0);
  // A good compressed batch still goes in.
  EXPECT_TRUE(log->Append(testing::MakeBatch(0, 3, NowMs(), 10, Compression::kGzip)).ok());
}

TEST_F(TxnStorageTest, CompactionSkipsABadBatchOnDiskAndGoesOn) {
  auto log = Create("c", {{"cleanup.policy", "compact"}});
  const int64_t ts = NowMs() - 10000;
  ASSERT_TRUE(log->Append(testing::MakeBatch(0, 3, ts, 10)).ok());  // 0..2, to be broken on disk
  ASSERT_TRUE(Impl(log)->Roll().ok());
  ASSERT_TRUE(log->Append(testing::MakeBatch(10, 3, ts, 10)).ok());  // 3..5: k10..k12
  ASSERT_TRUE(Impl(log)->Roll().ok());
  ASSERT_TRUE(log->Append(testing::MakeBatch(10, 3, ts, 10)).ok());  // 6..8: k10..k12 again
  ASSERT_TRUE(Impl(log)->Roll().ok());
  log.reset();
  mgr_.reset();
  {
    // Break the first record's length varint of segment 0 and fix the CRC.
    const std::string path = dir_.path() + "/c-0/00000000000000000000.log";
    std::ifstream in(path, std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    in.close();
    ASSERT_GT(data.size(), kBatchHeaderSize);
    data[kBatchHeaderSize] = static_cast<char>(0x7f);
    enc::StoreBe32(data.data() + 17, BatchCrc(std::string_view(data).substr(0, data.size())));
    std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
  }
  Reopen();
  log = Get("c");
  ASSERT_TRUE(mgr_->RunCleanerOnce().ok());
  // Segment 1's k10..k12 went (k10..k12 at 6..8 are the latest), despite segment 0.
  auto r = log->Read(3, 1 << 20);
  ASSERT_TRUE(r.ok()) << r.status();
  auto h = ParseBatchHeader(r->batches);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->base_offset, 6);
}

}  // namespace
}  // namespace eddy::logstore
