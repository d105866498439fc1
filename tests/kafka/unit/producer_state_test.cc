#include "log-store/kafka/producer_state.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "log-store/storage/log_manager.h"
#include "log-store/storage/record_batch_builder.h"

namespace eddy::kafka {
namespace {

using Verdict = ProducerStateManager::Verdict;

std::string TempFile(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("eddy-kafka-ps-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return (dir / "kafka_producer_ids").string();
}

TEST(ProducerState, IdsAreNeverReusedAfterRestart) {
  std::string file = TempFile("ids");
  int64_t last = -1;
  {
    auto m = ProducerStateManager::Open(file);
    ASSERT_TRUE(m.ok());
    for (int i = 0; i < 3; ++i) {
      auto id = (*m)->NextProducerId();
      ASSERT_TRUE(id.ok());
      EXPECT_GT(*id, last);
      last = *id;
    }
  }
  auto m2 = ProducerStateManager::Open(file);
  ASSERT_TRUE(m2.ok());
  auto id = (*m2)->NextProducerId();
  ASSERT_TRUE(id.ok());
  EXPECT_GT(*id, last);
}

TEST(ProducerState, CorruptStateFileIsAnError) {
  std::string file = TempFile("corrupt");
  { std::ofstream(file) << "garbage"; }
  auto m = ProducerStateManager::Open(file);
  EXPECT_FALSE(m.ok());
  EXPECT_NE(std::string(m.status().message()).find(file), std::string::npos);
}

TEST(ProducerState, DuplicatesGetTheOriginalOffsetAndGapsAreRefused) {
  auto m = ProducerStateManager::Open(TempFile("seq"));
  ASSERT_TRUE(m.ok());
  ProducerStateManager& ps = **m;
  EXPECT_EQ(ps.CheckBatch("t", 0, 7, 0, 0, 10).verdict, Verdict::kAppend);
  ps.Record("t", 0, 7, 0, 0, 10, 100);
  EXPECT_EQ(ps.CheckBatch("t", 0, 7, 0, 10, 5).verdict, Verdict::kAppend);
  ps.Record("t", 0, 7, 0, 10, 5, 110);

  auto dup = ps.CheckBatch("t", 0, 7, 0, 0, 10);
  EXPECT_EQ(dup.verdict, Verdict::kDuplicate);
  EXPECT_EQ(dup.duplicate_base_offset, 100);
  EXPECT_EQ(ps.CheckBatch("t", 0, 7, 0, 10, 5).duplicate_base_offset, 110);
  EXPECT_EQ(ps.CheckBatch("t", 0, 7, 0, 20, 1).verdict, Verdict::kOutOfOrder);
  // Another partition and another producer are independent.
  EXPECT_EQ(ps.CheckBatch("t", 1, 7, 0, 0, 1).verdict, Verdict::kAppend);
  EXPECT_EQ(ps.CheckBatch("t", 0, 8, 0, 0, 1).verdict, Verdict::kAppend);
  // Stale epoch.
  ps.Record("t", 2, 9, 3, 0, 1, 0);
  EXPECT_EQ(ps.CheckBatch("t", 2, 9, 2, 1, 1).verdict, Verdict::kInvalidEpoch);
}

TEST(ProducerState, OnlyTheLastFiveBatchesAreRemembered) {
  auto m = ProducerStateManager::Open(TempFile("window"));
  ASSERT_TRUE(m.ok());
  for (int i = 0; i < 7; ++i) (*m)->Record("t", 0, 1, 0, i, 1, 1000 + i);
  EXPECT_EQ((*m)->CheckBatch("t", 0, 1, 0, 6, 1).duplicate_base_offset, 1006);
  EXPECT_EQ((*m)->CheckBatch("t", 0, 1, 0, 2, 1).duplicate_base_offset, 1002);
  auto old = (*m)->CheckBatch("t", 0, 1, 0, 0, 1);
  EXPECT_EQ(old.verdict, Verdict::kDuplicate);  // older than the window: DUPLICATE_SEQUENCE
  EXPECT_EQ(old.duplicate_base_offset, -1);
}

std::string IdempotentBatch(int64_t pid, int16_t epoch, int32_t seq, int records) {
  logstore::RecordBatchBuilder b;
  b.SetProducer(pid, epoch, seq);
  for (int i = 0; i < records; ++i) b.Add(std::nullopt, "v" + std::to_string(i), 1700000000000);
  return b.Finish();
}

TEST(ProducerState, RecoverPartitionRebuildsTheLastFiveBatchesPerProducerFromTheLog) {
  const std::string file = TempFile("recover");
  logstore::LogManagerOptions lo;
  lo.data_dir = std::filesystem::path(file).parent_path() / "data";
  lo.start_cleaner = false;
  auto logs = logstore::LogManager::Open(lo);
  ASSERT_TRUE(logs.ok()) << logs.status();
  logstore::TopicConfig tc;
  tc.partitions = 1;
  ASSERT_TRUE((*logs)->CreateTopic("t", tc).ok());
  auto log = (*logs)->GetPartition("t", 0);
  ASSERT_TRUE(log.ok());
  // Producer 1: seven batches of 2 records (sequences 0..13); producer 2 at epoch 3 between
  // them; and a plain batch with no producer id.
  std::vector<int64_t> base;
  for (int i = 0; i < 7; ++i) {
    auto a = (*log)->Append(IdempotentBatch(1, 0, 2 * i, 2));
    ASSERT_TRUE(a.ok()) << a.status();
    base.push_back(a->base_offset);
    if (i == 3) {
      ASSERT_TRUE((*log)->Append(IdempotentBatch(2, 3, 0, 4)).ok());
    }
    if (i == 4) {
      ASSERT_TRUE((*log)->Append(IdempotentBatch(-1, -1, -1, 1)).ok());
    }
  }

  auto m = ProducerStateManager::Open(file);
  ASSERT_TRUE(m.ok());
  ProducerStateManager& ps = **m;
  // Before recovery nothing is known: a retried batch would be accepted.
  EXPECT_EQ(ps.CheckBatch("t", 0, 1, 0, 12, 2).verdict, Verdict::kAppend);
  ASSERT_TRUE(ps.RecoverPartition(**log).ok());
  auto dup = ps.CheckBatch("t", 0, 1, 0, 12, 2);
  EXPECT_EQ(dup.verdict, Verdict::kDuplicate);
  EXPECT_EQ(dup.duplicate_base_offset, base[6]);
  EXPECT_EQ(ps.CheckBatch("t", 0, 1, 0, 4, 2).duplicate_base_offset, base[2]);
  auto old = ps.CheckBatch("t", 0, 1, 0, 0, 2);  // sixth from the end: outside the window
  EXPECT_EQ(old.verdict, Verdict::kDuplicate);
  EXPECT_EQ(old.duplicate_base_offset, -1);
  EXPECT_EQ(ps.CheckBatch("t", 0, 1, 0, 14, 1).verdict, Verdict::kAppend);
  EXPECT_EQ(ps.CheckBatch("t", 0, 1, 0, 16, 1).verdict, Verdict::kOutOfOrder);
  // Producer 2 kept its epoch: an older epoch is fenced, its batch is a duplicate.
  EXPECT_EQ(ps.CheckBatch("t", 0, 2, 2, 4, 1).verdict, Verdict::kInvalidEpoch);
  EXPECT_EQ(ps.CheckBatch("t", 0, 2, 3, 0, 4).verdict, Verdict::kDuplicate);

  // A bounded scan sees only the tail: the last 2 offsets hold only batch 6 of producer 1.
  auto m2 = ProducerStateManager::Open(TempFile("recover-bounded"));
  ASSERT_TRUE(m2.ok());
  ASSERT_TRUE((*m2)->RecoverPartition(**log, 2).ok());
  EXPECT_EQ((*m2)->CheckBatch("t", 0, 1, 0, 12, 2).duplicate_base_offset, base[6]);
  EXPECT_EQ((*m2)->CheckBatch("t", 0, 2, 3, 0, 4).verdict, Verdict::kAppend);
  std::filesystem::remove_all(std::filesystem::path(file).parent_path());
}

}  // namespace
}  // namespace eddy::kafka
