// AdminClient: topic management and offset look-ups against eddy-logd's native gRPC API.
// Used by the `eddy topic` CLI, the runtime's `eddy` system admin (partition counts, offsets)
// and tests. Thread-safe; every call is a blocking RPC.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "log-store/client/client_options.h"

namespace eddy::logstore {

struct PartitionDescription {
  int32_t partition = 0;
  int64_t log_start_offset = 0;
  int64_t log_end_offset = 0;
  int64_t size_bytes = 0;
  int32_t segment_count = 0;
};

struct TopicDescription {
  std::string name;
  std::map<std::string, std::string> config;  // Kafka key names, "partitions" included
  std::vector<PartitionDescription> partitions;
};

// ListOffsets specs.
inline constexpr int64_t kEarliestOffset = -2;
inline constexpr int64_t kLatestOffset = -1;

class AdminClient {
 public:
  static absl::StatusOr<std::unique_ptr<AdminClient>> Connect(const ClientOptions& options);
  virtual ~AdminClient() = default;

  // AlreadyExists when the topic is there; InvalidArgument for a bad name or setting.
  virtual absl::Status CreateTopic(const std::string& name, int32_t partitions,
                                   const std::map<std::string, std::string>& config = {}) = 0;
  virtual absl::Status DeleteTopic(const std::string& name) = 0;
  virtual absl::StatusOr<std::vector<std::string>> ListTopics() = 0;
  virtual absl::StatusOr<TopicDescription> DescribeTopic(const std::string& name) = 0;
  // Partition count of a topic (NotFound when missing).
  virtual absl::StatusOr<int32_t> PartitionCount(const std::string& topic) = 0;

  // `spec`: kEarliestOffset, kLatestOffset or a timestamp in ms (first offset with a record
  // timestamp >= it; -1 when there is none).
  virtual absl::StatusOr<int64_t> ListOffset(const TopicPartition& tp, int64_t spec) = 0;

  // Kafka's DeleteRecords: moves the partition's log start offset up to `offset` (-1 = its
  // end) and returns the new log start offset. OutOfRange beyond the end; NotFound for an
  // unknown topic or partition. Unimplemented where the client has no such call.
  virtual absl::StatusOr<int64_t> DeleteRecordsBefore(const TopicPartition& tp, int64_t offset) {
    (void)tp;
    (void)offset;
    return absl::UnimplementedError("delete records is not supported by this client");
  }

  // Consumer group offsets (shared with the Kafka listener's OffsetCommit/OffsetFetch).
  virtual absl::Status CommitOffsets(const std::string& group,
                                     const std::map<TopicPartition, int64_t>& offsets) = 0;
  // Only partitions with a committed offset appear in the result.
  virtual absl::StatusOr<std::map<TopicPartition, int64_t>> FetchCommitted(
      const std::string& group, const std::vector<TopicPartition>& partitions) = 0;
  // Groups with committed offsets and those offsets ("" = every group, else only `group`;
  // absent from the answer when it has none). Unimplemented where the client has no such call.
  virtual absl::StatusOr<std::map<std::string, std::map<TopicPartition, int64_t>>> ListGroups(
      const std::string& group) {
    (void)group;
    return absl::UnimplementedError("list groups is not supported by this client");
  }
};

}  // namespace eddy::logstore
