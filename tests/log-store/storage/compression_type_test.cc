// compression.type: the topic setting's parser, ReencodeBatch, and PartitionLog::Append storing
// batches in the topic's codec (records, keys, headers, timestamps and producer fields kept, CRC
// valid, max.message.bytes on the stored batch) or byte for byte with `producer`.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "log-store/storage/batch_reencoder.h"
#include "log-store/storage/compression.h"
#include "log-store/storage/encoding.h"
#include "log-store/storage/log_manager.h"
#include "log-store/storage/record_batch.h"
#include "log-store/storage/record_batch_builder.h"
#include "log-store/storage/topic_config.h"
#include "test_util.h"

namespace eddy::logstore {
namespace {

using testing::TempDir;

// One decoded record, owned, with its headers.
struct Decoded {
  int64_t offset = 0;
  int64_t timestamp = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
  bool operator==(const Decoded&) const = default;
};

std::vector<Decoded> DecodeBatch(std::string_view batch) {
  std::vector<Decoded> out;
  RecordIterator it(batch);
  Record r;
  while (it.Next(&r)) {
    Decoded d;
    d.offset = r.offset;
    d.timestamp = r.timestamp;
    if (r.key) d.key = std::string(*r.key);
    if (r.value) d.value = std::string(*r.value);
    RecordHeaderIterator hi(r.headers_raw, r.header_count);
    RecordHeader h;
    while (hi.Next(&h)) {
      d.headers.emplace_back(
          std::string(h.key),
          h.value ? std::optional<std::string>(std::string(*h.value)) : std::nullopt);
    }
    EXPECT_TRUE(hi.status().ok()) << hi.status();
    out.push_back(std::move(d));
  }
  EXPECT_TRUE(it.status().ok()) << it.status();
  return out;
}

// An idempotent batch with keys (one null), values (one null), headers and distinct timestamps.
// 50 records from sequence `seq`: a log appending several must get consecutive sequences
// (100, 150, ...), or it answers the later ones as duplicates of the first.
std::string RichBatch(Compression c, int32_t seq = 100) {
  RecordBatchBuilder b(c);
  b.SetProducer(4711, 3, seq);
  for (int i = 0; i < 50; ++i) {
    const std::string trace = "id-" + std::to_string(i);
    const std::vector<RecordHeader> headers = {{"trace", trace}, {"empty", std::nullopt}};
    const std::string key = "key-" + std::to_string(i % 7);
    const std::string value(200, static_cast<char>('a' + i % 26));
    b.Add(i == 3 ? std::nullopt : std::optional<std::string_view>(key),
          i == 5 ? std::nullopt : std::optional<std::string_view>(value), 1700000000000 + i * 13,
          headers);
  }
  return b.Finish();
}

// A one-record batch claiming codec `c` whose records section is `records`, with a valid CRC:
// passes ValidateBatch (which does not open compressed records) whatever `records` holds.
std::string MakeBatchWithRecordsSection(Compression c, std::string_view records) {
  std::string b = RecordBatchBuilder().Finish();  // header of an empty batch
  b.resize(kBatchHeaderSize);
  b.append(records);
  char* p = b.data();
  enc::StoreBe32(p + 8, static_cast<uint32_t>(b.size() - kBatchLogOverhead));
  enc::StoreBe16(p + 21, static_cast<uint16_t>(c));
  enc::StoreBe32(p + 23, 0);  // lastOffsetDelta
  enc::StoreBe32(p + 57, 1);  // recordsCount
  enc::StoreBe32(p + 17, BatchCrc(b));
  return b;
}

TEST(CompressionTypeConfig, EveryKafkaValueParsesAndRoundTrips) {
  const std::vector<std::pair<std::string, CompressionType>> values = {
      {"producer", CompressionType::kProducer}, {"uncompressed", CompressionType::kUncompressed},
      {"gzip", CompressionType::kGzip},         {"snappy", CompressionType::kSnappy},
      {"lz4", CompressionType::kLz4},           {"zstd", CompressionType::kZstd}};
  for (const auto& [name, type] : values) {
    auto c = TopicConfig::FromMap({{"compression.type", name}}, TopicConfig{});
    ASSERT_TRUE(c.ok()) << name << ": " << c.status();
    EXPECT_EQ(c->compression_type, type) << name;
    EXPECT_EQ(c->ToMap().at("compression.type"), name);
    auto again = TopicConfig::FromMap(c->ToMap(), TopicConfig{});
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(again->compression_type, type) << name;
  }
  EXPECT_EQ(TopicConfig{}.compression_type, CompressionType::kProducer) << "Kafka's default";
  EXPECT_EQ(TopicConfig{}.ToMap().at("compression.type"), "producer");
  EXPECT_FALSE(StoredCodec(CompressionType::kProducer).has_value());
  EXPECT_EQ(StoredCodec(CompressionType::kUncompressed), Compression::kNone);
  EXPECT_EQ(StoredCodec(CompressionType::kZstd), Compression::kZstd);
}

TEST(CompressionTypeConfig, BadValueAndUnknownKeyAreRefusedByName) {
  for (const std::string bad : {"bogus", "ZSTD", "none", "", "lz4 "}) {
    auto c = TopicConfig::FromMap({{"compression.type", bad}}, TopicConfig{});
    ASSERT_FALSE(c.ok()) << "'" << bad << "'";
    EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
    const std::string msg(c.status().message());
    EXPECT_NE(msg.find("compression.type=\"" + bad + "\""), std::string::npos) << msg;
    EXPECT_NE(msg.find("zstd"), std::string::npos) << "lists the accepted values: " << msg;
  }
  auto unknown = TopicConfig::FromMap({{"compression.codec", "lz4"}}, TopicConfig{});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("unknown topic config key \"compression.codec\""),
            std::string_view::npos)
      << unknown.status();
}

TEST(ReencodeBatch, UncompressedToEveryCodecKeepsRecordsAndHeaderFields) {
  const std::string in = RichBatch(Compression::kNone);
  ASSERT_TRUE(ValidateBatch(in).ok());
  auto in_h = ParseBatchHeader(in);
  ASSERT_TRUE(in_h.ok());
  const auto want = DecodeBatch(in);
  ASSERT_EQ(want.size(), 50u);
  for (Compression c :
       {Compression::kGzip, Compression::kSnappy, Compression::kLz4, Compression::kZstd}) {
    auto out = ReencodeBatch(in, c);
    ASSERT_TRUE(out.ok()) << out.status();
    ASSERT_TRUE(ValidateBatch(*out).ok()) << ValidateBatch(*out);  // length and CRC rewritten
    auto h = ParseBatchHeader(*out);
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->compression(), c);
    EXPECT_LT(out->size(), in.size()) << "repetitive values compress";
    EXPECT_EQ(h->size_bytes(), out->size());
    EXPECT_EQ(h->attributes & ~0x7, in_h->attributes & ~0x7);
    EXPECT_EQ(h->partition_leader_epoch, in_h->partition_leader_epoch);
    EXPECT_EQ(h->last_offset_delta, in_h->last_offset_delta);
    EXPECT_EQ(h->base_timestamp, in_h->base_timestamp);
    EXPECT_EQ(h->max_timestamp, in_h->max_timestamp);
    EXPECT_EQ(h->producer_id, 4711);
    EXPECT_EQ(h->producer_epoch, 3);
    EXPECT_EQ(h->base_sequence, 100);
    EXPECT_EQ(h->records_count, 50);
    EXPECT_EQ(DecodeBatch(*out), want);
    // The records section is exactly the original's, compressed.
    auto raw = Decompress(c, std::string_view(*out).substr(kBatchHeaderSize));
    ASSERT_TRUE(raw.ok()) << raw.status();
    EXPECT_EQ(*raw, in.substr(kBatchHeaderSize));
  }
}

