// Metadata (key 3) v0..12: the one broker (this node), controller = this node, and every topic
// asked for (null/all per version; v12 also by topic id, UNKNOWN_TOPIC_ID when none has it), with
// its topic id from v10 (LogManager::TopicId). v9+ is flexible. Unknown topics are created when the broker allows it and
// the client asked for it (auto.create.topics.enable). DescribeCluster (key 60) v0, flexible:
// the same broker, controller and cluster id.
#include <cstdio>
#include <limits>

#include "absl/strings/str_cat.h"
#include "log-store/kafka/kafka_apis.h"
#include "log-store/kafka/kafka_requests.h"

namespace eddy::kafka {
namespace {

constexpr char kClusterId[] = "eddy";

}  // namespace

absl::Status HandleMetadata(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  auto req = ParseMetadata(r, v);
  if (!req.ok()) return req.status();
  const bool flexible = v >= 9;
  auto str = [&](std::string_view s) { flexible ? w.CompactString(s) : w.String(s); };
  auto nullable_str = [&](const std::optional<std::string_view>& s) {
    flexible ? w.CompactNullableString(s) : w.NullableString(s);
  };
  auto count = [&](int32_t n) { flexible ? w.CompactArrayCount(n) : w.ArrayCount(n); };
  const std::string zero_id(16, '\0');

  // What was asked for: a name, or (v10+, null name) an id.
  struct Wanted {
    std::string name;  // "" when looked up by an id that is unknown
    std::string id;    // 16 bytes; zero when not known
    bool by_id = false;
  };
  std::vector<Wanted> wanted;
  if (req->topics) {
    for (size_t i = 0; i < req->topics->size(); ++i) {
      Wanted t;
      t.name = (*req->topics)[i];
      if (t.name.empty() && i < req->topic_ids.size()) {
        t.by_id = true;
        t.id = req->topic_ids[i];
        t.name = t.id == zero_id ? std::string() : b.logs->TopicById(t.id);
      }
      wanted.push_back(std::move(t));
    }
  } else {
    for (std::string& name : b.logs->ListTopics()) wanted.push_back({std::move(name), "", false});
  }

  if (v >= 3) w.Int32(0);  // throttle_time_ms
  count(1);
  w.Int32(b.options.node_id);
  str(b.advertised_host);
  w.Int32(b.advertised_port);
  if (v >= 1) nullable_str(std::nullopt);  // rack
  if (flexible) w.EmptyTaggedFields();
  if (v >= 2) nullable_str(kClusterId);  // cluster_id
  if (v >= 1) w.Int32(b.options.node_id);  // controller_id

  count(static_cast<int32_t>(wanted.size()));
  for (Wanted& t : wanted) {
    int16_t err = error::kNone;
    absl::StatusOr<logstore::TopicInfo> info = absl::NotFoundError("unknown topic id");
    if (t.by_id && t.name.empty()) {
      err = error::kUnknownTopicId;
    } else {
      info = b.logs->DescribeTopic(t.name);
      if (!info.ok() && info.status().code() == absl::StatusCode::kNotFound && !t.by_id &&
          b.options.auto_create_topics && req->allow_auto_create && req->topics) {
        logstore::TopicConfig config = b.logs->options().default_topic_config;
        config.partitions = b.options.default_partitions;
        absl::Status created = b.logs->CreateTopic(t.name, config);
        if (created.ok()) {
          std::fprintf(stderr, "kafka: auto-created topic %s with %d partitions (client %s)\n",
                       t.name.c_str(), config.partitions, ctx.client_address.c_str());
        } else if (created.code() == absl::StatusCode::kInvalidArgument) {
          err = error::kInvalidTopic;
        }
        info = b.logs->DescribeTopic(t.name);
      }
      if (err == error::kNone && !info.ok()) {
        if (info.status().code() != absl::StatusCode::kNotFound) {
          err = error::kUnknownServerError;
        } else {
          err = t.by_id ? error::kUnknownTopicId : error::kUnknownTopicOrPartition;
        }
      }
    }
    if (err == error::kNone) t.id = info->id;
    w.Int16(err);
    if (v >= 12) {
      nullable_str(t.name.empty() ? std::nullopt : std::optional<std::string_view>(t.name));
    } else {
      str(t.name);
    }
    if (v >= 10) w.Raw(t.id.size() == 16 ? t.id : zero_id);  // topic_id
    if (v >= 1) w.Bool(false);  // is_internal
    if (err != error::kNone) {
      count(0);
    } else {
      const int32_t parts = static_cast<int32_t>(info->partitions.size());
      count(parts);
      for (int32_t p = 0; p < parts; ++p) {
        w.Int16(error::kNone);
        w.Int32(p);
        w.Int32(b.options.node_id);  // leader
        if (v >= 7) w.Int32(0);      // leader_epoch: one broker, leadership never moves
        count(1);
        w.Int32(b.options.node_id);  // replicas
        count(1);
        w.Int32(b.options.node_id);  // isr
        if (v >= 5) count(0);        // offline_replicas
        if (flexible) w.EmptyTaggedFields();
      }
    }
    // topic_authorized_operations: no ACLs; INT32_MIN = "not provided" (what Kafka answers when
    // the client did not ask).
    if (v >= 8) w.Int32(std::numeric_limits<int32_t>::min());
    if (flexible) w.EmptyTaggedFields();
  }
  if (v >= 8 && v <= 10) w.Int32(std::numeric_limits<int32_t>::min());  // cluster_authorized_ops
  if (flexible) w.EmptyTaggedFields();
  return absl::OkStatus();
}

absl::Status HandleDescribeCluster(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  auto req = ParseDescribeCluster(r, ctx.header.api_version);
  if (!req.ok()) return req.status();
  w.Int32(0);  // throttle_time_ms
  w.Int16(error::kNone);
  w.CompactNullableString(std::nullopt);  // error_message
  w.CompactString(kClusterId);
  w.Int32(b.options.node_id);  // controller_id
  w.CompactArrayCount(1);
  w.Int32(b.options.node_id);
  w.CompactString(b.advertised_host);
  w.Int32(b.advertised_port);
  w.CompactNullableString(std::nullopt);  // rack
  w.EmptyTaggedFields();
  // cluster_authorized_operations: not computed (no ACLs), INT32_MIN = "not provided".
  w.Int32(std::numeric_limits<int32_t>::min());
  w.EmptyTaggedFields();
  return absl::OkStatus();
}

}  // namespace eddy::kafka
