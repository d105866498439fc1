// KafkaServer over real sockets and a real LogManager in a temp dir: version negotiation,
// produce → storage interop at the same offsets, acks=0 silence, ordering, and bad input
// (bad CRC, oversized and truncated frames, unknown API keys) that must not take it down.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

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

class KafkaServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTestDataDir("eddy-kafka-server");
    auto logs = OpenTestLogManager(dir_);
    ASSERT_TRUE(logs.ok()) << logs.status();
    logs_ = std::move(*logs);
    logstore::TopicConfig tc;
    tc.partitions = 2;
    ASSERT_TRUE(logs_->CreateTopic("t", tc).ok());
    KafkaServerOptions ko;
    ko.listen = "127.0.0.1:0";
    ko.max_frame_bytes = 1 << 20;
    ko.max_fetch_wait_ms = 2000;
    auto server = KafkaServer::Start(logs_.get(), ko);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }
  void TearDown() override {
    if (server_) server_->Stop();
    server_.reset();
    logs_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Stops the server and closes the logs, then opens both again on the same data directory
  // (what a broker restart does; nothing is carried over in memory).
  void Restart() {
    server_->Stop();
    server_.reset();
    logs_.reset();
    auto logs = OpenTestLogManager(dir_);
    ASSERT_TRUE(logs.ok()) << logs.status();
    logs_ = std::move(*logs);
    KafkaServerOptions ko;
    ko.listen = "127.0.0.1:0";
    auto server = KafkaServer::Start(logs_.get(), ko);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }
  static std::string IdempotentBatch(int64_t pid, int32_t first_seq,
                                     const std::vector<std::string>& values) {
    logstore::RecordBatchBuilder b;
    b.SetProducer(pid, 0, first_seq);
    for (const auto& v : values) b.Add(std::nullopt, v, 1700000000000);
    return b.Finish();
  }
  // Fetch v11 body for topic "t", partitions 0 and 1 from offset 0.
  static std::string FetchBody(int32_t max_wait_ms) {
    Writer w;
    w.Int32(-1);  // replica
    w.Int32(max_wait_ms);
    w.Int32(1);        // min bytes
    w.Int32(1 << 20);  // max bytes
    w.Int8(0);         // isolation
    w.Int32(0);        // session id
    w.Int32(-1);       // session epoch
    w.ArrayCount(1);
    w.String("t");
    w.ArrayCount(2);
    for (int32_t p = 0; p < 2; ++p) {
      w.Int32(p);
      w.Int32(-1);  // current leader epoch
      w.Int64(0);   // fetch offset
      w.Int64(-1);  // log start offset
      w.Int32(1 << 20);
    }
    w.ArrayCount(0);  // forgotten topics
    w.String("");     // rack
    return w.buffer();
  }
  static std::string Batch(const std::vector<std::string>& values) {
    logstore::RecordBatchBuilder b;
    for (const auto& v : values) b.Add(std::nullopt, v, 1700000000000);
    return b.Finish();
  }
  static std::string ProduceBody(int16_t acks, const std::string& topic, int32_t partition,
                                 const std::string& records) {
    Writer w;
    w.NullableString(std::nullopt);
    w.Int16(acks);
    w.Int32(5000);
    w.ArrayCount(1);
    w.String(topic);
    w.ArrayCount(1);
    w.Int32(partition);
    w.Bytes(records);
    return w.buffer();
  }
  struct ProduceAnswer {
    int32_t correlation;
    int16_t error;
    int64_t base_offset;
  };
  static ProduceAnswer ParseProduceV7(const std::string& payload) {
    Reader r(payload);
    ProduceAnswer a{};
    a.correlation = r.Int32();
    r.ArrayCount();
    r.String();
    r.ArrayCount();
    r.Int32();
    a.error = r.Int16();
    a.base_offset = r.Int64();
    return a;
  }

  std::filesystem::path dir_;
  std::unique_ptr<logstore::LogManager> logs_;
  std::unique_ptr<KafkaServer> server_;
};

