// Share groups over the Kafka protocol (KIP-932), all flexible: ShareGroupHeartbeat (76) v1,
// ShareFetch (78) v1 and ShareAcknowledge (79) v1, through the broker's ShareGroupManager (the
// same core as the native API). Topics travel as topic ids (16-byte UUIDs that the share state
// store gives each topic on first use and keeps). Share sessions (ShareSessionEpoch): epoch 0
// opens a session of (group, member) holding the request's partitions, each later request sends
// the next epoch and adds partitions (ForgottenTopicsData removes them), -1 closes it (then
// acknowledgements only). Malformed input closes the connection (the dispatcher's rule for
// every API); a bad group, member, epoch or topic id answers its Kafka error.
#include <algorithm>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "log-store/kafka/kafka_apis.h"
#include "log-store/kafka/share_sessions.h"
#include "log-store/share/share_group_manager.h"
#include "log-store/txn/transaction_coordinator.h"

namespace eddy::kafka {
namespace {

using logstore::share::AckType;
using logstore::share::ShareAckItem;

constexpr int16_t kUnknownTopicId = 100;
constexpr int16_t kFencedMemberEpoch = 110;
constexpr int16_t kInvalidRecordState = 121;
constexpr int16_t kShareSessionNotFound = 122;
constexpr int16_t kInvalidShareSessionEpoch = 123;

int16_t ShareErrorCode(const absl::Status& s) {
  if (s.ok()) return error::kNone;
  static const std::map<std::string, int16_t> kByReason = {
      {"UNKNOWN_MEMBER_ID", error::kUnknownMemberId},
      {"FENCED_MEMBER_EPOCH", kFencedMemberEpoch},
      {"GROUP_ID_NOT_FOUND", error::kGroupIdNotFound},
      {"NON_EMPTY_GROUP", error::kNonEmptyGroup},
      {"GROUP_MAX_SIZE_REACHED", error::kGroupMaxSizeReached},
      {"UNKNOWN_TOPIC_OR_PARTITION", error::kUnknownTopicOrPartition},
      {"INVALID_RECORD_STATE", kInvalidRecordState},
      {"INVALID_REQUEST", error::kInvalidRequest},
      {"INVALID_GROUP_ID", error::kInvalidGroupId},
      {"INVALID_CONFIG", error::kInvalidConfig},
  };
  auto it = kByReason.find(logstore::TxnReason(s));
  if (it != kByReason.end()) return it->second;
  if (absl::IsInvalidArgument(s)) return error::kInvalidRequest;
  if (absl::IsUnavailable(s)) return error::kKafkaStorageError;
  return error::kUnknownServerError;
}

void ErrorMessage(Writer& w, const absl::Status& s) {
  if (s.ok()) {
    w.CompactNullableString(std::nullopt);
  } else {
    w.CompactNullableString(std::string_view(s.message().data(), s.message().size()));
  }
}

// Reads one AcknowledgementBatch into `out` (one range per type run). False: malformed.
bool ReadAckBatch(Reader& r, const std::string& topic, int32_t partition,
                  std::vector<ShareAckItem>* out, bool* invalid) {
  const int64_t first = r.Int64();
  const int64_t last = r.Int64();
  const int32_t n = r.CompactArrayCount(1);
  std::vector<int8_t> types;
  for (int32_t i = 0; i < n && r.ok(); ++i) types.push_back(r.Int8());
  r.SkipTaggedFields();
  if (!r.ok()) return false;
  for (int8_t t : types) {
    if (t < 0 || t > 3) *invalid = true;  // 4 (renew) is ShareFetch v2+, not served
  }
  if (types.empty() || first > last || first < 0 ||
      (types.size() != 1 && static_cast<int64_t>(types.size()) != last - first + 1)) {
    *invalid = true;
  }
  if (*invalid) return true;
  if (types.size() == 1) {
    out->push_back({topic, partition, {first, last, static_cast<AckType>(types[0])}});
    return true;
  }
  for (int64_t o = first; o <= last; ++o) {
    const auto t = static_cast<AckType>(types[o - first]);
    if (!out->empty() && out->back().topic == topic && out->back().partition == partition &&
        out->back().range.type == t && out->back().range.last + 1 == o) {
      out->back().range.last = o;
    } else {
      out->push_back({topic, partition, {o, o, t}});
    }
  }
  return true;
}

void WriteLeader(Writer& w, const BrokerContext& b) {
  w.Int32(b.options.node_id);  // CurrentLeader.LeaderId
  w.Int32(0);                  // LeaderEpoch
  w.EmptyTaggedFields();
}

void WriteNodeEndpoints(Writer& w) { w.CompactArrayCount(0); }

}  // namespace

absl::Status HandleShareGroupHeartbeat(BrokerContext& b, RequestContext&, Reader& r, Writer& w) {
  const std::string group(r.CompactString());
  const std::string member(r.CompactString());
  const int32_t epoch = r.Int32();
  r.CompactNullableString();  // rack id
  r.Int32();                  // rebalance timeout
  std::vector<std::string> topics;
  const int32_t n = r.CompactArrayCount(1);
  for (int32_t i = 0; i < n && r.ok(); ++i) topics.emplace_back(r.CompactString());
  r.SkipTaggedFields();
  if (!r.ok()) return r.status("ShareGroupHeartbeat request");

  absl::StatusOr<logstore::share::HeartbeatResult> hb =
      b.share == nullptr ? absl::StatusOr<logstore::share::HeartbeatResult>(
                               absl::FailedPreconditionError("this broker serves no share groups"))
                         : b.share->Heartbeat(group, member, epoch, topics);
  w.Int32(0);  // throttle
  if (!hb.ok()) {
    w.Int16(b.share == nullptr ? error::kCoordinatorNotAvailable : ShareErrorCode(hb.status()));
    ErrorMessage(w, hb.status());
    w.CompactNullableString(std::nullopt);
    w.Int32(epoch);
    w.Int32(0);
    w.Int8(-1);  // assignment: null
    w.EmptyTaggedFields();
    return absl::OkStatus();
  }
  w.Int16(error::kNone);
  w.CompactNullableString(std::nullopt);
  w.CompactNullableString(hb->member_id);
  w.Int32(hb->member_epoch);
  w.Int32(hb->heartbeat_interval_ms);
  if (hb->member_epoch < 0) {
    w.Int8(-1);
  } else {
    std::vector<std::pair<std::string, const logstore::share::TopicAssignment*>> ids;
    for (const auto& a : hb->assignment) {
      auto id = b.logs->TopicId(a.topic);
      if (id.ok()) ids.emplace_back(*id, &a);
    }
    w.Int8(1);  // assignment present
    w.Int8(0);  // Assignment.Error
    w.CompactArrayCount(static_cast<int32_t>(ids.size()));
    for (const auto& [id, a] : ids) {
      w.Raw(id);
      w.CompactArrayCount(static_cast<int32_t>(a->partitions.size()));
      for (int32_t p : a->partitions) w.Int32(p);
      w.EmptyTaggedFields();
    }
    w.EmptyTaggedFields();
  }
  w.EmptyTaggedFields();
  return absl::OkStatus();
}

absl::Status HandleShareFetch(BrokerContext& b, RequestContext&, Reader& r, Writer& w) {
  const std::string group(r.CompactNullableString().value_or(""));
  const std::string member(r.CompactNullableString().value_or(""));
  const int32_t session_epoch = r.Int32();
  const int32_t max_wait = r.Int32();
  r.Int32();  // min bytes: answered as soon as anything is acquired
  const int32_t max_bytes = r.Int32();
  const int32_t max_records = r.Int32();
  r.Int32();                                            // batch size
  std::vector<std::pair<std::string, int32_t>> wanted;  // (topic id, partition)
  std::vector<std::pair<std::string, int32_t>> forgotten;
  std::vector<ShareAckItem> acks;
  std::vector<std::pair<std::string, int32_t>> unknown_ids;
  bool invalid = false;
  const int32_t nt = r.CompactArrayCount(17);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    std::string id(r.Raw(16));
    const std::string topic = b.logs->TopicById(id);
    const int32_t np = r.CompactArrayCount(5);
    for (int32_t k = 0; k < np && r.ok(); ++k) {
      const int32_t part = r.Int32();
      const int32_t na = r.CompactArrayCount(17);
      for (int32_t a = 0; a < na && r.ok(); ++a) {
        if (!ReadAckBatch(r, topic, part, &acks, &invalid)) break;
      }
      r.SkipTaggedFields();
      if (topic.empty()) {
        unknown_ids.emplace_back(id, part);
      } else {
        wanted.emplace_back(id, part);
      }
    }
    r.SkipTaggedFields();
  }
  const int32_t nf = r.CompactArrayCount(17);
  for (int32_t i = 0; i < nf && r.ok(); ++i) {
    std::string id(r.Raw(16));
    const int32_t np = r.CompactArrayCount(4);
    for (int32_t k = 0; k < np && r.ok(); ++k) forgotten.emplace_back(id, r.Int32());
    r.SkipTaggedFields();
  }
  r.SkipTaggedFields();
  if (!r.ok()) return r.status("ShareFetch request");

