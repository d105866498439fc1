// The transaction APIs' codecs (kafka_requests.h parsers, txn_responses.h encoders) against
// hand-built bytes laid out as Kafka's message schemas say, classic and flexible versions.
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/escaping.h"
#include "log-store/kafka/kafka_protocol.h"
#include "log-store/kafka/kafka_requests.h"
#include "log-store/kafka/txn_responses.h"

namespace eddy::kafka {
namespace {

std::string Hex(std::string_view hex) {
  EXPECT_EQ(hex.size() % 2, 0u) << hex;
  return absl::HexStringToBytes(absl::string_view(hex.data(), hex.size()));
}

// The hex literals are split by wire field; keep clang-format from joining or splitting them.
// clang-format off
TEST(KafkaTxnCodec, InitProducerIdV1AndV4) {
  // v1: STRING "tx" (int16 length), timeout 60000.
  std::string v1 = Hex("00027478" "0000ea60");
  Reader r1(v1);
  auto a = ParseInitProducerId(r1, 1);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(*a->transactional_id, "tx");
  EXPECT_EQ(a->transaction_timeout_ms, 60000);
  EXPECT_EQ(a->producer_id, -1);

  // v4 (flexible): COMPACT_NULLABLE_STRING "tx" (uvarint 3), timeout, producer id 7, epoch 2,
  // empty tagged fields.
  std::string v4 = Hex("037478" "0000ea60" "0000000000000007" "0002" "00");
  Reader r4(v4);
  auto b = ParseInitProducerId(r4, 4);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(*b->transactional_id, "tx");
  EXPECT_EQ(b->producer_id, 7);
  EXPECT_EQ(b->producer_epoch, 2);
  EXPECT_EQ(r4.remaining(), 0u);

  // v2: a null transactional id (uvarint 0), no producer id fields.
  std::string v2 = Hex("00" "ffffffff" "00");
  Reader r2(v2);
  auto c = ParseInitProducerId(r2, 2);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->transactional_id.has_value());

  // Truncated v4 (no epoch) fails and names the API.
  Reader rt(std::string_view(v4).substr(0, 12));
  auto bad = ParseInitProducerId(rt, 4);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("InitProducerId v4"), std::string_view::npos);

  Writer w;
  EncodeInitProducerIdResponse({error::kNone, 7, 3}, 1, w);
  EXPECT_EQ(absl::BytesToHexString(w.buffer()), "00000000" "0000" "0000000000000007" "0003");
  Writer wf;
  EncodeInitProducerIdResponse({error::kProducerFenced, -1, -1}, 4, wf);
  EXPECT_EQ(absl::BytesToHexString(wf.buffer()),
            "00000000" "005a" "ffffffffffffffff" "ffff" "00");
  Writer wo;  // PRODUCER_FENCED is new in v4: v3 gets INVALID_PRODUCER_EPOCH
  EncodeInitProducerIdResponse({error::kProducerFenced, -1, -1}, 3, wo);
  EXPECT_EQ(absl::BytesToHexString(wo.buffer()),
            "00000000" "002f" "ffffffffffffffff" "ffff" "00");
}

