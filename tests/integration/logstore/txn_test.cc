// Transactions against a real eddy-logd over the native API (producer/consumer of
// log-store/client): commit and abort over several partitions, read_committed vs
// read_uncommitted, zombie fencing, kill -9 between AddPartitions and EndTxn and in the middle
// of the markers, and the broker aborting a transaction past its timeout. Every test asserts on
// the records read back and on DescribeTransactions' counters.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "log-store/client/admin_client.h"
#include "log-store/client/consumer.h"
#include "log-store/client/producer.h"
#include "log-store/proto/log_store.grpc.pb.h"
#include "tests/integration/logstore/process.h"

namespace eddy::testing {
namespace {

using logstore::TopicPartition;
namespace v1 = eddy::logstore::v1;

constexpr int kPartitions = 3;

logstore::ClientOptions Client(const Broker& b) {
  logstore::ClientOptions co;
  co.bootstrap = b.bootstrap();
  co.request_timeout = std::chrono::milliseconds(5000);
  return co;
}

std::unique_ptr<logstore::Producer> TxnProducer(const Broker& b, const std::string& id,
                                                int timeout_ms = 60000) {
  logstore::ProducerOptions po;
  po.client = Client(b);
  po.acks = -1;
  po.linger = std::chrono::milliseconds(1);
  po.transactional_id = id;
  po.transaction_timeout = std::chrono::milliseconds(timeout_ms);
  po.retries = 0;
  auto p = logstore::Producer::Create(po);
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? std::move(*p) : nullptr;
}

// Every record value of every partition, in offset order, up to the end the broker reports for
// the isolation level (LSO for read_committed). Also checks no control batch comes back.
std::map<int32_t, std::vector<std::string>> ReadAll(const Broker& b, const std::string& topic,
                                                    bool read_committed) {
  logstore::ConsumerOptions co;
  co.client = Client(b);
  co.read_committed = read_committed;
  co.fetch_max_wait = std::chrono::milliseconds(50);
  auto c = logstore::Consumer::Create(co);
  EXPECT_TRUE(c.ok()) << c.status();
  auto admin = logstore::AdminClient::Connect(Client(b));
  EXPECT_TRUE(admin.ok());
  auto info = (*admin)->DescribeTopic(topic);
  EXPECT_TRUE(info.ok()) << info.status();
  std::vector<TopicPartition> tps;
  std::map<TopicPartition, int64_t> end;
  for (int32_t p = 0; p < kPartitions; ++p) {
    tps.push_back({topic, p});
  }
  // The ends to reach, from DescribeTopic (LSO or HW) over the raw API.
  {
    auto ch = grpc::CreateChannel(b.bootstrap(), grpc::InsecureChannelCredentials());
    auto stub = v1::LogStore::NewStub(ch);
    grpc::ClientContext ctx;
    v1::DescribeTopicRequest req;
    req.set_name(topic);
    v1::DescribeTopicResponse resp;
    EXPECT_TRUE(stub->DescribeTopic(&ctx, req, &resp).ok());
    for (const auto& pi : resp.partitions()) {
      end[{topic, pi.partition()}] = read_committed ? pi.last_stable_offset() : pi.log_end_offset();
    }
  }
  EXPECT_TRUE((*c)->Assign(tps).ok());
  std::map<int32_t, std::vector<std::string>> out;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    bool done = true;
    for (const auto& tp : tps) {
      if (*(*c)->Position(tp) < end[tp]) done = false;
    }
    if (done || std::chrono::steady_clock::now() > give_up) break;
    auto polled = (*c)->Poll(std::chrono::milliseconds(100));
    EXPECT_TRUE(polled.ok()) << polled.status();
    if (!polled.ok()) break;
    for (auto& fp : *polled) {
      EXPECT_TRUE(fp.error.ok()) << fp.error;
      logstore::BatchIterator it(fp.data);
      std::string_view batch;
      logstore::BatchHeader h;
      while (it.Next(&batch, &h)) EXPECT_FALSE(h.is_control()) << "a control batch was returned";
      auto cursor = fp.Records();
      logstore::Record r;
      while (cursor.Next(&r)) {
        if (r.offset >= end[fp.tp]) continue;
        out[fp.tp.partition].push_back(r.value ? std::string(*r.value) : "");
      }
    }
  }
  for (const auto& tp : tps)
    EXPECT_GE(*(*c)->Position(tp), end[tp]) << "partition " << tp.partition;
  return out;
}

v1::DescribeTransactionsResponse Describe(const Broker& b) {
  auto ch = grpc::CreateChannel(b.bootstrap(), grpc::InsecureChannelCredentials());
  auto stub = v1::LogStore::NewStub(ch);
  grpc::ClientContext ctx;
  v1::DescribeTransactionsRequest req;
  v1::DescribeTransactionsResponse resp;
  auto st = stub->DescribeTransactions(&ctx, req, &resp);
  EXPECT_TRUE(st.ok()) << st.error_message();
  return resp;
}

const v1::TransactionInfo* Find(const v1::DescribeTransactionsResponse& r, const std::string& id) {
  for (const auto& t : r.transactions())
    if (t.transactional_id() == id) return &t;
  return nullptr;
}

struct TopicView {
  v1::DescribeTopicResponse resp;
  std::vector<v1::PartitionInfo> partitions_copy() const {
    return {resp.partitions().begin(), resp.partitions().end()};
  }
};

TopicView DescribeTopic(const Broker& b, const std::string& topic) {
  auto ch = grpc::CreateChannel(b.bootstrap(), grpc::InsecureChannelCredentials());
  auto stub = v1::LogStore::NewStub(ch);
  grpc::ClientContext ctx;
  v1::DescribeTopicRequest req;
  req.set_name(topic);
  TopicView v;
  EXPECT_TRUE(stub->DescribeTopic(&ctx, req, &v.resp).ok());
  return v;
}

// Sends `n` records "<tag>-p<partition>-<i>" to every partition; the first Send error.
absl::Status TrySendAll(logstore::Producer& p, const std::string& topic, const std::string& tag,
                        int n) {
  for (int i = 0; i < n; ++i) {
    for (int32_t part = 0; part < kPartitions; ++part) {
      absl::Status st = p.Send(topic, part, std::nullopt,
                               tag + "-p" + std::to_string(part) + "-" + std::to_string(i));
      if (!st.ok()) return st;
    }
  }
  return absl::OkStatus();
}
void SendAll(logstore::Producer& p, const std::string& topic, const std::string& tag, int n) {
  absl::Status st = TrySendAll(p, topic, tag, n);
  ASSERT_TRUE(st.ok()) << st;
}

std::vector<std::string> Expected(const std::vector<std::string>& tags, int32_t part, int n) {
  std::vector<std::string> v;
  for (const auto& tag : tags)
    for (int i = 0; i < n; ++i)
      v.push_back(tag + "-p" + std::to_string(part) + "-" + std::to_string(i));
  return v;
}

void CreateTopic(const Broker& b, const std::string& topic) {
  auto admin = logstore::AdminClient::Connect(Client(b));
  ASSERT_TRUE(admin.ok());
  ASSERT_TRUE((*admin)->CreateTopic(topic, kPartitions).ok());
}

TEST(LogStoreTxn, CommitAndAbortOverSeveralPartitions) {
  TempDir dir;
  Broker broker(EDDY_LOGD, dir.path() + "/data");
  ASSERT_TRUE(broker.Start()) << broker.log();
  CreateTopic(broker, "t");
  auto p = TxnProducer(broker, "tx-commit-abort");
  ASSERT_TRUE(p->InitTransactions().ok());
  EXPECT_GE(p->producer_id(), 0);
  EXPECT_EQ(p->producer_epoch(), 0);
  ASSERT_TRUE(p->BeginTransaction().ok());
  SendAll(*p, "t", "c1", 20);
  ASSERT_TRUE(p->CommitTransaction().ok());
  ASSERT_TRUE(p->BeginTransaction().ok());
  SendAll(*p, "t", "a1", 20);
  ASSERT_TRUE(p->AbortTransaction().ok());
  ASSERT_TRUE(p->BeginTransaction().ok());
  SendAll(*p, "t", "c2", 20);
  ASSERT_TRUE(p->CommitTransaction().ok());

  auto committed = ReadAll(broker, "t", true);
  auto uncommitted = ReadAll(broker, "t", false);
  for (int32_t part = 0; part < kPartitions; ++part) {
    EXPECT_EQ(committed[part], Expected({"c1", "c2"}, part, 20)) << "partition " << part;
    EXPECT_EQ(uncommitted[part], Expected({"c1", "a1", "c2"}, part, 20)) << "partition " << part;
  }
  // Three markers per partition: 60 records + 3 control batches.
  auto topic = DescribeTopic(broker, "t");
  for (const auto& pi : topic.partitions_copy()) {
    EXPECT_EQ(pi.log_end_offset(), 63);
    EXPECT_EQ(pi.last_stable_offset(), 63);
  }
  auto d = Describe(broker);
  const auto* t = Find(d, "tx-commit-abort");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->commits(), 2);
  EXPECT_EQ(t->aborts(), 1);
  EXPECT_EQ(t->state(), "CompleteCommit");
  EXPECT_EQ(d.fenced_produce_refused(), 0);
}

