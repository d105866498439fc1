// ShareGroupManager: every share group of one eddy-logd (KIP-932 queues on the log), shared by
// the native gRPC API (log-store/broker/log_store_service.cc) and the Kafka listener
// (log-store/kafka/share_apis.cc). It holds the groups and their members, creates share
// partitions on first use (from share.auto.offset.reset) or from the durable state, applies
// acknowledgements, acquires records with a long poll, and runs one timer thread (joined by the
// destructor) that expires record locks and removes members past their session timeout.
// Errors carry Kafka's error name as the reason payload (TxnReason() reads it):
// UNKNOWN_MEMBER_ID, FENCED_MEMBER_EPOCH, GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP,
// GROUP_MAX_SIZE_REACHED, UNKNOWN_TOPIC_OR_PARTITION, INVALID_RECORD_STATE, INVALID_REQUEST.
// The model and guarantees: log-store/SHARE_GROUPS.md.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "log-store/share/share_config.h"
#include "log-store/share/share_group.h"
#include "log-store/share/share_partition.h"
#include "log-store/share/share_state_store.h"
#include "log-store/storage/log_manager.h"

namespace eddy::logstore::share {

struct ShareGroupManagerOptions {
  std::string data_dir;
  bool fsync = false;  // eddy-logd --fsync: every state change is fdatasync'd before answering
  ShareConfigLimits limits;
  int32_t max_groups = 1000;
  int32_t max_members_per_group = 200;  // Kafka's group.share.max.size
  int32_t max_records_per_fetch = 10000;
  int32_t default_records_per_fetch = 500;
  int32_t max_fetch_bytes = 48 << 20;
  int32_t default_fetch_bytes = 4 << 20;
  int32_t max_wait_ms = 30000;
  int32_t max_acks_per_request = 10000;
  int32_t max_partitions_per_request = 1000;
  int32_t max_name_length = 255;       // group and member ids
  std::chrono::milliseconds tick{50};  // lock expiry / session timeout check period
  int64_t snapshot_bytes = 16 << 20;
  bool start_timer = true;         // tests run RunTimerOnce() by hand instead
  std::function<int64_t()> clock;  // ms; tests set it, else steady_clock
};

// One acknowledgement of a partition's offsets.
struct ShareAckItem {
  std::string topic;
  int32_t partition = 0;
  AckRange range;
};
struct ShareAckOutcome {
  ShareAckItem item;
  absl::Status status;
};

struct HeartbeatResult {
  std::string member_id;
  int32_t member_epoch = 0;
  int32_t heartbeat_interval_ms = 0;
  std::vector<TopicAssignment> assignment;
};

struct ShareFetchParams {
  std::string group, member_id;
  std::optional<int32_t> member_epoch;  // checked when given
  int32_t max_wait_ms = 0;
  int32_t max_records = 0;                                  // 0 = default
  int32_t max_bytes = 0;                                    // 0 = default
  std::vector<std::pair<std::string, int32_t>> partitions;  // empty = the member's assignment
  std::vector<ShareAckItem> acks;
  std::function<bool()> cancelled;  // polled during the long poll (may be empty)
};
struct ShareFetchPartitionOut {
  std::string topic;
  int32_t partition = 0;
  absl::Status status;
  AcquireOutput out;
  int64_t high_watermark = 0;
  int64_t log_start_offset = 0;
};
struct ShareFetchResult {
  std::vector<ShareFetchPartitionOut> partitions;
  std::vector<ShareAckOutcome> acks;
  int32_t record_lock_duration_ms = 0;
};

struct ShareMemberInfo {
  std::string member_id;
  int32_t member_epoch = 0;
  std::vector<std::string> topics;
  std::vector<TopicAssignment> assignment;
  int64_t last_heartbeat_ms_ago = 0;
  int64_t acquired = 0;
};
struct SharePartitionInfo {
  std::string topic;
  int32_t partition = 0;
  SharePartitionStats stats;
  int64_t high_watermark = 0;
};
struct ShareGroupInfo {
  std::string group;
  std::string state;  // Empty | Stable
  std::vector<ShareMemberInfo> members;
  std::vector<SharePartitionInfo> partitions;
  std::map<std::string, std::string> configs;  // effective
};

// Where ResetOffsets moves a start offset.
struct ResetTarget {
  enum Kind { kEarliest, kLatest, kOffset, kTimestamp } kind = kLatest;
  int64_t value = 0;
};

class ShareGroupManager {
 public:
  // Loads the durable state (ShareStateStore) of `options.data_dir` and starts the timer.
  static absl::StatusOr<std::unique_ptr<ShareGroupManager>> Open(LogManager* logs,
                                                                 ShareGroupManagerOptions options,
                                                                 std::string* report = nullptr);
  ~ShareGroupManager();  // stops and joins the timer

