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

JoinGroupRequest StaticJoin(const std::string& member, const std::string& instance,
                            int32_t session_ms = 6000) {
  JoinGroupRequest j = Join(member, session_ms);
  j.group_instance_id = instance;
  j.require_known_member_id = true;
  return j;
}

LeaveGroupRequest LeaveOne(const std::string& member,
                           std::optional<std::string> instance = std::nullopt) {
  LeaveGroupRequest l;
  l.group_id = "g";
  l.members.push_back({member, std::move(instance)});
  return l;
}

HeartbeatRequest Hb(const std::string& group, int32_t generation, const std::string& member,
                    std::optional<std::string> instance = std::nullopt) {
  HeartbeatRequest h;
  h.group_id = group;
  h.generation_id = generation;
  h.member_id = member;
  h.group_instance_id = std::move(instance);
  return h;
}

SyncGroupRequest SyncReq(const std::string& group, int32_t generation, const std::string& member,
                         std::vector<std::pair<std::string, std::string>> assignments,
                         std::optional<std::string> instance = std::nullopt) {
  SyncGroupRequest r;
  r.group_id = group;
  r.generation_id = generation;
  r.member_id = member;
  r.assignments = std::move(assignments);
  r.group_instance_id = std::move(instance);
  return r;
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

  SyncGroupRequest s = SyncReq("g", 1, j.member_id, {{j.member_id, "assign-1"}});
  auto sr = gc.Sync(s);
  EXPECT_EQ(sr.error, error::kNone);
  EXPECT_EQ(sr.assignment, "assign-1");
  EXPECT_EQ(gc.Heartbeat(Hb("g", 1, j.member_id)), error::kNone);
  EXPECT_EQ(gc.Heartbeat(Hb("g", 0, j.member_id)), error::kIllegalGeneration);
  EXPECT_EQ(gc.Heartbeat(Hb("g", 1, "nobody")), error::kUnknownMemberId);
  EXPECT_EQ(gc.ValidateCommit("g", 1, j.member_id), error::kNone);
  EXPECT_EQ(gc.ValidateCommit("g", 1, "nobody"), error::kUnknownMemberId);
  EXPECT_EQ(gc.Describe("g")->state, "Stable");
}

