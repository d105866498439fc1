// Fetch's zero-copy path (sendfile from the segment files, KafkaServerOptions::fetch_zero_copy)
// against the copying path on the same LogManager: byte-identical responses for every fetch
// offset and byte limit over many batches and several segments, read_committed (LSO cut and
// aborted transactions), and after a restart, where closed segments are not CRC-checked yet:
// those go through the checking path first, so a corrupt batch is reported, never sent.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>

#include "log-store/kafka/kafka_codec.h"
#include "log-store/kafka/kafka_protocol.h"
#include "log-store/kafka/kafka_server.h"
#include "log-store/storage/log_manager.h"
#include "log-store/storage/record_batch.h"
#include "log-store/storage/record_batch_builder.h"
#include "tests/kafka/raw_kafka_client.h"
#include "tests/kafka/unit/test_data_dir.h"

namespace eddy::kafka {
namespace {

using Client = RawKafkaClient;

// One partition of a parsed Fetch v11 response.
struct FetchedPartition {
  int16_t error = -1;
  int64_t high_watermark = -1;
  int64_t last_stable_offset = -1;
  std::vector<std::pair<int64_t, int64_t>> aborted;  // (producer id, first offset)
  std::string records;
};

class FetchZeroCopyTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = FreshTestDataDir("eddy-kafka-zero-copy"); }
  void TearDown() override {
    StopServers();
    logs_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open() {
    auto logs = OpenTestLogManager(dir_);
    ASSERT_TRUE(logs.ok()) << logs.status();
    logs_ = std::move(*logs);
  }
  // One server of each kind on the same logs.
  void StartServers() {
    for (bool zero_copy : {true, false}) {
      KafkaServerOptions ko;
      ko.listen = "127.0.0.1:0";
      ko.max_fetch_wait_ms = 50;
      ko.fetch_zero_copy = zero_copy;
      auto s = KafkaServer::Start(logs_.get(), ko);
      ASSERT_TRUE(s.ok()) << s.status();
      (zero_copy ? zero_copy_ : copying_) = std::move(*s);
    }
  }
  void StopServers() {
    for (auto* s : {&zero_copy_, &copying_}) {
      if (*s) (*s)->Stop();
      s->reset();
    }
  }
  void CreateTopic(int64_t segment_bytes) {
    logstore::TopicConfig tc;
    tc.partitions = 1;
    tc.segment_bytes = segment_bytes;
    ASSERT_TRUE(logs_->CreateTopic("t", tc).ok());
  }
  std::shared_ptr<logstore::PartitionLog> Log() {
    auto log = logs_->GetPartition("t", 0);
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() ? *log : nullptr;
  }
  // Appends batches of `per_batch` records with values "v<i>", i counting from `first`.
  void AppendBatches(int batches, int per_batch, int64_t* first) {
    for (int b = 0; b < batches; ++b) {
      logstore::RecordBatchBuilder builder;
      for (int i = 0; i < per_batch; ++i) {
        builder.Add(std::nullopt, "v" + std::to_string((*first)++) + std::string(200, 'x'),
                    1700000000000);
      }
      auto r = Log()->Append(builder.Finish());
      ASSERT_TRUE(r.ok()) << r.status();
    }
  }
  static std::string FetchBody(int64_t offset, int32_t partition_max_bytes, int8_t isolation) {
    Writer w;
    w.Int32(-1);  // replica
    w.Int32(10);  // max wait
    w.Int32(1);   // min bytes
    w.Int32(64 << 20);
    w.Int8(isolation);
    w.Int32(0);   // session id
    w.Int32(-1);  // session epoch
    w.ArrayCount(1);
    w.String("t");
    w.ArrayCount(1);
    w.Int32(0);
    w.Int32(-1);  // current leader epoch
    w.Int64(offset);
    w.Int64(-1);  // log start offset
    w.Int32(partition_max_bytes);
    w.ArrayCount(0);  // forgotten topics
    w.String("");     // rack
    return w.buffer();
  }
  static FetchedPartition Fetch(KafkaServer& server, int64_t offset, int32_t max_bytes,
                                int8_t isolation = 0) {
    Client c(server.port());
    FetchedPartition f;
    EXPECT_TRUE(c.Send(kFetch, 11, 7, FetchBody(offset, max_bytes, isolation)));
    auto resp = c.Receive();
    EXPECT_TRUE(resp);
    if (!resp) return f;
    Reader r(*resp);
    EXPECT_EQ(r.Int32(), 7);
    r.Int32();  // throttle
    EXPECT_EQ(r.Int16(), 0);
    r.Int32();  // session
    EXPECT_EQ(r.ArrayCount(), 1);
    EXPECT_EQ(r.String(), "t");
    EXPECT_EQ(r.ArrayCount(), 1);
    EXPECT_EQ(r.Int32(), 0);
    f.error = r.Int16();
    f.high_watermark = r.Int64();
    f.last_stable_offset = r.Int64();
    r.Int64();  // log start
    const int32_t n = r.ArrayCount();
    for (int32_t i = 0; i < n; ++i) {
      const int64_t pid = r.Int64();
      f.aborted.push_back({pid, r.Int64()});
    }
    EXPECT_EQ(r.Int32(), -1);  // preferred read replica
    f.records = std::string(r.Bytes());
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.remaining(), 0u);
    return f;
  }
  // Offsets and values of every record in `records` (whole batches, as stored).
  static std::vector<std::pair<int64_t, std::string>> Records(const std::string& records) {
    std::vector<std::pair<int64_t, std::string>> out;
    logstore::BatchIterator batches(records);
    std::string_view batch;
    logstore::BatchHeader h;
    while (batches.Next(&batch, &h)) {
      if (h.is_control()) continue;
      logstore::RecordIterator it(batch);
      logstore::Record rec;
      while (it.Next(&rec)) out.push_back({rec.offset, std::string(rec.value.value_or(""))});
      EXPECT_TRUE(it.status().ok()) << it.status();
    }
    EXPECT_TRUE(batches.status().ok()) << batches.status();
    return out;
  }
  void ExpectSameAnswers(int64_t offset, int32_t max_bytes, int8_t isolation = 0) {
    const FetchedPartition a = Fetch(*zero_copy_, offset, max_bytes, isolation);
    const FetchedPartition b = Fetch(*copying_, offset, max_bytes, isolation);
    EXPECT_EQ(a.error, b.error) << "offset " << offset;
    EXPECT_EQ(a.high_watermark, b.high_watermark);
    EXPECT_EQ(a.last_stable_offset, b.last_stable_offset);
    EXPECT_EQ(a.aborted, b.aborted) << "offset " << offset;
    EXPECT_EQ(a.records.size(), b.records.size()) << "offset " << offset << " max " << max_bytes;
    EXPECT_TRUE(a.records == b.records) << "offset " << offset << " max " << max_bytes;
  }