TEST(ReencodeBatch, GzipToUncompressedIsTheUncompressedBatch) {
  const std::string gz = RichBatch(Compression::kGzip);
  ASSERT_EQ(ParseBatchHeader(gz)->compression(), Compression::kGzip);
  auto out = ReencodeBatch(gz, Compression::kNone);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE(ValidateBatch(*out).ok()) << ValidateBatch(*out);
  EXPECT_EQ(ParseBatchHeader(*out)->compression(), Compression::kNone);
  // Same bytes as the builder's uncompressed batch of the same records.
  EXPECT_EQ(*out, RichBatch(Compression::kNone));
  // And codec to codec.
  auto zs = ReencodeBatch(gz, Compression::kZstd);
  ASSERT_TRUE(zs.ok()) << zs.status();
  EXPECT_EQ(DecodeBatch(*zs), DecodeBatch(gz));
}

TEST(ReencodeBatch, CorruptCompressedRecordsAreRefused) {
  // A gzip batch whose compressed blob is not gzip (CRC recomputed, so ValidateBatch passes).
  std::string bad = MakeBatchWithRecordsSection(Compression::kGzip, "definitely not gzip data");
  ASSERT_TRUE(ValidateBatch(bad).ok());
  auto out = ReencodeBatch(bad, Compression::kNone);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(out.status().message().find("gzip"), std::string_view::npos) << out.status();

  // Decompresses fine but the records inside do not parse.
  auto junk = Compress(Compression::kZstd, std::string(40, '\x7f'));
  ASSERT_TRUE(junk.ok());
  bad = MakeBatchWithRecordsSection(Compression::kZstd, *junk);
  out = ReencodeBatch(bad, Compression::kLz4);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("record 0"), std::string_view::npos) << out.status();
}

class CompressionTypeLogTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    mgr_.reset();
    LogManagerOptions o;
    o.data_dir = dir_.path();
    o.start_cleaner = false;
    auto m = LogManager::Open(o);
    ASSERT_TRUE(m.ok()) << m.status();
    mgr_ = std::move(*m);
  }
  std::shared_ptr<PartitionLog> Create(const std::string& name,
                                       std::map<std::string, std::string> kv) {
    auto cfg = TopicConfig::FromMap(kv, TopicConfig{});
    EXPECT_TRUE(cfg.ok()) << cfg.status();
    EXPECT_TRUE(mgr_->CreateTopic(name, *cfg).ok());
    auto l = mgr_->GetPartition(name, 0);
    EXPECT_TRUE(l.ok()) << l.status();
    return l.ok() ? *l : nullptr;
  }
  // Every stored batch of the partition, as stored.
  static std::vector<std::string> StoredBatches(const PartitionLog& log) {
    std::vector<std::string> out;
    auto r = log.Read(log.LogStartOffset(), 64 << 20);
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return out;
    BatchIterator it(r->batches);
    std::string_view b;
    BatchHeader h;
    while (it.Next(&b, &h)) out.emplace_back(b);
    EXPECT_TRUE(it.status().ok()) << it.status();
    return out;
  }
  // `records` with base offset `base` as a batch stored at it would decode.
  static std::vector<Decoded> Shifted(std::vector<Decoded> records, int64_t base) {
    for (auto& r : records) r.offset += base;
    return records;
  }

  TempDir dir_;
  std::unique_ptr<LogManager> mgr_;
};

TEST_F(CompressionTypeLogTest, UncompressedBatchToZstdTopicIsStoredAsZstd) {
  auto log = Create("z", {{"compression.type", "zstd"}});
  const std::string in = RichBatch(Compression::kNone);
  auto a1 = log->Append(in);
  ASSERT_TRUE(a1.ok()) << a1.status();
  auto a2 = log->Append(RichBatch(Compression::kNone, 150));  // a second one, at offset 50
  ASSERT_TRUE(a2.ok()) << a2.status();
  EXPECT_EQ(a2->base_offset, 50);
  EXPECT_EQ(log->LogEndOffset(), 100);
  auto stored = StoredBatches(*log);
  ASSERT_EQ(stored.size(), 2u);
  const auto want = DecodeBatch(in);
  for (size_t i = 0; i < stored.size(); ++i) {
    EXPECT_TRUE(ValidateBatch(stored[i]).ok()) << ValidateBatch(stored[i]);
    auto h = ParseBatchHeader(stored[i]);
    EXPECT_EQ(h->compression(), Compression::kZstd);
    EXPECT_EQ(h->base_offset, static_cast<int64_t>(i) * 50);
    EXPECT_EQ(h->producer_id, 4711);
    EXPECT_EQ(h->base_sequence, 100 + static_cast<int32_t>(i) * 50);
    EXPECT_EQ(DecodeBatch(stored[i]), Shifted(want, h->base_offset));
  }
  // The segment holds the stored size: log size = sum of the zstd batches, less than sent.
  EXPECT_EQ(log->Stats().size_bytes, static_cast<int64_t>(stored[0].size() + stored[1].size()));
  EXPECT_LT(stored[0].size(), in.size());
  // Survives a restart (the segment is recovered with CRC checks; the setting is in the file).
  Reopen();
  auto again = mgr_->GetPartition("z", 0);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(StoredBatches(**again), stored);
  EXPECT_EQ(mgr_->DescribeTopic("z")->config.compression_type, CompressionType::kZstd);
}

TEST_F(CompressionTypeLogTest, GzipBatchToUncompressedTopicIsStoredUncompressed) {
  auto log = Create("u", {{"compression.type", "uncompressed"}});
  const std::string gz = RichBatch(Compression::kGzip);
  ASSERT_TRUE(log->Append(gz).ok());
  auto stored = StoredBatches(*log);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_TRUE(ValidateBatch(stored[0]).ok()) << ValidateBatch(stored[0]);
  EXPECT_EQ(ParseBatchHeader(stored[0])->compression(), Compression::kNone);
  EXPECT_EQ(stored[0], RichBatch(Compression::kNone));  // base offset 0 in both
  EXPECT_EQ(DecodeBatch(stored[0]), DecodeBatch(gz));
}

