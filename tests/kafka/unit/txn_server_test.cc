// The Kafka transaction APIs over a real socket, byte by byte, against an in-process KafkaServer
// with a real LogManager and TransactionCoordinator: InitProducerId (flexible v4 and v1, the epoch
// bump), AddPartitionsToTxn v3, a transactional Produce, Fetch's LastStableOffset and
// AbortedTransactions under both isolation levels, ListOffsets' latest under read_committed,
// EndTxn's fencing codes per version, and TxnOffsetCommit offsets applied on commit only.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "log-store/kafka/kafka_protocol.h"
#include "log-store/kafka/kafka_server.h"
#include "log-store/storage/log_manager.h"
#include "log-store/storage/record_batch_builder.h"
#include "log-store/txn/transaction_coordinator.h"
#include "tests/kafka/raw_kafka_client.h"
#include "tests/kafka/unit/test_data_dir.h"

namespace eddy::kafka {
namespace {

class KafkaTxnServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTestDataDir("eddy-kafka-txn-server");
    auto logs = OpenTestLogManager(dir_);
    ASSERT_TRUE(logs.ok()) << logs.status();
    logs_ = std::move(*logs);
    logstore::TopicConfig tc;
    tc.partitions = 2;
    ASSERT_TRUE(logs_->CreateTopic("t", tc).ok());
    logstore::TransactionCoordinatorOptions to;
    to.data_dir = dir_.string();
    to.start_timer = false;
    auto txn = logstore::TransactionCoordinator::Open(logs_.get(), to);
    ASSERT_TRUE(txn.ok()) << txn.status();
    txn_ = std::move(*txn);
    KafkaServerOptions ko;
    ko.listen = "127.0.0.1:0";
    ko.max_fetch_wait_ms = 200;
    ko.txn = txn_.get();
    auto server = KafkaServer::Start(logs_.get(), ko);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }
  void TearDown() override {
    if (server_) server_->Stop();
    server_.reset();
    txn_.reset();
    logs_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Sends one request and returns the response body after the correlation id (and, for a
  // flexible version, the response header's tagged fields).
  std::string Call(int16_t key, int16_t v, const std::string& body) {
    RawKafkaClient c(server_->port());
    EXPECT_TRUE(c.Send(key, v, 9, body));
    auto resp = c.Receive();
    EXPECT_TRUE(resp.has_value()) << ApiName(key) << " v" << v << ": no response";
    if (!resp) return "";
    Reader r(*resp);
    EXPECT_EQ(r.Int32(), 9);
    if (HasFlexibleResponseHeader(key, v)) r.SkipTaggedFields();
    return std::string(r.Raw(r.remaining()));
  }

  struct Pid {
    int16_t error;
    int64_t id;
    int16_t epoch;
  };
  Pid InitV4(const std::string& txn_id, int64_t pid = -1, int16_t epoch = -1) {
    Writer w;
    w.CompactNullableString(txn_id);
    w.Int32(60000);
    w.Int64(pid);
    w.Int16(epoch);
    w.EmptyTaggedFields();
    std::string body = Call(kInitProducerId, 4, w.buffer());
    Reader r(body);
    r.Int32();
    Pid p{r.Int16(), r.Int64(), r.Int16()};
    r.SkipTaggedFields();
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.remaining(), 0u);
    return p;
  }
  int16_t AddPartitionV3(const std::string& txn_id, const Pid& p, int32_t partition) {
    Writer w;
    w.CompactString(txn_id);
    w.Int64(p.id);
    w.Int16(p.epoch);
    w.CompactArrayCount(1);
    w.CompactString("t");
    w.CompactArrayCount(1);
    w.Int32(partition);
    w.EmptyTaggedFields();
    w.EmptyTaggedFields();
    std::string body = Call(kAddPartitionsToTxn, 3, w.buffer());
    Reader r(body);
    r.Int32();
    EXPECT_EQ(r.CompactArrayCount(), 1);
    EXPECT_EQ(r.CompactString(), "t");
    EXPECT_EQ(r.CompactArrayCount(), 1);
    EXPECT_EQ(r.Int32(), partition);
    int16_t err = r.Int16();
    EXPECT_TRUE(r.ok());
    return err;
  }
  int16_t EndTxn(int16_t v, const std::string& txn_id, const Pid& p, bool commit) {
    Writer w;
    if (v >= 3) {
      w.CompactString(txn_id);
    } else {
      w.String(txn_id);
    }
    w.Int64(p.id);
    w.Int16(p.epoch);
    w.Bool(commit);
    if (v >= 3) w.EmptyTaggedFields();
    std::string body = Call(kEndTxn, v, w.buffer());
    Reader r(body);
    r.Int32();
    int16_t err = r.Int16();
    EXPECT_TRUE(r.ok());
    return err;
  }
  // Produce v7 of one transactional batch to t/partition; the partition's error code.
  int16_t ProduceTxn(const Pid& p, int32_t partition, int32_t seq,
                     const std::vector<std::string>& values) {
    logstore::RecordBatchBuilder b;
    b.SetProducer(p.id, p.epoch, seq);
    b.SetTransactional(true);
    for (const auto& v : values) b.Add(std::nullopt, v, 1700000000000);
    const std::string batch = b.Finish();
    Writer w;
    w.NullableString("tx");
    w.Int16(-1);
    w.Int32(5000);
    w.ArrayCount(1);
    w.String("t");
    w.ArrayCount(1);
    w.Int32(partition);
    w.Bytes(batch);
    std::string body = Call(kProduce, 7, w.buffer());
    Reader r(body);
    EXPECT_EQ(r.ArrayCount(), 1);
    r.String();
    EXPECT_EQ(r.ArrayCount(), 1);
    EXPECT_EQ(r.Int32(), partition);
    int16_t err = r.Int16();
    EXPECT_TRUE(r.ok());
    return err;
  }
  struct FetchPart {
    int64_t hw = -1;
    int64_t lso = -1;
    std::vector<std::pair<int64_t, int64_t>> aborted;  // producer id, first offset
    size_t record_bytes = 0;
  };
  FetchPart Fetch(int8_t isolation, int32_t partition) {
    Writer w;
    w.Int32(-1);
    w.Int32(0);  // max wait: answer at once
    w.Int32(1);
    w.Int32(1 << 20);
    w.Int8(isolation);
    w.Int32(0);
    w.Int32(-1);
    w.ArrayCount(1);
    w.String("t");
    w.ArrayCount(1);
    w.Int32(partition);
    w.Int32(-1);  // current leader epoch
    w.Int64(0);   // fetch offset
    w.Int64(-1);
    w.Int32(1 << 20);
    w.ArrayCount(0);
    w.String("");
    std::string body = Call(kFetch, 11, w.buffer());
    Reader r(body);
    r.Int32();
    EXPECT_EQ(r.Int16(), 0);
    r.Int32();
    EXPECT_EQ(r.ArrayCount(), 1);
    r.String();
    EXPECT_EQ(r.ArrayCount(), 1);
    EXPECT_EQ(r.Int32(), partition);
    EXPECT_EQ(r.Int16(), 0);
    FetchPart f;
    f.hw = r.Int64();
    f.lso = r.Int64();
    r.Int64();  // log start
    int32_t n = r.ArrayCount(16);
    for (int32_t i = 0; i < n && r.ok(); ++i) {
      int64_t pid = r.Int64();
      f.aborted.emplace_back(pid, r.Int64());
    }
    r.Int32();  // preferred read replica
    f.record_bytes = r.Bytes().size();
    EXPECT_TRUE(r.ok());
    return f;
  }
  int64_t Latest(int8_t isolation, int32_t partition) {
    Writer w;
    w.Int32(-1);
    w.Int8(isolation);
    w.ArrayCount(1);
    w.String("t");
    w.ArrayCount(1);
    w.Int32(partition);
    w.Int64(-1);
    std::string body = Call(kListOffsets, 2, w.buffer());
    Reader r(body);
    r.Int32();
    EXPECT_EQ(r.ArrayCount(), 1);
    r.String();
    EXPECT_EQ(r.ArrayCount(), 1);
    r.Int32();
    EXPECT_EQ(r.Int16(), 0);
    r.Int64();  // timestamp
    int64_t off = r.Int64();
    EXPECT_TRUE(r.ok());
    return off;
  }

  std::filesystem::path dir_;
  std::unique_ptr<logstore::LogManager> logs_;
  std::unique_ptr<logstore::TransactionCoordinator> txn_;
  std::unique_ptr<KafkaServer> server_;
};

TEST_F(KafkaTxnServerTest, AbortedTransactionIsCappedThenListedAndTheOldEpochFenced) {
  Pid p = InitV4("tx");
  ASSERT_EQ(p.error, 0);
  ASSERT_GE(p.id, 0);
  EXPECT_EQ(p.epoch, 0);
  // A transactional batch to a partition not in the transaction is refused.
  EXPECT_EQ(ProduceTxn(p, 1, 0, {"x"}), error::kInvalidTxnState);
  ASSERT_EQ(AddPartitionV3("tx", p, 0), 0);
  ASSERT_EQ(ProduceTxn(p, 0, 0, {"a", "b"}), 0);

  // Open transaction at offset 0: read_committed gets nothing, LSO 0, latest 0.
  FetchPart rc = Fetch(1, 0);
  EXPECT_EQ(rc.hw, 2);
  EXPECT_EQ(rc.lso, 0);
  EXPECT_EQ(rc.record_bytes, 0u);
  EXPECT_TRUE(rc.aborted.empty());
  FetchPart ru = Fetch(0, 0);
  EXPECT_EQ(ru.lso, 0);
  EXPECT_GT(ru.record_bytes, 0u);
  EXPECT_EQ(Latest(1, 0), 0);
  EXPECT_EQ(Latest(0, 0), 2);

  ASSERT_EQ(EndTxn(1, "tx", p, /*commit=*/false), 0);
  // Data (0, 1) + abort marker (2): LSO 3, the aborted transaction listed for read_committed.
  rc = Fetch(1, 0);
  EXPECT_EQ(rc.hw, 3);
  EXPECT_EQ(rc.lso, 3);
  EXPECT_GT(rc.record_bytes, 0u);
  EXPECT_EQ(rc.aborted, (std::vector<std::pair<int64_t, int64_t>>{{p.id, 0}}));
  EXPECT_EQ(Latest(1, 0), 3);

  // A new init bumps the epoch; the old one is fenced: PRODUCER_FENCED from EndTxn v3 (and
  // InitProducerId v4 with the old pair), INVALID_PRODUCER_EPOCH from EndTxn v1 and Produce.
  Pid p2 = InitV4("tx", p.id, p.epoch);
  ASSERT_EQ(p2.error, 0);
  EXPECT_EQ(p2.id, p.id);
  EXPECT_EQ(p2.epoch, p.epoch + 1);
  EXPECT_EQ(EndTxn(3, "tx", p, true), error::kProducerFenced);
  EXPECT_EQ(EndTxn(1, "tx", p, true), error::kInvalidProducerEpoch);
  EXPECT_EQ(ProduceTxn(p, 0, 2, {"zombie"}), error::kInvalidProducerEpoch);
  Pid stale = InitV4("tx", p.id, static_cast<int16_t>(p.epoch - 1));
  EXPECT_EQ(stale.error, error::kProducerFenced);
}

TEST_F(KafkaTxnServerTest, TxnOffsetCommitIsAppliedOnCommitAndDroppedOnAbort) {
  Pid p = InitV4("tx-offsets");
  ASSERT_EQ(p.error, 0);
  auto add_offsets = [&](const std::string& group) {
    Writer w;
    w.String("tx-offsets");
    w.Int64(p.id);
    w.Int16(p.epoch);
    w.String(group);
    std::string body = Call(kAddOffsetsToTxn, 0, w.buffer());
    Reader r(body);
    r.Int32();
    return r.Int16();
  };
  auto txn_commit = [&](const std::string& group, int64_t offset) {
    Writer w;  // v3, flexible, with generation -1 and no member (a producer outside the group)
    w.CompactString("tx-offsets");
    w.CompactString(group);
    w.Int64(p.id);
    w.Int16(p.epoch);
    w.Int32(-1);
    w.CompactString("");
    w.CompactNullableString(std::nullopt);
    w.CompactArrayCount(1);
    w.CompactString("t");
    w.CompactArrayCount(2);
    for (int32_t part : {0, 7}) {  // 7 does not exist
      w.Int32(part);
      w.Int64(offset);
      w.Int32(-1);
      w.CompactNullableString("m");
      w.EmptyTaggedFields();
    }
    w.EmptyTaggedFields();
    w.EmptyTaggedFields();
    std::string body = Call(kTxnOffsetCommit, 3, w.buffer());
    Reader r(body);
    r.Int32();
    EXPECT_EQ(r.CompactArrayCount(), 1);
    EXPECT_EQ(r.CompactString(), "t");
    EXPECT_EQ(r.CompactArrayCount(), 2);
    std::vector<int16_t> errs;
    for (int i = 0; i < 2; ++i) {
      r.Int32();
      errs.push_back(r.Int16());
      r.SkipTaggedFields();
    }
    EXPECT_TRUE(r.ok());
    return errs;
  };
  // TxnOffsetCommit before AddOffsetsToTxn for the group: INVALID_TXN_STATE.
  ASSERT_EQ(AddPartitionV3("tx-offsets", p, 0), 0);
  EXPECT_EQ(txn_commit("g", 5)[0], error::kInvalidTxnState);
  ASSERT_EQ(add_offsets("g"), 0);
  EXPECT_EQ(txn_commit("g", 5),
            (std::vector<int16_t>{error::kNone, error::kUnknownTopicOrPartition}));
  EXPECT_FALSE(logs_->FetchOffset("g", "t", 0).has_value()) << "pending offsets are not visible";
  ASSERT_EQ(EndTxn(3, "tx-offsets", p, true), 0);
  auto got = logs_->FetchOffset("g", "t", 0);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->offset, 5);
  EXPECT_EQ(got->metadata, "m");

  ASSERT_EQ(add_offsets("g"), 0);
  EXPECT_EQ(txn_commit("g", 9)[0], error::kNone);
  ASSERT_EQ(EndTxn(3, "tx-offsets", p, false), 0);
  EXPECT_EQ(logs_->FetchOffset("g", "t", 0)->offset, 5) << "an aborted commit was applied";
}

}  // namespace
}  // namespace eddy::kafka