TEST(KafkaTxnCodec, AddPartitionsToTxnV0AndV3) {
  std::string v0 = Hex("00027478" "0000000000000007" "0002"
                       "00000002"                              // 2 topics
                       "000174" "00000002" "00000000" "00000001"  // t: [0, 1]
                       "000175" "00000001" "00000005");         // u: [5]
  Reader r0(v0);
  auto a = ParseAddPartitionsToTxn(r0, 0);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->transactional_id, "tx");
  EXPECT_EQ(a->producer_id, 7);
  EXPECT_EQ(a->producer_epoch, 2);
  ASSERT_EQ(a->topics.size(), 2u);
  EXPECT_EQ(a->topics[0].name, "t");
  EXPECT_EQ(a->topics[0].partitions, (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(a->topics[1].name, "u");
  EXPECT_EQ(a->topics[1].partitions, (std::vector<int32_t>{5}));

  std::string v3 = Hex("037478" "0000000000000007" "0002" "02" "0274" "02" "00000003" "00" "00");
  Reader r3(v3);
  auto b = ParseAddPartitionsToTxn(r3, 3);
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_EQ(b->topics.size(), 1u);
  EXPECT_EQ(b->topics[0].partitions, (std::vector<int32_t>{3}));
  EXPECT_EQ(r3.remaining(), 0u);

  // A bogus topic count fails fast instead of looping.
  std::string huge = Hex("00027478" "0000000000000007" "0002" "7fffffff");
  Reader rh(huge);
  EXPECT_FALSE(ParseAddPartitionsToTxn(rh, 0).ok());

  TxnPartitionResults res;
  res.topics.push_back({"t", {{0, error::kNone}, {1, error::kProducerFenced}}});
  Writer w0;  // v0: PRODUCER_FENCED answered as INVALID_PRODUCER_EPOCH
  EncodeAddPartitionsToTxnResponse(res, 0, w0);
  EXPECT_EQ(absl::BytesToHexString(w0.buffer()),
            "00000000" "00000001" "000174" "00000002" "00000000" "0000" "00000001" "002f");
  Writer w3;
  EncodeAddPartitionsToTxnResponse(res, 3, w3);
  EXPECT_EQ(absl::BytesToHexString(w3.buffer()),
            "00000000" "02" "0274" "03" "00000000" "0000" "00" "00000001" "005a" "00" "00" "00");
}

TEST(KafkaTxnCodec, AddOffsetsToTxnAndEndTxn) {
  std::string ao = Hex("00027478" "0000000000000007" "0002" "0003677270");
  Reader r(ao);
  auto a = ParseAddOffsetsToTxn(r, 0);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->group_id, "grp");
  std::string ao3 = Hex("037478" "0000000000000007" "0002" "04677270" "00");
  Reader r3(ao3);
  auto a3 = ParseAddOffsetsToTxn(r3, 3);
  ASSERT_TRUE(a3.ok()) << a3.status();
  EXPECT_EQ(a3->group_id, "grp");

  std::string et = Hex("00027478" "0000000000000007" "0002" "01");
  Reader re(et);
  auto e = ParseEndTxn(re, 1);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_TRUE(e->committed);
  std::string et3 = Hex("037478" "0000000000000007" "0002" "00" "00");
  Reader re3(et3);
  auto e3 = ParseEndTxn(re3, 3);
  ASSERT_TRUE(e3.ok()) << e3.status();
  EXPECT_FALSE(e3->committed);
  Reader short_end(std::string_view(et).substr(0, et.size() - 1));
  EXPECT_FALSE(ParseEndTxn(short_end, 1).ok());

  Writer w;
  EncodeEndTxnResponse(error::kInvalidTxnState, 1, w);
  EXPECT_EQ(absl::BytesToHexString(w.buffer()), "00000000" "0030");
  Writer w3;
  EncodeEndTxnResponse(error::kProducerFenced, 3, w3);
  EXPECT_EQ(absl::BytesToHexString(w3.buffer()), "00000000" "005a" "00");
  Writer wa;
  EncodeAddOffsetsToTxnResponse(error::kConcurrentTransactions, 0, wa);
  EXPECT_EQ(absl::BytesToHexString(wa.buffer()), "00000000" "0033");
}

