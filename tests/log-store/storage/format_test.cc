// Record batch format: builder -> iterator round trips, validation of every corruption, codecs.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "log-store/storage/compression.h"
#include "log-store/storage/crc32c.h"
#include "log-store/storage/record_batch.h"
#include "log-store/storage/record_batch_builder.h"

namespace eddy::logstore {
namespace {

TEST(Crc32c, KnownVectors) {
  // RFC 3720 test vectors.
  std::string zeros(32, '\0');
  EXPECT_EQ(Crc32c(0, zeros.data(), zeros.size()), 0x8A9136AAu);
  std::string ones(32, '\xff');
  EXPECT_EQ(Crc32c(0, ones.data(), ones.size()), 0x62A8AB43u);
  EXPECT_EQ(Crc32c(0, "123456789", 9), 0xE3069283u);
  // Extending in pieces equals one pass.
  std::string s(1000, 'x');
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>(i * 7);
  uint32_t a = Crc32c(0, s.data(), 333);
  a = Crc32c(a, s.data() + 333, s.size() - 333);
  EXPECT_EQ(a, Crc32c(0, s.data(), s.size()));
}

TEST(Crc32c, HardwareMatchesPortableAtEverySizeAndAlignment) {
  std::string s(3 * 8192 * 2 + 3 * 256 + 100, '\0');
  uint64_t x = 88172645463325252ull;
  for (char& c : s) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  for (size_t len : {0, 1, 7, 8, 9, 255, 768, 769, 1000, 8191, 24576, 24577, 30000, 50000}) {
    for (size_t off : {0, 1, 3, 5}) {
      if (off + len > s.size()) continue;
      ASSERT_EQ(Crc32c(0, s.data() + off, len), Crc32cPortable(0, s.data() + off, len))
          << "len " << len << " off " << off;
      ASSERT_EQ(Crc32c(0x12345678, s.data() + off, len),
                Crc32cPortable(0x12345678, s.data() + off, len));
    }
  }
}

std::string BuildBatch(Compression c, int n) {
  RecordBatchBuilder b(c);
  for (int i = 0; i < n; ++i) {
    std::string k = "key-" + std::to_string(i);
    std::string v(100, static_cast<char>('a' + i % 26));
    RecordHeader hs[2] = {{"h1", std::string_view("v1")}, {"h2", std::nullopt}};
    if (i % 3 == 0) {
      b.Add(k, v, 1000 + i, hs);
    } else if (i % 3 == 1) {
      b.Add(std::nullopt, v, 1000 + i);
    } else {
      b.Add(k, std::nullopt, 1000 + i);
    }
  }
  return b.Finish();
}

void CheckRecords(const std::string& batch, int n, int64_t base) {
  RecordIterator it(batch);
  ASSERT_TRUE(it.status().ok()) << it.status();
  EXPECT_EQ(it.header().records_count, n);
  EXPECT_EQ(it.header().base_timestamp, 1000);
  EXPECT_EQ(it.header().max_timestamp, 1000 + n - 1);
  Record r;
  int i = 0;
  while (it.Next(&r)) {
    EXPECT_EQ(r.offset, base + i);
    EXPECT_EQ(r.timestamp, 1000 + i);
    std::string v(100, static_cast<char>('a' + i % 26));
    if (i % 3 == 0) {
      ASSERT_TRUE(r.key.has_value());
      EXPECT_EQ(*r.key, "key-" + std::to_string(i));
      EXPECT_EQ(*r.value, v);
      ASSERT_EQ(r.header_count, 2);
      RecordHeaderIterator hi(r.headers_raw, r.header_count);
      RecordHeader h;
      ASSERT_TRUE(hi.Next(&h));
      EXPECT_EQ(h.key, "h1");
      EXPECT_EQ(*h.value, "v1");
      ASSERT_TRUE(hi.Next(&h));
      EXPECT_EQ(h.key, "h2");
      EXPECT_FALSE(h.value.has_value());
      EXPECT_FALSE(hi.Next(&h));
      EXPECT_TRUE(hi.status().ok());
    } else if (i % 3 == 1) {
      EXPECT_FALSE(r.key.has_value());
      EXPECT_EQ(*r.value, v);
    } else {
      EXPECT_FALSE(r.value.has_value());
    }
    ++i;
  }
  EXPECT_TRUE(it.status().ok()) << it.status();
  EXPECT_EQ(i, n);
}

TEST(RecordBatch, RoundTripUncompressed) {
  std::string batch = BuildBatch(Compression::kNone, 50);
  ASSERT_TRUE(ValidateBatch(batch).ok()) << ValidateBatch(batch);
  CheckRecords(batch, 50, 0);
  SetBaseOffset(batch.data(), 12345);
  ASSERT_TRUE(ValidateBatch(batch).ok()) << "base offset is not CRC-covered";
  CheckRecords(batch, 50, 12345);
  auto h = ParseBatchHeader(batch);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->last_offset(), 12345 + 49);
  EXPECT_EQ(h->size_bytes(), batch.size());
}

TEST(RecordBatch, BuilderReusable) {
  RecordBatchBuilder b;
  b.Add("a", "1", 5);
  std::string first = b.Finish();
  EXPECT_TRUE(b.empty());
  b.Add("b", "2", 7);
  b.Add("c", "3", 6);
  std::string second = b.Finish();
  ASSERT_TRUE(ValidateBatch(first).ok());
  ASSERT_TRUE(ValidateBatch(second).ok());
  auto h = ParseBatchHeader(second);
  EXPECT_EQ(h->records_count, 2);
  EXPECT_EQ(h->base_timestamp, 7);
  EXPECT_EQ(h->max_timestamp, 7);
  RecordIterator it(second);
  Record r;
  ASSERT_TRUE(it.Next(&r));
  ASSERT_TRUE(it.Next(&r));
  EXPECT_EQ(r.timestamp, 6);
  EXPECT_EQ(*r.key, "c");
}

class Codecs : public ::testing::TestWithParam<Compression> {};

TEST_P(Codecs, RoundTrip) {
  std::string batch = BuildBatch(GetParam(), 200);
  auto h = ParseBatchHeader(batch);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->compression(), GetParam());
  ASSERT_TRUE(ValidateBatch(batch).ok()) << ValidateBatch(batch);
  EXPECT_LT(batch.size(), BuildBatch(Compression::kNone, 200).size());
  CheckRecords(batch, 200, 0);
}

