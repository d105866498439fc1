// ShareGroupManager in process over a real LogManager, with a test clock: acquire, accept,
// release, reject, lock expiry, delivery count limit with a dead-letter topic, start offset
// advance over the done prefix, member loss, durable state across a reopen, a torn state file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "log-store/share/share_group_manager.h"
#include "log-store/storage/log_manager.h"
#include "log-store/storage/record_batch.h"
#include "log-store/storage/record_batch_builder.h"
#include "log-store/txn/transaction_coordinator.h"
#include "test_util.h"

namespace eddy::logstore::share {
namespace {

class ShareGroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LogManagerOptions o;
    o.data_dir = dir_.path();
    o.start_cleaner = false;
    auto m = LogManager::Open(o);
    ASSERT_TRUE(m.ok());
    logs_ = std::move(*m);
    TopicConfig tc;
    tc.partitions = 1;
    ASSERT_TRUE(logs_->CreateTopic("t", tc).ok());
    Open();
  }
  void Open() {
    mgr_.reset();
    ShareGroupManagerOptions o;
    o.data_dir = dir_.path();
    o.start_timer = false;
    o.clock = [this] { return now_; };
    o.limits.defaults.auto_offset_reset_earliest = true;
    auto m = ShareGroupManager::Open(logs_.get(), o);
    ASSERT_TRUE(m.ok()) << m.status();
    mgr_ = std::move(*m);
  }
  // `n` records "v<i>" in batches of `per_batch`.
  void Produce(int n, int per_batch = 1) {
    auto log = *logs_->GetPartition("t", 0);
    for (int i = 0; i < n; i += per_batch) {
      RecordBatchBuilder b;
      for (int k = i; k < std::min(n, i + per_batch); ++k) {
        b.Add(std::nullopt, "v" + std::to_string(produced_ + k), 1700000000000);
      }
      ASSERT_TRUE(log->Append(b.Finish()).ok());
    }
    produced_ += n;
  }
  int32_t Join(const std::string& member) {
    auto r = mgr_->Heartbeat("g", member, 0, {"t"});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->member_epoch : 0;
  }
  // The offsets acquired by one fetch of `member`, with their delivery counts.
  std::map<int64_t, int32_t> Fetch(const std::string& member, int max_records = 100,
                                   std::vector<ShareAckItem> acks = {}) {
    ShareFetchParams p;
    p.group = "g";
    p.member_id = member;
    p.max_records = max_records;
    p.acks = std::move(acks);
    auto r = mgr_->ShareFetch(p);
    EXPECT_TRUE(r.ok()) << r.status();
    std::map<int64_t, int32_t> out;
    if (!r.ok()) return out;
    for (const auto& part : r->partitions) {
      EXPECT_TRUE(part.status.ok()) << part.status;
      for (const auto& a : part.out.acquired) {
        for (int64_t o = a.first; o <= a.last; ++o) out[o] = a.delivery_count;
      }
      // The records returned hold every acquired offset.
      std::set<int64_t> seen;
      BatchIterator batches(part.out.records);
      std::string_view batch;
      BatchHeader h;
      while (batches.Next(&batch, &h)) {
        RecordIterator it(batch);
        Record rec;
        while (it.Next(&rec)) seen.insert(rec.offset);
      }
      for (const auto& a : part.out.acquired) {
        for (int64_t o = a.first; o <= a.last; ++o) EXPECT_TRUE(seen.count(o)) << o;
      }
    }
    return out;
  }
  std::vector<absl::Status> Ack(const std::string& member, int64_t first, int64_t last,
                                AckType type) {
    auto r = mgr_->Acknowledge("g", member, std::nullopt, {{"t", 0, {first, last, type}}});
    EXPECT_TRUE(r.ok()) << r.status();
    std::vector<absl::Status> out;
    if (r.ok()) {
      for (const auto& o : *r) out.push_back(o.status);
    }
    return out;
  }
  SharePartitionStats Stats() {
    auto info = mgr_->Describe("g");
    EXPECT_TRUE(info.ok()) << info.status();
    if (!info.ok() || info->partitions.empty()) return {};
    return info->partitions[0].stats;
  }
  static std::map<int64_t, int32_t> Range(int64_t first, int64_t last, int32_t dc) {
    std::map<int64_t, int32_t> m;
    for (int64_t o = first; o <= last; ++o) m[o] = dc;
    return m;
  }

