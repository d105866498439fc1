#include <gtest/gtest.h>

#include "log-store/kafka/kafka_codec.h"

namespace eddy::kafka {
namespace {

TEST(KafkaCodec, ClassicTypesRoundTrip) {
  Writer w;
  w.Int8(-3);
  w.Int16(-2);
  w.Int32(123456789);
  w.Int64(-9876543210LL);
  w.String("topic");
  w.NullableString(std::nullopt);
  w.Bytes(std::string("\0\1\2", 3));
  w.NullableBytes(std::nullopt);
  w.ArrayCount(2);
  Reader r(w.buffer());
  EXPECT_EQ(r.Int8(), -3);
  EXPECT_EQ(r.Int16(), -2);
  EXPECT_EQ(r.Int32(), 123456789);
  EXPECT_EQ(r.Int64(), -9876543210LL);
  EXPECT_EQ(r.String(), "topic");
  EXPECT_FALSE(r.NullableString().has_value());
  EXPECT_EQ(r.Bytes(), std::string("\0\1\2", 3));
  EXPECT_FALSE(r.NullableBytes().has_value());
  EXPECT_EQ(r.ArrayCount(0), 2);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(KafkaCodec, CompactTypesRoundTrip) {
  Writer w;
  w.UVarint(300);
  w.CompactString("abc");
  w.CompactNullableString(std::nullopt);
  w.CompactArrayCount(3);
  w.CompactArrayCount(-1);
  w.UVarint(1);  // one tagged field
  w.UVarint(7);
  w.UVarint(2);
  w.Raw("xy");
  Reader r(w.buffer());
  EXPECT_EQ(r.UVarint(), 300u);
  EXPECT_EQ(r.CompactString(), "abc");
  EXPECT_FALSE(r.CompactNullableString().has_value());
  EXPECT_EQ(r.CompactArrayCount(0), 3);
  EXPECT_EQ(r.CompactArrayCount(0), -1);
  r.SkipTaggedFields();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 0u);
  // 0x00 is one byte; compact string "abc" is length 4 then the bytes.
  EXPECT_EQ(w.buffer().substr(2, 4), std::string("\x04"
                                                 "abc"));
}

TEST(KafkaCodec, TruncatedInputFailsAndLatches) {
  std::string data(
      "\x00\x05"
      "ab",
      4);  // string claims 5 bytes, has 2
  Reader r(data);
  EXPECT_EQ(r.String(), "");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.Int32(), 0);  // later reads return zero values
  EXPECT_FALSE(r.status("test").ok());
  EXPECT_NE(std::string(r.status("test").message()).find("malformed test"), std::string::npos);
}

TEST(KafkaCodec, HugeArrayCountFailsFast) {
  Writer w;
  w.Int32(0x7fffffff);
  w.Int32(1);
  Reader r(w.buffer());
  EXPECT_EQ(r.ArrayCount(4), 0);
  EXPECT_FALSE(r.ok());
}

TEST(KafkaCodec, NegativeLengthsAreErrors) {
  Writer w;
  w.Int16(-5);
  Reader r(w.buffer());
  r.String();
  EXPECT_FALSE(r.ok());
  Writer w2;
  w2.Int32(-7);
  Reader r2(w2.buffer());
  r2.Bytes();
  EXPECT_FALSE(r2.ok());
}

TEST(KafkaCodec, OverlongVarintIsAnError) {
  std::string data(6, '\xff');
  Reader r(data);
  r.UVarint();
  EXPECT_FALSE(r.ok());
}

TEST(KafkaCodec, PatchInt32) {
  Writer w;
  size_t pos = w.ReserveInt32();
  w.Raw("abcd");
  w.PatchInt32(pos, 4);
  Reader r(w.buffer());
  EXPECT_EQ(r.Int32(), 4);
}

}  // namespace
}  // namespace eddy::kafka