TEST(LogStoreTxn, OpenTransactionHoldsTheLastStableOffset) {
  TempDir dir;
  Broker broker(EDDY_LOGD, dir.path() + "/data");
  ASSERT_TRUE(broker.Start()) << broker.log();
  CreateTopic(broker, "t");
  auto p = TxnProducer(broker, "tx-open");
  ASSERT_TRUE(p->InitTransactions().ok());
  ASSERT_TRUE(p->BeginTransaction().ok());
  SendAll(*p, "t", "c", 5);
  ASSERT_TRUE(p->CommitTransaction().ok());
  ASSERT_TRUE(p->BeginTransaction().ok());
  SendAll(*p, "t", "open", 5);
  ASSERT_TRUE(p->Flush().ok());
  for (const auto& pi : DescribeTopic(broker, "t").partitions_copy()) {
    EXPECT_EQ(pi.log_end_offset(), 11);
    EXPECT_EQ(pi.last_stable_offset(), 6);  // the open transaction starts after c's marker
  }
  auto committed = ReadAll(broker, "t", true);
  for (int32_t part = 0; part < kPartitions; ++part)
    EXPECT_EQ(committed[part], Expected({"c"}, part, 5));
  // ListOffsets latest under read_committed is the LSO.
  auto ch = grpc::CreateChannel(broker.bootstrap(), grpc::InsecureChannelCredentials());
  auto stub = v1::LogStore::NewStub(ch);
  grpc::ClientContext ctx;
  v1::ListOffsetsRequest req;
  req.set_isolation_level(1);
  auto* lp = req.add_partitions();
  lp->set_topic("t");
  lp->set_partition(0);
  lp->set_timestamp(-1);
  v1::ListOffsetsResponse resp;
  ASSERT_TRUE(stub->ListOffsets(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.results(0).offset(), 6);
  ASSERT_TRUE(p->CommitTransaction().ok());
  committed = ReadAll(broker, "t", true);
  for (int32_t part = 0; part < kPartitions; ++part)
    EXPECT_EQ(committed[part], Expected({"c", "open"}, part, 5));
}

TEST(LogStoreTxn, ZombieIsFencedEverywhere) {
  TempDir dir;
  Broker broker(EDDY_LOGD, dir.path() + "/data");
  ASSERT_TRUE(broker.Start()) << broker.log();
  CreateTopic(broker, "t");
  auto zombie = TxnProducer(broker, "tx-zombie");
  ASSERT_TRUE(zombie->InitTransactions().ok());
  ASSERT_TRUE(zombie->BeginTransaction().ok());
  SendAll(*zombie, "t", "z-before", 5);
  ASSERT_TRUE(zombie->Flush().ok());
  const int64_t old_pid = zombie->producer_id();
  const int16_t old_epoch = zombie->producer_epoch();

  auto fresh = TxnProducer(broker, "tx-zombie");
  ASSERT_TRUE(fresh->InitTransactions().ok());  // aborts the zombie's transaction
  EXPECT_EQ(fresh->producer_id(), old_pid);
  EXPECT_EQ(fresh->producer_epoch(), old_epoch + 1);

  // The zombie's next writes fail as fenced, in its transaction and outside one.
  (void)TrySendAll(*zombie, "t", "z-after", 5);  // may fail once the first answer came back
  absl::Status flushed = zombie->Flush();
  EXPECT_TRUE(logstore::IsProducerFenced(flushed)) << flushed;
  absl::Status commit = zombie->CommitTransaction();
  EXPECT_TRUE(logstore::IsProducerFenced(commit)) << commit;
  EXPECT_FALSE(zombie->Send("t", 0, std::nullopt, "z-after-commit").ok());

  ASSERT_TRUE(fresh->BeginTransaction().ok());
  SendAll(*fresh, "t", "f", 5);
  ASSERT_TRUE(fresh->CommitTransaction().ok());

  // An EndTxn with the old epoch is refused too, and counted.
  {
    auto ch = grpc::CreateChannel(broker.bootstrap(), grpc::InsecureChannelCredentials());
    auto stub = v1::LogStore::NewStub(ch);
    grpc::ClientContext ctx;
    v1::EndTxnRequest req;
    req.set_transactional_id("tx-zombie");
    req.set_producer_id(old_pid);
    req.set_producer_epoch(old_epoch);
    req.set_commit(true);
    v1::EndTxnResponse resp;
    ASSERT_TRUE(stub->EndTxn(&ctx, req, &resp).ok());
    EXPECT_EQ(resp.error().reason(), "PRODUCER_FENCED");
  }

  auto committed = ReadAll(broker, "t", true);
  auto uncommitted = ReadAll(broker, "t", false);
  for (int32_t part = 0; part < kPartitions; ++part) {
    EXPECT_EQ(committed[part], Expected({"f"}, part, 5));
    // The zombie's records from before the second init are there (aborted); none after it.
    EXPECT_EQ(uncommitted[part], Expected({"z-before", "f"}, part, 5));
  }
  auto d = Describe(broker);
  EXPECT_GE(d.fenced_produce_refused(), 1);  // every batch the zombie sent after the init
  EXPECT_EQ(d.fenced_end_txn_refused(), 1);
  const auto* t = Find(d, "tx-zombie");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->producer_epoch(), old_epoch + 1);
  EXPECT_EQ(t->commits(), 1);
  EXPECT_EQ(t->aborts(), 1);
  EXPECT_EQ(t->fenced_requests(), d.fenced_produce_refused() + 1);
}

