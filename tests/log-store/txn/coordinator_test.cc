// TransactionCoordinator in process over a real LogManager: pending offsets applied on commit
// and dropped on abort, state recovered after a reopen, timeout aborts, limits, KIP-360 checks,
// a torn state file tail.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "log-store/storage/log_manager.h"
#include "log-store/storage/record_batch_builder.h"
#include "log-store/txn/transaction_coordinator.h"
#include "test_util.h"

namespace eddy::logstore {
namespace {

std::string Batch(int64_t pid, int16_t epoch, int32_t seq, const std::string& v) {
  RecordBatchBuilder b;
  b.Add(std::nullopt, v, 1700000000000);
  b.SetProducer(pid, epoch, seq);
  b.SetTransactional(true);
  return b.Finish();
}

class CoordinatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LogManagerOptions o;
    o.data_dir = dir_.path();
    o.start_cleaner = false;
    auto m = LogManager::Open(o);
    ASSERT_TRUE(m.ok());
    logs_ = std::move(*m);
    TopicConfig tc;
    tc.partitions = 2;
    ASSERT_TRUE(logs_->CreateTopic("t", tc).ok());
    Open();
  }
  void Open(TransactionCoordinatorOptions o = {}) {
    txn_.reset();
    o.data_dir = dir_.path();
    o.start_timer = false;
    auto c = TransactionCoordinator::Open(logs_.get(), o);
    ASSERT_TRUE(c.ok()) << c.status();
    txn_ = std::move(*c);
  }
  std::shared_ptr<PartitionLog> Log(int p) { return *logs_->GetPartition("t", p); }

  testing::TempDir dir_;
  std::unique_ptr<LogManager> logs_;
  std::unique_ptr<TransactionCoordinator> txn_;
};

TEST_F(CoordinatorTest, PendingOffsetsAreAppliedOnCommitAndDroppedOnAbort) {
  auto id = txn_->InitProducerId("g-tx", 0);
  ASSERT_TRUE(id.ok());
  const int64_t pid = id->producer_id;
  const int16_t ep = id->producer_epoch;
  // Without AddOffsets first: refused.
  auto early = txn_->TxnOffsetCommit("g-tx", pid, ep, "g", {{"t", 0, 7, ""}});
  EXPECT_EQ(TxnReason(early), "INVALID_TXN_STATE");
  ASSERT_TRUE(txn_->AddOffsets("g-tx", pid, ep, "g").ok());
  ASSERT_TRUE(txn_->TxnOffsetCommit("g-tx", pid, ep, "g", {{"t", 0, 42, "m"}}).ok());
  EXPECT_FALSE(logs_->FetchOffset("g", "t", 0).has_value()) << "not before the commit";
  ASSERT_TRUE(txn_->EndTxn("g-tx", pid, ep, true).ok());
  ASSERT_TRUE(logs_->FetchOffset("g", "t", 0).has_value());
  EXPECT_EQ(logs_->FetchOffset("g", "t", 0)->offset, 42);
  ASSERT_TRUE(txn_->AddOffsets("g-tx", pid, ep, "g").ok());
  ASSERT_TRUE(txn_->TxnOffsetCommit("g-tx", pid, ep, "g", {{"t", 0, 50, ""}}).ok());
  ASSERT_TRUE(txn_->EndTxn("g-tx", pid, ep, false).ok());
  EXPECT_EQ(logs_->FetchOffset("g", "t", 0)->offset, 42);
  auto d = txn_->Describe({"g-tx"});
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].commits, 1);
  EXPECT_EQ(d[0].aborts, 1);
}