TEST_F(CompressionTypeLogTest, MixedRequestOnlyReencodesBatchesInAnotherCodec) {
  auto log = Create("l", {{"compression.type", "lz4"}});
  const std::string lz4 = RichBatch(Compression::kLz4);
  const std::string none = RichBatch(Compression::kNone, 150);
  const std::string snappy = RichBatch(Compression::kSnappy, 200);
  auto a = log->Append(lz4 + none + snappy);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->last_offset, 149);
  auto stored = StoredBatches(*log);
  ASSERT_EQ(stored.size(), 3u);
  EXPECT_EQ(stored[0], lz4) << "a batch already in the topic's codec is stored as sent";
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(ValidateBatch(stored[i]).ok()) << i;
    EXPECT_EQ(ParseBatchHeader(stored[i])->compression(), Compression::kLz4) << i;
    EXPECT_EQ(DecodeBatch(stored[i]), Shifted(DecodeBatch(none), static_cast<int64_t>(i) * 50))
        << i;
  }
}

TEST_F(CompressionTypeLogTest, ProducerKeepsEveryBatchByteForByte) {
  auto log = Create("p", {});  // default compression.type=producer
  std::string sent;
  int32_t seq = 100;
  for (Compression c : {Compression::kNone, Compression::kGzip, Compression::kSnappy,
                        Compression::kLz4, Compression::kZstd}) {
    sent += RichBatch(c, seq);
    seq += 50;
  }
  ASSERT_TRUE(log->Append(sent).ok());
  auto r = log->Read(0, 64 << 20);
  ASSERT_TRUE(r.ok());
  // Only the base offsets differ (the broker assigns them); nothing else is touched.
  std::string expected = sent;
  size_t pos = 0;
  int64_t base = 0;
  while (pos < expected.size()) {
    SetBaseOffset(expected.data() + pos, base);
    auto h = ParseBatchHeader(std::string_view(expected).substr(pos));
    base += h->records_count;
    pos += h->size_bytes();
  }
  EXPECT_EQ(r->batches, expected);
}

TEST_F(CompressionTypeLogTest, MaxMessageBytesAppliesToTheStoredBatch) {
  // 50 records of 2000 equal bytes: about 2 KB as gzip, over 100 KB uncompressed.
  RecordBatchBuilder b(Compression::kGzip);
  const std::string value(2000, 'x');
  for (int i = 0; i < 50; ++i) b.Add(std::nullopt, value, 1700000000000);
  const std::string gz = b.Finish();
  ASSERT_LT(gz.size(), 10000u);
  auto log =
      Create("small", {{"compression.type", "uncompressed"}, {"max.message.bytes", "10000"}});
  auto a = log->Append(gz);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_NE(a.status().message().find("MESSAGE_TOO_LARGE"), std::string_view::npos);
  EXPECT_NE(a.status().message().find("compression.type=uncompressed"), std::string_view::npos)
      << a.status();
  EXPECT_EQ(log->LogEndOffset(), 0) << "nothing appended";
  // The same batch goes into a topic that stores it as sent.
  auto p = Create("as-sent", {{"max.message.bytes", "10000"}});
  EXPECT_TRUE(p->Append(gz).ok());
}

TEST_F(CompressionTypeLogTest, CorruptCompressedBatchIsRefusedAndNothingIsAppended) {
  auto log = Create("z", {{"compression.type", "zstd"}});
  const std::string good = RichBatch(Compression::kNone);
  const std::string bad = MakeBatchWithRecordsSection(Compression::kGzip, "not gzip at all");
  auto a = log->Append(good + bad);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(a.status().message().find("CORRUPT_MESSAGE"), std::string_view::npos) << a.status();
  EXPECT_EQ(log->LogEndOffset(), 0);
}

TEST_F(CompressionTypeLogTest, AlteringCompressionTypeAppliesToLaterAppends) {
  auto log = Create("t", {});
  ASSERT_TRUE(log->Append(RichBatch(Compression::kNone)).ok());
  ASSERT_TRUE(mgr_->AlterTopic("t", {{"compression.type", "gzip"}}).ok());
  ASSERT_TRUE(log->Append(RichBatch(Compression::kNone, 150)).ok());
  EXPECT_EQ(mgr_->AlterTopic("t", {{"compression.type", "brotli"}}).code(),
            absl::StatusCode::kInvalidArgument);
  auto stored = StoredBatches(*log);
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(ParseBatchHeader(stored[0])->compression(), Compression::kNone);
  EXPECT_EQ(ParseBatchHeader(stored[1])->compression(), Compression::kGzip);
}

}  // namespace
}  // namespace eddy::logstore