  testing::TempDir dir_;
  std::unique_ptr<LogManager> logs_;
  std::unique_ptr<ShareGroupManager> mgr_;
  int64_t now_ = 1000000;
  int produced_ = 0;
};

TEST_F(ShareGroupTest, AcquireThenAcceptMovesTheStartOffset) {
  Produce(10);
  Join("a");
  EXPECT_EQ(Fetch("a", 4), Range(0, 3, 1));
  EXPECT_EQ(Fetch("a", 100), Range(4, 9, 1));
  EXPECT_TRUE(Ack("a", 0, 3, AckType::kAccept)[0].ok());
  auto s = Stats();
  EXPECT_EQ(s.start_offset, 4);
  EXPECT_EQ(s.acquired, 6);
  EXPECT_EQ(s.accepted_total, 4);
  EXPECT_TRUE(Fetch("a").empty());  // everything is held
  // A second ack of the same offsets is refused.
  auto again = Ack("a", 0, 3, AckType::kAccept);
  EXPECT_EQ(TxnReason(again[0]), "INVALID_RECORD_STATE");
}

TEST_F(ShareGroupTest, TheStartOffsetMovesOnlyOverTheContiguousDonePrefix) {
  Produce(6);
  Join("a");
  EXPECT_EQ(Fetch("a").size(), 6u);
  EXPECT_TRUE(Ack("a", 2, 3, AckType::kAccept)[0].ok());
  EXPECT_EQ(Stats().start_offset, 0);
  EXPECT_TRUE(Ack("a", 0, 1, AckType::kReject)[0].ok());
  EXPECT_EQ(Stats().start_offset, 4);
  EXPECT_EQ(Stats().in_flight, 2);
}

TEST_F(ShareGroupTest, PartOfABatchIsAcquiredAndTheRestComesNext) {
  Produce(10, /*per_batch=*/10);
  Join("a");
  Join("b");
  EXPECT_EQ(Fetch("a", 3), Range(0, 2, 1));
  EXPECT_EQ(Fetch("b", 3), Range(3, 5, 1));
}

TEST_F(ShareGroupTest, ReleasedRecordsGoToTheNextFetchOfAnyMember) {
  Produce(10);
  Join("a");
  Join("b");
  EXPECT_EQ(Fetch("a"), Range(0, 9, 1));
  EXPECT_TRUE(Ack("a", 0, 4, AckType::kRelease)[0].ok());
  EXPECT_EQ(Fetch("b"), Range(0, 4, 2));
  EXPECT_EQ(Stats().released_total, 5);
  EXPECT_EQ(Stats().redelivered_total, 5);
  // a cannot acknowledge what b holds now
  EXPECT_EQ(TxnReason(Ack("a", 0, 0, AckType::kAccept)[0]), "INVALID_RECORD_STATE");
}

TEST_F(ShareGroupTest, RejectedRecordsNeverComeBack) {
  Produce(4);
  Join("a");
  EXPECT_EQ(Fetch("a").size(), 4u);
  EXPECT_TRUE(Ack("a", 0, 1, AckType::kReject)[0].ok());
  EXPECT_TRUE(Ack("a", 2, 3, AckType::kRelease)[0].ok());
  EXPECT_EQ(Fetch("a"), Range(2, 3, 2));
  EXPECT_EQ(Stats().archived_total, 2);
  EXPECT_EQ(Stats().rejected_total, 2);
}