TEST_F(CoordinatorTest, OpenTransactionSurvivesReopenAndIsAbortedAfterItsTimeout) {
  auto id = txn_->InitProducerId("tx", 1000);
  ASSERT_TRUE(id.ok());
  auto added = txn_->AddPartitions("tx", id->producer_id, id->producer_epoch,
                                   {{"t", 0}, {"t", 1}, {"nope", 0}});
  ASSERT_EQ(added.size(), 3u);
  EXPECT_TRUE(added[0].ok());
  EXPECT_TRUE(added[1].ok());
  EXPECT_EQ(TxnReason(added[2]), "UNKNOWN_TOPIC_OR_PARTITION");
  ASSERT_TRUE(txn_->CheckProduce("t", 0, id->producer_id, id->producer_epoch, true).ok());
  ASSERT_TRUE(Log(0)->Append(Batch(id->producer_id, id->producer_epoch, 0, "v")).ok());
  EXPECT_EQ(Log(0)->LastStableOffset(), 0);
  // A partition not added is refused for transactional batches.
  EXPECT_EQ(TxnReason(txn_->CheckProduce("u", 0, id->producer_id, id->producer_epoch, true)),
            "INVALID_TXN_STATE");
  Open();  // the coordinator restarts (the log manager stays)
  auto d = txn_->Describe({"tx"});
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(TxnStateName(d[0].state), "Ongoing");
  EXPECT_EQ(d[0].partitions.size(), 2u);
  EXPECT_EQ(d[0].timeout_ms, 1000);
  // Aged past its timeout (start time is durable): aborted, epoch bumped, producer fenced.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto n = txn_->AbortTimedOut();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  EXPECT_EQ(Log(0)->LastStableOffset(), Log(0)->LogEndOffset());
  EXPECT_EQ(Log(0)->AbortedTransactions(0, 10).size(), 1u);
  EXPECT_EQ(Log(1)->LogEndOffset(), 0) << "no marker where nothing was written";
  auto fenced = txn_->CheckProduce("t", 0, id->producer_id, id->producer_epoch, false);
  EXPECT_EQ(TxnReason(fenced), "PRODUCER_FENCED");
  EXPECT_EQ(TxnReason(txn_->EndTxn("tx", id->producer_id, id->producer_epoch, true)),
            "TRANSACTION_TIMED_OUT");
  EXPECT_EQ(txn_->Counters().timed_out_aborts, 1);
  EXPECT_EQ(txn_->Counters().fenced_produce_refused, 1);
}

TEST_F(CoordinatorTest, LimitsAndKip360) {
  TransactionCoordinatorOptions o;
  o.max_transactional_ids = 1;
  o.max_partitions_per_txn = 1;
  o.max_transaction_timeout_ms = 5000;
  Open(o);
  EXPECT_EQ(TxnReason(txn_->InitProducerId("a", 6000).status()), "INVALID_TRANSACTION_TIMEOUT");
  auto a = txn_->InitProducerId("a", 1000);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(TxnReason(txn_->InitProducerId("b", 1000).status()), "RESOURCE_EXHAUSTED");
  auto two = txn_->AddPartitions("a", a->producer_id, a->producer_epoch, {{"t", 0}, {"t", 1}});
  EXPECT_FALSE(two[0].ok());
  // KIP-360: a re-init naming a pid/epoch that is not the id's current one is fenced.
  auto wrong = txn_->InitProducerId(
      "a", 1000, ProducerIdAndEpoch{a->producer_id, static_cast<int16_t>(a->producer_epoch + 5)});
  EXPECT_EQ(TxnReason(wrong.status()), "PRODUCER_FENCED");
  auto right = txn_->InitProducerId("a", 1000, *a);
  ASSERT_TRUE(right.ok());
  EXPECT_EQ(right->producer_id, a->producer_id);
  EXPECT_EQ(right->producer_epoch, a->producer_epoch + 1);
  // Idempotent producers get fresh ids, never one of a transactional id.
  auto plain = txn_->InitProducerId(std::nullopt, 0);
  ASSERT_TRUE(plain.ok());
  EXPECT_NE(plain->producer_id, a->producer_id);
  EXPECT_EQ(plain->producer_epoch, 0);
}

TEST_F(CoordinatorTest, TornStateFileTailIsCutAndTheRestKept) {
  auto a = txn_->InitProducerId("a", 1000);
  ASSERT_TRUE(a.ok());
  txn_.reset();
  {
    std::ofstream f(dir_.path() + "/__transaction_state/txn-state.log",
                    std::ios::binary | std::ios::app);
    f << std::string("\0\0\0\x40garbage", 11);
  }
  Open();
  auto d = txn_->Describe({"a"});
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].producer_id, a->producer_id);
  EXPECT_EQ(d[0].producer_epoch, a->producer_epoch);
  auto again = txn_->InitProducerId("a", 1000);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->producer_epoch, a->producer_epoch + 1);
}

}  // namespace
}  // namespace eddy::logstore
