#include "log-store/kafka/producer_state.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

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

}  // namespace
}  // namespace eddy::kafka
