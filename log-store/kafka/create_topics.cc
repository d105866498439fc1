// CreateTopics (key 19) v0..4: one broker, so replication factor -1 or 1; -1 partitions means
// the broker default (KafkaJS sends -1 at every version). Configs use Kafka's topic keys.
#include <map>

#include "log-store/kafka/kafka_apis.h"
#include "log-store/kafka/kafka_requests.h"

namespace eddy::kafka {

absl::Status HandleCreateTopics(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  auto req = ParseCreateTopics(r, v);
  if (!req.ok()) return req.status();
  if (v >= 2) w.Int32(0);  // throttle_time_ms
  w.ArrayCount(static_cast<int32_t>(req->topics.size()));
  for (const auto& t : req->topics) {
    int16_t err = error::kNone;
    std::string message;
    std::map<std::string, std::string> kv;
    for (const auto& [k, val] : t.configs) {
      if (val) kv[k] = *val;
    }
    auto config = logstore::TopicConfig::FromMap(kv, b.logs->options().default_topic_config);
    if (!config.ok()) {
      err = error::kInvalidConfig;
      message = std::string(config.status().message());
    } else if (t.has_assignments) {
      err = error::kInvalidRequest;
      message = "manual replica assignment is not supported by this single-node broker";
    } else if (t.num_partitions == 0 || t.num_partitions < -1) {
      err = error::kInvalidPartitions;
      message = "num_partitions must be >= 1 (or -1 for the broker default)";
    } else if (t.replication_factor != -1 && t.replication_factor != 1) {
      err = error::kInvalidReplicationFactor;
      message = "replication factor must be 1 (or -1): this broker has one node";
    } else {
      config->partitions = t.num_partitions == -1 ? b.options.default_partitions : t.num_partitions;
      if (b.logs->DescribeTopic(t.name).ok()) {
        err = error::kTopicAlreadyExists;
        message = "topic '" + t.name + "' already exists";
      } else if (!req->validate_only) {
        absl::Status s = b.logs->CreateTopic(t.name, *config);
        if (s.code() == absl::StatusCode::kAlreadyExists) {
          err = error::kTopicAlreadyExists;
        } else if (s.code() == absl::StatusCode::kInvalidArgument) {
          err = error::kInvalidTopic;
        } else if (!s.ok()) {
          err = error::kUnknownServerError;
        }
        if (!s.ok()) message = std::string(s.message());
      }
    }
    w.String(t.name);
    w.Int16(err);
    if (v >= 1) {
      if (err == error::kNone) {
        w.NullableString(std::nullopt);
      } else {
        w.NullableString(message);
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace eddy::kafka