TEST(LogStoreTxn, Kill9BetweenAddPartitionsAndEndTxnIsResolvedAfterRestart) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  int64_t pid = -1;
  {
    Broker broker(EDDY_LOGD, data, {"--fsync"});
    ASSERT_TRUE(broker.Start()) << broker.log();
    CreateTopic(broker, "t");
    auto p = TxnProducer(broker, "tx-crash");
    ASSERT_TRUE(p->InitTransactions().ok());
    pid = p->producer_id();
    ASSERT_TRUE(p->BeginTransaction().ok());
    SendAll(*p, "t", "c", 4);
    ASSERT_TRUE(p->CommitTransaction().ok());
    ASSERT_TRUE(p->BeginTransaction().ok());
    SendAll(*p, "t", "open", 4);
    ASSERT_TRUE(p->Flush().ok());
    broker.Kill9();
  }
  Broker broker(EDDY_LOGD, data, {"--fsync"});
  ASSERT_TRUE(broker.Start()) << broker.log();
  // The open transaction came back: Ongoing with its partitions, LSO held at its first offset.
  auto d = Describe(broker);
  const auto* t = Find(d, "tx-crash");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->state(), "Ongoing");
  EXPECT_EQ(t->partitions_size(), kPartitions);
  EXPECT_EQ(t->producer_id(), pid);
  for (const auto& pi : DescribeTopic(broker, "t").partitions_copy()) {
    EXPECT_EQ(pi.log_end_offset(), 9);
    EXPECT_EQ(pi.last_stable_offset(), 5);
  }
  // A new holder of the id aborts it; then everything is resolved.
  auto p = TxnProducer(broker, "tx-crash");
  ASSERT_TRUE(p->InitTransactions().ok());
  for (const auto& pi : DescribeTopic(broker, "t").partitions_copy()) {
    EXPECT_EQ(pi.log_end_offset(), 10);
    EXPECT_EQ(pi.last_stable_offset(), 10);
  }
  ASSERT_TRUE(p->BeginTransaction().ok());
  SendAll(*p, "t", "after", 4);
  ASSERT_TRUE(p->CommitTransaction().ok());
  auto committed = ReadAll(broker, "t", true);
  for (int32_t part = 0; part < kPartitions; ++part)
    EXPECT_EQ(committed[part], Expected({"c", "after"}, part, 4));
  d = Describe(broker);
  t = Find(d, "tx-crash");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->state(), "CompleteCommit");
}

