// CreateTopics (key 19) v0..4: one broker, so replication factor -1 or 1; -1 partitions means
// the broker default (KafkaJS sends -1 at every version). Configs use Kafka's topic keys. A
// manual replica assignment is taken when it places every partition on this broker alone.
// Partition limits are LogManager's (INVALID_PARTITIONS), checked for validate_only too.
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "log-store/kafka/kafka_apis.h"
#include "log-store/kafka/kafka_requests.h"

namespace eddy::kafka {
namespace {

struct TopicError {
  int16_t code = error::kNone;
  std::string message;
};

// Checks a manual replica assignment as Kafka does, for a cluster made of broker `node_id` only;
// on success *partitions is the number of partitions it describes.
TopicError CheckAssignments(const CreateTopicsRequest::Topic& t, int32_t node_id,
                            int32_t* partitions) {
  if (t.num_partitions != -1 || t.replication_factor != -1) {
    return {error::kInvalidRequest,
            absl::StrCat("topic '", t.name, "': a manual replica assignment was given, so ",
                         "num_partitions and replication_factor must be -1 (got ", t.num_partitions,
                         " and ", t.replication_factor, ")")};
  }
  const auto n = static_cast<int32_t>(t.assignments.size());
  std::vector<bool> seen(t.assignments.size(), false);
  for (const auto& a : t.assignments) {
    if (a.partition_index < 0 || a.partition_index >= n) {
      return {
          error::kInvalidReplicaAssignment,
          absl::StrCat("topic '", t.name, "': the assignment names partition ", a.partition_index,
                       "; partitions must be 0..", n - 1, ", each exactly once")};
    }
    if (seen[static_cast<size_t>(a.partition_index)]) {
      return {error::kInvalidReplicaAssignment,
              absl::StrCat("topic '", t.name, "': partition ", a.partition_index,
                           " is assigned more than once")};
    }
    seen[static_cast<size_t>(a.partition_index)] = true;
    if (a.broker_ids.empty()) {
      return {error::kInvalidReplicaAssignment,
              absl::StrCat("topic '", t.name, "': partition ", a.partition_index,
                           " has an empty replica list")};
    }
    for (int32_t broker : a.broker_ids) {
      if (broker != node_id) {
        return {
            error::kInvalidReplicaAssignment,
            absl::StrCat("topic '", t.name, "': partition ", a.partition_index,
                         " is assigned to broker ", broker, ", but the only broker is ", node_id)};
      }
    }
    if (a.broker_ids.size() > 1) {
      return {error::kInvalidReplicaAssignment,
              absl::StrCat("topic '", t.name, "': partition ", a.partition_index, " names broker ",
                           node_id, " more than once")};
    }
  }
  *partitions = n;
  return {};
}

}  // namespace

int16_t CreateTopicErrorCode(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kOk:
      return error::kNone;
    case absl::StatusCode::kAlreadyExists:
      return error::kTopicAlreadyExists;
    case absl::StatusCode::kInvalidArgument:
      return error::kInvalidTopic;
    case absl::StatusCode::kOutOfRange:  // a partition limit of LogManagerOptions
      return error::kInvalidPartitions;
    default:
      return error::kUnknownServerError;
  }
}

absl::Status HandleCreateTopics(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  auto req = ParseCreateTopics(r, v);
  if (!req.ok()) return req.status();
  if (v >= 2) w.Int32(0);  // throttle_time_ms
  w.ArrayCount(static_cast<int32_t>(req->topics.size()));
  for (const auto& t : req->topics) {
    TopicError err;
    std::map<std::string, std::string> kv;
    for (const auto& [k, val] : t.configs) {
      if (val) kv[k] = *val;
    }
    int32_t assigned_partitions = 0;
    auto config = logstore::TopicConfig::FromMap(kv, b.logs->options().default_topic_config);
    if (!config.ok()) {
      err = {error::kInvalidConfig, std::string(config.status().message())};
    } else if (!t.assignments.empty()) {
      err = CheckAssignments(t, b.options.node_id, &assigned_partitions);
    } else if (t.num_partitions == 0 || t.num_partitions < -1) {
      err = {error::kInvalidPartitions,
             "num_partitions must be >= 1 (or -1 for the broker default)"};
    } else if (t.replication_factor != -1 && t.replication_factor != 1) {
      err = {error::kInvalidReplicationFactor,
             "replication factor must be 1 (or -1): this broker has one node"};
    }
    if (err.code == error::kNone) {
      config->partitions = !t.assignments.empty()   ? assigned_partitions
                           : t.num_partitions == -1 ? b.options.default_partitions
                                                    : t.num_partitions;
      // The same checks with and without validate_only: name, existence, partition limits.
      absl::Status s = req->validate_only ? b.logs->ValidateCreateTopic(t.name, *config)
                                          : b.logs->CreateTopic(t.name, *config);
      if (!s.ok()) err = {CreateTopicErrorCode(s), std::string(s.message())};
    }
    w.String(t.name);
    w.Int16(err.code);
    if (v >= 1) {
      if (err.code == error::kNone) {
        w.NullableString(std::nullopt);
      } else {
        w.NullableString(err.message);
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace eddy::kafka
