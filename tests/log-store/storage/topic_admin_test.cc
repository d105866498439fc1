// LogManager topic admin and PartitionLog start-offset moves: partition limits checked before
// anything is created (per topic, in all, file descriptors), a failed create that leaves nothing
// on disk, AlterTopic growth with the same limits, DeleteRecordsBefore (segments dropped, start
// offset durable across reopen), and time lookups that return the found record's timestamp.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "log-store/storage/fault_hooks.h"
#include "log-store/storage/log_manager.h"
#include "test_util.h"

namespace eddy::logstore {
namespace {

namespace fs = std::filesystem;
using testing::MakeBatch;
using testing::ReadAll;
using testing::TempDir;

class StorageAdminTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void TearDown() override { FaultHooks::DisarmAll(); }

  void Reopen() {
    mgr_.reset();
    LogManagerOptions o;
    o.data_dir = dir_.path();
    o.start_cleaner = false;
    o.max_partitions_per_topic = 8;
    o.max_partitions = 12;
    o.reserved_fds = reserved_fds_;
    auto m = LogManager::Open(o);
    ASSERT_TRUE(m.ok()) << m.status();
    mgr_ = std::move(*m);
  }
  static TopicConfig Config(int32_t partitions, std::map<std::string, std::string> kv = {}) {
    auto c = TopicConfig::FromMap(kv, TopicConfig{});
    EXPECT_TRUE(c.ok()) << c.status();
    c->partitions = partitions;
    return *c;
  }
  // Entries of the data dir whose name starts with `prefix` (partition dirs, metadata).
  std::vector<std::string> Entries(const std::string& prefix) {
    std::vector<std::string> v;
    for (const auto& e : fs::directory_iterator(dir_.path())) {
      if (e.path().filename().string().rfind(prefix, 0) == 0) v.push_back(e.path().string());
    }
    if (fs::exists(dir_.path() + "/topics/" + prefix + ".properties")) v.push_back("properties");
    return v;
  }
  int LogFiles(const std::string& topic, int p = 0) {
    int n = 0;
    for (const auto& e :
         fs::directory_iterator(dir_.path() + "/" + topic + "-" + std::to_string(p)))
      n += e.path().extension() == ".log";
    return n;
  }

