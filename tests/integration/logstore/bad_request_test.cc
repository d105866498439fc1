// eddy-logd answers bad native-API requests with a clear error and stays up: unknown topic, bad
// partition, corrupt batch, oversized batch and message, bad acks, empty requests, bad offsets.
#include <gtest/gtest.h>

#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "log-store/proto/log_store.grpc.pb.h"
#include "log-store/storage/record_batch_builder.h"
#include "tests/integration/logstore/process.h"

namespace eddy::testing {
namespace {

namespace v1 = eddy::logstore::v1;

class BadRequestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // --max-long-polls 8: LongPollsCannotStarveProduce needs more waiting calls than that but
    // fewer than the 64 RPC threads (past those, gRPC itself answers "Server Threadpool
    // Exhausted").
    broker_ = std::make_unique<Broker>(EDDY_LOGD, dir_.path() + "/data",
                                       std::vector<std::string>{"--max-long-polls", "8"});
    ASSERT_TRUE(broker_->Start()) << broker_->log();
    grpc::ChannelArguments args;
    args.SetMaxSendMessageSize(200 << 20);
    stub_ = v1::LogStore::NewStub(
        grpc::CreateCustomChannel(broker_->bootstrap(), grpc::InsecureChannelCredentials(), args));
    v1::CreateTopicRequest req;
    req.set_name("t");
    req.set_partitions(2);
    (*req.mutable_config())["max.message.bytes"] = "4096";
    v1::CreateTopicResponse resp;
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_->CreateTopic(&ctx, req, &resp).ok());
  }
  void TearDown() override {
    // Still up and answering after everything the test sent.
    v1::ListTopicsRequest req;
    v1::ListTopicsResponse resp;
    grpc::ClientContext ctx;
    EXPECT_TRUE(stub_->ListTopics(&ctx, req, &resp).ok());
    EXPECT_TRUE(broker_->Alive());
    EXPECT_EQ(broker_->Stop(), 0);
  }
  static std::string Batch(int n, size_t value_size = 10) {
    logstore::RecordBatchBuilder b;
    std::string v(value_size, 'v');
    for (int i = 0; i < n; ++i) b.Add(std::nullopt, v, 1000 + i);
    return b.Finish();
  }
  v1::ProducePartitionResult ProduceOne(const std::string& topic, int32_t partition,
                                        const std::string& records, grpc::Status* st,
                                        int acks = -1) {
    v1::ProduceRequest req;
    req.set_acks(acks);
    auto* p = req.add_partitions();
    p->set_topic(topic);
    p->set_partition(partition);
    p->set_records(records);
    v1::ProduceResponse resp;
    grpc::ClientContext ctx;
    *st = stub_->Produce(&ctx, req, &resp);
    return resp.results_size() ? resp.results(0) : v1::ProducePartitionResult();
  }
  TempDir dir_;
  std::unique_ptr<Broker> broker_;
  std::unique_ptr<v1::LogStore::Stub> stub_;
};