TEST_F(KafkaServerTest, ApiVersionsV3AndDowngradeAnswer) {
  Client c(server_->port());
  ASSERT_TRUE(c.connected());
  Writer body;
  body.CompactString("librdkafka");
  body.CompactString("2.0.2");
  body.EmptyTaggedFields();
  ASSERT_TRUE(c.Send(kApiVersions, 3, 11, body.buffer()));
  auto resp = c.Receive();
  ASSERT_TRUE(resp);
  Reader r(*resp);
  EXPECT_EQ(r.Int32(), 11);  // response header v0: no tagged fields
  EXPECT_EQ(r.Int16(), 0);   // error
  int32_t n = r.CompactArrayCount(7);
  EXPECT_EQ(n, static_cast<int32_t>(std::size(kSupportedApis)));
  bool saw_produce_from_0 = false;
  for (int32_t i = 0; i < n; ++i) {
    int16_t key = r.Int16(), min = r.Int16(), max = r.Int16();
    r.SkipTaggedFields();
    if (key == kProduce && min == 0 && max == 7) saw_produce_from_0 = true;
  }
  r.Int32();
  r.SkipTaggedFields();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_TRUE(saw_produce_from_0);

  ASSERT_TRUE(c.Send(kApiVersions, 9, 12, ""));  // too new: v0 layout with error 35
  resp = c.Receive();
  ASSERT_TRUE(resp);
  Reader r2(*resp);
  EXPECT_EQ(r2.Int32(), 12);
  EXPECT_EQ(r2.Int16(), error::kUnsupportedVersion);
}

TEST_F(KafkaServerTest, ProducedBatchIsReadableThroughStorageAtTheSameOffsets) {
  Client c(server_->port());
  const std::string batch1 = Batch({"a", "b", "c"});
  ASSERT_TRUE(c.Send(kProduce, 7, 1, ProduceBody(-1, "t", 1, batch1)));
  auto a1 = ParseProduceV7(*c.Receive());
  EXPECT_EQ(a1.correlation, 1);
  EXPECT_EQ(a1.error, 0);
  EXPECT_EQ(a1.base_offset, 0);
  ASSERT_TRUE(c.Send(kProduce, 7, 2, ProduceBody(1, "t", 1, Batch({"d", "e"}))));
  auto a2 = ParseProduceV7(*c.Receive());
  EXPECT_EQ(a2.base_offset, 3);

  auto log = logs_->GetPartition("t", 1);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ((*log)->LogEndOffset(), 5);
  auto read = (*log)->Read(0, 1 << 20);
  ASSERT_TRUE(read.ok());
  logstore::BatchIterator it(read->batches);
  std::string_view bv;
  logstore::BatchHeader h;
  std::vector<std::pair<int64_t, std::string>> records;
  while (it.Next(&bv, &h)) {
    logstore::RecordIterator ri(bv);
    logstore::Record rec;
    while (ri.Next(&rec)) records.emplace_back(rec.offset, std::string(rec.value.value_or("")));
  }
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records[0], std::make_pair(int64_t{0}, std::string("a")));
  EXPECT_EQ(records[4], std::make_pair(int64_t{4}, std::string("e")));
  // Stored byte-for-byte apart from the base offset.
  EXPECT_EQ(read->batches.substr(8, batch1.size() - 8), batch1.substr(8));
}

// ListOffsets by time answers the found record's own timestamp (it used to echo the query).
TEST_F(KafkaServerTest, ListOffsetsByTimestampAnswersTheFoundRecordsTimestamp) {
  auto log = *logs_->GetPartition("t", 0);
  for (int64_t ts : {1000, 2000, 3000}) {
    logstore::RecordBatchBuilder b;
    for (int i = 0; i < 3; ++i) b.Add(std::nullopt, "v", ts + i);
    ASSERT_TRUE(log->Append(b.Finish()).ok());
  }
  struct Case {
    int64_t query, offset, timestamp;
  };
  const std::vector<Case> cases = {{1500, 3, 2000}, {2001, 4, 2001}, {0, 0, 1000},
                                   {3003, -1, -1},  {-1, 9, -1},     {-2, 0, -1}};
  for (int16_t v = 1; v <= 3; ++v) {
    for (const Case& c : cases) {
      Client cl(server_->port());
      Writer w;
      w.Int32(-1);            // replica
      if (v >= 2) w.Int8(0);  // isolation
      w.ArrayCount(1);
      w.String("t");
      w.ArrayCount(1);
      w.Int32(0);
      w.Int64(c.query);
      ASSERT_TRUE(cl.Send(kListOffsets, v, 5, w.buffer()));
      auto resp = cl.Receive();
      ASSERT_TRUE(resp.has_value());
      Reader r(*resp);
      EXPECT_EQ(r.Int32(), 5);
      if (v >= 2) r.Int32();  // throttle
      ASSERT_EQ(r.ArrayCount(), 1);
      r.String();
      ASSERT_EQ(r.ArrayCount(), 1);
      EXPECT_EQ(r.Int32(), 0);
      EXPECT_EQ(r.Int16(), error::kNone);
      EXPECT_EQ(r.Int64(), c.timestamp) << "v" << v << " query " << c.query;
      EXPECT_EQ(r.Int64(), c.offset) << "v" << v << " query " << c.query;
      EXPECT_TRUE(r.ok());
    }
  }
}