  TempDir dir_;
  int32_t reserved_fds_ = 512;
  std::unique_ptr<LogManager> mgr_;
};

TEST_F(StorageAdminTest, PerTopicLimitIsCheckedBeforeAnythingIsCreated) {
  for (bool validate_only : {true, false}) {
    absl::Status st = validate_only ? mgr_->ValidateCreateTopic("huge", Config(1000000))
                                    : mgr_->CreateTopic("huge", Config(1000000));
    EXPECT_EQ(st.code(), absl::StatusCode::kOutOfRange) << st;
    EXPECT_NE(st.message().find("huge"), std::string::npos) << st;
    EXPECT_NE(st.message().find("1000000"), std::string::npos) << st;
    EXPECT_NE(st.message().find("limit of 8"), std::string::npos) << st;
  }
  EXPECT_TRUE(Entries("huge").empty());
  EXPECT_EQ(mgr_->DescribeTopic("huge").status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(mgr_->CreateTopic("huge", Config(8)).ok());
  EXPECT_EQ(mgr_->DescribeTopic("huge")->partitions.size(), 8u);
}

TEST_F(StorageAdminTest, TotalLimitCoversCreateAndGrowth) {
  ASSERT_TRUE(mgr_->CreateTopic("a", Config(8)).ok());
  absl::Status st = mgr_->CreateTopic("b", Config(5));
  EXPECT_EQ(st.code(), absl::StatusCode::kOutOfRange) << st;
  EXPECT_NE(st.message().find("limit is 12"), std::string::npos) << st;
  EXPECT_TRUE(Entries("b-").empty());
  ASSERT_TRUE(mgr_->CreateTopic("b", Config(4)).ok());
  EXPECT_EQ(mgr_->PartitionCount(), 12);

  // Growth: same limits, checked first; shrinking is refused.
  st = mgr_->AlterTopic("b", {{"partitions", "5"}});
  EXPECT_EQ(st.code(), absl::StatusCode::kOutOfRange) << st;
  EXPECT_FALSE(fs::exists(dir_.path() + "/b-4"));
  EXPECT_EQ(mgr_->ValidateAlterTopic("b", {{"partitions", "3"}}).code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(mgr_->DeleteTopic("a").ok());
  EXPECT_TRUE(mgr_->ValidateAlterTopic("b", {{"partitions", "8"}}).ok());
  st = mgr_->AlterTopic("b", {{"partitions", "9"}});
  EXPECT_EQ(st.code(), absl::StatusCode::kOutOfRange) << st;
  ASSERT_TRUE(mgr_->AlterTopic("b", {{"partitions", "7"}}).ok());
  EXPECT_EQ(mgr_->DescribeTopic("b")->partitions.size(), 7u);
  EXPECT_TRUE(mgr_->GetPartition("b", 6).ok());
  Reopen();
  EXPECT_EQ(mgr_->DescribeTopic("b")->partitions.size(), 7u);
}

TEST_F(StorageAdminTest, FileDescriptorShortageIsRefusedUpFront) {
  reserved_fds_ = 1 << 30;
  Reopen();
  absl::Status st = mgr_->CreateTopic("fds", Config(2));
  EXPECT_EQ(st.code(), absl::StatusCode::kOutOfRange) << st;
  EXPECT_NE(st.message().find("file descriptors"), std::string::npos) << st;
  EXPECT_TRUE(Entries("fds").empty());
}

TEST_F(StorageAdminTest, FailedCreateLeavesNothingOnDisk) {
  FaultHooks::Arm("log_manager.create.last_partition");
  absl::Status st = mgr_->CreateTopic("half", Config(4));
  EXPECT_FALSE(st.ok());
  EXPECT_TRUE(Entries("half").empty()) << Entries("half").front();
  EXPECT_EQ(mgr_->DescribeTopic("half").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(mgr_->PartitionCount(), 0);
  Reopen();
  EXPECT_TRUE(mgr_->ListTopics().empty());
  ASSERT_TRUE(mgr_->CreateTopic("half", Config(4)).ok());
  EXPECT_EQ(mgr_->DescribeTopic("half")->partitions.size(), 4u);
}

TEST_F(StorageAdminTest, ReplaceTopicConfigRevertsUnspecifiedKeysAndKeepsPartitions) {
  ASSERT_TRUE(mgr_->CreateTopic("cfg", Config(3, {{"retention.ms", "1000"}})).ok());
  TopicConfig next = Config(1, {{"compression.type", "zstd"}});
  ASSERT_TRUE(mgr_->ReplaceTopicConfig("cfg", next).ok());
  Reopen();
  auto d = mgr_->DescribeTopic("cfg");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->partitions.size(), 3u);
  EXPECT_EQ(d->config.partitions, 3);
  EXPECT_EQ(d->config.retention_ms, TopicConfig{}.retention_ms);
  EXPECT_EQ(d->config.compression_type, CompressionType::kZstd);
}

TEST_F(StorageAdminTest, DeleteRecordsMovesTheStartDropsSegmentsAndSurvivesReopen) {
  // 10 batches of 10 records, each in its own segment.
  ASSERT_TRUE(mgr_->CreateTopic("dr", Config(1, {{"segment.bytes", "1500"}})).ok());
  auto log = *mgr_->GetPartition("dr", 0);
  for (int b = 0; b < 10; ++b) ASSERT_TRUE(log->Append(MakeBatch(b * 10, 10, 1000 + b)).ok());
  ASSERT_EQ(LogFiles("dr"), 10);

  auto low = log->DeleteRecordsBefore(35);
  ASSERT_TRUE(low.ok()) << low.status();
  EXPECT_EQ(*low, 35);
  EXPECT_EQ(log->LogStartOffset(), 35);
  EXPECT_EQ(log->Read(34, 1 << 20).status().code(), absl::StatusCode::kOutOfRange);
  auto recs = ReadAll(*log);
  ASSERT_TRUE(recs.ok()) << recs.status();
  ASSERT_EQ(recs->size(), 65u);
  EXPECT_EQ(recs->front().offset, 35);
  EXPECT_EQ(LogFiles("dr"), 7) << "segments [0,10), [10,20), [20,30) are gone";
  EXPECT_EQ(*log->DeleteRecordsBefore(20), 35) << "below the start: nothing changes";
  EXPECT_EQ(log->DeleteRecordsBefore(101).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(log->DeleteRecordsBefore(-2).status().code(), absl::StatusCode::kOutOfRange);
  // A time lookup never answers below the start; it answers the found record's timestamp.
  auto found = log->FindTimestamp(0);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->offset, 35);
  EXPECT_EQ(found->timestamp, 1003);

  log.reset();
  Reopen();
  log = *mgr_->GetPartition("dr", 0);
  EXPECT_EQ(log->LogStartOffset(), 35);
  EXPECT_EQ(log->LogEndOffset(), 100);
  EXPECT_EQ(ReadAll(*log)->front().offset, 35);

  // -1 = the high watermark: everything goes, the active segment included; offsets continue.
  EXPECT_EQ(*log->DeleteRecordsBefore(-1), 100);
  EXPECT_EQ(LogFiles("dr"), 1);
  EXPECT_TRUE(ReadAll(*log)->empty());
  auto appended = log->Append(MakeBatch(100, 5, 2000));
  ASSERT_TRUE(appended.ok());
  EXPECT_EQ(appended->base_offset, 100);
  EXPECT_EQ(appended->log_start_offset, 100);
  log.reset();
  Reopen();
  log = *mgr_->GetPartition("dr", 0);
  EXPECT_EQ(log->LogStartOffset(), 100);
  EXPECT_EQ(ReadAll(*log)->size(), 5u);
}

TEST_F(StorageAdminTest, FindTimestampAnswersTheFoundRecordsTimestamp) {
  ASSERT_TRUE(mgr_->CreateTopic("ts", Config(1)).ok());
  auto log = *mgr_->GetPartition("ts", 0);
  ASSERT_TRUE(log->Append(MakeBatch(0, 3, 1000)).ok());
  ASSERT_TRUE(log->Append(MakeBatch(3, 3, 2000)).ok());
  ASSERT_TRUE(log->Append(MakeBatch(6, 3, 3000)).ok());
  auto f = log->FindTimestamp(1500);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->offset, 3);
  EXPECT_EQ(f->timestamp, 2000);
  f = log->FindTimestamp(3000);
  EXPECT_EQ(f->offset, 6);
  EXPECT_EQ(f->timestamp, 3000);
  f = log->FindTimestamp(3001);
  EXPECT_EQ(f->offset, -1);
  EXPECT_EQ(f->timestamp, -1);
  EXPECT_EQ(*log->OffsetForTimestamp(1500), 3);
}

}  // namespace
}  // namespace eddy::logstore