  auto top_error = [&](int16_t code, const absl::Status& st) {
    w.Int32(0);
    w.Int16(code);
    ErrorMessage(w, st);
    w.Int32(0);
    w.CompactArrayCount(0);
    WriteNodeEndpoints(w);
    w.EmptyTaggedFields();
    return absl::OkStatus();
  };
  if (b.share == nullptr) {
    return top_error(error::kCoordinatorNotAvailable, absl::FailedPreconditionError("no share"));
  }
  if (invalid || (session_epoch == 0 && !acks.empty())) {
    return top_error(error::kInvalidRequest,
                     absl::InvalidArgumentError("malformed acknowledgements (or acknowledgements "
                                                "in a request opening a share session)"));
  }
  // The share session: which partitions this member fetches.
  std::vector<std::pair<std::string, int32_t>> session_parts;
  const int16_t sess =
      b.share_sessions.Update(group, member, session_epoch, wanted, forgotten, &session_parts);
  if (sess != error::kNone) {
    return top_error(sess,
                     absl::FailedPreconditionError(absl::StrCat(
                         "share session of member '", member, "' at epoch ", session_epoch, ": ",
                         sess == kShareSessionNotFound ? "not found" : "not the next epoch")));
  }
  logstore::share::ShareFetchParams p;
  p.group = group;
  p.member_id = member;
  p.max_wait_ms = std::min(std::max(max_wait, 0), b.options.max_fetch_wait_ms);
  p.max_records = std::max(max_records, 0);
  p.max_bytes = max_bytes > 0 ? max_bytes : 0;
  p.acks = acks;
  p.cancelled = [&b] { return b.stopping.load(); };
  std::map<std::string, std::string> id_of;  // topic -> id
  for (const auto& [id, part] : session_parts) {
    const std::string topic = b.logs->TopicById(id);
    if (topic.empty()) continue;
    id_of[topic] = id;
    if (session_epoch != -1) p.partitions.emplace_back(topic, part);
  }
  for (const auto& a : acks) id_of.emplace(a.topic, "");
  absl::StatusOr<logstore::share::ShareFetchResult> res;
  if (session_epoch == -1) {
    // Closing: acknowledgements only.
    auto outs = b.share->Acknowledge(group, member, std::nullopt, acks);
    if (outs.ok()) {
      logstore::share::ShareFetchResult fr;
      fr.acks = *outs;
      res = std::move(fr);
    } else {
      res = outs.status();
    }
  } else {
    res = b.share->ShareFetch(p);
  }
  if (!res.ok()) return top_error(ShareErrorCode(res.status()), res.status());

