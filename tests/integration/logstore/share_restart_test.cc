// Share groups across a kill -9 of a real eddy-logd (--fsync): members acquire, accept, release
// and reject records over the native API; the broker is killed while a member holds acquired
// records and restarted. Afterwards nothing whose accept was answered comes back, every record
// ends accepted or rejected (none lost), and the records held at the crash come back with their
// delivery count kept.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "grpcpp/grpcpp.h"
#include "log-store/proto/log_store.grpc.pb.h"
#include "log-store/storage/record_batch_builder.h"
#include "tests/integration/logstore/process.h"

namespace eddy::testing {
namespace {

namespace v1 = eddy::logstore::v1;

std::unique_ptr<v1::LogStore::Stub> Connect(const Broker& b) {
  return v1::LogStore::NewStub(
      grpc::CreateChannel(b.bootstrap(), grpc::InsecureChannelCredentials()));
}

std::unique_ptr<grpc::ClientContext> Ctx() {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  return c;
}

int32_t Join(v1::LogStore::Stub* s, const std::string& member) {
  v1::ShareGroupHeartbeatRequest req;
  req.set_group("g");
  req.set_member_id(member);
  req.set_member_epoch(0);
  req.add_topics("q");
  v1::ShareGroupHeartbeatResponse resp;
  auto st = s->ShareGroupHeartbeat(Ctx().get(), req, &resp);
  EXPECT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(resp.error().code(), 0) << resp.error().message();
  return resp.member_epoch();
}

struct Delivery {
  int64_t offset;
  int32_t delivery_count;
};

// One ShareFetch carrying `acks`; returns what was acquired and fills *ack_ok with the offsets
// whose acknowledgement was answered OK, by type.
std::vector<Delivery> Fetch(v1::LogStore::Stub* s, const std::string& member, int32_t epoch,
                            const std::vector<v1::ShareAck>& acks,
                            std::map<int64_t, v1::ShareAckType>* ack_ok) {
  v1::ShareFetchRequest req;
  req.set_group("g");
  req.set_member_id(member);
  req.set_member_epoch(epoch);
  req.set_max_wait_ms(500);
  req.set_max_records(10);
  for (const auto& a : acks) *req.add_acknowledgements() = a;
  v1::ShareFetchResponse resp;
  auto st = s->ShareFetch(Ctx().get(), req, &resp);
  EXPECT_TRUE(st.ok()) << st.error_message();
  std::map<std::pair<int64_t, int64_t>, v1::ShareAckType> types;
  for (const auto& a : acks) types[{a.first_offset(), a.last_offset()}] = a.type();
  for (const auto& r : resp.ack_results()) {
    EXPECT_EQ(r.error().code(), 0) << r.error().message();
    if (r.error().code() != 0) continue;
    for (int64_t o = r.first_offset(); o <= r.last_offset(); ++o)
      (*ack_ok)[o] = types[{r.first_offset(), r.last_offset()}];
  }
  std::vector<Delivery> out;
  for (const auto& p : resp.results()) {
    EXPECT_EQ(p.error().code(), 0) << p.error().message();
    for (const auto& a : p.acquired()) {
      for (int64_t o = a.first_offset(); o <= a.last_offset(); ++o)
        out.push_back({o, a.delivery_count()});
    }
  }
  return out;
}

v1::ShareAck Ack(int64_t o, v1::ShareAckType t) {
  v1::ShareAck a;
  a.set_topic("q");
  a.set_partition(0);
  a.set_first_offset(o);
  a.set_last_offset(o);
  a.set_type(t);
  return a;
}

// What a consumer does with a delivery: reject every 13th offset, release every 7th on its first
// delivery, accept the rest.
v1::ShareAckType Decide(const Delivery& d) {
  if (d.offset % 13 == 0) return v1::SHARE_ACK_REJECT;
  if (d.offset % 7 == 0 && d.delivery_count == 1) return v1::SHARE_ACK_RELEASE;
  return v1::SHARE_ACK_ACCEPT;
}

TEST(ShareGroupRestart, NothingAcceptedComesBackAndNothingIsLostAfterKill9) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  constexpr int kRecords = 200;
  std::map<int64_t, v1::ShareAckType> done;  // offsets whose final ack was answered OK
  std::set<int64_t> held_at_crash;
  {
    Broker broker(EDDY_LOGD, data, {"--fsync"});
    ASSERT_TRUE(broker.Start()) << broker.log();
    auto s = Connect(broker);
    v1::CreateTopicRequest ct;
    ct.set_name("q");
    ct.set_partitions(1);
    v1::CreateTopicResponse ctr;
    ASSERT_TRUE(s->CreateTopic(Ctx().get(), ct, &ctr).ok());
    v1::AlterShareGroupConfigsRequest alter;
    alter.set_group("g");
    (*alter.mutable_configs())["share.auto.offset.reset"] = "earliest";
    v1::AlterShareGroupConfigsResponse altr;
    auto ast = s->AlterShareGroupConfigs(Ctx().get(), alter, &altr);
    ASSERT_TRUE(ast.ok()) << ast.error_message();
    v1::ProduceRequest pr;
    pr.set_acks(-1);
    auto* part = pr.add_partitions();
    part->set_topic("q");
    part->set_partition(0);
    for (int i = 0; i < kRecords; i += 5) {
      logstore::RecordBatchBuilder b;
      for (int k = i; k < i + 5; ++k) b.Add(std::nullopt, "m" + std::to_string(k), 1700000000000);
      part->mutable_records()->append(b.Finish());
    }
    v1::ProduceResponse prr;
    ASSERT_TRUE(s->Produce(Ctx().get(), pr, &prr).ok());
    ASSERT_EQ(prr.results(0).error().code(), 0) << prr.results(0).error().message();

    const int32_t epoch = Join(s.get(), "a");
    std::vector<v1::ShareAck> pending;
    std::map<int64_t, v1::ShareAckType> acked;
    for (int round = 0; round < 100; ++round) {
      auto got = Fetch(s.get(), "a", epoch, pending, &acked);
      pending.clear();
      for (const auto& d : got) pending.push_back(Ack(d.offset, Decide(d)));
      for (const auto& [o, t] : acked) {
        if (t != v1::SHARE_ACK_RELEASE) done[o] = t;
      }
      if (done.size() >= kRecords / 2 && !got.empty()) {
        for (const auto& d : got) held_at_crash.insert(d.offset);
        break;  // crash while holding `got`, unacknowledged
      }
    }
    ASSERT_GE(done.size(), static_cast<size_t>(kRecords / 2));
    ASSERT_FALSE(held_at_crash.empty());
    broker.Kill9();
  }
  Broker broker(EDDY_LOGD, data, {"--fsync"});
  ASSERT_TRUE(broker.Start()) << broker.log();
  auto s = Connect(broker);
  const int32_t epoch = Join(s.get(), "b");
  std::vector<v1::ShareAck> pending;
  std::map<int64_t, v1::ShareAckType> acked;
  std::map<int64_t, int32_t> first_dc_after;  // delivery count of each offset's first delivery
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (done.size() < static_cast<size_t>(kRecords) &&
         std::chrono::steady_clock::now() < deadline) {
    auto got = Fetch(s.get(), "b", epoch, pending, &acked);
    pending.clear();
    for (const auto& d : got) {
      EXPECT_FALSE(done.count(d.offset)) << "offset " << d.offset << " was acknowledged ("
                                         << done[d.offset] << ") before the crash";
      first_dc_after.emplace(d.offset, d.delivery_count);
      pending.push_back(Ack(d.offset, Decide(d)));
    }
    for (const auto& [o, t] : acked) {
      if (t != v1::SHARE_ACK_RELEASE) done[o] = t;
    }
  }
  ASSERT_EQ(done.size(), static_cast<size_t>(kRecords)) << "records lost";
  for (int64_t o = 0; o < kRecords; ++o) {
    EXPECT_EQ(done[o], o % 13 == 0 ? v1::SHARE_ACK_REJECT : v1::SHARE_ACK_ACCEPT) << o;
  }
  for (int64_t o : held_at_crash) {
    ASSERT_TRUE(first_dc_after.count(o)) << o;
    EXPECT_GE(first_dc_after[o], 2) << "offset " << o << " lost its delivery count";
  }
  v1::DescribeShareGroupRequest dreq;
  dreq.set_group("g");
  v1::DescribeShareGroupResponse dresp;
  ASSERT_TRUE(s->DescribeShareGroup(Ctx().get(), dreq, &dresp).ok());
  ASSERT_EQ(dresp.partitions_size(), 1);
  EXPECT_EQ(dresp.partitions(0).start_offset(), kRecords);
  EXPECT_EQ(dresp.partitions(0).in_flight(), 0);
}

}  // namespace
}  // namespace eddy::testing
