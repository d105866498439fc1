// PartitionLog and LogManager: appends, segments and rolling, indexes, time index, recovery,
// retention, compaction, limits, disk full, offsets store, concurrency.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "log-store/storage/crc32c.h"
#include "log-store/storage/fault_hooks.h"
#include "log-store/storage/log_manager.h"
#include "log-store/storage/segment.h"
#include "test_util.h"

namespace eddy::logstore {
namespace {

namespace fs = std::filesystem;
using testing::MakeBatch;
using testing::ReadAll;
using testing::TempDir;

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void TearDown() override { FaultHooks::DisarmAll(); }

  void Reopen() {
    mgr_.reset();
    LogManagerOptions o;
    o.data_dir = dir_.path();
    o.start_cleaner = false;
    o.fsync_every_append = fsync_;
    auto m = LogManager::Open(o);
    ASSERT_TRUE(m.ok()) << m.status();
    mgr_ = std::move(*m);
  }

  std::shared_ptr<PartitionLog> Create(const std::string& name,
                                       std::map<std::string, std::string> kv = {}) {
    auto cfg = TopicConfig::FromMap(kv, TopicConfig{});
    EXPECT_TRUE(cfg.ok()) << cfg.status();
    EXPECT_TRUE(mgr_->CreateTopic(name, *cfg).ok());
    return Get(name);
  }
  std::shared_ptr<PartitionLog> Get(const std::string& name, int p = 0) {
    auto l = mgr_->GetPartition(name, p);
    EXPECT_TRUE(l.ok()) << l.status();
    return l.ok() ? *l : nullptr;
  }
  std::string PDir(const std::string& t, int p = 0) {
    return dir_.path() + "/" + t + "-" + std::to_string(p);
  }
  std::vector<std::string> Files(const std::string& dir, const std::string& ext) {
    std::vector<std::string> v;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() == ext) v.push_back(e.path().string());
    }
    std::sort(v.begin(), v.end());
    return v;
  }

  TempDir dir_;
  bool fsync_ = false;
  std::unique_ptr<LogManager> mgr_;
};

TEST_F(LogTest, AppendAssignsOffsetsAndReadsBack) {
  auto log = Create("t");
  auto r1 = log->Append(MakeBatch(0, 10, 1000));
  ASSERT_TRUE(r1.ok()) << r1.status();
  EXPECT_EQ(r1->base_offset, 0);
  EXPECT_EQ(r1->last_offset, 9);
  auto r2 = log->Append(MakeBatch(10, 5, 1001) + MakeBatch(15, 5, 1002));
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->base_offset, 10);
  EXPECT_EQ(r2->last_offset, 19);
  EXPECT_EQ(log->LogEndOffset(), 20);
  auto recs = ReadAll(*log);
  ASSERT_TRUE(recs.ok()) << recs.status();
  ASSERT_EQ(recs->size(), 20u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ((*recs)[i].offset, i);
    EXPECT_EQ((*recs)[i].key, "k" + std::to_string(i));
  }
  // Reading from the middle of a batch returns that batch whole.
  auto mid = log->Read(12, 1);
  ASSERT_TRUE(mid.ok());
  auto h = ParseBatchHeader(mid->batches);
  EXPECT_EQ(h->base_offset, 10);
  EXPECT_EQ(mid->batches.size(), h->size_bytes()) << "max_bytes=1 still returns one whole batch";
  EXPECT_EQ(mid->high_watermark, 20);
  // At the end: empty; past it: OutOfRange.
  auto end = log->Read(20, 1000);
  ASSERT_TRUE(end.ok());
  EXPECT_TRUE(end->batches.empty());
  EXPECT_EQ(log->Read(21, 1000).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(log->Read(-1, 1000).status().code(), absl::StatusCode::kOutOfRange);
}