  // Joins (epoch 0: a new member gets epoch 1, a known one rejoins with a higher epoch and loses
  // what it held), stays (its current epoch; the epoch goes up when its assignment changes) or
  // leaves (epoch -1) `group`, created on the first join. `topics` empty = unchanged (required on
  // join).
  absl::StatusOr<HeartbeatResult> Heartbeat(const std::string& group, const std::string& member_id,
                                            int32_t member_epoch,
                                            const std::vector<std::string>& topics);

  // Applies params.acks, then acquires records (long-polling up to max_wait_ms while nothing
  // is available). Request-level errors (unknown group/member, wrong epoch, bad sizes) are the
  // returned status; per-partition and per-ack errors are in the result.
  absl::StatusOr<ShareFetchResult> ShareFetch(const ShareFetchParams& params);
  absl::StatusOr<std::vector<ShareAckOutcome>> Acknowledge(const std::string& group,
                                                           const std::string& member_id,
                                                           std::optional<int32_t> member_epoch,
                                                           const std::vector<ShareAckItem>& acks);

  std::vector<std::string> ListGroups() const;
  absl::StatusOr<ShareGroupInfo> Describe(const std::string& group) const;
  // Sets (empty value: removes) group settings, creating the group when it does not exist.
  absl::Status AlterConfigs(const std::string& group,
                            const std::map<std::string, std::string>& configs);
  // Refused while the group has members (NON_EMPTY_GROUP).
  absl::Status DeleteGroup(const std::string& group);
  // Moves the start offset of `topic`'s `partitions` (empty = all); refused while the group has
  // members. Creates the group when it does not exist.
  absl::StatusOr<std::vector<SharePartitionInfo>> ResetOffsets(
      const std::string& group, const std::string& topic, const std::vector<int32_t>& partitions,
      ResetTarget target);
  // Forgets the group's state of `topic` (Kafka's DeleteShareGroupOffsets); refused while the
  // group has members.
  absl::Status DeleteOffsets(const std::string& group, const std::string& topic);

  // Runs one timer pass now (tests).
  void RunTimerOnce();
  const ShareGroupManagerOptions& options() const { return options_; }
  ShareStateStore* store() { return store_.get(); }

 private:
  class DeadLetterWriter;
  ShareGroupManager(LogManager* logs, ShareGroupManagerOptions options);
  int64_t NowMs() const;
  absl::StatusOr<ShareGroup*> GetOrCreateGroupLocked(const std::string& group);
  absl::StatusOr<ShareGroup*> FindGroupLocked(const std::string& group) const;
  absl::StatusOr<ShareMember*> CheckMemberLocked(ShareGroup* g, const std::string& member_id,
                                                 std::optional<int32_t> epoch) const;
  absl::StatusOr<std::shared_ptr<SharePartition>> PartitionLocked(ShareGroup* g,
                                                                  const std::string& topic,
                                                                  int32_t partition);
  std::vector<TopicAssignment> AssignmentOf(const std::vector<std::string>& topics) const;
  void RemoveMemberLocked(ShareGroup* g, const std::string& member_id);
  // Resolves the acks' partitions under mu_, then applies them without it.
  std::vector<ShareAckOutcome> ApplyAcks(const std::string& group, uint64_t member_key,
                                         const ShareGroupConfig& cfg,
                                         const std::vector<ShareAckItem>& acks);
  void TimerLoop();

  LogManager* logs_;
  const ShareGroupManagerOptions options_;
  std::unique_ptr<ShareStateStore> store_;
  std::unique_ptr<DeadLetterWriter> dlq_;

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<ShareGroup>> groups_;
  uint64_t next_member_key_ = 1;

  std::mutex timer_mu_;
  std::condition_variable timer_cv_;
  bool stop_ = false;
  std::thread timer_;
};

}  // namespace eddy::logstore::share
