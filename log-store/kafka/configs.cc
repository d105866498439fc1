// The config APIs: DescribeConfigs (key 32) v0..2, AlterConfigs (key 33) v0..1 and
// IncrementalAlterConfigs (key 44) v0. Topic configs are TopicConfig's Kafka-named keys (every
// key of TopicConfig::ToMap() except "partitions", which is not a Kafka config); broker configs
// are a read-only view of eddy-logd's settings. AlterConfigs replaces a topic's whole set
// (unspecified keys revert to the broker defaults); IncrementalAlterConfigs applies SET, DELETE
// and, for the list-typed cleanup.policy only, APPEND and SUBTRACT.
#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "log-store/kafka/kafka_apis.h"
#include "log-store/kafka/kafka_requests.h"

namespace eddy::kafka {
namespace {

// Kafka's DescribeConfigs config_source values.
constexpr int8_t kSourceDynamicTopic = 1;
constexpr int8_t kSourceStaticBroker = 4;
constexpr int8_t kSourceDefault = 5;

struct ResourceError {
  int16_t code = error::kNone;
  std::string message;
};

// Every Kafka topic config Eddy has, with its value.
std::map<std::string, std::string> TopicConfigs(const logstore::TopicConfig& c) {
  std::map<std::string, std::string> m = c.ToMap();
  m.erase("partitions");
  return m;
}

// The broker's settings under Kafka's names (plus Eddy's partition limits), all read-only:
// they are eddy-logd flags.
std::map<std::string, std::string> BrokerConfigs(const BrokerContext& b) {
  const logstore::LogManagerOptions& lo = b.logs->options();
  const auto topic = TopicConfigs(lo.default_topic_config);
  return {
      {"broker.id", std::to_string(b.options.node_id)},
      {"log.dirs", lo.data_dir},
      {"num.partitions", std::to_string(b.options.default_partitions)},
      {"default.replication.factor", "1"},
      {"auto.create.topics.enable", b.options.auto_create_topics ? "true" : "false"},
      {"delete.topic.enable", "true"},
      {"message.max.bytes", topic.at("max.message.bytes")},
      {"log.retention.ms", topic.at("retention.ms")},
      {"log.segment.bytes", topic.at("segment.bytes")},
      {"compression.type", topic.at("compression.type")},
      {"socket.request.max.bytes", std::to_string(b.options.max_frame_bytes)},
      {"group.initial.rebalance.delay.ms",
       std::to_string(b.options.group_initial_rebalance_delay_ms)},
      {"group.min.session.timeout.ms", std::to_string(b.options.group_min_session_timeout_ms)},
      {"group.max.session.timeout.ms", std::to_string(b.options.group_max_session_timeout_ms)},
      {"eddy.max.partitions.per.topic", std::to_string(lo.max_partitions_per_topic)},
      {"eddy.max.partitions", std::to_string(lo.max_partitions)},
  };
}

ResourceError CheckBroker(const BrokerContext& b, int8_t type, const std::string& name) {
  if (type != kResourceBroker && type != kResourceTopic) {
    return {error::kInvalidRequest,
            absl::StrCat("config resource type ", type, " is not supported: only TOPIC (2) and ",
                         "BROKER (4)")};
  }
  if (type == kResourceBroker && name != std::to_string(b.options.node_id)) {
    return {error::kInvalidRequest,
            absl::StrCat("unexpected broker id '", name, "': this is broker ", b.options.node_id,
                         ", the only one")};
  }
  return {};
}

void WriteResourceHeader(const ResourceError& e, int8_t type, const std::string& name, Writer& w) {
  w.Int16(e.code);
  if (e.code == error::kNone) {
    w.NullableString(std::nullopt);
  } else {
    w.NullableString(e.message);
  }
  w.Int8(type);
  w.String(name);
}

// Applies one resource's AlterConfigs / IncrementalAlterConfigs entries to a topic.
ResourceError AlterTopicConfigs(BrokerContext& b, const AlterConfigsRequest::Resource& res,
                                bool incremental, bool validate_only) {
  auto info = b.logs->DescribeTopic(res.name);
  if (!info.ok()) {
    if (info.status().code() == absl::StatusCode::kNotFound) {
      return {error::kUnknownTopicOrPartition,
              absl::StrCat("topic '", res.name, "' does not exist")};
    }
    return {error::kUnknownServerError, std::string(info.status().message())};
  }
  const auto defaults = TopicConfigs(b.logs->options().default_topic_config);
  // AlterConfigs starts from the defaults (the request is the whole set), incremental from now.
  std::map<std::string, std::string> next = incremental ? TopicConfigs(info->config) : defaults;
  std::set<std::string> keys;
  for (const auto& e : res.entries) {
    if (!keys.insert(e.name).second) {
      return {error::kInvalidRequest,
              absl::StrCat("topic '", res.name, "': config '", e.name, "' is given twice")};
    }
    if (!defaults.count(e.name)) {
      return {error::kInvalidConfig,
              absl::StrCat("topic '", res.name, "': unknown topic config key '", e.name, "'")};
    }
    const bool needs_value = e.op != AlterConfigsRequest::kDelete;
    if (needs_value && !e.value) {
      return {error::kInvalidConfig,
              absl::StrCat("topic '", res.name, "': config '", e.name, "' has a null value")};
    }
    switch (e.op) {
      case AlterConfigsRequest::kSet:
        next[e.name] = *e.value;
        break;
      case AlterConfigsRequest::kDelete:
        next[e.name] = defaults.at(e.name);
        break;
      case AlterConfigsRequest::kAppend:
      case AlterConfigsRequest::kSubtract: {
        if (e.name != "cleanup.policy") {
          return {error::kInvalidConfig,
                  absl::StrCat("topic '", res.name, "': APPEND and SUBTRACT apply to list ",
                               "configs only (cleanup.policy), not '", e.name, "'")};
        }
        std::vector<std::string> items = absl::StrSplit(next[e.name], ',', absl::SkipEmpty());
        for (const std::string& item :
             std::vector<std::string>(absl::StrSplit(*e.value, ',', absl::SkipEmpty()))) {
          auto it = std::find(items.begin(), items.end(), item);
          if (e.op == AlterConfigsRequest::kAppend && it == items.end()) items.push_back(item);
          if (e.op == AlterConfigsRequest::kSubtract && it != items.end()) items.erase(it);
        }
        if (items.empty()) {
          return {error::kInvalidConfig,
                  absl::StrCat("topic '", res.name, "': cleanup.policy cannot be empty ",
                               "(delete, compact or compact,delete)")};
        }
        next[e.name] = absl::StrJoin(items, ",");
        break;
      }
      default:
        return {error::kInvalidRequest, absl::StrCat("topic '", res.name, "': config '", e.name,
                                                     "': unknown operation ", e.op)};
    }
  }
  auto config = logstore::TopicConfig::FromMap(next, logstore::TopicConfig{});
  if (!config.ok()) {
    return {error::kInvalidConfig,
            absl::StrCat("topic '", res.name, "': ", config.status().message())};
  }
  if (validate_only) return {};
  absl::Status st = b.logs->ReplaceTopicConfig(res.name, *config);
  if (st.code() == absl::StatusCode::kNotFound) {
    return {error::kUnknownTopicOrPartition, std::string(st.message())};
  }
  if (!st.ok()) return {error::kUnknownServerError, std::string(st.message())};
  return {};
}

absl::Status AlterConfigs(BrokerContext& b, const AlterConfigsRequest& req, bool incremental,
                          Writer& w) {
  w.Int32(0);  // throttle_time_ms
  w.ArrayCount(static_cast<int32_t>(req.resources.size()));
  for (const auto& res : req.resources) {
    ResourceError err = CheckBroker(b, res.type, res.name);
    if (err.code == error::kNone && res.type == kResourceBroker) {
      err = {error::kInvalidRequest,
             absl::StrCat("broker ", res.name, ": broker configs are read-only here; set them ",
                          "with eddy-logd's flags")};
    } else if (err.code == error::kNone) {
      err = AlterTopicConfigs(b, res, incremental, req.validate_only);
    }
    WriteResourceHeader(err, res.type, res.name, w);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status HandleDescribeConfigs(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  auto req = ParseDescribeConfigs(r, v);
  if (!req.ok()) return req.status();
  const auto defaults = TopicConfigs(b.logs->options().default_topic_config);
  w.Int32(0);  // throttle_time_ms
  w.ArrayCount(static_cast<int32_t>(req->resources.size()));
  for (const auto& res : req->resources) {
    ResourceError err = CheckBroker(b, res.type, res.name);
    std::map<std::string, std::string> configs;
    if (err.code == error::kNone && res.type == kResourceTopic) {
      auto info = b.logs->DescribeTopic(res.name);
      if (info.ok()) {
        configs = TopicConfigs(info->config);
      } else if (info.status().code() == absl::StatusCode::kNotFound) {
        err = {error::kUnknownTopicOrPartition,
               absl::StrCat("topic '", res.name, "' does not exist")};
      } else {
        err = {error::kUnknownServerError, std::string(info.status().message())};
      }
    } else if (err.code == error::kNone) {
      configs = BrokerConfigs(b);
    }
    if (res.keys) {
      const std::set<std::string> wanted(res.keys->begin(), res.keys->end());
      std::erase_if(configs, [&](const auto& kv) { return !wanted.count(kv.first); });
    }
    WriteResourceHeader(err, res.type, res.name, w);
    w.ArrayCount(static_cast<int32_t>(configs.size()));
    for (const auto& [key, value] : configs) {
      const bool topic = res.type == kResourceTopic;
      const bool is_default = topic && defaults.at(key) == value;
      const int8_t source = !topic       ? kSourceStaticBroker
                            : is_default ? kSourceDefault
                                         : kSourceDynamicTopic;
      w.String(key);
      w.NullableString(value);
      w.Bool(!topic);  // read_only: broker settings are eddy-logd flags
      if (v == 0) {
        w.Bool(is_default || !topic);
      } else {
        w.Int8(source);
      }
      w.Bool(false);  // is_sensitive
      if (v >= 1) {
        if (!req->include_synonyms) {
          w.ArrayCount(0);
        } else if (topic && !is_default) {
          w.ArrayCount(2);
          w.String(key);
          w.NullableString(value);
          w.Int8(kSourceDynamicTopic);
          w.String(key);
          w.NullableString(defaults.at(key));
          w.Int8(kSourceDefault);
        } else {
          w.ArrayCount(1);
          w.String(key);
          w.NullableString(value);
          w.Int8(source);
        }
      }
    }
  }
  return absl::OkStatus();
}

absl::Status HandleAlterConfigs(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  auto req = ParseAlterConfigs(r, ctx.header.api_version);
  if (!req.ok()) return req.status();
  return AlterConfigs(b, *req, /*incremental=*/false, w);
}

absl::Status HandleIncrementalAlterConfigs(BrokerContext& b, RequestContext& ctx, Reader& r,
                                           Writer& w) {
  auto req = ParseIncrementalAlterConfigs(r, ctx.header.api_version);
  if (!req.ok()) return req.status();
  return AlterConfigs(b, *req, /*incremental=*/true, w);
}

}  // namespace eddy::kafka
