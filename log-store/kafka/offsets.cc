// OffsetCommit (key 8) v0..7 and OffsetFetch (key 9) v0..5: committed group offsets live in
// LogManager (durable, shared with the native API); the group coordinator only checks that the
// committing member belongs to the current generation.
#include <cstdio>

#include "log-store/kafka/group_coordinator.h"
#include "log-store/kafka/kafka_apis.h"
#include "log-store/kafka/kafka_requests.h"

namespace eddy::kafka {

absl::Status HandleOffsetCommit(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  auto req = ParseOffsetCommit(r, v);
  if (!req.ok()) return req.status();
  const int16_t group_error =
      b.groups->ValidateCommit(req->group_id, req->generation_id, req->member_id);
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

}  // namespace eddy::kafka