  // Per (topic, partition): fetch result and the first ack error.
  struct Out {
    const logstore::share::ShareFetchPartitionOut* fetch = nullptr;
    absl::Status ack;
  };
  std::map<std::string, std::map<int32_t, Out>> by_topic;  // topic id -> partition -> out
  for (const auto& part : res->partitions) {
    if (part.out.acquired.empty() && part.status.ok()) continue;  // nothing to say
    by_topic[id_of[part.topic]][part.partition].fetch = &part;
  }
  for (const auto& a : res->acks) {
    auto id = b.logs->TopicId(a.item.topic);
    if (!id.ok()) continue;
    Out& o = by_topic[*id][a.item.partition];
    if (o.ack.ok()) o.ack = a.status;
  }
  w.Int32(0);
  w.Int16(error::kNone);
  w.CompactNullableString(std::nullopt);
  w.Int32(res->record_lock_duration_ms);
  w.CompactArrayCount(static_cast<int32_t>(by_topic.size() + (unknown_ids.empty() ? 0 : 1)));
  for (const auto& [id, parts] : by_topic) {
    w.Raw(id);
    w.CompactArrayCount(static_cast<int32_t>(parts.size()));
    for (const auto& [part, o] : parts) {
      w.Int32(part);
      const absl::Status fst = o.fetch ? o.fetch->status : absl::OkStatus();
      w.Int16(ShareErrorCode(fst));
      ErrorMessage(w, fst);
      w.Int16(ShareErrorCode(o.ack));
      ErrorMessage(w, o.ack);
      WriteLeader(w, b);
      if (o.fetch && !o.fetch->out.records.empty()) {
        w.UVarint(static_cast<uint32_t>(o.fetch->out.records.size() + 1));
        w.Raw(o.fetch->out.records);
      } else {
        w.UVarint(0);  // null records
      }
      const size_t na = o.fetch ? o.fetch->out.acquired.size() : 0;
      w.CompactArrayCount(static_cast<int32_t>(na));
      for (size_t i = 0; i < na; ++i) {
        const auto& a = o.fetch->out.acquired[i];
        w.Int64(a.first);
        w.Int64(a.last);
        w.Int16(static_cast<int16_t>(std::min(a.delivery_count, 32767)));
        w.EmptyTaggedFields();
      }
      w.EmptyTaggedFields();
    }
    w.EmptyTaggedFields();
  }
  if (!unknown_ids.empty()) {
    // One entry per unknown id would repeat ids; the first unknown id names them all.
    w.Raw(unknown_ids[0].first);
    w.CompactArrayCount(static_cast<int32_t>(unknown_ids.size()));
    for (const auto& [id, part] : unknown_ids) {
      w.Int32(part);
      w.Int16(kUnknownTopicId);
      w.CompactNullableString("unknown topic id");
      w.Int16(error::kNone);
      w.CompactNullableString(std::nullopt);
      WriteLeader(w, b);
      w.UVarint(0);
      w.CompactArrayCount(0);
      w.EmptyTaggedFields();
    }
    w.EmptyTaggedFields();
  }
  WriteNodeEndpoints(w);
  w.EmptyTaggedFields();
  return absl::OkStatus();
}

