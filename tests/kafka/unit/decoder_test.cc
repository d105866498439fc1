// The request decoder on hand-built frames: valid requests of the versions the real clients
// send, and malformed ones (truncated, unknown key, unsupported version, bogus counts).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "log-store/kafka/kafka_protocol.h"
#include "log-store/kafka/kafka_requests.h"
#include "log-store/kafka/request_dispatcher.h"

namespace eddy::kafka {
namespace {

Writer Header(int16_t key, int16_t version, int32_t correlation = 7) {
  Writer w;
  w.Int16(key);
  w.Int16(version);
  w.Int32(correlation);
  w.String("test-client");
  if (IsFlexible(key, version)) w.EmptyTaggedFields();
  return w;
}

// Every seed of the fuzz corpus is a well-formed request of an advertised version, so each must
// decode (a parser that drifts from the wire layout fails here, not only under fuzzing).
TEST(KafkaDecoder, EveryCorpusSeedDecodes) {
  int seeds = 0;
  for (const auto& entry : std::filesystem::directory_iterator(EDDY_KAFKA_CORPUS_DIR)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream data;
    data << in.rdbuf();
    absl::Status s = DecodeRequest(data.str());
    EXPECT_TRUE(s.ok()) << entry.path().filename() << ": " << s;
    ++seeds;
  }
  EXPECT_GE(seeds, 25);
}

TEST(KafkaDecoder, StaticMembershipAndGroupAdminFields) {
  Writer w;
  w.String("grp");
  w.ArrayCount(2);
  w.String("m-1");
  w.NullableString("inst-1");
  w.String("");
  w.NullableString(std::nullopt);
  Reader r(w.buffer());
  auto leave = ParseLeaveGroup(r, 3);
  ASSERT_TRUE(leave.ok()) << leave.status();
  ASSERT_EQ(leave->members.size(), 2u);
  EXPECT_EQ(leave->members[0].member_id, "m-1");
  EXPECT_EQ(*leave->members[0].group_instance_id, "inst-1");
  EXPECT_FALSE(leave->members[1].group_instance_id.has_value());

  Writer v1;
  v1.String("grp");
  v1.String("m-2");
  Reader r1(v1.buffer());
  auto old = ParseLeaveGroup(r1, 1);
  ASSERT_TRUE(old.ok());
  ASSERT_EQ(old->members.size(), 1u);
  EXPECT_EQ(old->members[0].member_id, "m-2");

  Writer lg;  // ListGroups v4: compact array of compact strings, tagged fields
  lg.CompactArrayCount(2);
  lg.CompactString("Stable");
  lg.CompactString("Empty");
  lg.EmptyTaggedFields();
  Reader rl(lg.buffer());
  auto list = ParseListGroups(rl, 4);
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->states_filter, (std::vector<std::string>{"Stable", "Empty"}));
  Reader truncated(std::string_view(lg.buffer()).substr(0, 3));
  EXPECT_FALSE(ParseListGroups(truncated, 4).ok());

  Writer hb;
  hb.String("grp");
  hb.Int32(4);
  hb.String("m-1");
  hb.NullableString("inst-1");
  Reader rh(hb.buffer());
  auto heartbeat = ParseHeartbeat(rh, 3);
  ASSERT_TRUE(heartbeat.ok());
  EXPECT_EQ(*heartbeat->group_instance_id, "inst-1");
}

TEST(KafkaDecoder, ApiVersionsV3FlexibleHeader) {
  Writer w = Header(kApiVersions, 3);
  w.CompactString("librdkafka");
  w.CompactString("2.0.2");
  w.EmptyTaggedFields();
  EXPECT_TRUE(DecodeRequest(w.buffer()).ok());
  Reader r(w.buffer());
  auto h = ParseRequestHeader(r);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->client_id, "test-client");
  EXPECT_EQ(h->correlation_id, 7);
}

TEST(KafkaDecoder, MetadataV4NullMeansAllTopics) {
  Writer w = Header(kMetadata, 4);
  w.ArrayCount(-1);
  w.Bool(true);
  Reader r(w.buffer());
  ASSERT_TRUE(ParseRequestHeader(r).ok());
  auto m = ParseMetadata(r, 4);
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->topics.has_value());
  EXPECT_TRUE(m->allow_auto_create);
}

