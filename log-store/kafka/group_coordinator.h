// GroupCoordinator: the classic Kafka consumer-group protocol for the Kafka listener.
// States Empty → PreparingRebalance → CompletingRebalance → Stable, with held JoinGroup and
// SyncGroup calls (the calling connection thread blocks; other connections are unaffected),
// generations, a leader, session timeouts and rebalance timeouts enforced by a timer thread
// this object owns, and an initial rebalance delay for new groups. Broker-wide; thread-safe.
//
// Static membership (KIP-345): a member that joins with a group instance id keeps its place
// across restarts. A JoinGroup with that instance id and no member id replaces the old member id
// (keeping its assignment, with no rebalance while the group is Stable and the protocol does not
// change); requests that still carry the old member id with the instance id are answered
// FENCED_INSTANCE_ID. Static members are removed by their session timeout or a LeaveGroup that
// names them, never by a client simply closing.
//
// Member ids (KIP-394): a JoinGroup v4+ without a member id (and without an instance id) is
// answered at once with MEMBER_ID_REQUIRED and a new id, which stays pending for one session
// timeout; only a join with that id makes it a member, so a client that gives up on a held join
// leaves nothing behind.
//
// Committed offsets are not kept here: they live in LogManager (shared with the native API).
// Groups that end up Empty with nothing pending are dropped by the timer.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "log-store/kafka/kafka_requests.h"

namespace eddy::kafka {

class GroupCoordinator {
 public:
  struct Options {
    int32_t initial_rebalance_delay_ms = 3000;
    int32_t min_session_timeout_ms = 1000;
    int32_t max_session_timeout_ms = 1800000;
    // Members plus pending member ids per group (Kafka's group.max.size): a client that keeps
    // asking for new member ids cannot grow a group without bound. Over it: GROUP_MAX_SIZE_REACHED.
    int32_t max_group_size = 10000;
  };
  explicit GroupCoordinator(const Options& options);
  ~GroupCoordinator();  // Stop()

  void Start();  // starts the timer thread
  // Wakes every held call (they answer COORDINATOR_NOT_AVAILABLE) and joins the timer thread.
  void Stop();

  struct JoinMember {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string metadata;
  };
  struct JoinResult {
    int16_t error = 0;
    int32_t generation = -1;
    std::string protocol_name;
    std::string leader;
    std::string member_id;
    std::vector<JoinMember> members;  // leader only
  };
  // Blocks until the rebalance this join is part of completes (or answers at once: a new id
  // with MEMBER_ID_REQUIRED, a restarted static member in a Stable group, a known member whose
  // protocols did not change).
  JoinResult Join(const JoinGroupRequest& req, const std::string& client_id,
                  const std::string& client_host);

  struct SyncResult {
    int16_t error = 0;
    std::string assignment;
  };
  // Followers block until the leader's SyncGroup arrives (or the group rebalances again).
  SyncResult Sync(const SyncGroupRequest& req);
  int16_t Heartbeat(const HeartbeatRequest& req);

  struct LeaveResult {
    int16_t error = 0;                   // request-level
    std::vector<int16_t> member_errors;  // one per requested member, in order
  };
  LeaveResult Leave(const LeaveGroupRequest& req);

  // Error code for an OffsetCommit from (generation, member, instance); 0 = allowed. Commits
  // with generation -1 and no member id are allowed only while the group is Empty (or unknown).
  int16_t ValidateCommit(const std::string& group, int32_t generation, const std::string& member,
                         const std::optional<std::string>& group_instance_id = std::nullopt);

  // DeleteGroups: NON_EMPTY_GROUP while the group has members; GROUP_ID_NOT_FOUND when the
  // coordinator does not know it and `has_offsets` is false; else the group is forgotten and 0
  // is returned (the caller deletes its committed offsets).
  int16_t Delete(const std::string& group, bool has_offsets);

  struct MemberDescription {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string client_id, client_host, metadata, assignment;
  };
  struct GroupDescription {
    std::string group_id, state, protocol_type, protocol;
    std::vector<MemberDescription> members;
  };
  std::optional<GroupDescription> Describe(const std::string& group) const;
  struct GroupListing {
    std::string group_id, protocol_type, state;
  };
  std::vector<GroupListing> List() const;

  // One pass of the timer: expires silent members and pending member ids, ends due rebalances,
  // drops empty groups.
  void Tick();

 private:
  using Clock = std::chrono::steady_clock;
  enum class State { kEmpty, kPreparingRebalance, kCompletingRebalance, kStable };
  struct Member {
    std::string id, client_id, client_host;
    std::optional<std::string> instance_id;
    int32_t session_timeout_ms = 0;
    int32_t rebalance_timeout_ms = 0;
    std::vector<std::pair<std::string, std::string>> protocols;
    std::string assignment;
    Clock::time_point last_seen;
    bool awaiting_join = false;
    std::optional<JoinResult> join_result;
    int in_call = 0;  // > 0 while blocked in Join/Sync: alive by definition
  };
  struct Group {
    std::string id;
    State state = State::kEmpty;
    int32_t generation = 0;
    std::string protocol_type, protocol, leader;
    std::map<std::string, Member> members;
    std::map<std::string, std::string> static_members;         // instance id → member id
    std::map<std::string, Clock::time_point> pending_members;  // KIP-394 id → expiry
    Clock::time_point rebalance_deadline;
    Clock::time_point initial_delay_until;
  };

  static const char* StateName(State s);
  std::string NewMemberId(const std::string& client_id, Clock::time_point now);
  // The first protocol of the leader's preference list that every member offers ("" = none).
  static std::string SelectProtocol(const Group& g);
  // True when the group cannot take another member (members + pending ids >= max_group_size).
  bool Full(const Group& g) const;
  // 0, FENCED_INSTANCE_ID (the instance id belongs to another member id) or UNKNOWN_MEMBER_ID.
  static int16_t CheckMember(const Group& g, const std::string& member_id,
                             const std::optional<std::string>& instance_id);
  // The error for a held call whose member disappeared while it waited.
  int16_t GoneError(const std::string& group_id, const std::string& member_id,
                    const std::optional<std::string>& instance_id) const;
  void StartRebalance(Group& g, Clock::time_point now);
  void MaybeCompleteJoin(Group& g, Clock::time_point now);
  // Erases the member (and its instance id); no state change.
  static void EraseMember(Group& g, const std::string& member_id);
  // Erases the member and moves the group on (Empty, or a new rebalance).
  void RemoveMember(Group& g, const std::string& member_id, const char* why, Clock::time_point now);
  // A known static instance rejoined without a member id: gives it `new_id` in place of its old
  // one. Returns the answer when no rebalance is needed.
  std::optional<JoinResult> ReplaceStaticMember(
      Group& g, std::string old_id, const std::string& new_id, const JoinGroupRequest& req,
      const std::string& client_id, const std::string& client_host, Clock::time_point now);
  // Waits (lock held, released while waiting) for the join result of `member_id`.
  JoinResult AwaitJoin(std::unique_lock<std::mutex>& lock, const std::string& group_id,
                       const std::string& member_id, const std::optional<std::string>& instance_id);

  Options options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Group> groups_;
  bool stopping_ = false;
  uint64_t next_member_ = 0;
  std::thread timer_;
};

}  // namespace eddy::kafka
