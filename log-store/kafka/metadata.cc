// Metadata (key 3) v0..4: the one broker (this node), controller = this node, and every topic
// asked for (null/all per version). Unknown topics are created when the broker allows it and
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

  std::vector<std::string> names = req->topics ? *req->topics : b.logs->ListTopics();
  if (v >= 3) w.Int32(0);  // throttle_time_ms
  w.ArrayCount(1);
  w.Int32(b.options.node_id);
  w.String(b.advertised_host);
  w.Int32(b.advertised_port);
  if (v >= 1) w.NullableString(std::nullopt);  // rack
  if (v >= 2) w.NullableString(kClusterId);    // cluster_id
  if (v >= 1) w.Int32(b.options.node_id);      // controller_id

  w.ArrayCount(static_cast<int32_t>(names.size()));
  for (const std::string& name : names) {
    auto info = b.logs->DescribeTopic(name);
    int16_t err = error::kNone;
    if (!info.ok() && info.status().code() == absl::StatusCode::kNotFound &&
        b.options.auto_create_topics && req->allow_auto_create && req->topics) {
      logstore::TopicConfig config = b.logs->options().default_topic_config;
      config.partitions = b.options.default_partitions;
      absl::Status created = b.logs->CreateTopic(name, config);
      if (created.ok()) {
        std::fprintf(stderr, "kafka: auto-created topic %s with %d partitions (client %s)\n",
                     name.c_str(), config.partitions, ctx.client_address.c_str());
      } else if (created.code() == absl::StatusCode::kInvalidArgument) {
        err = error::kInvalidTopic;
      }
      info = b.logs->DescribeTopic(name);
    }
    if (err == error::kNone && !info.ok()) {
      err = info.status().code() == absl::StatusCode::kNotFound ? error::kUnknownTopicOrPartition
                                                                : error::kUnknownServerError;
    }
    w.Int16(err);
    w.String(name);
    if (v >= 1) w.Bool(false);  // is_internal
    if (err != error::kNone) {
      w.ArrayCount(0);
      continue;
    }
    const int32_t parts = static_cast<int32_t>(info->partitions.size());
    w.ArrayCount(parts);
    for (int32_t p = 0; p < parts; ++p) {
      w.Int16(error::kNone);
      w.Int32(p);
      w.Int32(b.options.node_id);  // leader
      w.ArrayCount(1);
      w.Int32(b.options.node_id);  // replicas
      w.ArrayCount(1);
      w.Int32(b.options.node_id);  // isr
    }
  }
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