TEST(KafkaDecoder, MetadataV0EmptyMeansAllTopicsV1EmptyMeansNone) {
  Writer w;
  w.ArrayCount(0);
  Reader r0(w.buffer());
  EXPECT_FALSE(ParseMetadata(r0, 0)->topics.has_value());
  Reader r1(w.buffer());
  auto m1 = ParseMetadata(r1, 1);
  ASSERT_TRUE(m1->topics.has_value());
  EXPECT_TRUE(m1->topics->empty());
}

TEST(KafkaDecoder, ProduceV7) {
  Writer w = Header(kProduce, 7);
  w.NullableString(std::nullopt);
  w.Int16(-1);
  w.Int32(30000);
  w.ArrayCount(1);
  w.String("t");
  w.ArrayCount(1);
  w.Int32(0);
  w.Bytes("batchbytes");
  Reader r(w.buffer());
  ASSERT_TRUE(ParseRequestHeader(r).ok());
  auto p = ParseProduce(r, 7);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->acks, -1);
  ASSERT_EQ(p->topics.size(), 1u);
  EXPECT_EQ(*p->topics[0].partitions[0].records, "batchbytes");
}

TEST(KafkaDecoder, FetchV11) {
  Writer w = Header(kFetch, 11);
  w.Int32(-1);
  w.Int32(500);
  w.Int32(1);
  w.Int32(52428800);
  w.Int8(1);
  w.Int32(0);
  w.Int32(-1);
  w.ArrayCount(1);
  w.String("t");
  w.ArrayCount(1);
  w.Int32(3);
  w.Int32(-1);
  w.Int64(42);
  w.Int64(-1);
  w.Int32(1048576);
  w.ArrayCount(0);
  w.String("");
  EXPECT_TRUE(DecodeRequest(w.buffer()).ok());
  Reader r(w.buffer());
  ASSERT_TRUE(ParseRequestHeader(r).ok());
  auto f = ParseFetch(r, 11);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->topics[0].partitions[0].index, 3);
  EXPECT_EQ(f->topics[0].partitions[0].fetch_offset, 42);
}

TEST(KafkaDecoder, EveryTruncationOfAValidRequestFailsCleanly) {
  Writer w = Header(kJoinGroup, 5);
  w.String("grp");
  w.Int32(6000);
  w.Int32(300000);
  w.String("");
  w.NullableString(std::nullopt);
  w.String("consumer");
  w.ArrayCount(2);
  w.String("range");
  w.Bytes("meta-range");
  w.String("roundrobin");
  w.Bytes("meta-rr");
  const std::string full = w.buffer();
  ASSERT_TRUE(DecodeRequest(full).ok());
  for (size_t n = 0; n < full.size(); ++n) {
    EXPECT_FALSE(DecodeRequest(full.substr(0, n)).ok()) << "prefix of " << n << " bytes";
  }
}

TEST(KafkaDecoder, UnknownKeyAndUnsupportedVersionAreErrors) {
  Writer unknown = Header(99, 0);
  auto s = DecodeRequest(unknown.buffer());
  EXPECT_FALSE(s.ok());
  EXPECT_NE(std::string(s.message()).find("unknown API key 99"), std::string::npos);
  Writer fetch_v3 = Header(kFetch, 3);
  s = DecodeRequest(fetch_v3.buffer());
  EXPECT_FALSE(s.ok());
  EXPECT_NE(std::string(s.message()).find("Fetch v3"), std::string::npos);
}

TEST(KafkaDecoder, BogusArrayCountIsRejected) {
  Writer w = Header(kCreateTopics, 4);
  w.Int32(1 << 30);
  EXPECT_FALSE(DecodeRequest(w.buffer()).ok());
}

TEST(KafkaDecoder, CreateTopicsWithMinusOneDefaults) {
  Writer w = Header(kCreateTopics, 3);
  w.ArrayCount(1);
  w.String("new-topic");
  w.Int32(-1);
  w.Int16(-1);
  w.ArrayCount(0);
  w.ArrayCount(1);
  w.String("retention.ms");
  w.NullableString("1000");
  w.Int32(5000);
  w.Bool(false);
  Reader r(w.buffer());
  ASSERT_TRUE(ParseRequestHeader(r).ok());
  auto c = ParseCreateTopics(r, 3);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->topics[0].num_partitions, -1);
  EXPECT_EQ(c->topics[0].configs[0].second.value_or(""), "1000");
}

}  // namespace
}  // namespace eddy::kafka
