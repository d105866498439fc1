// ShareConsumer against a real eddy-logd: join with a client-made member id, acquire, the
// acknowledgement rules (only held records, once), release comes back at once to another member
// with the delivery count raised, Close releases what is held, and bad options are refused.
#include "log-store/client/share_consumer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>

#include "log-store/client/admin_client.h"
#include "log-store/client/producer.h"
#include "log-store/client/share_group_admin.h"
#include "tests/integration/logstore/process.h"

namespace eddy::logstore {
namespace {

class ShareConsumerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ = std::make_unique<testing::Broker>(EDDY_LOGD, dir_.path() + "/data");
    ASSERT_TRUE(broker_->Start()) << broker_->log();
    co_.bootstrap = broker_->bootstrap();
    auto admin = AdminClient::Connect(co_);
    ASSERT_TRUE(admin.ok());
    ASSERT_TRUE((*admin)->CreateTopic("q", 1).ok());
    ProducerOptions po;
    po.client = co_;
    auto p = Producer::Create(po);
    ASSERT_TRUE(p.ok());
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE((*p)->Send("q", 0, "k" + std::to_string(i), "v" + std::to_string(i)).ok());
    }
    ASSERT_TRUE((*p)->Close().ok());
    auto sa = ShareGroupAdmin::Connect(co_);
    ASSERT_TRUE(sa.ok());
    ASSERT_TRUE((*sa)
                    ->AlterConfigs("g", {{"share.auto.offset.reset", "earliest"},
                                         {"group.share.record.lock.duration.ms", "600000"}})
                    .ok());
  }

  std::unique_ptr<ShareConsumer> Member(int max_records) {
    ShareConsumerOptions o;
    o.client = co_;
    o.group = "g";
    o.topics = {"q"};
    o.max_records = max_records;
    auto c = ShareConsumer::Create(o);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *std::move(c) : nullptr;
  }

  // Polls until `n` records came or the deadline passes.
  std::vector<ShareRecord> PollN(ShareConsumer& c, size_t n) {
    std::vector<ShareRecord> all;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (all.size() < n && std::chrono::steady_clock::now() < deadline) {
      auto r = c.Poll(std::chrono::milliseconds(200));
      EXPECT_TRUE(r.ok()) << r.status();
      if (!r.ok()) break;
      for (auto& x : *r) all.push_back(std::move(x));
    }
    return all;
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::Broker> broker_;
  ClientOptions co_;
};

TEST_F(ShareConsumerTest, AcknowledgeReleaseAndCloseHandRecordsOn) {
  auto a = Member(5);
  auto b = Member(20);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->member_id().size(), 36u);  // a UUID
  EXPECT_NE(a->member_id(), b->member_id());
  EXPECT_GT(a->member_epoch(), 0);

  auto got = PollN(*a, 5);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(a->HeldCount(), 5);
  for (const auto& r : got) {
    EXPECT_EQ(r.topic, "q");
    EXPECT_EQ(*r.value, "v" + std::to_string(r.offset));
    EXPECT_EQ(*r.key, "k" + std::to_string(r.offset));
    EXPECT_EQ(r.delivery_count, 1);
  }
  // Accept the first, release the second; the second ack of a record is refused locally.
  ASSERT_TRUE(a->Acknowledge(got[0], ShareAck::kAccept).ok());
  EXPECT_EQ(a->Acknowledge(got[0], ShareAck::kAccept).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(a->Acknowledge({"q", 0}, 999, ShareAck::kAccept).code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(a->Acknowledge(got[1], ShareAck::kRelease).ok());
  auto res = a->Commit();
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->applied, 2);
  EXPECT_TRUE(res->failures.empty());

  // b gets everything not held by a: the released record (delivery 2) and the 15 never sent.
  auto rest = PollN(*b, 16);
  ASSERT_EQ(rest.size(), 16u);
  std::set<int64_t> offsets;
  for (const auto& r : rest) {
    offsets.insert(r.offset);
    EXPECT_EQ(r.delivery_count, r.offset == got[1].offset ? 2 : 1) << r.offset;
  }
  EXPECT_TRUE(offsets.count(got[1].offset));
  EXPECT_FALSE(offsets.count(got[0].offset));
  // a closes holding three: they go to b at once.
  ASSERT_TRUE(a->Close().ok());
  EXPECT_EQ(a->member_epoch(), -1);
  auto back = PollN(*b, 3);
  ASSERT_EQ(back.size(), 3u);
  for (const auto& r : back) EXPECT_EQ(r.delivery_count, 2);
  for (const auto& r : rest) ASSERT_TRUE(b->Acknowledge(r, ShareAck::kAccept).ok());
  for (const auto& r : back) ASSERT_TRUE(b->Acknowledge(r, ShareAck::kAccept).ok());
  res = b->Commit();
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->applied, 19);
  auto sa = ShareGroupAdmin::Connect(co_);
  auto d = (*sa)->Describe("g");
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_EQ(d->partitions.size(), 1u);
  EXPECT_EQ(d->partitions[0].accepted_total, 20);
  EXPECT_EQ(d->partitions[0].in_flight, 0);
  ASSERT_TRUE(b->Close().ok());
}

TEST_F(ShareConsumerTest, BadOptionsAreRefused) {
  ShareConsumerOptions o;
  o.client = co_;
  o.topics = {"q"};
  EXPECT_EQ(ShareConsumer::Create(o).status().code(), absl::StatusCode::kInvalidArgument);
  o.group = "g";
  o.topics.clear();
  EXPECT_EQ(ShareConsumer::Create(o).status().code(), absl::StatusCode::kInvalidArgument);
  o.topics = {"q"};
  o.max_records = 0;
  EXPECT_EQ(ShareConsumer::Create(o).status().code(), absl::StatusCode::kInvalidArgument);
  o.max_records = 10;
  o.client.bootstrap = "nonsense";
  EXPECT_EQ(ShareConsumer::Create(o).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace eddy::logstore