// A legacy message set of one message "hi" (magic 0 or 1); the CRC is not checked before the
// magic is.
std::string LegacyMessageSet(int8_t magic) {
  Writer m;
  m.Int32(0);  // crc
  m.Int8(magic);
  m.Int8(0);                               // attributes
  if (magic == 1) m.Int64(1700000000000);  // timestamp
  m.NullableBytes(std::nullopt);           // key
  m.Bytes("hi");
  Writer w;
  w.Int64(0);
  w.Int32(static_cast<int32_t>(m.size()));
  w.Raw(m.buffer());
  return w.buffer();
}

// Produce v0..2 stay advertised (librdkafka 2.0.2 needs Produce's min at 0 to keep compression),
// but the message formats they carry are refused with a permanent error and nothing is stored.
TEST_F(KafkaServerTest, LegacyMessageFormatsAreUnsupportedForMessageFormat) {
  for (int16_t v = 0; v <= 2; ++v) {
    for (int8_t magic : {0, 1}) {
      Client c(server_->port());
      Writer w;
      w.Int16(1);  // acks
      w.Int32(5000);
      w.ArrayCount(1);
      w.String("t");
      w.ArrayCount(1);
      w.Int32(0);
      w.Bytes(LegacyMessageSet(magic));
      ASSERT_TRUE(c.Send(kProduce, v, 9, w.buffer()));
      auto resp = c.Receive();
      ASSERT_TRUE(resp.has_value()) << "v" << v;
      ProduceAnswer a = ParseProduceV7(*resp);
      EXPECT_EQ(a.correlation, 9);
      EXPECT_EQ(a.error, error::kUnsupportedForMessageFormat) << "v" << v << " magic " << +magic;
      EXPECT_EQ(a.base_offset, -1);
    }
  }
  EXPECT_EQ((*logs_->GetPartition("t", 0))->LogEndOffset(), 0);
}

// A server without a transaction coordinator (KafkaServerOptions::txn null, as here): a
// transaction coordinator lookup and a transactional InitProducerId get
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED, which clients treat as fatal. (eddy-logd always has
// one: tests/integration/kafka/transactions_test.cc.)
TEST_F(KafkaServerTest, TransactionalRequestsFailWithAFatalError) {
  for (int16_t v = 1; v <= 2; ++v) {
    Client c(server_->port());
    Writer w;
    w.String("txn-1");
    w.Int8(1);  // key_type: transaction
    ASSERT_TRUE(c.Send(kFindCoordinator, v, 3, w.buffer()));
    auto resp = c.Receive();
    ASSERT_TRUE(resp.has_value());
    Reader r(*resp);
    EXPECT_EQ(r.Int32(), 3);
    r.Int32();  // throttle
    EXPECT_EQ(r.Int16(), error::kTransactionalIdAuthorizationFailed);
    auto msg = r.NullableString();
    ASSERT_TRUE(msg.has_value());
    EXPECT_NE(msg->find("txn-1"), std::string::npos) << *msg;
    EXPECT_NE(msg->find("transactions"), std::string::npos) << *msg;
    EXPECT_EQ(r.Int32(), -1);  // node id
    r.String();
    r.Int32();
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.remaining(), 0u);
  }
  for (const auto& [txn, want] : std::vector<std::pair<std::optional<std::string>, int16_t>>{
           {"txn-1", error::kTransactionalIdAuthorizationFailed}, {std::nullopt, error::kNone}}) {
    Client c(server_->port());
    Writer w;
    w.NullableString(txn);
    w.Int32(60000);
    ASSERT_TRUE(c.Send(kInitProducerId, 1, 4, w.buffer()));
    auto resp = c.Receive();
    ASSERT_TRUE(resp.has_value());
    Reader r(*resp);
    EXPECT_EQ(r.Int32(), 4);
    r.Int32();
    EXPECT_EQ(r.Int16(), want);
    const int64_t pid = r.Int64();
    EXPECT_EQ(pid >= 0, want == error::kNone);
    EXPECT_TRUE(r.ok());
  }
}