TEST_F(ShareGroupTest, AnExpiredLockRedeliversToAnotherMember) {
  Produce(3);
  Join("a");
  Join("b");
  EXPECT_EQ(Fetch("a"), Range(0, 2, 1));
  now_ += 29000;
  mgr_->RunTimerOnce();
  EXPECT_TRUE(Fetch("b").empty());  // still locked
  now_ += 2000;                     // past the 30 s lock
  ASSERT_TRUE(mgr_->Heartbeat("g", "a", 1, {}).ok());
  ASSERT_TRUE(mgr_->Heartbeat("g", "b", 1, {}).ok());
  mgr_->RunTimerOnce();
  EXPECT_EQ(Stats().lock_expired_total, 3);
  EXPECT_EQ(Fetch("b"), Range(0, 2, 2));
  EXPECT_EQ(TxnReason(Ack("a", 0, 2, AckType::kAccept)[0]), "INVALID_RECORD_STATE");
  EXPECT_TRUE(Ack("b", 0, 2, AckType::kAccept)[0].ok());
}

TEST_F(ShareGroupTest, TheDeliveryLimitArchivesToTheDeadLetterTopic) {
  ASSERT_TRUE(
      mgr_->AlterConfigs("g", {{kDeliveryCountLimit, "2"}, {kDeadLetterTopic, "t.dlq"}}).ok());
  Produce(2);
  Join("a");
  EXPECT_EQ(Fetch("a"), Range(0, 1, 1));
  EXPECT_TRUE(Ack("a", 0, 1, AckType::kRelease)[0].ok());
  EXPECT_EQ(Fetch("a"), Range(0, 1, 2));
  EXPECT_TRUE(Ack("a", 0, 0, AckType::kRelease)[0].ok());  // second delivery given back: limit
  EXPECT_TRUE(Ack("a", 1, 1, AckType::kReject)[0].ok());   // rejected: dead-lettered too
  EXPECT_TRUE(Fetch("a").empty());
  auto s = Stats();
  EXPECT_EQ(s.archived_total, 2);
  EXPECT_EQ(s.dead_lettered_total, 2);
  EXPECT_EQ(s.start_offset, 2);
  auto dlq = logs_->GetPartition("t.dlq", 0);
  ASSERT_TRUE(dlq.ok()) << dlq.status();
  auto read = (*dlq)->Read(0, 1 << 20);
  ASSERT_TRUE(read.ok());
  std::vector<std::string> values, offsets, reasons;
  BatchIterator batches(read->batches);
  std::string_view batch;
  BatchHeader h;
  while (batches.Next(&batch, &h)) {
    RecordIterator it(batch);
    Record r;
    while (it.Next(&r)) {
      values.emplace_back(*r.value);
      RecordHeaderIterator hi(r.headers_raw, r.header_count);
      RecordHeader rh;
      while (hi.Next(&rh)) {
        if (rh.key == "eddy.dlq.offset") offsets.emplace_back(*rh.value);
        if (rh.key == "eddy.dlq.reason") reasons.emplace_back(*rh.value);
      }
    }
  }
  EXPECT_EQ(values, (std::vector<std::string>{"v0", "v1"}));
  EXPECT_EQ(offsets, (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(reasons, (std::vector<std::string>{"delivery count limit", "rejected"}));
}

TEST_F(ShareGroupTest, AMemberPastItsSessionTimeoutLosesItsRecords) {
  Produce(5);
  Join("a");
  Join("b");
  EXPECT_EQ(Fetch("a"), Range(0, 4, 1));
  now_ += 46000;
  ASSERT_TRUE(mgr_->Heartbeat("g", "b", 1, {}).ok());
  mgr_->RunTimerOnce();
  ShareFetchParams p;
  p.group = "g";
  p.member_id = "a";
  auto gone = mgr_->ShareFetch(p);
  EXPECT_EQ(TxnReason(gone.status()), "UNKNOWN_MEMBER_ID");
  EXPECT_EQ(Fetch("b"), Range(0, 4, 2));
  auto info = mgr_->Describe("g");
  ASSERT_TRUE(info.ok());
  ASSERT_EQ(info->members.size(), 1u);
  EXPECT_EQ(info->members[0].acquired, 5);
}

TEST_F(ShareGroupTest, LeavingReleasesAndRejoiningStartsAfresh) {
  Produce(3);
  Join("a");
  EXPECT_EQ(Fetch("a"), Range(0, 2, 1));
  auto left = mgr_->Heartbeat("g", "a", -1, {});
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->member_epoch, -1);
  EXPECT_EQ(Stats().available, 3);
  Join("a");
  EXPECT_EQ(Fetch("a"), Range(0, 2, 2));
}

TEST_F(ShareGroupTest, HeartbeatErrorsNameKafkasReason) {
  EXPECT_EQ(TxnReason(mgr_->Heartbeat("g", "x", 3, {}).status()), "UNKNOWN_MEMBER_ID");
  EXPECT_EQ(Join("a"), 1);
  EXPECT_EQ(TxnReason(mgr_->Heartbeat("g", "a", 7, {}).status()), "FENCED_MEMBER_EPOCH");
  EXPECT_EQ(TxnReason(mgr_->Heartbeat("g", "b", 0, {}).status()), "INVALID_REQUEST");
  EXPECT_EQ(TxnReason(mgr_->Heartbeat("g", "", 0, {"t"}).status()), "INVALID_REQUEST");
  auto hb = mgr_->Heartbeat("g", "a", 1, {});
  ASSERT_TRUE(hb.ok());
  ASSERT_EQ(hb->assignment.size(), 1u);
  EXPECT_EQ(hb->assignment[0].partitions, std::vector<int32_t>{0});
  ShareFetchParams p;
  p.group = "g";
  p.member_id = "a";
  p.member_epoch = 9;
  EXPECT_EQ(TxnReason(mgr_->ShareFetch(p).status()), "FENCED_MEMBER_EPOCH");
  p.member_epoch = 1;
  p.partitions = {{"nope", 0}};
  auto r = mgr_->ShareFetch(p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(TxnReason(r->partitions[0].status), "UNKNOWN_TOPIC_OR_PARTITION");
}

TEST_F(ShareGroupTest, InFlightRecordsAreCappedByMaxRecordLocks) {
  ASSERT_TRUE(mgr_->AlterConfigs("g", {{kMaxRecordLocks, "5"}}).ok());
  Produce(20);
  Join("a");
  EXPECT_EQ(Fetch("a").size(), 5u);
  EXPECT_TRUE(Fetch("a").empty());
  EXPECT_TRUE(Ack("a", 0, 1, AckType::kAccept)[0].ok());
  EXPECT_EQ(Fetch("a"), Range(5, 6, 1));
  EXPECT_FALSE(mgr_->AlterConfigs("g", {{kMaxRecordLocks, "100000"}}).ok());
  EXPECT_FALSE(mgr_->AlterConfigs("g", {{"no.such.key", "1"}}).ok());
}

TEST_F(ShareGroupTest, LatestStartsAtTheEndOfTheLog) {
  ASSERT_TRUE(mgr_->AlterConfigs("g", {{kAutoOffsetReset, "latest"}}).ok());
  Produce(5);
  Join("a");
  EXPECT_TRUE(Fetch("a").empty());
  Produce(2);
  EXPECT_EQ(Fetch("a"), Range(5, 6, 1));
}

TEST_F(ShareGroupTest, PiggybackedAcksAreAppliedBeforeTheFetch) {
  Produce(4);
  Join("a");
  EXPECT_EQ(Fetch("a", 2), Range(0, 1, 1));
  EXPECT_EQ(Fetch("a", 10, {{"t", 0, {0, 1, AckType::kRelease}}}),
            (std::map<int64_t, int32_t>{{0, 2}, {1, 2}, {2, 1}, {3, 1}}));
}

TEST_F(ShareGroupTest, AReopenKeepsAcceptsAndDeliveryCounts) {
  Produce(10);
  Join("a");
  EXPECT_EQ(Fetch("a"), Range(0, 9, 1));
  EXPECT_TRUE(Ack("a", 0, 2, AckType::kAccept)[0].ok());
  EXPECT_TRUE(Ack("a", 5, 6, AckType::kAccept)[0].ok());
  EXPECT_TRUE(Ack("a", 7, 7, AckType::kRelease)[0].ok());
  // 3, 4, 8, 9 acquired, 7 available (delivered once), 0-2 and 5-6 accepted.
  Open();
  Join("b");
  auto got = Fetch("b");
  EXPECT_EQ(got, (std::map<int64_t, int32_t>{{3, 2}, {4, 2}, {7, 2}, {8, 2}, {9, 2}}));
  EXPECT_EQ(Stats().start_offset, 3);
  Produce(1);
  EXPECT_EQ(Fetch("b"), Range(10, 10, 1));
}

TEST_F(ShareGroupTest, ConfigsGroupsAndResetsSurviveAReopen) {
  ASSERT_TRUE(mgr_->AlterConfigs("g", {{kDeliveryCountLimit, "3"}}).ok());
  Produce(10);
  auto reset = mgr_->ResetOffsets("g", "t", {}, {ResetTarget::kOffset, 6});
  ASSERT_TRUE(reset.ok()) << reset.status();
  Open();
  auto info = mgr_->Describe("g");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->configs[kDeliveryCountLimit], "3");
  EXPECT_EQ(info->partitions.at(0).stats.start_offset, 6);
  Join("a");
  EXPECT_EQ(Fetch("a"), Range(6, 9, 1));
  EXPECT_EQ(TxnReason(mgr_->ResetOffsets("g", "t", {}, {ResetTarget::kEarliest, 0}).status()),
            "NON_EMPTY_GROUP");
  EXPECT_EQ(TxnReason(mgr_->DeleteGroup("g")), "NON_EMPTY_GROUP");
  ASSERT_TRUE(mgr_->Heartbeat("g", "a", 1, {}).ok());
  ASSERT_TRUE(mgr_->Heartbeat("g", "a", -1, {}).ok());
  EXPECT_TRUE(mgr_->DeleteGroup("g").ok());
  Open();
  EXPECT_TRUE(mgr_->ListGroups().empty());
  EXPECT_EQ(TxnReason(mgr_->Describe("g").status()), "GROUP_ID_NOT_FOUND");
}

TEST_F(ShareGroupTest, ATornStateFileTailIsCut) {
  Produce(4);
  Join("a");
  EXPECT_EQ(Fetch("a").size(), 4u);
  EXPECT_TRUE(Ack("a", 0, 1, AckType::kAccept)[0].ok());
  mgr_.reset();
  const auto path = std::filesystem::path(dir_.path()) / "__share_group_state" / "share-state.log";
  {
    std::ofstream f(path, std::ios::app | std::ios::binary);
    f.write("\x00\x00\x00\x40\x12\x34", 6);  // half a record header
  }
  Open();
  Join("b");
  EXPECT_EQ(Fetch("b"), Range(2, 3, 2));
}

TEST_F(ShareGroupTest, SnapshotsKeepTheState) {
  mgr_.reset();
  {
    ShareGroupManagerOptions o;
    o.data_dir = dir_.path();
    o.start_timer = false;
    o.clock = [this] { return now_; };
    o.limits.defaults.auto_offset_reset_earliest = true;
    o.snapshot_bytes = 2000;
    auto m = ShareGroupManager::Open(logs_.get(), o);
    ASSERT_TRUE(m.ok());
    mgr_ = std::move(*m);
  }
  Produce(300);
  Join("a");
  for (int i = 0; i < 300; i += 2) {
    EXPECT_EQ(Fetch("a", 2).size(), 2u);
    EXPECT_TRUE(Ack("a", i, i, AckType::kAccept)[0].ok());
  }
  EXPECT_GT(mgr_->store()->snapshots_written(), 0);
  Open();
  Join("b");
  auto got = Fetch("b", 1000);
  EXPECT_EQ(got.size(), 150u);
  for (const auto& [o, dc] : got) {
    EXPECT_EQ(o % 2, 1);
    EXPECT_EQ(dc, 2);
  }
}

}  // namespace
}  // namespace eddy::logstore::share