  std::filesystem::path dir_;
  std::unique_ptr<logstore::LogManager> logs_;
  std::unique_ptr<KafkaServer> zero_copy_, copying_;
};

TEST_F(FetchZeroCopyTest, SameBytesAsTheCopyingPathAtEveryOffsetAndLimit) {
  Open();
  CreateTopic(64 << 10);  // about 10 batches per segment: reads end at segment ends
  int64_t next = 0;
  AppendBatches(60, 25, &next);  // 1500 records, ~5.6 KiB batches
  StartServers();
  {
    logstore::FileSlice slice;  // written in this process: served from the file
    ASSERT_TRUE(Log()->ReadSlice(100, 1 << 20, false, &slice).ok());
    EXPECT_TRUE(slice.valid);
    EXPECT_GT(slice.length, 0u);
  }
  for (int64_t offset = 0; offset <= next; offset += 7) {
    for (int32_t max_bytes : {1, 6000, 20000, 1 << 20}) ExpectSameAnswers(offset, max_bytes);
  }
  // A consumer walking the log with the zero-copy server sees every record once, in order.
  std::vector<std::pair<int64_t, std::string>> seen;
  int64_t at = 0;
  while (at < next) {
    FetchedPartition f = Fetch(*zero_copy_, at, 16 << 10);
    ASSERT_EQ(f.error, 0);
    ASSERT_FALSE(f.records.empty()) << "at " << at;
    for (auto& [o, v] : Records(f.records)) {
      if (o < at) continue;  // a batch may start before the fetch offset
      seen.push_back({o, v});
    }
    at = seen.back().first + 1;
  }
  ASSERT_EQ(seen.size(), static_cast<size_t>(next));
  for (int64_t i = 0; i < next; ++i) {
    EXPECT_EQ(seen[i].first, i);
    EXPECT_EQ(seen[i].second.substr(0, seen[i].second.find('x')), "v" + std::to_string(i));
  }
}