TEST_F(KafkaServerTest, AcksZeroGetsNoResponseAndOrderIsKept) {
  Client c(server_->port());
  ASSERT_TRUE(c.Send(kProduce, 7, 100, ProduceBody(0, "t", 0, Batch({"x"}))));
  ASSERT_TRUE(c.Send(kApiVersions, 0, 101, ""));
  ASSERT_TRUE(c.Send(kApiVersions, 1, 102, ""));
  auto r1 = c.Receive();
  auto r2 = c.Receive();
  ASSERT_TRUE(r1 && r2);
  EXPECT_EQ(Reader(*r1).Int32(), 101);  // nothing for 100
  EXPECT_EQ(Reader(*r2).Int32(), 102);
  EXPECT_EQ((*logs_->GetPartition("t", 0))->LogEndOffset(), 1);
}

TEST_F(KafkaServerTest, CorruptBatchIsRefusedAndNothingIsStored) {
  Client c(server_->port());
  std::string bad = Batch({"payload"});
  bad[bad.size() - 2] ^= 0x5a;  // breaks the CRC
  ASSERT_TRUE(c.Send(kProduce, 7, 5, ProduceBody(1, "t", 0, bad)));
  auto a = ParseProduceV7(*c.Receive());
  EXPECT_EQ(a.error, error::kCorruptMessage);
  ASSERT_TRUE(c.Send(kProduce, 7, 6, ProduceBody(1, "t", 0, "short")));
  EXPECT_EQ(ParseProduceV7(*c.Receive()).error, error::kCorruptMessage);
  ASSERT_TRUE(c.Send(kProduce, 7, 7, ProduceBody(1, "nope", 0, Batch({"x"}))));
  EXPECT_EQ(ParseProduceV7(*c.Receive()).error, error::kUnknownTopicOrPartition);
  EXPECT_EQ((*logs_->GetPartition("t", 0))->LogEndOffset(), 0);
}

TEST_F(KafkaServerTest, BadFramesCloseOnlyThatConnection) {
  {
    Client c(server_->port());
    Writer w;
    w.Int32(64 << 20);  // above max_frame_bytes (1 MiB here)
    ASSERT_TRUE(c.SendRaw(w.buffer()));
    EXPECT_FALSE(c.Receive());
  }
  {
    Client c(server_->port());
    ASSERT_TRUE(c.Send(77, 0, 1, ""));  // unknown API key
    EXPECT_FALSE(c.Receive());
  }
  {
    Client c(server_->port());
    ASSERT_TRUE(c.Send(kMetadata, 4, 1, std::string("\x00\x00\x00\x05", 4)));  // truncated body
    EXPECT_FALSE(c.Receive());
  }
  {
    Client c(server_->port());
    ASSERT_TRUE(c.SendRaw(std::string("\x00\x00\x00\x20\x00\x03", 6)));  // truncated frame
  }
  Client ok(server_->port());
  ASSERT_TRUE(ok.Send(kApiVersions, 0, 9, ""));
  auto resp = ok.Receive();
  ASSERT_TRUE(resp);
  EXPECT_EQ(Reader(*resp).Int32(), 9);
}

