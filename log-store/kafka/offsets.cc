// OffsetCommit (key 8) v0..7, OffsetFetch (key 9) v0..5 and OffsetDelete (key 47) v0:
// committed group offsets live in LogManager (durable, shared with the native API); the group
// coordinator only checks that the committing member belongs to the current generation.
#include <algorithm>
#include <cstdio>
#include <set>

#include "log-store/kafka/group_coordinator.h"
#include "log-store/kafka/kafka_apis.h"
#include "log-store/kafka/kafka_requests.h"

namespace eddy::kafka {

absl::Status HandleOffsetCommit(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  auto req = ParseOffsetCommit(r, v);
  if (!req.ok()) return req.status();
  const int16_t group_error = b.groups->ValidateCommit(req->group_id, req->generation_id,
                                                       req->member_id, req->group_instance_id);
  if (v >= 3) w.Int32(0);
  w.ArrayCount(static_cast<int32_t>(req->topics.size()));
  for (const auto& t : req->topics) {
    w.String(t.name);
    w.ArrayCount(static_cast<int32_t>(t.partitions.size()));
    for (const auto& p : t.partitions) {
      int16_t err = group_error;
      if (err == error::kNone) {
        if (!b.logs->GetPartition(t.name, p.index).ok()) {
          err = error::kUnknownTopicOrPartition;
        } else {
          absl::Status s =
              b.logs->CommitOffset(req->group_id, t.name, p.index, p.offset, p.metadata);
          if (!s.ok()) {
            std::fprintf(stderr, "kafka: OffsetCommit %s %s/%d failed: %s\n", req->group_id.c_str(),
                         t.name.c_str(), p.index, std::string(s.message()).c_str());
            err = error::kUnknownServerError;
          }
        }
      }
      w.Int32(p.index);
      w.Int16(err);
    }
  }
  return absl::OkStatus();
}

absl::Status HandleOffsetFetch(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  auto req = ParseOffsetFetch(r, v);
  if (!req.ok()) return req.status();

  struct Entry {
    int32_t partition;
    int64_t offset;
    std::string metadata;
  };
  std::vector<std::pair<std::string, std::vector<Entry>>> out;
  if (req->topics) {
    for (const auto& t : *req->topics) {
      std::vector<Entry> entries;
      for (int32_t p : t.partitions) {
        auto c = b.logs->FetchOffset(req->group_id, t.name, p);
        entries.push_back(c ? Entry{p, c->offset, c->metadata} : Entry{p, -1, ""});
      }
      out.emplace_back(t.name, std::move(entries));
    }
  } else {
    for (const std::string& topic : b.logs->ListTopics()) {
      auto info = b.logs->DescribeTopic(topic);
      if (!info.ok()) continue;
      std::vector<Entry> entries;
      for (int32_t p = 0; p < static_cast<int32_t>(info->partitions.size()); ++p) {
        auto c = b.logs->FetchOffset(req->group_id, topic, p);
        if (c) entries.push_back(Entry{p, c->offset, c->metadata});
      }
      if (!entries.empty()) out.emplace_back(topic, std::move(entries));
    }
  }
  if (v >= 3) w.Int32(0);
  w.ArrayCount(static_cast<int32_t>(out.size()));
  for (const auto& [topic, entries] : out) {
    w.String(topic);
    w.ArrayCount(static_cast<int32_t>(entries.size()));
    for (const Entry& e : entries) {
      w.Int32(e.partition);
      w.Int64(e.offset);
      if (v >= 5) w.Int32(-1);  // committed_leader_epoch
      w.NullableString(e.metadata);
      w.Int16(error::kNone);
    }
  }
  if (v >= 2) w.Int16(error::kNone);
  return absl::OkStatus();
}

namespace {

// The topics of a member's consumer-protocol subscription (version int16, topics [string], ...);
// empty when the metadata does not parse.
std::vector<std::string> SubscribedTopics(std::string_view metadata) {
  Reader r(metadata);
  r.Int16();  // version
  std::vector<std::string> topics;
  int32_t n = r.ArrayCount(2);
  for (int32_t i = 0; i < n && r.ok(); ++i) topics.emplace_back(r.String());
  if (!r.ok()) return {};
  return topics;
}

}  // namespace

absl::Status HandleOffsetDelete(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  auto req = ParseOffsetDelete(r, v);
  if (!req.ok()) return req.status();
  const auto with_offsets = b.logs->ListGroupsWithOffsets();
  const bool has_offsets =
      std::find(with_offsets.begin(), with_offsets.end(), req->group_id) != with_offsets.end();
  auto group = b.groups->Describe(req->group_id);
  int16_t group_error = error::kNone;
  std::set<std::string> subscribed;  // offsets of these topics stay while the group is active
  if (!group && !has_offsets) {
    group_error = error::kGroupIdNotFound;
  } else if (group && group->state != "Empty") {
    if (group->protocol_type != "consumer") {
      group_error = error::kNonEmptyGroup;
    } else {
      for (const auto& m : group->members) {
        for (std::string& t : SubscribedTopics(m.metadata)) subscribed.insert(std::move(t));
      }
    }
  }
  w.Int16(group_error);
  w.Int32(0);  // throttle_time_ms
  if (group_error != error::kNone) {
    w.ArrayCount(0);
    return absl::OkStatus();
  }
  std::vector<std::pair<std::string, int32_t>> to_delete;
  std::vector<std::vector<int16_t>> errors(req->topics.size());
  for (size_t i = 0; i < req->topics.size(); ++i) {
    const auto& t = req->topics[i];
    for (int32_t p : t.partitions) {
      int16_t err = error::kNone;
      if (subscribed.count(t.name)) {
        err = error::kGroupSubscribedToTopic;
      } else if (!b.logs->GetPartition(t.name, p).ok()) {
        err = error::kUnknownTopicOrPartition;
      } else {
        to_delete.emplace_back(t.name, p);
      }
      errors[i].push_back(err);
    }
  }
  if (!to_delete.empty()) {
    absl::Status s = b.logs->DeleteGroupOffsets(req->group_id, to_delete);
    if (!s.ok()) {
      std::fprintf(stderr, "kafka: OffsetDelete %s failed: %s\n", req->group_id.c_str(),
                   std::string(s.message()).c_str());
      for (size_t i = 0; i < req->topics.size(); ++i) {
        for (int16_t& e : errors[i]) {
          if (e == error::kNone) e = error::kUnknownServerError;
        }
      }
    }
  }
  w.ArrayCount(static_cast<int32_t>(req->topics.size()));
  for (size_t i = 0; i < req->topics.size(); ++i) {
    w.String(req->topics[i].name);
    w.ArrayCount(static_cast<int32_t>(req->topics[i].partitions.size()));
    for (size_t j = 0; j < req->topics[i].partitions.size(); ++j) {
      w.Int32(req->topics[i].partitions[j]);
      w.Int16(errors[i][j]);
    }
  }
  return absl::OkStatus();
}

}  // namespace eddy::kafka