TEST(GroupCoordinator, SecondMemberTriggersRebalanceAndFollowerWaitsForLeaderSync) {
  GroupCoordinator gc(FastOptions());
  gc.Start();
  auto a = gc.Join(Join(""), "a", "/h");
  ASSERT_EQ(gc.Sync(SyncReq("g", a.generation, a.member_id, {{a.member_id, "x"}})).error, 0);

  auto b_future = std::async(std::launch::async, [&] { return gc.Join(Join(""), "b", "/h"); });
  // A learns about the rebalance from its heartbeat, then rejoins.
  while (gc.Heartbeat(Hb("g", a.generation, a.member_id)) != error::kRebalanceInProgress) {
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

  auto b_sync =
      std::async(std::launch::async, [&] { return gc.Sync(SyncReq("g", 2, b.member_id, {})); });
  auto a_sync = gc.Sync(SyncReq("g", 2, a.member_id, {{a.member_id, "A"}, {b.member_id, "B"}}));
  EXPECT_EQ(a_sync.assignment, "A");
  auto bs = b_sync.get();
  EXPECT_EQ(bs.error, 0);
  EXPECT_EQ(bs.assignment, "B");
}

TEST(GroupCoordinator, LeaveAndSessionExpiryRebalance) {
  GroupCoordinator gc(FastOptions());
  auto a = gc.Join(Join("", 50), "a", "/h");  // timer not started: Tick() by hand
  ASSERT_EQ(a.error, 0);
  ASSERT_EQ(gc.Sync(SyncReq("g", 1, a.member_id, {})).error, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  gc.Tick();
  EXPECT_EQ(gc.Heartbeat(Hb("g", 1, a.member_id)), error::kUnknownMemberId);
  // The emptied group is dropped (its offsets, if any, live in LogManager).
  EXPECT_FALSE(gc.Describe("g").has_value());

  auto b = gc.Join(Join(""), "b", "/h");
  ASSERT_EQ(b.error, 0);
  EXPECT_EQ(gc.Leave(LeaveOne(b.member_id)).member_errors, std::vector<int16_t>{error::kNone});
  EXPECT_EQ(gc.Leave(LeaveOne(b.member_id)).member_errors,
            std::vector<int16_t>{error::kUnknownMemberId});
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

// Joins one dynamic member the KIP-394 way (MEMBER_ID_REQUIRED, then with the given id).
GroupCoordinator::JoinResult JoinWithKnownId(GroupCoordinator& gc, const std::string& client) {
  auto first = Join("");
  first.require_known_member_id = true;
  auto r = gc.Join(first, client, "/h");
  if (r.error != error::kMemberIdRequired) return r;
  auto second = Join(r.member_id);
  second.require_known_member_id = true;
  return gc.Join(second, client, "/h");
}

TEST(GroupCoordinator, NewMemberGetsMemberIdRequiredAndPendingIdsExpire) {
  GroupCoordinator gc(FastOptions());
  auto j = Join("", 50);
  j.require_known_member_id = true;
  auto first = gc.Join(j, "c1", "/h");
  ASSERT_EQ(first.error, error::kMemberIdRequired);
  ASSERT_FALSE(first.member_id.empty());
  // The pending id is not a member: nothing to describe, no rebalance waits for it.
  EXPECT_TRUE(gc.Describe("g")->members.empty());
  // A second first-join (the client gave up) leaves no member behind either.
  auto again = gc.Join(j, "c1", "/h");
  ASSERT_EQ(again.error, error::kMemberIdRequired);
  EXPECT_NE(again.member_id, first.member_id);

  auto joined = gc.Join(Join(again.member_id), "c1", "/h");
  ASSERT_EQ(joined.error, error::kNone);
  EXPECT_EQ(joined.member_id, again.member_id);
  EXPECT_EQ(gc.Describe("g")->members.size(), 1u);

  // The unused pending id expires after its session timeout and is then unknown.
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  ASSERT_EQ(gc.Sync(SyncReq("g", joined.generation, joined.member_id, {})).error, error::kNone);
  gc.Tick();
  EXPECT_EQ(gc.Join(Join(first.member_id), "c1", "/h").error, error::kUnknownMemberId);
}

TEST(GroupCoordinator, RestartedStaticMemberKeepsItsAssignmentWithoutRebalance) {
  GroupCoordinator gc(FastOptions());
  gc.Start();
  auto a = gc.Join(StaticJoin("", "inst-a"), "a", "/h");
  ASSERT_EQ(a.error, error::kNone);  // static members need no MEMBER_ID_REQUIRED round
  ASSERT_EQ(gc.Sync(SyncReq("g", a.generation, a.member_id, {{a.member_id, "A"}})).error, 0);
  auto b_future =
      std::async(std::launch::async, [&] { return gc.Join(StaticJoin("", "inst-b"), "b", "/h"); });
  while (gc.Heartbeat(Hb("g", a.generation, a.member_id)) != error::kRebalanceInProgress) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto a2 = gc.Join(StaticJoin(a.member_id, "inst-a"), "a", "/h");
  auto b = b_future.get();
  ASSERT_EQ(a2.error, 0);
  ASSERT_EQ(b.error, 0);
  ASSERT_EQ(a2.leader, a.member_id);
  ASSERT_EQ(a2.members.size(), 2u);
  for (const auto& m : a2.members) {
    EXPECT_EQ(*m.group_instance_id, m.member_id == a.member_id ? "inst-a" : "inst-b");
  }
  auto b_sync =
      std::async(std::launch::async, [&] { return gc.Sync(SyncReq("g", 2, b.member_id, {})); });
  ASSERT_EQ(gc.Sync(SyncReq("g", 2, a.member_id, {{a.member_id, "A"}, {b.member_id, "B"}})).error,
            0);
  ASSERT_EQ(b_sync.get().assignment, "B");
  const int32_t generation = a2.generation;

  // b restarts: same instance id, no member id. It gets a new id in the same generation, and
  // the leader is not told to rebalance.
  auto b2 = gc.Join(StaticJoin("", "inst-b"), "b", "/h");
  ASSERT_EQ(b2.error, error::kNone);
  EXPECT_NE(b2.member_id, b.member_id);
  EXPECT_EQ(b2.generation, generation);
  EXPECT_TRUE(b2.members.empty());
  EXPECT_EQ(gc.Heartbeat(Hb("g", generation, a.member_id)), error::kNone);
  auto b2_sync = gc.Sync(SyncReq("g", generation, b2.member_id, {}, "inst-b"));
  EXPECT_EQ(b2_sync.error, error::kNone);
  EXPECT_EQ(b2_sync.assignment, "B");
  EXPECT_EQ(gc.Describe("g")->state, "Stable");
  EXPECT_EQ(gc.Describe("g")->members.size(), 2u);

  // The old incarnation is fenced wherever it shows its instance id, and unknown otherwise.
  EXPECT_EQ(gc.Heartbeat(Hb("g", generation, b.member_id, "inst-b")), error::kFencedInstanceId);
  EXPECT_EQ(gc.Heartbeat(Hb("g", generation, b.member_id)), error::kUnknownMemberId);
  EXPECT_EQ(gc.Sync(SyncReq("g", generation, b.member_id, {}, "inst-b")).error,
            error::kFencedInstanceId);
  EXPECT_EQ(gc.ValidateCommit("g", generation, b.member_id, "inst-b"), error::kFencedInstanceId);
  EXPECT_EQ(gc.Join(StaticJoin(b.member_id, "inst-b"), "b", "/h").error, error::kFencedInstanceId);
  EXPECT_EQ(gc.ValidateCommit("g", generation, b2.member_id, "inst-b"), error::kNone);
}

TEST(GroupCoordinator, RestartedStaticLeaderIsAnsweredAsFollower) {
  GroupCoordinator gc(FastOptions());
  auto a = gc.Join(StaticJoin("", "inst-a"), "a", "/h");
  ASSERT_EQ(a.error, 0);
  ASSERT_EQ(gc.Sync(SyncReq("g", a.generation, a.member_id, {{a.member_id, "A"}})).error, 0);
  auto a2 = gc.Join(StaticJoin("", "inst-a"), "a", "/h");
  ASSERT_EQ(a2.error, 0);
  EXPECT_EQ(a2.generation, a.generation);
  EXPECT_NE(a2.leader, a2.member_id);  // acts as a follower, so it does not reassign
  auto s = gc.Sync(SyncReq("g", a2.generation, a2.member_id, {}, "inst-a"));
  EXPECT_EQ(s.error, 0);
  EXPECT_EQ(s.assignment, "A");
  EXPECT_EQ(gc.Describe("g")->members.at(0).member_id, a2.member_id);
}

TEST(GroupCoordinator, StaticMemberExpiresBySessionTimeoutAndLeavesByInstanceId) {
  GroupCoordinator gc(FastOptions());
  auto a = gc.Join(StaticJoin("", "inst-a", 50), "a", "/h");
  ASSERT_EQ(a.error, 0);
  ASSERT_EQ(gc.Sync(SyncReq("g", a.generation, a.member_id, {})).error, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  gc.Tick();
  EXPECT_EQ(gc.Heartbeat(Hb("g", a.generation, a.member_id, "inst-a")), error::kUnknownMemberId);

  auto b = gc.Join(StaticJoin("", "inst-b"), "b", "/h");
  ASSERT_EQ(b.error, 0);
  ASSERT_EQ(gc.Sync(SyncReq("g", b.generation, b.member_id, {})).error, 0);
  // Batch leave (v3): by instance id without a member id (an admin's remove), a wrong member id
  // for a known instance, and an unknown instance.
  LeaveGroupRequest leave;
  leave.group_id = "g";
  leave.members = {{"other-id", "inst-b"}, {"", "inst-b"}, {"", "inst-zzz"}};
  EXPECT_EQ(
      gc.Leave(leave).member_errors,
      (std::vector<int16_t>{error::kFencedInstanceId, error::kNone, error::kUnknownMemberId}));
  EXPECT_EQ(gc.Describe("g")->state, "Empty");
  EXPECT_EQ(gc.Leave(LeaveOne("x")).member_errors, std::vector<int16_t>{error::kUnknownMemberId});
}

TEST(GroupCoordinator, CommitFromOutsideAnActiveGroupIsUnknownMember) {
  GroupCoordinator gc(FastOptions());
  // Unknown group: simple commits are fine, generation-bearing ones are stale.
  EXPECT_EQ(gc.ValidateCommit("g", -1, ""), error::kNone);
  EXPECT_EQ(gc.ValidateCommit("g", 3, "m"), error::kIllegalGeneration);
  auto a = JoinWithKnownId(gc, "a");
  ASSERT_EQ(a.error, 0);
  EXPECT_EQ(gc.ValidateCommit("g", -1, ""), error::kUnknownMemberId);
  EXPECT_EQ(gc.ValidateCommit("g", a.generation, "stranger"), error::kUnknownMemberId);
  EXPECT_EQ(gc.ValidateCommit("g", a.generation, a.member_id), error::kRebalanceInProgress);
  ASSERT_EQ(gc.Sync(SyncReq("g", a.generation, a.member_id, {})).error, 0);
  EXPECT_EQ(gc.ValidateCommit("g", a.generation, a.member_id), error::kNone);
  EXPECT_EQ(gc.ValidateCommit("g", a.generation + 1, a.member_id), error::kIllegalGeneration);
}

TEST(GroupCoordinator, KnownFollowerRejoiningUnchangedGetsTheCurrentGeneration) {
  GroupCoordinator gc(FastOptions());
  gc.Start();
  auto a = JoinWithKnownId(gc, "a");
  ASSERT_EQ(gc.Sync(SyncReq("g", a.generation, a.member_id, {})).error, 0);
  auto b_future = std::async(std::launch::async, [&] { return JoinWithKnownId(gc, "b"); });
  while (gc.Heartbeat(Hb("g", a.generation, a.member_id)) != error::kRebalanceInProgress) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto a2 = gc.Join(Join(a.member_id), "a", "/h");
  auto b = b_future.get();
  ASSERT_EQ(b.error, 0);
  auto b_sync = std::async(std::launch::async,
                           [&] { return gc.Sync(SyncReq("g", b.generation, b.member_id, {})); });
  ASSERT_EQ(gc.Sync(SyncReq("g", a2.generation, a.member_id, {})).error, 0);
  ASSERT_EQ(b_sync.get().error, 0);
  auto b2 = gc.Join(Join(b.member_id), "b", "/h");
  EXPECT_EQ(b2.error, 0);
  EXPECT_EQ(b2.generation, b.generation);
  EXPECT_EQ(gc.Describe("g")->state, "Stable");
}

TEST(GroupCoordinator, DeleteRefusesActiveGroupsAndForgetsEmptyOnes) {
  GroupCoordinator gc(FastOptions());
  EXPECT_EQ(gc.Delete("g", false), error::kGroupIdNotFound);
  EXPECT_EQ(gc.Delete("g", true), error::kNone);  // known only by its offsets
  auto a = JoinWithKnownId(gc, "a");
  ASSERT_EQ(a.error, 0);
  EXPECT_EQ(gc.Delete("g", true), error::kNonEmptyGroup);
  ASSERT_EQ(gc.Leave(LeaveOne(a.member_id)).member_errors[0], error::kNone);
  EXPECT_EQ(gc.Delete("g", false), error::kNone);
  EXPECT_FALSE(gc.Describe("g").has_value());
}

TEST(GroupCoordinator, PendingMemberIdsAreBoundedByTheGroupSize) {
  GroupCoordinator::Options o = FastOptions();
  o.max_group_size = 3;
  GroupCoordinator gc(o);
  auto j = Join("");
  j.require_known_member_id = true;
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto r = gc.Join(j, "spammer", "/h");
    ASSERT_EQ(r.error, error::kMemberIdRequired);
    ids.push_back(r.member_id);
  }
  // A fourth id would grow the group past its limit, dynamic or static.
  EXPECT_EQ(gc.Join(j, "spammer", "/h").error, error::kGroupMaxSizeReached);
  EXPECT_EQ(gc.Join(StaticJoin("", "inst-x"), "x", "/h").error, error::kGroupMaxSizeReached);
  // A pending id becoming a member does not count twice.
  auto joined = gc.Join(Join(ids[0]), "spammer", "/h");
  EXPECT_EQ(joined.error, error::kNone);
}

}  // namespace
}  // namespace eddy::kafka