TEST_F(FetchZeroCopyTest, ReadCommittedStopsAtTheLsoAndListsAbortedTransactions) {
  Open();
  CreateTopic(1 << 30);
  int64_t next = 0;
  AppendBatches(3, 10, &next);  // offsets 0..29
  auto txn = [&](int64_t pid, int records) {
    logstore::RecordBatchBuilder b;
    b.SetProducer(pid, 0, 0);
    b.SetTransactional(true);
    for (int i = 0; i < records; ++i) b.Add(std::nullopt, "txn", 1700000000000);
    auto r = Log()->Append(b.Finish());
    ASSERT_TRUE(r.ok()) << r.status();
  };
  txn(100, 5);  // 30..34, aborted below
  ASSERT_TRUE(Log()->WriteTxnMarker(100, 0, /*commit=*/false, 0).ok());  // 35
  next = 36;
  AppendBatches(2, 10, &next);  // 36..55
  txn(200, 5);                  // 56..60, left open: the LSO stays at 56
  next = 61;
  AppendBatches(1, 10, &next);  // 61..70
  StartServers();
  ASSERT_EQ(Log()->LastStableOffset(), 56);
  for (int8_t isolation : {0, 1}) {
    for (int64_t offset : {0, 10, 29, 30, 35, 36, 50, 56, 60, 61, 71}) {
      for (int32_t max_bytes : {1, 3000, 1 << 20}) ExpectSameAnswers(offset, max_bytes, isolation);
    }
  }
  FetchedPartition f = Fetch(*zero_copy_, 0, 1 << 20, 1);
  EXPECT_EQ(f.last_stable_offset, 56);
  EXPECT_EQ(f.high_watermark, 71);
  ASSERT_EQ(f.aborted.size(), 1u);
  EXPECT_EQ(f.aborted[0], std::make_pair(int64_t{100}, int64_t{30}));
  auto records = Records(f.records);
  ASSERT_FALSE(records.empty());
  EXPECT_LT(records.back().first, 56) << "nothing at or past the LSO under read_committed";
  EXPECT_EQ(records.back().first, 55);
}

TEST_F(FetchZeroCopyTest, AfterARestartClosedSegmentsAreCheckedBeforeTheyAreSent) {
  Open();
  CreateTopic(32 << 10);
  int64_t next = 0;
  AppendBatches(30, 25, &next);  // several closed segments and an active one
  logs_.reset();
  // Flip one byte inside the records of the first batch of the oldest segment (CRC-covered).
  const auto log_file = [&] {
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_)) {
      if (e.path().filename() == "00000000000000000000.log") return e.path();
    }
    return std::filesystem::path();
  }();
  ASSERT_FALSE(log_file.empty());
  {
    const int fd = ::open(log_file.c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    char c = 0;
    ASSERT_EQ(::pread(fd, &c, 1, 200), 1);
    c ^= 0x5a;
    ASSERT_EQ(::pwrite(fd, &c, 1, 200), 1);
    ::close(fd);
  }
  Open();
  StartServers();
  // The corrupt batch is reported by both servers (KAFKA_STORAGE_ERROR), not sent.
  for (KafkaServer* s : {zero_copy_.get(), copying_.get()}) {
    FetchedPartition f = Fetch(*s, 0, 1 << 20);
    EXPECT_EQ(f.error, error::kKafkaStorageError);
    EXPECT_TRUE(f.records.empty());
  }
  // Past it: the same bytes from both, at every offset, first through the checking path and
  // then (checked now) through sendfile.
  logstore::FileSlice slice;
  ASSERT_TRUE(Log()->ReadSlice(500, 8000, false, &slice).ok());
  EXPECT_FALSE(slice.valid) << "a closed segment is not CRC-checked at open";
  for (int round = 0; round < 2; ++round) {
    for (int64_t offset = 25; offset <= next; offset += 11) ExpectSameAnswers(offset, 8000);
  }
  ASSERT_TRUE(Log()->ReadSlice(500, 8000, false, &slice).ok());
  EXPECT_TRUE(slice.valid) << "checked by the copying reads, so sent from the file now";
  // The corrupt segment is checked only up to its first batch: it stays on the checking path.
  ASSERT_TRUE(Log()->ReadSlice(25, 8000, false, &slice).ok());
  EXPECT_FALSE(slice.valid);
}

TEST_F(FetchZeroCopyTest, WriterSendsFileReferencesInPlace) {
  // Writer::BytesFileRef + Flatten read the referenced file range (what SendResponse sends).
  const std::filesystem::path f = std::filesystem::temp_directory_path() /
                                  ("eddy-fileref-" + std::to_string(::getpid()));
  {
    const int fd = ::open(f.c_str(), O_CREAT | O_TRUNC | O_RDWR, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, "0123456789", 10), 10);
    ::close(fd);
  }
  const int fd = ::open(f.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  Writer w;
  w.Int8(1);
  w.BytesFileRef(fd, 3, 4, nullptr);
  w.Int8(2);
  EXPECT_EQ(w.total_size(), 1u + 4 + 4 + 1);
  EXPECT_EQ(w.Flatten(), std::string("\x01\x00\x00\x00\x04", 5) + "3456" + "\x02");
  std::vector<iovec> iov;
  std::vector<Writer::FilePiece> files;
  w.Gather(&iov, &files);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(iov[files[0].iov_index].iov_base, nullptr);
  EXPECT_EQ(iov[files[0].iov_index].iov_len, 4u);
  EXPECT_EQ(files[0].position, 3u);
  ::close(fd);
  std::filesystem::remove(f);
}

}  // namespace
}  // namespace eddy::kafka
