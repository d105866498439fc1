// The topic admin APIs besides CreateTopics: DeleteTopics (key 20) v0..3, CreatePartitions
// (key 37) v0..1 and DeleteRecords (key 21) v0..1, all over LogManager's topic admin. One
// broker: CreatePartitions only grows a topic, and a manual assignment may name this node only.
#include <cstdio>
#include <map>
#include <string>
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

// What CreatePartitions does for one topic (nothing when validate_only).
TopicError GrowTopic(BrokerContext& b, const CreatePartitionsRequest::Topic& t,
                     bool validate_only) {
  auto info = b.logs->DescribeTopic(t.name);
  if (!info.ok()) {
    if (info.status().code() == absl::StatusCode::kNotFound) {
      return {error::kUnknownTopicOrPartition, absl::StrCat("topic '", t.name, "' does not exist")};
    }
    return {error::kUnknownServerError, std::string(info.status().message())};
  }
  const auto current = static_cast<int32_t>(info->partitions.size());
  if (t.count < current) {
    return {error::kInvalidPartitions,
            absl::StrCat("topic '", t.name, "' has ", current,
                         " partitions; it can only grow, not ", "shrink to ", t.count)};
  }
  if (t.count == current) {
    return {error::kInvalidPartitions,
            absl::StrCat("topic '", t.name, "' already has ", current, " partitions")};
  }
  if (t.assignments) {
    const int32_t added = t.count - current;
    if (static_cast<int32_t>(t.assignments->size()) != added) {
      return {error::kInvalidReplicaAssignment,
              absl::StrCat("topic '", t.name, "': ", t.assignments->size(),
                           " replica assignments for ", added, " new partitions")};
    }
    for (int32_t i = 0; i < added; ++i) {
      const std::vector<int32_t>& brokers = (*t.assignments)[static_cast<size_t>(i)];
      if (brokers.size() != 1 || brokers[0] != b.options.node_id) {
        return {error::kInvalidReplicaAssignment,
                absl::StrCat("topic '", t.name, "': new partition ", current + i,
                             " must be assigned to broker ", b.options.node_id,
                             " alone, the only broker")};
      }
    }
  }
  const std::map<std::string, std::string> kv = {{"partitions", std::to_string(t.count)}};
  absl::Status st =
      validate_only ? b.logs->ValidateAlterTopic(t.name, kv) : b.logs->AlterTopic(t.name, kv);
  if (st.ok()) return {};
  switch (st.code()) {
    case absl::StatusCode::kNotFound:
      return {error::kUnknownTopicOrPartition, std::string(st.message())};
    case absl::StatusCode::kOutOfRange:  // a partition limit
    case absl::StatusCode::kInvalidArgument:
      return {error::kInvalidPartitions, std::string(st.message())};
    default:
      return {error::kUnknownServerError, std::string(st.message())};
  }
}

}  // namespace

absl::Status HandleDeleteTopics(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  auto req = ParseDeleteTopics(r, v);
  if (!req.ok()) return req.status();
  if (v >= 1) w.Int32(0);  // throttle_time_ms
  w.ArrayCount(static_cast<int32_t>(req->topics.size()));
  for (const std::string& name : req->topics) {
    absl::Status st = b.logs->DeleteTopic(name);
    int16_t err = error::kNone;
    if (st.code() == absl::StatusCode::kNotFound) {
      err = error::kUnknownTopicOrPartition;
    } else if (!st.ok()) {
      std::fprintf(stderr, "kafka: DeleteTopics %s from %s: %s\n", name.c_str(),
                   ctx.client_address.c_str(), std::string(st.message()).c_str());
      err = error::kUnknownServerError;
    } else {
      std::fprintf(stderr, "kafka: deleted topic %s (client %s)\n", name.c_str(),
                   ctx.client_address.c_str());
    }
    w.String(name);
    w.Int16(err);
  }
  return absl::OkStatus();
}

absl::Status HandleCreatePartitions(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  auto req = ParseCreatePartitions(r, ctx.header.api_version);
  if (!req.ok()) return req.status();
  std::map<std::string, int> seen;
  for (const auto& t : req->topics) ++seen[t.name];
  w.Int32(0);  // throttle_time_ms
  w.ArrayCount(static_cast<int32_t>(req->topics.size()));
  for (const auto& t : req->topics) {
    TopicError err;
    if (seen[t.name] > 1) {
      err = {error::kInvalidRequest,
             absl::StrCat("topic '", t.name, "' is named more than once in the request")};
    } else {
      err = GrowTopic(b, t, req->validate_only);
    }
    w.String(t.name);
    w.Int16(err.code);
    if (err.code == error::kNone) {
      w.NullableString(std::nullopt);
    } else {
      w.NullableString(err.message);
    }
  }
  return absl::OkStatus();
}

absl::Status HandleDeleteRecords(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  auto req = ParseDeleteRecords(r, ctx.header.api_version);
  if (!req.ok()) return req.status();
  w.Int32(0);  // throttle_time_ms
  w.ArrayCount(static_cast<int32_t>(req->topics.size()));
  for (const auto& t : req->topics) {
    w.String(t.name);
    w.ArrayCount(static_cast<int32_t>(t.partitions.size()));
    for (const auto& p : t.partitions) {
      int16_t err = error::kNone;
      int64_t low = -1;
      auto log = b.logs->GetPartition(t.name, p.index);
      if (!log.ok()) {
        err = error::kUnknownTopicOrPartition;
      } else {
        auto moved = (*log)->DeleteRecordsBefore(p.offset);
        if (moved.ok()) {
          low = *moved;
        } else {
          std::fprintf(stderr, "kafka: DeleteRecords %s/%d before %lld from %s: %s\n",
                       t.name.c_str(), p.index, static_cast<long long>(p.offset),
                       ctx.client_address.c_str(), std::string(moved.status().message()).c_str());
          switch (moved.status().code()) {
            case absl::StatusCode::kOutOfRange:
              err = error::kOffsetOutOfRange;
              break;
            case absl::StatusCode::kNotFound:
              err = error::kUnknownTopicOrPartition;
              break;
            default:
              err = error::kKafkaStorageError;
          }
        }
      }
      w.Int32(p.index);
      w.Int64(low);
      w.Int16(err);
    }
  }
  return absl::OkStatus();
}

}  // namespace eddy::kafka