TEST(LogStoreTxn, Kill9InTheMiddleOfTheMarkersCompletesTheCommitAfterRestart) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  {
    ::setenv("EDDY_LOGD_FAULT_HOOKS", "txn.markers.between", 1);
    Broker broker(EDDY_LOGD, data, {"--fsync"});
    const bool started = broker.Start();
    ::unsetenv("EDDY_LOGD_FAULT_HOOKS");
    ASSERT_TRUE(started) << broker.log();
    CreateTopic(broker, "t");
    auto p = TxnProducer(broker, "tx-markers");
    ASSERT_TRUE(p->InitTransactions().ok());
    ASSERT_TRUE(p->BeginTransaction().ok());
    SendAll(*p, "t", "c", 6);
    absl::Status commit = p->CommitTransaction();
    EXPECT_FALSE(commit.ok());  // the broker died after the first marker
    for (int i = 0; i < 100 && broker.Alive(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(broker.Alive());
  }
  Broker broker(EDDY_LOGD, data, {"--fsync"});
  ASSERT_TRUE(broker.Start()) << broker.log();
  // PrepareCommit was durable: the restart wrote the missing markers, none twice.
  auto committed = ReadAll(broker, "t", true);
  for (int32_t part = 0; part < kPartitions; ++part)
    EXPECT_EQ(committed[part], Expected({"c"}, part, 6));
  for (const auto& pi : DescribeTopic(broker, "t").partitions_copy()) {
    EXPECT_EQ(pi.log_end_offset(), 7);
    EXPECT_EQ(pi.last_stable_offset(), 7);
  }
  auto d = Describe(broker);
  const auto* t = Find(d, "tx-markers");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->state(), "CompleteCommit");
}