TEST(KafkaTxnCodec, TxnOffsetCommitV0V2V3) {
  std::string v0 = Hex("00027478" "0003677270" "0000000000000007" "0002"
                       "00000001" "000174" "00000001"
                       "00000000" "000000000000002a" "ffff");
  Reader r0(v0);
  auto a = ParseTxnOffsetCommit(r0, 0);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->group_id, "grp");
  ASSERT_EQ(a->topics.size(), 1u);
  ASSERT_EQ(a->topics[0].partitions.size(), 1u);
  EXPECT_EQ(a->topics[0].partitions[0].offset, 42);
  EXPECT_EQ(a->topics[0].partitions[0].leader_epoch, -1);
  EXPECT_FALSE(a->topics[0].partitions[0].metadata.has_value());

  std::string v2 = Hex("00027478" "0003677270" "0000000000000007" "0002"
                       "00000001" "000174" "00000001"
                       "00000001" "0000000000000009" "00000004" "00026d64");
  Reader r2(v2);
  auto b = ParseTxnOffsetCommit(r2, 2);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->topics[0].partitions[0].leader_epoch, 4);
  EXPECT_EQ(*b->topics[0].partitions[0].metadata, "md");

  std::string v3 = Hex("037478" "04677270" "0000000000000007" "0002"
                       "00000003" "046d2d31" "00"            // generation 3, "m-1", null instance
                       "02" "0274" "02"                      // 1 topic "t", 1 partition
                       "00000000" "000000000000002a" "ffffffff" "01" "00"  // metadata ""
                       "00" "00");
  Reader r3(v3);
  auto c = ParseTxnOffsetCommit(r3, 3);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->generation_id, 3);
  EXPECT_EQ(c->member_id, "m-1");
  EXPECT_FALSE(c->group_instance_id.has_value());
  ASSERT_EQ(c->topics.size(), 1u);
  EXPECT_EQ(c->topics[0].partitions[0].offset, 42);
  EXPECT_EQ(*c->topics[0].partitions[0].metadata, "");
  EXPECT_EQ(r3.remaining(), 0u);

  TxnPartitionResults res;
  res.topics.push_back({"t", {{0, error::kNone}}});
  Writer w0;
  EncodeTxnOffsetCommitResponse(res, 0, w0);
  EXPECT_EQ(absl::BytesToHexString(w0.buffer()),
            "00000000" "00000001" "000174" "00000001" "00000000" "0000");
  Writer w3;
  EncodeTxnOffsetCommitResponse(res, 3, w3);
  EXPECT_EQ(absl::BytesToHexString(w3.buffer()),
            "00000000" "02" "0274" "02" "00000000" "0000" "00" "00" "00");
}

TEST(KafkaTxnCodec, FlexibleVersionsAndAdvertisedRanges) {
  EXPECT_FALSE(IsFlexible(kInitProducerId, 1));
  EXPECT_TRUE(IsFlexible(kInitProducerId, 2));
  for (int16_t key : {kAddPartitionsToTxn, kAddOffsetsToTxn, kEndTxn, kTxnOffsetCommit}) {
    EXPECT_FALSE(IsFlexible(key, 2)) << ApiName(key);
    EXPECT_TRUE(IsFlexible(key, 3)) << ApiName(key);
    EXPECT_TRUE(HasFlexibleResponseHeader(key, 3)) << ApiName(key);
    const ApiRange* api = FindApi(key);
    ASSERT_NE(api, nullptr) << ApiName(key);
    EXPECT_EQ(api->max, 3) << ApiName(key);
  }
  ASSERT_NE(FindApi(kInitProducerId), nullptr);
  EXPECT_EQ(FindApi(kInitProducerId)->max, 4);
  EXPECT_EQ(VersionedTxnError(kEndTxn, 1, error::kProducerFenced), error::kInvalidProducerEpoch);
  EXPECT_EQ(VersionedTxnError(kEndTxn, 2, error::kProducerFenced), error::kProducerFenced);
  EXPECT_EQ(VersionedTxnError(kTxnOffsetCommit, 3, error::kProducerFenced),
            error::kInvalidProducerEpoch);
  EXPECT_EQ(VersionedTxnError(kEndTxn, 0, error::kInvalidTxnState), error::kInvalidTxnState);
}

// clang-format on

}  // namespace
}  // namespace eddy::kafka