TEST_F(LogTest, RejectsCorruptBatchesAndAppendsNothing) {
  auto log = Create("t");
  std::string good = MakeBatch(0, 3, 1);
  std::string bad = good;
  bad[bad.size() - 3] ^= 1;
  auto st = log->Append(good + bad);
  EXPECT_EQ(st.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(log->LogEndOffset(), 0) << "a bad batch in the request appends nothing";
  EXPECT_EQ(log->Append(good.substr(0, good.size() - 1)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(log->Append("").status().code(), absl::StatusCode::kInvalidArgument);
  // A compressed batch whose lastOffsetDelta does not match its record count (CRC redone).
  std::string gap = MakeBatch(0, 3, 1, 100, Compression::kLz4);
  gap[26] = 9;  // lastOffsetDelta low byte: 2 -> 9
  const uint32_t crc = Crc32c(0, gap.data() + 21, gap.size() - 21);
  for (int i = 0; i < 4; ++i) gap[17 + i] = static_cast<char>(crc >> (24 - 8 * i));
  ASSERT_TRUE(ValidateBatch(gap).ok());
  EXPECT_EQ(log->Append(gap).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(log->Append(good).ok());
}

TEST_F(LogTest, MaxMessageBytes) {
  auto log = Create("t", {{"max.message.bytes", "2000"}});
  auto st = log->Append(MakeBatch(0, 30, 1));
  ASSERT_EQ(st.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_NE(st.status().message().find("MESSAGE_TOO_LARGE"), std::string_view::npos) << st.status();
  EXPECT_EQ(log->LogEndOffset(), 0);
  EXPECT_TRUE(log->Append(MakeBatch(0, 5, 1)).ok());
}

TEST_F(LogTest, RollsSegmentsBySizeAndReadsAcrossThem) {
  auto log = Create("t", {{"segment.bytes", "4096"}, {"index.interval.bytes", "512"}});
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(log->Append(MakeBatch(i * 3, 3, 1000 + i)).ok());
  auto logs = Files(PDir("t"), ".log");
  EXPECT_GT(logs.size(), 5u);
  EXPECT_EQ(fs::path(logs[0]).filename().string(), "00000000000000000000.log");
  EXPECT_EQ(Files(PDir("t"), ".index").size(), logs.size());
  EXPECT_EQ(Files(PDir("t"), ".timeindex").size(), logs.size());
  EXPECT_EQ(log->Stats().segment_count, static_cast<int32_t>(logs.size()));
  auto recs = ReadAll(*log);
  ASSERT_TRUE(recs.ok()) << recs.status();
  ASSERT_EQ(recs->size(), 300u);
  for (int i = 0; i < 300; ++i) ASSERT_EQ((*recs)[i].offset, i);
  // Every single offset is readable directly (index lookups in every segment).
  for (int64_t o = 0; o < 300; o += 7) {
    auto r = log->Read(o, 100);
    ASSERT_TRUE(r.ok());
    auto h = ParseBatchHeader(r->batches);
    ASSERT_TRUE(h.ok());
    EXPECT_LE(h->base_offset, o);
    EXPECT_GE(h->last_offset(), o);
  }
}

TEST_F(LogTest, SurvivesReopenAndContinuesOffsets) {
  auto log = Create("t", {{"segment.bytes", "4096"}, {"partitions", "2"}});
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(log->Append(MakeBatch(i * 2, 2, 1000 + i)).ok());
  log.reset();
  Reopen();
  auto info = mgr_->DescribeTopic("t");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->config.partitions, 2);
  EXPECT_EQ(info->config.segment_bytes, 4096);
  log = Get("t");
  EXPECT_EQ(log->LogEndOffset(), 100);
  auto r = log->Append(MakeBatch(100, 1, 5000));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->base_offset, 100);
  auto recs = ReadAll(*log);
  ASSERT_TRUE(recs.ok());
  EXPECT_EQ(recs->size(), 101u);
}

TEST_F(LogTest, OffsetForTimestamp) {
  auto log = Create("t", {{"segment.bytes", "3000"}, {"index.interval.bytes", "300"}});
  // Batch i has timestamp 1000 + 10*i; 4 records each.
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(log->Append(MakeBatch(i * 4, 4, 1000 + 10 * i)).ok());
  EXPECT_EQ(*log->OffsetForTimestamp(0), 0);
  EXPECT_EQ(*log->OffsetForTimestamp(1000), 0);
  EXPECT_EQ(*log->OffsetForTimestamp(1001), 4);
  EXPECT_EQ(*log->OffsetForTimestamp(1250), 25 * 4);
  EXPECT_EQ(*log->OffsetForTimestamp(1590), 59 * 4);
  EXPECT_EQ(*log->OffsetForTimestamp(1591), -1);
  log.reset();
  Reopen();  // also from indexes loaded from disk
  log = Get("t");
  EXPECT_EQ(*log->OffsetForTimestamp(1251), 26 * 4);
  EXPECT_EQ(*log->OffsetForTimestamp(1591), -1);
}

TEST_F(LogTest, RecoveryCutsTornTail) {
  auto log = Create("t");
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(log->Append(MakeBatch(i * 5, 5, 1)).ok());
  const std::string seg = PDir("t") + "/00000000000000000000.log";
  const auto good_size = fs::file_size(seg);
  log.reset();
  mgr_.reset();
  // A torn write: half a batch at the end.
  std::string next = MakeBatch(50, 5, 1);
  {
    std::ofstream f(seg, std::ios::binary | std::ios::app);
    f.write(next.data(), static_cast<std::streamsize>(next.size() / 2));
  }
  Reopen();
  log = Get("t");
  EXPECT_EQ(fs::file_size(seg), good_size);
  EXPECT_EQ(log->LogEndOffset(), 50);
  auto r = log->Append(MakeBatch(50, 5, 1));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->base_offset, 50);
  EXPECT_EQ(ReadAll(*log)->size(), 55u);
}

TEST_F(LogTest, RecoveryCutsGarbageAndCorruptTail) {
  auto log = Create("t");
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(log->Append(MakeBatch(i * 5, 5, 1)).ok());
  const std::string seg = PDir("t") + "/00000000000000000000.log";
  const auto size = fs::file_size(seg);
  log.reset();
  mgr_.reset();
  {
    // Flip a byte in the last batch and append garbage after it.
    std::fstream f(seg, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(static_cast<std::streamoff>(size - 10));
    f.put('\x55');
    f.seekp(0, std::ios::end);
    f.write("garbage garbage garbage", 23);
  }
  Reopen();
  log = Get("t");
  EXPECT_EQ(log->LogEndOffset(), 45) << "the corrupt last batch and the garbage are cut";
  auto recs = ReadAll(*log);
  ASSERT_TRUE(recs.ok());
  EXPECT_EQ(recs->size(), 45u);
}

TEST_F(LogTest, TornWriteHookThenRecovery) {
  auto log = Create("t");
  ASSERT_TRUE(log->Append(MakeBatch(0, 5, 1)).ok());
  FaultHooks::Arm("segment.write.torn");
  EXPECT_FALSE(log->Append(MakeBatch(5, 5, 1)).ok());
  EXPECT_EQ(log->Append(MakeBatch(5, 5, 1)).status().code(), absl::StatusCode::kUnavailable);
  log.reset();
  Reopen();
  log = Get("t");
  EXPECT_EQ(log->LogEndOffset(), 5);
  ASSERT_TRUE(log->Append(MakeBatch(5, 5, 1)).ok());
  EXPECT_EQ(ReadAll(*log)->size(), 10u);
}

TEST_F(LogTest, DeletedIndexesAreRebuilt) {
  auto log = Create("t", {{"segment.bytes", "5000"}, {"index.interval.bytes", "200"}});
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(log->Append(MakeBatch(i * 2, 2, 1000 + i)).ok());
  log.reset();
  mgr_.reset();
  auto idx = Files(PDir("t"), ".index");
  auto tidx = Files(PDir("t"), ".timeindex");
  ASSERT_GT(idx.size(), 2u);
  const auto idx_size = fs::file_size(idx[0]);
  ASSERT_GT(idx_size, 0u);
  fs::remove(idx[0]);
  fs::remove(tidx[1]);
  {
    std::ofstream f(idx[1], std::ios::binary | std::ios::app);
    f.write("xyz", 3);
  }  // malformed
  Reopen();
  log = Get("t");
  EXPECT_TRUE(fs::exists(idx[0]));
  EXPECT_EQ(fs::file_size(idx[0]), idx_size);
  EXPECT_EQ(fs::file_size(idx[1]) % 8, 0u);
  EXPECT_TRUE(fs::exists(tidx[1]));
  auto recs = ReadAll(*log);
  ASSERT_TRUE(recs.ok());
  EXPECT_EQ(recs->size(), 120u);
  EXPECT_EQ(*log->OffsetForTimestamp(1030), 60);
}

TEST_F(LogTest, MiddleCorruptionIsDataLossNamingTheSegmentAndNotServed) {
  auto log = Create("t", {{"segment.bytes", "4000"}});
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(log->Append(MakeBatch(i * 2, 2, 1)).ok());
  auto logs = Files(PDir("t"), ".log");
  ASSERT_GT(logs.size(), 2u);
  const std::string victim = logs[0];
  // Find the second batch of the first segment and corrupt one byte of its records.
  std::string data;
  {
    std::ifstream f(victim, std::ios::binary);
    data.assign(std::istreambuf_iterator<char>(f), {});
  }
  auto h0 = ParseBatchHeader(data);
  const size_t second = h0->size_bytes();
  auto h1 = ParseBatchHeader(std::string_view(data).substr(second));
  {
    std::fstream f(victim, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(static_cast<std::streamoff>(second + 70));
    f.put(static_cast<char>(data[second + 70] ^ 0x20));
  }
  for (int pass = 0; pass < 2; ++pass) {
    // The first batch is still served, alone.
    auto r0 = log->Read(0, 1 << 20);
    ASSERT_TRUE(r0.ok()) << r0.status();
    EXPECT_EQ(r0->batches.size(), second)
        << "the corrupt batch must not be served after the good one";
    auto r1 = log->Read(h1->base_offset, 1 << 20);
    ASSERT_EQ(r1.status().code(), absl::StatusCode::kDataLoss) << r1.status();
    const std::string msg(r1.status().message());
    EXPECT_NE(msg.find("topic t partition 0"), std::string::npos) << msg;
    EXPECT_NE(msg.find(fs::path(victim).filename().string()), std::string::npos) << msg;
    EXPECT_NE(msg.find("position " + std::to_string(second)), std::string::npos) << msg;
    // Later segments are fine.
    auto later = log->Read(log->LogEndOffset() - 1, 1 << 20);
    EXPECT_TRUE(later.ok());
    log.reset();
    Reopen();  // the broker still starts and still refuses to serve the bytes
    log = Get("t");
  }
}

TEST_F(LogTest, InterruptedCompactionSwapIsUndoneOrFinished) {
  auto log = Create("t", {{"segment.bytes", "3000"}});
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(log->Append(MakeBatch(i * 2, 2, NowMs())).ok());
  log.reset();
  mgr_.reset();
  auto logs = Files(PDir("t"), ".log");
  ASSERT_GT(logs.size(), 2u);
  // Segment 0: crash before the swap (.log.cleaned still there, junk): the old files stay.
  {
    std::ofstream f(logs[0] + ".cleaned", std::ios::binary);
    f << "junk";
  }
  {
    std::ofstream f(PDir("t") + "/00000000000000000000.index.cleaned", std::ios::binary);
    f << "junk";
  }
  // Segment 1: crash after the .log rename: its index.cleaned is renamed over the live name.
  const std::string idx1 = logs[1].substr(0, logs[1].size() - 4) + ".index";
  fs::copy_file(idx1, idx1 + ".cleaned");
  fs::remove(idx1);
  Reopen();
  for (const auto& e : fs::directory_iterator(PDir("t"))) {
    EXPECT_NE(e.path().extension(), ".cleaned") << e.path();
  }
  EXPECT_TRUE(fs::exists(idx1));
  auto recs = ReadAll(*Get("t"));
  ASSERT_TRUE(recs.ok()) << recs.status();
  EXPECT_EQ(recs->size(), 60u);
}

TEST_F(LogTest, CleanerThreadAppliesRetention) {
  mgr_.reset();
  LogManagerOptions o;
  o.data_dir = dir_.path();
  o.cleaner_interval = std::chrono::milliseconds(10);
  auto m = LogManager::Open(o);
  ASSERT_TRUE(m.ok());
  mgr_ = std::move(*m);
  auto log = Create("t", {{"segment.bytes", "2000"}, {"retention.bytes", "1"}});
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(log->Append(MakeBatch(i * 2, 2, NowMs())).ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (log->Stats().segment_count > 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(log->Stats().segment_count, 1);
  EXPECT_GT(log->LogStartOffset(), 0);
  mgr_.reset();  // stops and joins the cleaner
}

TEST_F(LogTest, RetentionByBytesDeletesOldestWholeSegments) {
  auto log = Create("t", {{"segment.bytes", "4000"}, {"retention.bytes", "10000"}});
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(log->Append(MakeBatch(i * 2, 2, NowMs())).ok());
  const auto before = log->Stats();
  ASSERT_GT(before.size_bytes, 10000);
  ASSERT_TRUE(mgr_->RunCleanerOnce().ok());
  const auto after = log->Stats();
  EXPECT_LT(after.segment_count, before.segment_count);
  EXPECT_GE(after.size_bytes, 10000 - 4000);
  EXPECT_LE(after.size_bytes, 10000 + 4000);
  EXPECT_GT(log->LogStartOffset(), 0);
  EXPECT_EQ(log->LogEndOffset(), 200);
  EXPECT_EQ(Files(PDir("t"), ".log").size(), static_cast<size_t>(after.segment_count));
  EXPECT_EQ(log->Read(0, 100).status().code(), absl::StatusCode::kOutOfRange);
  auto recs = ReadAll(*log);
  ASSERT_TRUE(recs.ok());
  EXPECT_EQ(recs->front().offset, log->LogStartOffset());
  EXPECT_EQ(recs->back().offset, 199);
  log.reset();
  Reopen();
  EXPECT_EQ(Get("t")->LogStartOffset(), after.log_start_offset);
}

TEST_F(LogTest, RetentionByTimeNeverDeletesActiveSegment) {
  auto log = Create("t", {{"segment.bytes", "4000"}, {"retention.ms", "60000"}});
  const int64_t old_ts = NowMs() - 3600 * 1000;
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(log->Append(MakeBatch(i * 2, 2, old_ts)).ok());
  for (int i = 40; i < 80; ++i) ASSERT_TRUE(log->Append(MakeBatch(i * 2, 2, NowMs())).ok());
  const auto before = log->Stats();
  ASSERT_TRUE(mgr_->RunCleanerOnce().ok());
  const auto after = log->Stats();
  EXPECT_LT(after.segment_count, before.segment_count);
  auto recs = ReadAll(*log);
  ASSERT_TRUE(recs.ok());
  EXPECT_LE(recs->front().offset, 80) << "new records kept";
  EXPECT_GT(recs->front().offset, 0) << "old records deleted";
  // Everything old: only the active segment survives.
  auto all_old = Create("u", {{"segment.bytes", "4000"}, {"retention.ms", "1000"}});
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(all_old->Append(MakeBatch(i * 2, 2, old_ts)).ok());
  ASSERT_TRUE(mgr_->RunCleanerOnce().ok());
  EXPECT_EQ(all_old->Stats().segment_count, 1);
  EXPECT_GT(all_old->Stats().size_bytes, 0) << "the active segment is never deleted";
}

std::string KV(const std::string& k, std::optional<std::string> v, int64_t ts) {
  RecordBatchBuilder b;
  b.Add(k, v ? std::optional<std::string_view>(*v) : std::nullopt, ts);
  return b.Finish();
}

TEST_F(LogTest, CompactionKeepsLatestPerKeyWithOriginalOffsets) {
  auto log = Create("c", {{"cleanup.policy", "compact"}, {"segment.bytes", "2000"}});
  const int64_t ts = NowMs() - 1000;
  // 200 records over 10 keys; key i%10, value = offset.
  for (int i = 0; i < 200; ++i)
    ASSERT_TRUE(log->Append(KV("key" + std::to_string(i % 10), std::to_string(i), ts)).ok());
  // A compressed batch with several keys, to exercise the rewrite.
  RecordBatchBuilder zb(Compression::kZstd);
  zb.Add("zkey", "old", ts);
  zb.Add("key3", "from-zstd", ts);
  zb.Add("zkey", "new", ts);
  ASSERT_TRUE(log->Append(zb.Finish()).ok());
  for (int i = 0; i < 30; ++i)
    ASSERT_TRUE(log->Append(KV("tail" + std::to_string(i), "x", ts)).ok());
  const auto before = log->Stats();
  ASSERT_TRUE(mgr_->RunCleanerOnce().ok());
  const auto after = log->Stats();
  EXPECT_LT(after.size_bytes, before.size_bytes);
  EXPECT_EQ(after.log_end_offset, before.log_end_offset);
  auto recs = ReadAll(*log);
  ASSERT_TRUE(recs.ok()) << recs.status();
  std::map<std::string, std::pair<int64_t, std::string>> seen;
  std::map<std::string, int> count;
  for (const auto& r : *recs) {
    seen[r.key] = {r.offset, r.value.value_or("")};
    count[r.key]++;
  }
  EXPECT_EQ(seen["key3"].second, "from-zstd");
  EXPECT_EQ(seen["zkey"].second, "new");
  EXPECT_EQ(seen["key9"].second, "199");
  EXPECT_EQ(seen["key9"].first, 199) << "offsets are kept";
  for (int k = 0; k < 10; ++k) {
    // Only keys whose last record is in a closed segment are guaranteed to be deduplicated.
    EXPECT_LE(count["key" + std::to_string(k)], 2) << k;
  }
  for (int i = 1; i < static_cast<int>(recs->size()); ++i)
    ASSERT_LT((*recs)[i - 1].offset, (*recs)[i].offset);
  // Survives reopen.
  log.reset();
  Reopen();
  log = Get("c");
  auto again = ReadAll(*log);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->size(), recs->size());
}

TEST_F(LogTest, CompactionTombstonesAndLag) {
  auto log = Create(
      "c",
      {{"cleanup.policy", "compact"}, {"segment.bytes", "1000"}, {"delete.retention.ms", "60000"}});
  const int64_t old_ts = NowMs() - 3600 * 1000;
  const int64_t recent = NowMs() - 1000;
  ASSERT_TRUE(log->Append(KV("gone", "v", old_ts)).ok());
  ASSERT_TRUE(log->Append(KV("gone", std::nullopt, old_ts)).ok());  // old tombstone: dropped
  ASSERT_TRUE(log->Append(KV("fresh", "v", old_ts)).ok());
  ASSERT_TRUE(log->Append(KV("fresh", std::nullopt, recent)).ok());  // recent tombstone: kept
  for (int i = 0; i < 40; ++i)
    ASSERT_TRUE(log->Append(KV("filler" + std::to_string(i), "x", recent)).ok());
  ASSERT_TRUE(mgr_->RunCleanerOnce().ok());
  auto recs = ReadAll(*log);
  ASSERT_TRUE(recs.ok());
  std::map<std::string, std::vector<std::optional<std::string>>> by_key;
  for (const auto& r : *recs) by_key[r.key].push_back(r.value);
  EXPECT_EQ(by_key.count("gone"), 0u)
      << "tombstone past delete.retention.ms is dropped with its key";
  ASSERT_EQ(by_key["fresh"].size(), 1u);
  EXPECT_FALSE(by_key["fresh"][0].has_value()) << "recent tombstone kept";

  // min.compaction.lag.ms: nothing newer than the lag is compacted.
  auto lag = Create("lag", {{"cleanup.policy", "compact"},
                            {"segment.bytes", "1000"},
                            {"min.compaction.lag.ms", "3600000"}});
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(lag->Append(KV("same", std::to_string(i), recent)).ok());
  ASSERT_TRUE(mgr_->RunCleanerOnce().ok());
  EXPECT_EQ(ReadAll(*lag)->size(), 40u);
  auto nolag = Create("nolag", {{"cleanup.policy", "compact"}, {"segment.bytes", "1000"}});
  for (int i = 0; i < 40; ++i)
    ASSERT_TRUE(nolag->Append(KV("same", std::to_string(i), recent)).ok());
  ASSERT_TRUE(mgr_->RunCleanerOnce().ok());
  EXPECT_LT(ReadAll(*nolag)->size(), 40u);
}

TEST_F(LogTest, DiskFullLeavesNothingPartialAndRecovers) {
  auto log = Create("t");
  ASSERT_TRUE(log->Append(MakeBatch(0, 5, 1)).ok());
  const std::string seg = PDir("t") + "/00000000000000000000.log";
  const auto size = fs::file_size(seg);
  FaultHooks::Arm("segment.write.enospc");
  auto st = log->Append(MakeBatch(5, 5, 1));
  EXPECT_EQ(st.status().code(), absl::StatusCode::kResourceExhausted) << st.status();
  EXPECT_EQ(fs::file_size(seg), size);
  EXPECT_EQ(log->LogEndOffset(), 5);
  auto ok = log->Append(MakeBatch(5, 5, 1));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->base_offset, 5);
  log.reset();
  Reopen();
  auto recs = ReadAll(*Get("t"));
  ASSERT_TRUE(recs.ok());
  ASSERT_EQ(recs->size(), 10u);
  EXPECT_EQ(recs->back().key, "k9");
}

TEST_F(LogTest, FsyncModeAppendsAndSyncErrorsSurface) {
  fsync_ = true;
  Reopen();
  auto log = Create("t", {{"flush.messages", "1"}});
  ASSERT_TRUE(log->Append(MakeBatch(0, 5, 1)).ok());
  FaultHooks::Arm("segment.sync.eio");
  EXPECT_FALSE(log->Append(MakeBatch(5, 5, 1)).ok());
  EXPECT_TRUE(log->Append(MakeBatch(10, 5, 1)).ok());
}

TEST_F(LogTest, OffsetsStoreDurableAcrossReopen) {
  EXPECT_FALSE(mgr_->FetchOffset("g", "t", 0).has_value());
  ASSERT_TRUE(mgr_->CommitOffset("g", "t", 0, 42, "meta").ok());
  ASSERT_TRUE(mgr_->CommitOffset("g", "t", 0, 43, "").ok());
  ASSERT_TRUE(mgr_->CommitOffset("g2", "t", 1, 7, "x").ok());
  Reopen();
  auto o = mgr_->FetchOffset("g", "t", 0);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->offset, 43);
  EXPECT_EQ(o->metadata, "");
  EXPECT_EQ(mgr_->FetchOffset("g2", "t", 1)->metadata, "x");
  EXPECT_EQ(mgr_->ListGroupsWithOffsets(), (std::vector<std::string>{"g", "g2"}));
  // A torn tail of the offsets file is cut; earlier commits survive.
  mgr_.reset();
  {
    std::ofstream f(dir_.path() + "/consumer-offsets.log", std::ios::binary | std::ios::app);
    f.write("\0\0\0\x30zz", 6);
  }
  Reopen();
  EXPECT_EQ(mgr_->FetchOffset("g", "t", 0)->offset, 43);
  ASSERT_TRUE(mgr_->CommitOffset("g", "t", 0, 44, "").ok());
  Reopen();
  EXPECT_EQ(mgr_->FetchOffset("g", "t", 0)->offset, 44);
}

TEST_F(LogTest, DeletedGroupOffsetsStayDeletedAcrossReopenAndRewrite) {
  ASSERT_TRUE(mgr_->CommitOffset("g", "t", 0, 1, "").ok());
  ASSERT_TRUE(mgr_->CommitOffset("g", "t", 1, 2, "").ok());
  ASSERT_TRUE(mgr_->CommitOffset("g", "u", 0, 3, "").ok());
  ASSERT_TRUE(mgr_->CommitOffset("h", "t", 0, 4, "").ok());
  // One partition of "g", then the rest of "g"; "h" is untouched. Unknown keys are no-ops.
  ASSERT_TRUE(mgr_->DeleteGroupOffsets("g", {{{"t", 1}, {"nope", 9}}}).ok());
  EXPECT_FALSE(mgr_->FetchOffset("g", "t", 1).has_value());
  EXPECT_EQ(mgr_->FetchOffset("g", "t", 0)->offset, 1);
  Reopen();
  EXPECT_FALSE(mgr_->FetchOffset("g", "t", 1).has_value());
  EXPECT_EQ(mgr_->FetchOffset("g", "u", 0)->offset, 3);
  ASSERT_TRUE(mgr_->DeleteGroupOffsets("g", std::nullopt).ok());
  ASSERT_TRUE(mgr_->DeleteGroupOffsets("never", std::nullopt).ok());
  EXPECT_EQ(mgr_->ListGroupsWithOffsets(), (std::vector<std::string>{"h"}));
  Reopen();
  EXPECT_EQ(mgr_->ListGroupsWithOffsets(), (std::vector<std::string>{"h"}));
  EXPECT_EQ(mgr_->FetchOffset("h", "t", 0)->offset, 4);
  // A commit after the delete brings the offset back, and survives a reopen.
  ASSERT_TRUE(mgr_->CommitOffset("g", "t", 0, 9, "m").ok());
  Reopen();
  EXPECT_EQ(mgr_->FetchOffset("g", "t", 0)->offset, 9);
  EXPECT_FALSE(mgr_->FetchOffset("g", "u", 0).has_value());
  // Enough churn to force the compacting rewrite (> 4 MiB, > 4x live): tombstones vanish from
  // the file and deleted keys stay deleted.
  const std::string meta(20000, 'm');
  for (int i = 0; i < 600; ++i) {
    ASSERT_TRUE(mgr_->CommitOffset("churn", "t", i % 4, i, meta).ok());
    if (i % 2 == 1) {
      ASSERT_TRUE(mgr_->DeleteGroupOffsets("churn", std::nullopt).ok());
    }
  }
  EXPECT_LT(std::filesystem::file_size(dir_.path() + "/consumer-offsets.log"), 4u << 20);
  Reopen();
  EXPECT_FALSE(mgr_->FetchOffset("churn", "t", 0).has_value());
  EXPECT_EQ(mgr_->FetchOffset("g", "t", 0)->offset, 9);
  EXPECT_EQ(mgr_->ListGroupsWithOffsets(), (std::vector<std::string>{"g", "h"}));
}

TEST_F(LogTest, TopicAdmin) {
  EXPECT_EQ(mgr_->CreateTopic("bad/name", TopicConfig{}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(mgr_->CreateTopic("", TopicConfig{}).code(), absl::StatusCode::kInvalidArgument);
  TopicConfig c;
  c.partitions = 3;
  ASSERT_TRUE(mgr_->CreateTopic("a", c).ok());
  EXPECT_EQ(mgr_->CreateTopic("a", c).code(), absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE(mgr_->CreateTopic("__eddy_checkpoint_job", TopicConfig{}).ok());
  EXPECT_EQ(mgr_->ListTopics(), (std::vector<std::string>{"__eddy_checkpoint_job", "a"}));
  EXPECT_EQ(mgr_->GetPartition("a", 3).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(mgr_->GetPartition("nope", 0).status().code(), absl::StatusCode::kNotFound);
  auto p2 = Get("a", 2);
  ASSERT_TRUE(p2->Append(MakeBatch(0, 1, 1)).ok());
  ASSERT_TRUE(mgr_->AlterTopic("a", {{"partitions", "4"}, {"retention.ms", "5"}}).ok());
  EXPECT_EQ(mgr_->AlterTopic("a", {{"partitions", "2"}}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(mgr_->AlterTopic("a", {{"bogus.key", "1"}}).code(), absl::StatusCode::kInvalidArgument);
  Reopen();
  auto info = mgr_->DescribeTopic("a");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->partitions.size(), 4u);
  EXPECT_EQ(info->config.retention_ms, 5);
  EXPECT_EQ(info->partitions[2].log_end_offset, 1);
  auto held = Get("a", 2);
  ASSERT_TRUE(mgr_->DeleteTopic("a").ok());
  EXPECT_FALSE(fs::exists(PDir("a", 2)));
  EXPECT_EQ(held->Append(MakeBatch(0, 1, 1)).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(mgr_->DeleteTopic("a").code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(mgr_->CreateTopic("a", TopicConfig{}).ok());
  EXPECT_EQ(Get("a")->LogEndOffset(), 0) << "a re-created topic starts empty";
  Reopen();
  EXPECT_EQ(mgr_->ListTopics().size(), 2u);
}

TEST_F(LogTest, TopicConfigParsing) {
  auto c = TopicConfig::FromMap({{"cleanup.policy", "compact,delete"}, {"segment.ms", "100"}},
                                TopicConfig{});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->cleanup_policy, CleanupPolicy::kCompactAndDelete);
  auto again = TopicConfig::FromMap(c->ToMap(), TopicConfig{});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->segment_ms, 100);
  auto bad = TopicConfig::FromMap({{"retention.ms", "soon"}}, TopicConfig{});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("retention.ms"), std::string_view::npos);
  EXPECT_FALSE(TopicConfig::FromMap({{"cleanup.policy", "forever"}}, TopicConfig{}).ok());
  auto big = TopicConfig::FromMap({{"segment.bytes", "4294967296"}}, TopicConfig{});
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.status().message().find("segment.bytes=\"4294967296\""), std::string_view::npos);
  // The partition limit is LogManager's (max_partitions_per_topic, topic_admin_test.cc), so
  // a metadata file written under a higher limit still loads.
  EXPECT_FALSE(TopicConfig::FromMap({{"partitions", "0"}}, TopicConfig{}).ok());
  auto parts = TopicConfig::FromMap({{"partitions", "100001"}}, TopicConfig{});
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->partitions, 100001);
}

TEST_F(LogTest, WaitForAppendWakesUp) {
  auto log = Create("t");
  const uint64_t seen = mgr_->AppendSequence();
  std::thread producer([&] { ASSERT_TRUE(log->Append(MakeBatch(0, 1, 1)).ok()); });
  const uint64_t now =
      mgr_->WaitForAppend(seen, std::chrono::steady_clock::now() + std::chrono::seconds(30));
  producer.join();
  EXPECT_GT(now, seen);
  // No append: returns at the deadline with the same value.
  EXPECT_EQ(
      mgr_->WaitForAppend(now, std::chrono::steady_clock::now() + std::chrono::milliseconds(20)),
      now);
}

// An append writes its batches before it publishes the new end offset. A read in between must
// not return those batches: every batch a read returns ends below the end offset it reports.
TEST_F(LogTest, ReadNeverReturnsBatchesPastTheEndOffsetItReports) {
  auto log = Create("t");
  ASSERT_TRUE(log->Append(MakeBatch(0, 4, NowMs())).ok());
  FaultHooks::Arm("partition.append.before_publish");
  std::atomic<bool> appended{false};
  std::thread writer([&] {
    EXPECT_TRUE(log->Append(MakeBatch(4, 4, NowMs())).ok());
    appended = true;
  });
  int reads = 0;
  while (!appended) {
    auto r = log->Read(0, 1 << 20);
    ASSERT_TRUE(r.ok()) << r.status();
    BatchIterator bi(r->batches);
    std::string_view b;
    BatchHeader h;
    while (bi.Next(&b, &h)) {
      ASSERT_LT(h.last_offset(), r->high_watermark)
          << "a batch past the end offset " << r->high_watermark << " was returned";
    }
    ++reads;
  }
  writer.join();
  EXPECT_GT(reads, 0);
  auto r = log->Read(0, 1 << 20);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->high_watermark, 8);
  int batches = 0;
  BatchIterator bi(r->batches);
  std::string_view b;
  BatchHeader h;
  while (bi.Next(&b, &h)) ++batches;
  EXPECT_EQ(batches, 2);  // once published, the second batch is read
}

TEST_F(LogTest, ConcurrentAppendAndRead) {
  auto log = Create("t", {{"segment.bytes", "20000"}});
  std::atomic<bool> done{false};
  constexpr int kBatches = 400;
  std::thread writer([&] {
    for (int i = 0; i < kBatches; ++i) {
      auto st = log->Append(MakeBatch(i * 4, 4, NowMs()));  // recent: retention keeps it
      if (!st.ok()) {
        ADD_FAILURE() << st.status();
        break;
      }
    }
    done = true;  // also on failure, so the reader below stops
  });
  std::atomic<bool> cleaner_stop{false};
  std::thread cleaner([&] {
    while (!cleaner_stop) (void)mgr_->RunCleanerOnce();
  });
  int64_t next = 0;
  int64_t expected_key = 0;
  // In a lambda so that a failed ASSERT still joins the threads below.
  [&] {
    while (next < kBatches * 4) {
      auto r = log->Read(next, 8192);
      ASSERT_TRUE(r.ok()) << r.status();
      BatchIterator bi(r->batches);
      std::string_view b;
      BatchHeader h;
      while (bi.Next(&b, &h)) {
        RecordIterator it(b);
        Record rec;
        while (it.Next(&rec)) {
          if (rec.offset < next) continue;
          ASSERT_EQ(rec.offset, expected_key);
          ASSERT_EQ(*rec.key, "k" + std::to_string(expected_key));
          ++expected_key;
        }
        ASSERT_TRUE(it.status().ok());
        next = h.last_offset() + 1;
      }
      if (r->batches.empty() && done && next >= log->LogEndOffset()) break;
    }
  }();
  writer.join();
  cleaner_stop = true;
  cleaner.join();
  EXPECT_EQ(expected_key, kBatches * 4);
}

}  // namespace
}  // namespace eddy::logstore