absl::Status HandleShareAcknowledge(BrokerContext& b, RequestContext&, Reader& r, Writer& w) {
  const std::string group(r.CompactNullableString().value_or(""));
  const std::string member(r.CompactNullableString().value_or(""));
  const int32_t session_epoch = r.Int32();
  std::vector<ShareAckItem> acks;
  std::vector<std::pair<std::string, int32_t>> unknown;  // (id, partition)
  std::map<std::pair<std::string, int32_t>, std::string> id_of;
  bool invalid = false;
  const int32_t nt = r.CompactArrayCount(17);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    std::string id(r.Raw(16));
    const std::string topic = b.logs->TopicById(id);
    const int32_t np = r.CompactArrayCount(5);
    for (int32_t k = 0; k < np && r.ok(); ++k) {
      const int32_t part = r.Int32();
      const int32_t na = r.CompactArrayCount(17);
      std::vector<ShareAckItem> these;
      for (int32_t a = 0; a < na && r.ok(); ++a) {
        if (!ReadAckBatch(r, topic, part, &these, &invalid)) break;
      }
      r.SkipTaggedFields();
      if (topic.empty()) {
        unknown.emplace_back(id, part);
      } else {
        id_of[{topic, part}] = id;
        acks.insert(acks.end(), these.begin(), these.end());
      }
    }
    r.SkipTaggedFields();
  }
  r.SkipTaggedFields();
  if (!r.ok()) return r.status("ShareAcknowledge request");
  auto top_error = [&](int16_t code, const absl::Status& st) {
    w.Int32(0);
    w.Int16(code);
    ErrorMessage(w, st);
    w.CompactArrayCount(0);
    WriteNodeEndpoints(w);
    w.EmptyTaggedFields();
    return absl::OkStatus();
  };
  if (b.share == nullptr) {
    return top_error(error::kCoordinatorNotAvailable, absl::FailedPreconditionError("no share"));
  }
  if (invalid) {
    return top_error(error::kInvalidRequest, absl::InvalidArgumentError("malformed "
                                                                        "acknowledgements"));
  }
  std::vector<std::pair<std::string, int32_t>> ignored;
  const int16_t sess =
      session_epoch == 0 ? kInvalidShareSessionEpoch
                         : b.share_sessions.Update(group, member, session_epoch, {}, {}, &ignored);
  if (sess != error::kNone) {
    return top_error(sess, absl::FailedPreconditionError("share session"));
  }
  auto outs = b.share->Acknowledge(group, member, std::nullopt, acks);
  if (!outs.ok()) return top_error(ShareErrorCode(outs.status()), outs.status());
  std::map<std::string, std::map<int32_t, absl::Status>> by_topic;
  for (const auto& o : *outs) {
    absl::Status& s = by_topic[id_of[{o.item.topic, o.item.partition}]][o.item.partition];
    if (s.ok()) s = o.status;
  }
  for (const auto& [id, part] : unknown) {
    by_topic[id][part] = absl::NotFoundError("unknown topic id");
  }
  w.Int32(0);
  w.Int16(error::kNone);
  w.CompactNullableString(std::nullopt);
  w.CompactArrayCount(static_cast<int32_t>(by_topic.size()));
  for (const auto& [id, parts] : by_topic) {
    w.Raw(id);
    w.CompactArrayCount(static_cast<int32_t>(parts.size()));
    for (const auto& [part, st] : parts) {
      w.Int32(part);
      const bool unknown_id = absl::IsNotFound(st) && st.message() == "unknown topic id";
      w.Int16(unknown_id ? kUnknownTopicId : ShareErrorCode(st));
      ErrorMessage(w, st);
      WriteLeader(w, b);
      w.EmptyTaggedFields();
    }
    w.EmptyTaggedFields();
  }
  WriteNodeEndpoints(w);
  w.EmptyTaggedFields();
  return absl::OkStatus();
}

}  // namespace eddy::kafka

