// The consumer-group state machine without sockets: joins, sync, heartbeats, leave, expiry.
#include "log-store/kafka/group_coordinator.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "log-store/kafka/kafka_protocol.h"

namespace eddy::kafka {
namespace {

JoinGroupRequest Join(const std::string& member, int32_t session_ms = 6000) {
  JoinGroupRequest j;
  j.group_id = "g";
  j.session_timeout_ms = session_ms;
  j.rebalance_timeout_ms = 10000;
  j.member_id = member;
  j.protocol_type = "consumer";
  j.protocols = {{"range", "meta-" + member}};
  return j;
}

GroupCoordinator::Options FastOptions() {
  GroupCoordinator::Options o;
  o.initial_rebalance_delay_ms = 0;
  o.min_session_timeout_ms = 10;
  return o;
}

TEST(GroupCoordinator, SingleMemberJoinsSyncsAndHeartbeats) {
  GroupCoordinator gc(FastOptions());
  gc.Start();
  auto j = gc.Join(Join(""), "c1", "/127.0.0.1");
  ASSERT_EQ(j.error, error::kNone);
  EXPECT_EQ(j.generation, 1);
  EXPECT_EQ(j.leader, j.member_id);
  EXPECT_EQ(j.protocol_name, "range");
  ASSERT_EQ(j.members.size(), 1u);

  SyncGroupRequest s{"g", 1, j.member_id, {{j.member_id, "assign-1"}}};
  auto sr = gc.Sync(s);
  EXPECT_EQ(sr.error, error::kNone);
  EXPECT_EQ(sr.assignment, "assign-1");
  EXPECT_EQ(gc.Heartbeat({"g", 1, j.member_id}), error::kNone);
  EXPECT_EQ(gc.Heartbeat({"g", 0, j.member_id}), error::kIllegalGeneration);
  EXPECT_EQ(gc.Heartbeat({"g", 1, "nobody"}), error::kUnknownMemberId);
  EXPECT_EQ(gc.ValidateCommit("g", 1, j.member_id), error::kNone);
  EXPECT_EQ(gc.ValidateCommit("g", 1, "nobody"), error::kUnknownMemberId);
  EXPECT_EQ(gc.Describe("g")->state, "Stable");
}

TEST(GroupCoordinator, SecondMemberTriggersRebalanceAndFollowerWaitsForLeaderSync) {
  GroupCoordinator gc(FastOptions());
  gc.Start();
  auto a = gc.Join(Join(""), "a", "/h");
  ASSERT_EQ(gc.Sync({"g", a.generation, a.member_id, {{a.member_id, "x"}}}).error, 0);

  auto b_future = std::async(std::launch::async, [&] { return gc.Join(Join(""), "b", "/h"); });
  // A learns about the rebalance from its heartbeat, then rejoins.
  while (gc.Heartbeat({"g", a.generation, a.member_id}) != error::kRebalanceInProgress) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto a2 = gc.Join(Join(a.member_id), "a", "/h");
  auto b = b_future.get();
  ASSERT_EQ(a2.error, 0);
  ASSERT_EQ(b.error, 0);
  EXPECT_EQ(a2.generation, 2);
  EXPECT_EQ(b.generation, 2);
  EXPECT_EQ(a2.leader, a.member_id);  // the leader is kept
  EXPECT_EQ(a2.members.size(), 2u);
  EXPECT_TRUE(b.members.empty());  // only the leader gets the member list

  auto b_sync = std::async(std::launch::async, [&] { return gc.Sync({"g", 2, b.member_id, {}}); });
  auto a_sync = gc.Sync({"g", 2, a.member_id, {{a.member_id, "A"}, {b.member_id, "B"}}});
  EXPECT_EQ(a_sync.assignment, "A");
  auto bs = b_sync.get();
  EXPECT_EQ(bs.error, 0);
  EXPECT_EQ(bs.assignment, "B");
}

TEST(GroupCoordinator, LeaveAndSessionExpiryRebalance) {
  GroupCoordinator gc(FastOptions());
  auto a = gc.Join(Join("", 50), "a", "/h");  // timer not started: Tick() by hand
  ASSERT_EQ(a.error, 0);
  ASSERT_EQ(gc.Sync({"g", 1, a.member_id, {}}).error, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  gc.Tick();
  EXPECT_EQ(gc.Heartbeat({"g", 1, a.member_id}), error::kUnknownMemberId);
  EXPECT_EQ(gc.Describe("g")->state, "Empty");

  auto b = gc.Join(Join(""), "b", "/h");
  ASSERT_EQ(b.error, 0);
  EXPECT_GT(b.generation, 1);
  EXPECT_EQ(gc.Leave({"g", b.member_id}), error::kNone);
  EXPECT_EQ(gc.Leave({"g", b.member_id}), error::kUnknownMemberId);
  EXPECT_EQ(gc.Describe("g")->state, "Empty");
  // Simple (generation -1) commits are allowed on an empty group only.
  EXPECT_EQ(gc.ValidateCommit("g", -1, ""), error::kNone);
}

TEST(GroupCoordinator, BadJoinsAreRefused) {
  GroupCoordinator gc(FastOptions());
  auto j = Join("");
  j.session_timeout_ms = 1;
  EXPECT_EQ(gc.Join(j, "c", "/h").error, error::kInvalidSessionTimeout);
  j = Join("");
  j.group_id = "";
  EXPECT_EQ(gc.Join(j, "c", "/h").error, error::kInvalidGroupId);
  EXPECT_EQ(gc.Join(Join("ghost"), "c", "/h").error, error::kUnknownMemberId);

  auto a = gc.Join(Join(""), "a", "/h");
  ASSERT_EQ(a.error, 0);
  auto other = Join("");
  other.protocols = {{"roundrobin", ""}};
  EXPECT_EQ(gc.Join(other, "c", "/h").error, error::kInconsistentGroupProtocol);
}

TEST(GroupCoordinator, StopWakesHeldJoins) {
  GroupCoordinator::Options o = FastOptions();
  o.initial_rebalance_delay_ms = 60000;  // would hold the join for a minute
  GroupCoordinator gc(o);
  gc.Start();
  auto f = std::async(std::launch::async, [&] { return gc.Join(Join(""), "a", "/h"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  gc.Stop();
  EXPECT_EQ(f.get().error, error::kCoordinatorNotAvailable);
}

}  // namespace
}  // namespace eddy::kafka