TEST_F(KafkaServerTest, LongPollFetchDoesNotStallOtherConnections) {
  Client poller(server_->port());
  Writer f;
  f.Int32(-1);
  f.Int32(1500);  // max wait
  f.Int32(1);
  f.Int32(1 << 20);
  f.Int8(0);
  f.Int32(0);
  f.Int32(-1);
  f.ArrayCount(1);
  f.String("t");
  f.ArrayCount(1);
  f.Int32(0);
  f.Int32(-1);
  f.Int64(0);
  f.Int64(-1);
  f.Int32(1 << 20);
  f.ArrayCount(0);
  f.String("");
  ASSERT_TRUE(poller.Send(kFetch, 11, 1, f.buffer()));
  // While the fetch waits, another connection produces; the fetch then returns the data.
  Client producer(server_->port());
  ASSERT_TRUE(producer.Send(kProduce, 7, 2, ProduceBody(1, "t", 0, Batch({"late"}))));
  EXPECT_EQ(ParseProduceV7(*producer.Receive()).error, 0);
  auto resp = poller.Receive();
  ASSERT_TRUE(resp);
  Reader r(*resp);
  EXPECT_EQ(r.Int32(), 1);
  r.Int32();  // throttle
  EXPECT_EQ(r.Int16(), 0);
  r.Int32();  // session
  r.ArrayCount();
  r.String();
  r.ArrayCount();
  r.Int32();
  EXPECT_EQ(r.Int16(), 0);
  EXPECT_EQ(r.Int64(), 1);  // HW
  EXPECT_EQ(r.Int64(), 1);  // LSO
  r.Int64();
  EXPECT_EQ(r.ArrayCount(), 0);
  EXPECT_EQ(r.Int32(), -1);  // preferred read replica
  std::string_view records = r.Bytes();
  EXPECT_TRUE(r.ok());
  EXPECT_NE(records.find("late"), std::string_view::npos);
}

TEST_F(KafkaServerTest, IdempotentRetryAfterBrokerRestartIsDeduplicated) {
  const int64_t pid = 4242;
  {
    Client c(server_->port());
    ASSERT_TRUE(
        c.Send(kProduce, 7, 1, ProduceBody(-1, "t", 0, IdempotentBatch(pid, 0, {"a", "b"}))));
    auto a = ParseProduceV7(*c.Receive());
    ASSERT_EQ(a.error, 0);
    ASSERT_EQ(a.base_offset, 0);
    // Another producer's batch in between, so recovery must tell producers apart.
    ASSERT_TRUE(c.Send(kProduce, 7, 2, ProduceBody(-1, "t", 0, IdempotentBatch(77, 0, {"x"}))));
    ASSERT_EQ(ParseProduceV7(*c.Receive()).base_offset, 2);
    ASSERT_TRUE(
        c.Send(kProduce, 7, 3, ProduceBody(-1, "t", 0, IdempotentBatch(pid, 2, {"c", "d", "e"}))));
    a = ParseProduceV7(*c.Receive());
    ASSERT_EQ(a.error, 0);
    ASSERT_EQ(a.base_offset, 3);
  }
  Restart();
  Client c(server_->port());
  ASSERT_TRUE(c.connected());
  // The client never saw the answer to its last batch and sends it again after the restart.
  ASSERT_TRUE(
      c.Send(kProduce, 7, 4, ProduceBody(-1, "t", 0, IdempotentBatch(pid, 2, {"c", "d", "e"}))));
  auto retry = ParseProduceV7(*c.Receive());
  EXPECT_EQ(retry.error, 0);
  EXPECT_EQ(retry.base_offset, 3) << "the retry must get the original batch's offset";
  // The first batch again (still in the five-batch window): also a duplicate.
  ASSERT_TRUE(c.Send(kProduce, 7, 5, ProduceBody(-1, "t", 0, IdempotentBatch(pid, 0, {"a", "b"}))));
  EXPECT_EQ(ParseProduceV7(*c.Receive()).base_offset, 0);
  auto log = logs_->GetPartition("t", 0);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ((*log)->LogEndOffset(), 6) << "a retried batch was appended twice";
  // The next sequence appends; a gap is refused.
  ASSERT_TRUE(c.Send(kProduce, 7, 6, ProduceBody(-1, "t", 0, IdempotentBatch(pid, 5, {"f"}))));
  auto next = ParseProduceV7(*c.Receive());
  EXPECT_EQ(next.error, 0);
  EXPECT_EQ(next.base_offset, 6);
  ASSERT_TRUE(c.Send(kProduce, 7, 7, ProduceBody(-1, "t", 0, IdempotentBatch(pid, 9, {"g"}))));
  EXPECT_EQ(ParseProduceV7(*c.Receive()).error, error::kOutOfOrderSequence);
  EXPECT_EQ((*log)->LogEndOffset(), 7);
}