namespace eddy::kafka {

absl::Status HandleShareGroupDescribe(BrokerContext& b, RequestContext&, Reader& r, Writer& w) {
  std::vector<std::string> groups;
  const int32_t n = r.CompactArrayCount(1);
  for (int32_t i = 0; i < n && r.ok(); ++i) groups.emplace_back(r.CompactString());
  r.Bool();  // include authorized operations: not computed
  r.SkipTaggedFields();
  if (!r.ok()) return r.status("ShareGroupDescribe request");
  w.Int32(0);  // throttle
  w.CompactArrayCount(static_cast<int32_t>(groups.size()));
  for (const std::string& g : groups) {
    absl::StatusOr<logstore::share::ShareGroupInfo> info =
        b.share == nullptr
            ? absl::StatusOr<logstore::share::ShareGroupInfo>(
                  absl::FailedPreconditionError("this broker serves no share groups"))
            : b.share->Describe(g);
    if (!info.ok()) {
      w.Int16(b.share == nullptr ? error::kCoordinatorNotAvailable : ShareErrorCode(info.status()));
      ErrorMessage(w, info.status());
      w.CompactString(g);
      w.CompactString("Dead");
      w.Int32(-1);
      w.Int32(-1);
      w.CompactString("");
      w.CompactArrayCount(0);
      w.Int32(std::numeric_limits<int32_t>::min());
      w.EmptyTaggedFields();
      continue;
    }
    int32_t group_epoch = 0;
    for (const auto& m : info->members) group_epoch = std::max(group_epoch, m.member_epoch);
    w.Int16(error::kNone);
    w.CompactNullableString(std::nullopt);
    w.CompactString(g);
    w.CompactString(info->state);
    w.Int32(group_epoch);
    w.Int32(group_epoch);
    // Every member gets every partition of its topics (SHARE_GROUPS.md "Members and assignment").
    w.CompactString("eddy-every-partition");
    w.CompactArrayCount(static_cast<int32_t>(info->members.size()));
    for (const auto& m : info->members) {
      w.CompactString(m.member_id);
      w.CompactNullableString(std::nullopt);  // rack
      w.Int32(m.member_epoch);
      w.CompactString("");  // client id: not kept
      w.CompactString("");  // client host: not kept
      w.CompactArrayCount(static_cast<int32_t>(m.topics.size()));
      for (const auto& t : m.topics) w.CompactString(t);
      // Assignment (a struct): TopicPartitions[], then its tagged fields.
      std::vector<std::pair<std::string, const logstore::share::TopicAssignment*>> ids;
      for (const auto& a : m.assignment) {
        auto id = b.logs->TopicId(a.topic);
        if (id.ok()) ids.emplace_back(*id, &a);
      }
      w.CompactArrayCount(static_cast<int32_t>(ids.size()));
      for (const auto& [id, a] : ids) {
        w.Raw(id);
        w.CompactString(a->topic);
        w.CompactArrayCount(static_cast<int32_t>(a->partitions.size()));
        for (int32_t p : a->partitions) w.Int32(p);
        w.EmptyTaggedFields();
      }
      w.EmptyTaggedFields();  // Assignment
      w.EmptyTaggedFields();  // Member
    }
    w.Int32(std::numeric_limits<int32_t>::min());  // authorized operations: not computed
    w.EmptyTaggedFields();
  }
  w.EmptyTaggedFields();
  return absl::OkStatus();
}

}  // namespace eddy::kafka

