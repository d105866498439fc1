// GroupCoordinator: the classic Kafka consumer-group protocol for the Kafka listener.
// States Empty → PreparingRebalance → CompletingRebalance → Stable, with held JoinGroup and
// SyncGroup calls (the calling connection thread blocks; other connections are unaffected),
// generations, a leader, session timeouts and rebalance timeouts enforced by a timer thread
// this object owns, and an initial rebalance delay for new groups. Broker-wide; thread-safe.
// Committed offsets are not kept here: they live in LogManager (shared with the native API).
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
  };
  explicit GroupCoordinator(const Options& options);
  ~GroupCoordinator();  // Stop()

  void Start();  // starts the timer thread
  // Wakes every held call (they answer COORDINATOR_NOT_AVAILABLE) and joins the timer thread.
  void Stop();

  struct JoinResult {
    int16_t error = 0;
    int32_t generation = -1;
    std::string protocol_name;
    std::string leader;
    std::string member_id;
    std::vector<std::pair<std::string, std::string>> members;  // leader only: id, metadata
  };
  // Blocks until the rebalance this join is part of completes.
  JoinResult Join(const JoinGroupRequest& req, const std::string& client_id,
                  const std::string& client_host);

  struct SyncResult {
    int16_t error = 0;
    std::string assignment;
  };
  // Followers block until the leader's SyncGroup arrives (or the group rebalances again).
  SyncResult Sync(const SyncGroupRequest& req);
  int16_t Heartbeat(const HeartbeatRequest& req);
  int16_t Leave(const LeaveGroupRequest& req);
  // Error code for an OffsetCommit from (generation, member); 0 = allowed.
  int16_t ValidateCommit(const std::string& group, int32_t generation, const std::string& member);

  struct MemberDescription {
    std::string member_id, client_id, client_host, metadata, assignment;
  };
  struct GroupDescription {
    std::string group_id, state, protocol_type, protocol;
    std::vector<MemberDescription> members;
  };
  std::optional<GroupDescription> Describe(const std::string& group) const;
  std::vector<std::pair<std::string, std::string>> List() const;  // group id, protocol type

  // One pass of the timer: expires silent members and ends due rebalances.
  void Tick();

 private:
  using Clock = std::chrono::steady_clock;
  enum class State { kEmpty, kPreparingRebalance, kCompletingRebalance, kStable };
  struct Member {
    std::string id, client_id, client_host;
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
    Clock::time_point rebalance_deadline;
    Clock::time_point initial_delay_until;
  };

  static const char* StateName(State s);
  void StartRebalance(Group& g, Clock::time_point now);
  void MaybeCompleteJoin(Group& g, Clock::time_point now);
  void RemoveMember(Group& g, const std::string& member_id, const char* why, Clock::time_point now);

  Options options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Group> groups_;
  bool stopping_ = false;
  uint64_t next_member_ = 0;
  std::thread timer_;
};

}  // namespace eddy::kafka