TEST_P(Codecs, CorruptPayloadIsAnErrorNotACrash) {
  std::string data(5000, 'z');
  auto c = Compress(GetParam(), data);
  ASSERT_TRUE(c.ok());
  auto d = Decompress(GetParam(), *c);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(*d, data);
  std::string cut = c->substr(0, c->size() / 2);
  EXPECT_FALSE(Decompress(GetParam(), cut).ok());
  std::string garbage = "this is not compressed data at all, not even close";
  EXPECT_FALSE(Decompress(GetParam(), garbage).ok());
}

INSTANTIATE_TEST_SUITE_P(All, Codecs,
                         ::testing::Values(Compression::kGzip, Compression::kSnappy,
                                           Compression::kLz4, Compression::kZstd));

TEST(Compression, SnappyXerialFraming) {
  std::string data = "hello snappy xerial framing, hello hello hello";
  auto raw = Compress(Compression::kSnappy, data);
  ASSERT_TRUE(raw.ok());
  std::string framed("\x82SNAPPY\0", 8);
  framed += std::string("\0\0\0\1\0\0\0\1", 8);
  const std::string half1 = data.substr(0, 20), half2 = data.substr(20);
  for (const std::string& part : {half1, half2}) {
    auto c = Compress(Compression::kSnappy, part);
    uint32_t n = static_cast<uint32_t>(c->size());
    char len[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                   static_cast<char>(n >> 8), static_cast<char>(n)};
    framed.append(len, 4);
    framed += *c;
  }
  auto d = Decompress(Compression::kSnappy, framed);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(*d, data);
}

TEST(RecordBatch, EveryByteFlipIsDetected) {
  const std::string good = BuildBatch(Compression::kNone, 5);
  for (size_t i = 0; i < good.size(); ++i) {
    if (i < 12 + 4) continue;  // base offset, length tested separately, leader epoch not covered
    std::string bad = good;
    bad[i] ^= 0x40;
    EXPECT_FALSE(ValidateBatch(bad).ok()) << "flip at byte " << i << " not detected";
  }
}

TEST(RecordBatch, LengthAndTruncationErrors) {
  const std::string good = BuildBatch(Compression::kNone, 5);
  EXPECT_FALSE(ValidateBatch(good.substr(0, good.size() - 1)).ok());
  EXPECT_FALSE(ValidateBatch(good + "x").ok());
  EXPECT_FALSE(ValidateBatch(good.substr(0, 30)).ok());
  EXPECT_FALSE(ValidateBatch("").ok());
  std::string bad_len = good;
  bad_len[11] = 3;  // batchLength far too small
  EXPECT_FALSE(ValidateBatch(bad_len).ok());
  std::string bad_magic = good;
  bad_magic[16] = 1;
  auto st = ValidateBatch(bad_magic);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("magic"), std::string_view::npos) << st;
}

TEST(RecordBatch, CrcMismatchNamesCrc) {
  std::string bad = BuildBatch(Compression::kNone, 3);
  bad[bad.size() - 5] ^= 1;
  auto st = ValidateBatch(bad);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("CRC"), std::string_view::npos) << st;
}

TEST(BatchIterator, WalksConcatenatedAndStopsAtPartial) {
  std::string a = BuildBatch(Compression::kNone, 3);
  std::string b = BuildBatch(Compression::kLz4, 4);
  std::string buf = a + b + b.substr(0, 20);
  BatchIterator it(buf);
  std::string_view v;
  BatchHeader h;
  ASSERT_TRUE(it.Next(&v, &h));
  EXPECT_EQ(v.size(), a.size());
  ASSERT_TRUE(it.Next(&v, &h));
  EXPECT_EQ(h.records_count, 4);
  EXPECT_FALSE(it.Next(&v, &h));
  EXPECT_TRUE(it.status().ok());
  EXPECT_EQ(it.position(), a.size() + b.size());
  std::string garbage = a + std::string(61, '\x7f');
  BatchIterator g(garbage);
  ASSERT_TRUE(g.Next(&v, &h));
  EXPECT_FALSE(g.Next(&v, &h));
}

}  // namespace
}  // namespace eddy::logstore