namespace eddy::kafka {

absl::Status HandleDescribeShareGroupOffsets(BrokerContext& b, RequestContext&, Reader& r,
                                             Writer& w) {
  struct Want {
    std::string group;
    std::optional<std::vector<std::pair<std::string, std::vector<int32_t>>>> topics;
  };
  std::vector<Want> wants;
  const int32_t ng = r.CompactArrayCount(2);
  for (int32_t i = 0; i < ng && r.ok(); ++i) {
    Want want;
    want.group = std::string(r.CompactString());
    const int32_t nt = r.CompactArrayCount(2);
    if (nt >= 0) {
      want.topics.emplace();
      for (int32_t k = 0; k < nt && r.ok(); ++k) {
        std::string topic(r.CompactString());
        std::vector<int32_t> parts;
        const int32_t np = r.CompactArrayCount(4);
        for (int32_t x = 0; x < np && r.ok(); ++x) parts.push_back(r.Int32());
        r.SkipTaggedFields();
        want.topics->emplace_back(std::move(topic), std::move(parts));
      }
    }
    r.SkipTaggedFields();
    wants.push_back(std::move(want));
  }
  r.SkipTaggedFields();
  if (!r.ok()) return r.status("DescribeShareGroupOffsets request");
  w.Int32(0);
  w.CompactArrayCount(static_cast<int32_t>(wants.size()));
  for (const Want& want : wants) {
    w.CompactString(want.group);
    absl::StatusOr<logstore::share::ShareGroupInfo> info =
        b.share == nullptr
            ? absl::StatusOr<logstore::share::ShareGroupInfo>(
                  absl::FailedPreconditionError("this broker serves no share groups"))
            : b.share->Describe(want.group);
    if (!info.ok()) {
      w.CompactArrayCount(0);
      w.Int16(b.share == nullptr ? error::kCoordinatorNotAvailable : ShareErrorCode(info.status()));
      ErrorMessage(w, info.status());
      w.EmptyTaggedFields();
      continue;
    }
    std::map<std::string, std::map<int32_t, int64_t>> starts;  // topic -> partition -> SPSO
    for (const auto& p : info->partitions) starts[p.topic][p.partition] = p.stats.start_offset;
    std::vector<std::pair<std::string, std::vector<int32_t>>> topics;
    if (want.topics) {
      topics = *want.topics;
    } else {
      for (const auto& [t, parts] : starts) {
        std::vector<int32_t> ps;
        for (const auto& [p, o] : parts) ps.push_back(p);
        topics.emplace_back(t, std::move(ps));
      }
    }
    w.CompactArrayCount(static_cast<int32_t>(topics.size()));
    for (const auto& [topic, parts] : topics) {
      w.CompactString(topic);
      auto id = b.logs->TopicId(topic);
      w.Raw(id.ok() ? *id : std::string(16, '\0'));
      w.CompactArrayCount(static_cast<int32_t>(parts.size()));
      for (int32_t p : parts) {
        w.Int32(p);
        auto t = starts.find(topic);
        const bool known = t != starts.end() && t->second.count(p);
        w.Int64(known ? t->second.at(p) : -1);  // -1: the group has not read it yet
        w.Int32(0);                             // leader epoch
        w.Int16(error::kNone);
        w.CompactNullableString(std::nullopt);
        w.EmptyTaggedFields();
      }
      w.EmptyTaggedFields();
    }
    w.Int16(error::kNone);
    w.CompactNullableString(std::nullopt);
    w.EmptyTaggedFields();
  }
  w.EmptyTaggedFields();
  return absl::OkStatus();
}

absl::Status HandleDeleteShareGroupOffsets(BrokerContext& b, RequestContext&, Reader& r,
                                           Writer& w) {
  const std::string group(r.CompactString());
  std::vector<std::string> topics;
  const int32_t nt = r.CompactArrayCount(2);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    topics.emplace_back(r.CompactString());
    r.SkipTaggedFields();
  }
  r.SkipTaggedFields();
  if (!r.ok()) return r.status("DeleteShareGroupOffsets request");
  auto top = [&](int16_t code, const absl::Status& st) {
    w.Int32(0);
    w.Int16(code);
    ErrorMessage(w, st);
    w.CompactArrayCount(0);
    w.EmptyTaggedFields();
    return absl::OkStatus();
  };
  if (b.share == nullptr) {
    return top(error::kCoordinatorNotAvailable, absl::FailedPreconditionError("no share"));
  }
  auto info = b.share->Describe(group);
  if (!info.ok()) return top(ShareErrorCode(info.status()), info.status());
  if (!info->members.empty()) {
    return top(error::kNonEmptyGroup, absl::FailedPreconditionError(
                                          absl::StrCat("share group '", group, "' has members")));
  }
  w.Int32(0);
  w.Int16(error::kNone);
  w.CompactNullableString(std::nullopt);
  w.CompactArrayCount(static_cast<int32_t>(topics.size()));
  for (const std::string& topic : topics) {
    std::vector<int32_t> parts;
    for (const auto& p : info->partitions) {
      if (p.topic == topic) parts.push_back(p.partition);
    }
    absl::Status st = b.share->DeleteOffsets(group, topic);
    w.CompactString(topic);
    auto id = b.logs->TopicId(topic);
    w.Raw(id.ok() ? *id : std::string(16, '\0'));
    if (parts.empty()) parts.push_back(0);  // names the topic's error
    w.CompactArrayCount(static_cast<int32_t>(parts.size()));
    for (int32_t p : parts) {
      w.Int32(p);
      w.Int16(ShareErrorCode(st));
      ErrorMessage(w, st);
      w.EmptyTaggedFields();
    }
    w.EmptyTaggedFields();
  }
  w.EmptyTaggedFields();
  return absl::OkStatus();
}

}  // namespace eddy::kafka