TEST_F(KafkaServerTest, FetchOfManyPartitionsReturnsEveryBatchByteForByte) {
  // The fetch response is written with iovecs pointing at the read batches; check the bytes
  // and the framing across two partitions and two requests on one connection.
  Client c(server_->port());
  const std::string b0 = Batch({std::string(3000, 'p'), "q"});
  const std::string b1 = Batch({"r", std::string(70000, 's')});
  ASSERT_TRUE(c.Send(kProduce, 7, 1, ProduceBody(1, "t", 0, b0)));
  ASSERT_EQ(ParseProduceV7(*c.Receive()).error, 0);
  ASSERT_TRUE(c.Send(kProduce, 7, 2, ProduceBody(1, "t", 1, b1)));
  ASSERT_EQ(ParseProduceV7(*c.Receive()).error, 0);
  for (int32_t corr = 10; corr < 12; ++corr) {
    ASSERT_TRUE(c.Send(kFetch, 11, corr, FetchBody(100)));
    auto resp = c.Receive();
    ASSERT_TRUE(resp);
    Reader r(*resp);
    EXPECT_EQ(r.Int32(), corr);
    r.Int32();  // throttle
    EXPECT_EQ(r.Int16(), 0);
    r.Int32();  // session
    ASSERT_EQ(r.ArrayCount(), 1);
    EXPECT_EQ(r.String(), "t");
    ASSERT_EQ(r.ArrayCount(), 2);
    for (int32_t p = 0; p < 2; ++p) {
      EXPECT_EQ(r.Int32(), p);
      EXPECT_EQ(r.Int16(), 0);
      EXPECT_EQ(r.Int64(), 2);  // high watermark
      r.Int64();
      r.Int64();
      EXPECT_EQ(r.ArrayCount(), 0);
      r.Int32();
      std::string_view records = r.Bytes();
      const std::string& sent = p == 0 ? b0 : b1;
      ASSERT_EQ(records.size(), sent.size());
      // Stored bytes = sent bytes after the 8-byte base offset (0 here, as sent).
      EXPECT_EQ(records.substr(8), std::string_view(sent).substr(8));
    }
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.remaining(), 0u);
  }
}

TEST_F(KafkaServerTest, FetchResponseIsCappedButAlwaysCarriesOneBatch) {
  KafkaServerOptions ko;
  ko.listen = "127.0.0.1:0";
  ko.max_fetch_response_bytes = 1000;  // below one batch
  auto capped = KafkaServer::Start(logs_.get(), ko);
  ASSERT_TRUE(capped.ok()) << capped.status();
  Client c((*capped)->port());
  const std::string b0 = Batch({std::string(5000, 'x')});
  const std::string b1 = Batch({std::string(5000, 'y')});
  ASSERT_TRUE(c.Send(kProduce, 7, 1, ProduceBody(1, "t", 0, b0)));
  ASSERT_EQ(ParseProduceV7(*c.Receive()).error, 0);
  ASSERT_TRUE(c.Send(kProduce, 7, 2, ProduceBody(1, "t", 1, b1)));
  ASSERT_EQ(ParseProduceV7(*c.Receive()).error, 0);
  ASSERT_TRUE(c.Send(kFetch, 11, 3, FetchBody(100)));
  auto resp = c.Receive();
  ASSERT_TRUE(resp);
  Reader r(*resp);
  EXPECT_EQ(r.Int32(), 3);
  r.Int32();
  EXPECT_EQ(r.Int16(), 0);
  r.Int32();
  ASSERT_EQ(r.ArrayCount(), 1);
  r.String();
  ASSERT_EQ(r.ArrayCount(), 2);
  std::vector<size_t> sizes;
  for (int32_t p = 0; p < 2; ++p) {
    EXPECT_EQ(r.Int32(), p);
    EXPECT_EQ(r.Int16(), 0);
    EXPECT_EQ(r.Int64(), 1);  // high watermark is reported either way
    r.Int64();
    r.Int64();
    r.ArrayCount();
    r.Int32();
    sizes.push_back(r.Bytes().size());
  }
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(sizes[0], b0.size()) << "the first batch goes out whole, above the cap";
  EXPECT_EQ(sizes[1], 0u) << "nothing more once the cap is used up";
  (*capped)->Stop();
}

}  // namespace
}  // namespace eddy::kafka