TEST_F(BadRequestTest, ProduceErrorsNameTheProblem) {
  grpc::Status st;
  auto r = ProduceOne("t", 0, Batch(3), &st);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(r.error().code(), 0) << r.error().message();
  EXPECT_EQ(r.base_offset(), 0);
  EXPECT_EQ(r.last_offset(), 2);

  r = ProduceOne("nope", 0, Batch(1), &st);
  EXPECT_EQ(r.error().code(), static_cast<int>(grpc::StatusCode::NOT_FOUND));
  EXPECT_NE(r.error().message().find("nope"), std::string::npos) << r.error().message();

  r = ProduceOne("t", 7, Batch(1), &st);
  EXPECT_NE(r.error().code(), 0);
  EXPECT_NE(r.error().message().find("7"), std::string::npos) << r.error().message();
  r = ProduceOne("t", -1, Batch(1), &st);
  EXPECT_NE(r.error().code(), 0);

  std::string corrupt = Batch(5);
  corrupt[corrupt.size() - 3] ^= 0x01;
  r = ProduceOne("t", 0, corrupt, &st);
  EXPECT_EQ(r.error().code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT))
      << r.error().message();
  EXPECT_FALSE(r.error().message().empty());

  r = ProduceOne("t", 0, "garbage bytes that are not a batch", &st);
  EXPECT_NE(r.error().code(), 0);
  r = ProduceOne("t", 0, "", &st);
  EXPECT_EQ(r.error().code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  std::string truncated = Batch(5);
  truncated.resize(truncated.size() - 4);
  r = ProduceOne("t", 0, truncated, &st);
  EXPECT_NE(r.error().code(), 0);

  // A batch above the topic's max.message.bytes (4096).
  r = ProduceOne("t", 1, Batch(10, 1000), &st);
  EXPECT_NE(r.error().code(), 0);
  EXPECT_NE(r.error().message().find("t"), std::string::npos);

  // A message above the broker's 64 MiB limit is refused by gRPC.
  r = ProduceOne("t", 1, std::string(70 << 20, 'x'), &st);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << st.error_message();

  r = ProduceOne("t", 0, Batch(1), &st, 5);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("acks"), std::string::npos);

  v1::ProduceRequest empty;
  v1::ProduceResponse resp;
  grpc::ClientContext ctx;
  EXPECT_EQ(stub_->Produce(&ctx, empty, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // Nothing of the bad requests reached the log: only the first 3 records.
  v1::ListOffsetsRequest lo;
  auto* p = lo.add_partitions();
  p->set_topic("t");
  p->set_partition(0);
  p->set_timestamp(-1);
  v1::ListOffsetsResponse lor;
  grpc::ClientContext ctx2;
  ASSERT_TRUE(stub_->ListOffsets(&ctx2, lo, &lor).ok());
  EXPECT_EQ(lor.results(0).offset(), 3);
}

TEST_F(BadRequestTest, FetchAndOffsetErrors) {
  grpc::Status st;
  ProduceOne("t", 0, Batch(3), &st);
  v1::FetchRequest req;
  req.set_max_wait_ms(10);
  auto* a = req.add_partitions();
  a->set_topic("t");
  a->set_partition(0);
  a->set_offset(99);  // past the end
  auto* b = req.add_partitions();
  b->set_topic("zzz");
  b->set_partition(0);
  v1::FetchResponse resp;
  grpc::ClientContext ctx;
  ASSERT_TRUE(stub_->Fetch(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.results_size(), 2);
  EXPECT_EQ(resp.results(0).error().code(), static_cast<int>(grpc::StatusCode::OUT_OF_RANGE))
      << resp.results(0).error().message();
  EXPECT_EQ(resp.results(0).high_watermark(), 3);
  EXPECT_EQ(resp.results(1).error().code(), static_cast<int>(grpc::StatusCode::NOT_FOUND));
  EXPECT_NE(resp.results(1).error().message().find("zzz"), std::string::npos);

  v1::FetchRequest none;
  grpc::ClientContext ctx2;
  EXPECT_EQ(stub_->Fetch(&ctx2, none, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  v1::CommitOffsetsRequest c;
  c.set_group("g");
  auto* o = c.add_offsets();
  o->set_topic("t");
  o->set_partition(9);
  o->set_offset(1);
  v1::CommitOffsetsResponse cr;
  grpc::ClientContext ctx3;
  ASSERT_TRUE(stub_->CommitOffsets(&ctx3, c, &cr).ok());
  EXPECT_NE(cr.results(0).error().code(), 0);

  v1::CreateTopicRequest ct;
  ct.set_name("bad/name");
  ct.set_partitions(1);
  v1::CreateTopicResponse ctr;
  grpc::ClientContext ctx4;
  EXPECT_EQ(stub_->CreateTopic(&ctx4, ct, &ctr).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(BadRequestTest, LongPollWakesOnAppend) {
  // A fetch at the end waits; a produce on another call wakes it with the data.
  v1::FetchRequest req;
  req.set_max_wait_ms(20000);
  req.set_min_bytes(1);
  auto* a = req.add_partitions();
  a->set_topic("t");
  a->set_partition(1);
  a->set_offset(0);
  v1::FetchResponse resp;
  grpc::ClientContext ctx;
  grpc::Status fetch_status;
  std::thread fetcher([&] { fetch_status = stub_->Fetch(&ctx, req, &resp); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  grpc::Status st;
  auto r = ProduceOne("t", 1, Batch(2), &st);
  EXPECT_EQ(r.error().code(), 0);
  fetcher.join();
  ASSERT_TRUE(fetch_status.ok());
  ASSERT_EQ(resp.results_size(), 1);
  EXPECT_FALSE(resp.results(0).records().empty());
  EXPECT_EQ(resp.results(0).high_watermark(), 2);
}

// Issue 12: the broker's 64 RPC threads could all sit in 30 s long polls, so a Produce found no
// thread (gRPC answers "Server Threadpool Exhausted"). Now at most --max-long-polls calls wait
// (32 by default, 8 here); the others are answered at once with what there is, and a Produce
// always finds a thread. Without the bound all 20 calls would wait and none come back early.
TEST_F(BadRequestTest, LongPollsCannotStarveProduce) {
  constexpr int kPolls = 20, kMaxWaiting = 8;  // the fixture runs --max-long-polls 8
  std::atomic<int> returned{0};
  std::atomic<int> with_data{0};
  std::vector<std::thread> polls;
  for (int i = 0; i < kPolls; ++i) {
    polls.emplace_back([&] {
      v1::FetchRequest req;
      req.set_max_wait_ms(30000);
      req.set_min_bytes(1);
      auto* p = req.add_partitions();
      p->set_topic("t");
      p->set_partition(1);
      p->set_offset(0);
      v1::FetchResponse resp;
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
      grpc::Status st = stub_->Fetch(&ctx, req, &resp);
      EXPECT_TRUE(st.ok()) << st.error_message();
      if (resp.results_size() == 1 && !resp.results(0).records().empty()) ++with_data;
      ++returned;
    });
  }
  // The calls past the bound come back at once, empty; the rest wait.
  // (Generous: on a loaded machine the 70 calls take a while to reach the server; the waiting
  // ones give up after 30 s, so the check must finish well before that.)
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(25);
  while (returned.load() < kPolls - kMaxWaiting && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(returned.load(), kPolls - kMaxWaiting);
  EXPECT_EQ(with_data.load(), 0);
  // A produce is served while the bounded calls wait.
  {
    v1::ProduceRequest req;
    req.set_acks(-1);
    auto* p = req.add_partitions();
    p->set_topic("t");
    p->set_partition(0);
    p->set_records(Batch(1));
    v1::ProduceResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Status st = stub_->Produce(&ctx, req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
    EXPECT_EQ(resp.results(0).error().code(), 0);
  }
  // Data for the waiting ones wakes them all.
  grpc::Status st;
  ProduceOne("t", 1, Batch(2), &st);
  ASSERT_TRUE(st.ok());
  for (auto& t : polls) t.join();
  EXPECT_EQ(returned.load(), kPolls);
  EXPECT_EQ(with_data.load(), kMaxWaiting);
}

// Issue 12: ProduceRequest.timeout_ms was ignored. A partition the broker has not started when
// the timeout has passed is not written and is answered REQUEST_TIMED_OUT. The first append is
// held 300 ms by a fault hook, so the request's second partition starts after its 100 ms.
TEST(ProduceTimeoutTest, PartitionsNotStartedInTimeAreNotWritten) {
  TempDir dir;
  setenv("EDDY_LOGD_FAULT_HOOKS", "partition.append.before_publish", 1);
  Broker broker(EDDY_LOGD, dir.path() + "/data");
  const bool started = broker.Start();
  unsetenv("EDDY_LOGD_FAULT_HOOKS");
  ASSERT_TRUE(started) << broker.log();
  auto stub = v1::LogStore::NewStub(
      grpc::CreateChannel(broker.bootstrap(), grpc::InsecureChannelCredentials()));
  {
    v1::CreateTopicRequest req;
    req.set_name("t");
    req.set_partitions(2);
    v1::CreateTopicResponse resp;
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub->CreateTopic(&ctx, req, &resp).ok());
  }
  auto produce = [&](int32_t timeout_ms, std::vector<int32_t> partitions) {
    v1::ProduceRequest req;
    req.set_acks(-1);
    req.set_timeout_ms(timeout_ms);
    for (int32_t part : partitions) {
      auto* p = req.add_partitions();
      p->set_topic("t");
      p->set_partition(part);
      logstore::RecordBatchBuilder b;
      b.Add(std::nullopt, "v", 1000);
      p->set_records(b.Finish());
    }
    v1::ProduceResponse resp;
    grpc::ClientContext ctx;
    EXPECT_TRUE(stub->Produce(&ctx, req, &resp).ok());
    return resp;
  };
  auto first = produce(100, {0, 1});
  ASSERT_EQ(first.results_size(), 2);
  EXPECT_EQ(first.results(0).error().code(), 0) << first.results(0).error().message();
  EXPECT_EQ(first.results(1).error().code(),
            static_cast<int>(grpc::StatusCode::DEADLINE_EXCEEDED));
  EXPECT_NE(first.results(1).error().message().find("timeout_ms (100)"), std::string::npos)
      << first.results(1).error().message();
  // Nothing was written to partition 1: the next record there gets offset 0.
  auto second = produce(0, {1});
  ASSERT_EQ(second.results_size(), 1);
  EXPECT_EQ(second.results(0).error().code(), 0);
  EXPECT_EQ(second.results(0).base_offset(), 0);
  EXPECT_TRUE(broker.Alive());
}

}  // namespace
}  // namespace eddy::testing
