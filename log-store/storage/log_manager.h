// LogManager: every topic and partition under one data directory. Opens and recovers them on
// start (torn tails cut, bad indexes rebuilt), creates and deletes topics, keeps consumer group
// offsets durably, and owns the background thread that applies retention and compaction.
// The broker (native gRPC API and Kafka listener) is its only user.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "log-store/storage/partition_log.h"
#include "log-store/storage/topic_config.h"

namespace eddy::logstore {

struct LogManagerOptions {
  std::string data_dir;
  TopicConfig default_topic_config;  // base for topics created without explicit settings
  bool fsync_every_append = false;   // broker flag: every append is fsynced before it is acked
  std::chrono::milliseconds cleaner_interval{1000};  // retention + compaction pass period
  bool start_cleaner = true;  // tests may run RunCleanerOnce() by hand instead

  // Partition limits, checked before anything is created (CreateTopic, and AlterTopic when it
  // adds partitions), for the native API and the Kafka listener alike. eddy-logd sets them with
  // --max-partitions-per-topic and --max-partitions.
  int32_t max_partitions_per_topic = 10000;
  int64_t max_partitions = 100000;  // over all topics
  // Every partition keeps 3 descriptors per segment open; a create or growth that would leave
  // fewer than this many descriptors free under RLIMIT_NOFILE is refused as well.
  int32_t reserved_fds = 512;
  // Idle idempotent/transactional producer ids are forgotten per partition after this long
  // (Kafka's producer.id.expiration.ms; PartitionOptions). eddy-logd --producer-id-expiration-ms.
  int64_t producer_id_expiration_ms = 86400000;
};

struct TopicInfo {
  std::string name;
  TopicConfig config;
  std::string id;  // the topic id, 16 bytes (topic_id.h)
  std::vector<PartitionStats> partitions;  // index = partition number
};

class LogManager {
 public:
  // Opens `data_dir` (creating it), loads every topic and recovers each partition.
  // Corruption found in the middle of a segment is logged with topic, partition, segment and
  // position and that data is never served; it does not stop the broker from starting.
  static absl::StatusOr<std::unique_ptr<LogManager>> Open(const LogManagerOptions& options);
  ~LogManager();  // stops and joins the cleaner, flushes

  // Names: [a-zA-Z0-9._-], 1..249 chars (else InvalidArgument). AlreadyExists when present.
  // OutOfRange, naming the topic, the count and the limit, when config.partitions is above
  // max_partitions_per_topic, would take the broker above max_partitions, or needs more file
  // descriptors than RLIMIT_NOFILE leaves. Partitions are opened without holding the lock that
  // Produce/Fetch/Metadata take (admin calls are serialized among themselves). On any failure
  // nothing is left: the partitions already made are closed and their directories removed.
  absl::Status CreateTopic(const std::string& name, const TopicConfig& config);
  // CreateTopic's checks only (validate_only requests); nothing is created.
  absl::Status ValidateCreateTopic(const std::string& name, const TopicConfig& config) const;
  // Removes the topic's partitions and metadata (FORMAT.md section 5) and every group's committed
  // offsets for it. NotFound when absent.
  absl::Status DeleteTopic(const std::string& name);
  std::vector<std::string> ListTopics() const;  // sorted, internal topics included
  absl::StatusOr<TopicInfo> DescribeTopic(const std::string& name) const;
  // The topic's id (Kafka's KIP-516), 16 bytes: made at create, kept in the metadata file, new
  // when the name is deleted and created again; topics from before ids get one at first open.
  // NotFound when absent.
  absl::StatusOr<std::string> TopicId(const std::string& topic) const;
  // The topic whose id is `id`; empty when none.
  std::string TopicById(std::string_view id) const;
  // Applies Kafka-named settings over the current ones (partitions cannot shrink: InvalidArgument;
  // growing adds partitions, with CreateTopic's limits and cleanup on failure). NotFound when
  // absent, InvalidArgument naming a bad key or value.
  absl::Status AlterTopic(const std::string& name, const std::map<std::string, std::string>& kv);
  // Replaces every setting except the partition count with `config` (Kafka's AlterConfigs:
  // unspecified keys revert to defaults). `config.partitions` is ignored.
  absl::Status ReplaceTopicConfig(const std::string& name, const TopicConfig& config);
  // AlterTopic's checks only; nothing changes.
  absl::Status ValidateAlterTopic(const std::string& name,
                                  const std::map<std::string, std::string>& kv) const;
  // Total partitions over all topics.
  int64_t PartitionCount() const;

  // The partition's log; NotFound naming topic/partition. The pointer stays valid until the
  // topic is deleted; holders keep the shared_ptr.
  absl::StatusOr<std::shared_ptr<PartitionLog>> GetPartition(const std::string& topic,
                                                             int32_t partition) const;

  // Long-poll support: a counter bumped after every successful append to any partition, and a
  // wait until it moves past `seen` or the deadline passes. Returns the current counter.
  uint64_t AppendSequence() const;
  uint64_t WaitForAppend(uint64_t seen, std::chrono::steady_clock::time_point deadline) const;

  // Consumer group offsets (shared by the native API and the Kafka listener), kept durably.
  absl::Status CommitOffset(const std::string& group, const std::string& topic, int32_t partition,
                            int64_t offset, const std::string& metadata);
  // nullopt when nothing is committed.
  struct CommittedOffset {
    int64_t offset;
    std::string metadata;
  };
  std::optional<CommittedOffset> FetchOffset(const std::string& group, const std::string& topic,
                                             int32_t partition) const;
  std::vector<std::string> ListGroupsWithOffsets() const;
  // Every committed (topic, partition) → offset of `group`, sorted.
  std::vector<std::pair<std::pair<std::string, int32_t>, CommittedOffset>> GroupOffsets(
      const std::string& group) const;
  // Forgets committed offsets of `group`: the listed (topic, partition)s, or all with nullopt.
  // Durable (fsynced) before it returns; offsets not committed are skipped.
  absl::Status DeleteGroupOffsets(
      const std::string& group,
      const std::optional<std::vector<std::pair<std::string, int32_t>>>& partitions);

  // One retention + compaction pass over every partition (the cleaner thread calls this).
  absl::Status RunCleanerOnce();

  const LogManagerOptions& options() const;

 private:
  LogManager() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace eddy::logstore