TEST(LogStoreTxn, SilentProducerIsAbortedAfterItsTimeoutAndFenced) {
  TempDir dir;
  Broker broker(EDDY_LOGD, dir.path() + "/data", {"--transaction-timeout-check-ms", "20"});
  ASSERT_TRUE(broker.Start()) << broker.log();
  CreateTopic(broker, "t");
  // Long enough that a loaded machine still sends and flushes inside it (the abort is waited
  // for below, never timed).
  auto p = TxnProducer(broker, "tx-timeout", /*timeout_ms=*/3000);
  ASSERT_TRUE(p->InitTransactions().ok());
  const int16_t epoch = p->producer_epoch();
  ASSERT_TRUE(p->BeginTransaction().ok());
  SendAll(*p, "t", "silent", 3);
  ASSERT_TRUE(p->Flush().ok());
  // Wait (bounded) for the broker to abort it: a state, not a duration, is asserted.
  const v1::TransactionInfo* t = nullptr;
  v1::DescribeTransactionsResponse d;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < give_up) {
    d = Describe(broker);
    t = Find(d, "tx-timeout");
    if (t != nullptr && t->state() == "CompleteAbort") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->state(), "CompleteAbort");
  EXPECT_EQ(t->producer_epoch(), epoch + 1);
  EXPECT_EQ(d.timed_out_aborts(), 1);
  absl::Status commit = p->CommitTransaction();
  EXPECT_FALSE(commit.ok());
  auto reason = commit.GetPayload(logstore::kReasonPayloadUrl);
  ASSERT_TRUE(reason.has_value()) << commit;
  EXPECT_EQ(std::string(*reason), "TRANSACTION_TIMED_OUT");
  // Its next write is refused as fenced.
  ASSERT_TRUE(p->Send("t", 0, std::nullopt, "late").ok());
  absl::Status flushed = p->Flush();
  EXPECT_TRUE(logstore::IsProducerFenced(flushed)) << flushed;
  auto committed = ReadAll(broker, "t", true);
  auto uncommitted = ReadAll(broker, "t", false);
  for (int32_t part = 0; part < kPartitions; ++part) {
    EXPECT_TRUE(committed[part].empty());
    EXPECT_EQ(uncommitted[part], Expected({"silent"}, part, 3));
  }
  EXPECT_EQ(Describe(broker).fenced_produce_refused(), 1);
}

}  // namespace
}  // namespace eddy::testing
