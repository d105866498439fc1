#include "log-store/share/share_group_manager.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "log-store/storage/record_batch_builder.h"
#include "log-store/txn/transaction_coordinator.h"

namespace eddy::logstore::share {

namespace {

absl::Status Reason(absl::Status s, std::string_view reason) {
  return WithTxnReason(std::move(s), reason);
}

absl::Status GroupNotFound(const std::string& group) {
  return Reason(absl::NotFoundError(
                    absl::StrCat("GROUP_ID_NOT_FOUND: share group '", group, "' does not exist")),
                "GROUP_ID_NOT_FOUND");
}

}  // namespace

// Copies archived records to a group's dead-letter topic (created with one partition when it
// does not exist), with the original key, value, timestamp and headers plus eddy.dlq.* headers
// naming where it came from.
class ShareGroupManager::DeadLetterWriter final : public DeadLetterSink {
 public:
  explicit DeadLetterWriter(LogManager* logs) : logs_(logs) {}
  absl::Status WriteDeadLetter(const std::string& dlq_topic, const std::string& group,
                               const std::string& topic, int32_t partition, const Record& record,
                               int32_t delivery_count, std::string_view reason) override {
    auto info = logs_->DescribeTopic(dlq_topic);
    if (!info.ok()) {
      TopicConfig cfg = logs_->options().default_topic_config;
      cfg.partitions = 1;
      absl::Status st = logs_->CreateTopic(dlq_topic, cfg);
      if (!st.ok() && !absl::IsAlreadyExists(st)) return st;
      info = logs_->DescribeTopic(dlq_topic);
      if (!info.ok()) return info.status();
    }
    const int32_t n = static_cast<int32_t>(std::max<size_t>(info->partitions.size(), 1));
    auto log = logs_->GetPartition(dlq_topic, partition % n);
    if (!log.ok()) return log.status();
    std::vector<RecordHeader> headers;
    RecordHeaderIterator it(record.headers_raw, record.header_count);
    RecordHeader h;
    while (it.Next(&h)) headers.push_back(h);
    const std::string p = std::to_string(partition), o = std::to_string(record.offset),
                      dc = std::to_string(delivery_count);
    headers.push_back({"eddy.dlq.group", group});
    headers.push_back({"eddy.dlq.topic", topic});
    headers.push_back({"eddy.dlq.partition", p});
    headers.push_back({"eddy.dlq.offset", o});
    headers.push_back({"eddy.dlq.delivery.count", dc});
    headers.push_back({"eddy.dlq.reason", reason});
    RecordBatchBuilder b;
    b.Add(record.key, record.value, record.timestamp, headers);
    auto appended = (*log)->Append(b.Finish(), logs_->options().fsync_every_append);
    return appended.status();
  }

 private:
  LogManager* logs_;
};

ShareGroupManager::ShareGroupManager(LogManager* logs, ShareGroupManagerOptions options)
    : logs_(logs), options_(std::move(options)), dlq_(std::make_unique<DeadLetterWriter>(logs)) {}

absl::StatusOr<std::unique_ptr<ShareGroupManager>> ShareGroupManager::Open(
    LogManager* logs, ShareGroupManagerOptions options, std::string* report) {
  std::unique_ptr<ShareGroupManager> m(new ShareGroupManager(logs, std::move(options)));
  ShareStateStoreOptions so;
  so.data_dir = m->options_.data_dir;
  so.fsync = m->options_.fsync;
  so.snapshot_bytes = m->options_.snapshot_bytes;
  auto store = ShareStateStore::Open(so, report);
  if (!store.ok()) return store.status();
  m->store_ = std::move(*store);
  for (auto& [name, stored] : m->store_->Load()) {
    auto g = std::make_unique<ShareGroup>();
    g->name = name;
    g->overrides = stored.configs;
    auto cfg = ResolveShareGroupConfig(g->overrides, m->options_.limits);
    if (!cfg.ok()) {
      // A broker limit was lowered since the setting was made: keep the group on the defaults.
      if (report != nullptr) {
        absl::StrAppend(report, "share group '", name, "': ", cfg.status().message(),
                        "; using the broker defaults\n");
      }
      cfg = m->options_.limits.defaults;
    }
    g->config = *cfg;
    for (const auto& [tp, sp] : stored.partitions) {
      auto log = logs->GetPartition(tp.first, tp.second);
      if (!log.ok()) continue;  // the topic was deleted
      g->partitions[tp] =
          std::make_shared<SharePartition>(name, tp.first, tp.second, *log, m->store_.get(),
                                           m->dlq_.get(), sp.start_offset, sp.runs);
    }
    m->groups_[name] = std::move(g);
  }
  if (m->options_.start_timer) m->timer_ = std::thread([p = m.get()] { p->TimerLoop(); });
  return m;
}

ShareGroupManager::~ShareGroupManager() {
  {
    std::lock_guard<std::mutex> l(timer_mu_);
    stop_ = true;
  }
  timer_cv_.notify_all();
  if (timer_.joinable()) timer_.join();
}

int64_t ShareGroupManager::NowMs() const {
  if (options_.clock) return options_.clock();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

absl::StatusOr<ShareGroup*> ShareGroupManager::FindGroupLocked(const std::string& group) const {
  auto it = groups_.find(group);
  if (it == groups_.end()) return GroupNotFound(group);
  return it->second.get();
}

absl::StatusOr<ShareGroup*> ShareGroupManager::GetOrCreateGroupLocked(const std::string& group) {
  if (group.empty() || static_cast<int32_t>(group.size()) > options_.max_name_length) {
    return Reason(
        absl::InvalidArgumentError(absl::StrCat("INVALID_GROUP_ID: share group id must be 1..",
                                                options_.max_name_length, " characters")),
        "INVALID_GROUP_ID");
  }
  auto it = groups_.find(group);
  if (it != groups_.end()) return it->second.get();
  if (static_cast<int32_t>(groups_.size()) >= options_.max_groups) {
    return Reason(absl::ResourceExhaustedError(absl::StrCat(
                      "GROUP_MAX_SIZE_REACHED: the broker holds ", groups_.size(),
                      " share groups, the most it allows (eddy-logd --share-max-groups); "
                      "delete one first")),
                  "GROUP_MAX_SIZE_REACHED");
  }
  if (auto st = store_->PersistGroup(group, {}); !st.ok()) return st;
  auto g = std::make_unique<ShareGroup>();
  g->name = group;
  g->config = options_.limits.defaults;
  ShareGroup* raw = g.get();
  groups_[group] = std::move(g);
  return raw;
}

absl::StatusOr<ShareMember*> ShareGroupManager::CheckMemberLocked(
    ShareGroup* g, const std::string& member_id, std::optional<int32_t> epoch) const {
  auto it = g->members.find(member_id);
  if (it == g->members.end()) {
    return Reason(absl::NotFoundError(absl::StrCat("UNKNOWN_MEMBER_ID: share group '", g->name,
                                                   "' has no member '", member_id,
                                                   "' (it left or timed out): join again")),
                  "UNKNOWN_MEMBER_ID");
  }
  if (epoch.has_value() && *epoch != it->second.epoch) {
    return Reason(absl::FailedPreconditionError(absl::StrCat(
                      "FENCED_MEMBER_EPOCH: share group '", g->name, "' member '", member_id,
                      "' sent epoch ", *epoch, ", its epoch is ", it->second.epoch)),
                  "FENCED_MEMBER_EPOCH");
  }
  return const_cast<ShareMember*>(&it->second);
}

std::vector<TopicAssignment> ShareGroupManager::AssignmentOf(
    const std::vector<std::string>& topics) const {
  std::vector<TopicAssignment> out;
  for (const std::string& t : topics) {
    auto info = logs_->DescribeTopic(t);
    if (!info.ok()) continue;  // not there (yet): assigned once it exists
    TopicAssignment a;
    a.topic = t;
    for (size_t p = 0; p < info->partitions.size(); ++p) a.partitions.push_back(int32_t(p));
    out.push_back(std::move(a));
  }
  return out;
}

absl::StatusOr<std::shared_ptr<SharePartition>> ShareGroupManager::PartitionLocked(
    ShareGroup* g, const std::string& topic, int32_t partition) {
  auto key = std::make_pair(topic, partition);
  auto it = g->partitions.find(key);
  if (it != g->partitions.end()) return it->second;
  auto log = logs_->GetPartition(topic, partition);
  if (!log.ok()) {
    return Reason(absl::NotFoundError(absl::StrCat("UNKNOWN_TOPIC_OR_PARTITION: ", topic, "-",
                                                   partition, ": ", log.status().message())),
                  "UNKNOWN_TOPIC_OR_PARTITION");
  }
  // First use by this group: start where share.auto.offset.reset says, durably, so a restart
  // does not move it.
  const int64_t start =
      g->config.auto_offset_reset_earliest ? (*log)->LogStartOffset() : (*log)->LogEndOffset();
  auto sp = std::make_shared<SharePartition>(g->name, topic, partition, *log, store_.get(),
                                             dlq_.get(), start, std::vector<StateRun>{});
  if (auto st = sp->Reset(start); !st.ok()) return st;
  g->partitions[key] = sp;
  return sp;
}

void ShareGroupManager::RemoveMemberLocked(ShareGroup* g, const std::string& member_id) {
  auto it = g->members.find(member_id);
  if (it == g->members.end()) return;
  for (auto& [tp, sp] : g->partitions) sp->ReleaseMember(it->second.key, g->config);
  g->members.erase(it);
}

absl::StatusOr<HeartbeatResult> ShareGroupManager::Heartbeat(
    const std::string& group, const std::string& member_id, int32_t member_epoch,
    const std::vector<std::string>& topics) {
  if (member_id.empty() || static_cast<int32_t>(member_id.size()) > options_.max_name_length) {
    return Reason(absl::InvalidArgumentError(absl::StrCat("INVALID_REQUEST: share group '", group,
                                                          "': member id must be 1..",
                                                          options_.max_name_length, " characters")),
                  "INVALID_REQUEST");
  }
  if (topics.size() > 10000) {
    return Reason(absl::InvalidArgumentError("INVALID_REQUEST: more than 10000 topics subscribed"),
                  "INVALID_REQUEST");
  }
  std::lock_guard<std::mutex> l(mu_);
  const int64_t now = NowMs();
  HeartbeatResult r;
  r.member_id = member_id;
  if (member_epoch == -1) {  // leave
    auto g = FindGroupLocked(group);
    if (!g.ok()) return g.status();
    auto m = CheckMemberLocked(*g, member_id, std::nullopt);
    if (!m.ok()) return m.status();
    RemoveMemberLocked(*g, member_id);
    r.member_epoch = -1;
    return r;
  }
  if (member_epoch < -1) {
    return Reason(absl::InvalidArgumentError(absl::StrCat("INVALID_REQUEST: member epoch ",
                                                          member_epoch, " (0 joins, -1 leaves)")),
                  "INVALID_REQUEST");
  }
  ShareGroup* g = nullptr;
  ShareMember* m = nullptr;
  if (member_epoch == 0) {  // join
    if (topics.empty()) {
      return Reason(absl::InvalidArgumentError(
                        absl::StrCat("INVALID_REQUEST: share group '", group,
                                     "': a joining member must name the topics it subscribes to")),
                    "INVALID_REQUEST");
    }
    auto got = GetOrCreateGroupLocked(group);
    if (!got.ok()) return got.status();
    g = *got;
    auto it = g->members.find(member_id);
    int32_t epoch = 1;
    if (it != g->members.end()) {
      epoch = it->second.epoch + 1;
      RemoveMemberLocked(g, member_id);  // a rejoin: what it held goes to others
    } else if (static_cast<int32_t>(g->members.size()) >= options_.max_members_per_group) {
      return Reason(absl::ResourceExhaustedError(absl::StrCat(
                        "GROUP_MAX_SIZE_REACHED: share group '", group, "' has ", g->members.size(),
                        " members, the most allowed "
                        "(eddy-logd --share-max-members-per-group)")),
                    "GROUP_MAX_SIZE_REACHED");
    }
    ShareMember& nm = g->members[member_id];
    nm.id = member_id;
    nm.epoch = epoch;
    nm.key = next_member_key_++;
    nm.topics = topics;
    nm.assignment = AssignmentOf(topics);
    m = &nm;
  } else {
    auto got = FindGroupLocked(group);
    if (!got.ok()) {
      return Reason(absl::NotFoundError(absl::StrCat("UNKNOWN_MEMBER_ID: share group '", group,
                                                     "' does not exist: join with epoch 0")),
                    "UNKNOWN_MEMBER_ID");
    }
    g = *got;
    auto cm = CheckMemberLocked(g, member_id, member_epoch);
    if (!cm.ok()) return cm.status();
    m = *cm;
    if (!topics.empty()) m->topics = topics;
    auto assignment = AssignmentOf(m->topics);
    if (assignment != m->assignment) {
      m->assignment = std::move(assignment);
      ++m->epoch;
    }
  }
  m->last_heartbeat_ms = now;
  r.member_epoch = m->epoch;
  r.heartbeat_interval_ms = g->config.heartbeat_interval_ms;
  r.assignment = m->assignment;
  return r;
}

std::vector<ShareAckOutcome> ShareGroupManager::ApplyAcks(const std::string& group,
                                                          uint64_t member_key,
                                                          const ShareGroupConfig& cfg,
                                                          const std::vector<ShareAckItem>& acks) {
  std::vector<ShareAckOutcome> out(acks.size());
  // Group acks by partition (keeping each partition's order), one durable write per partition.
  std::map<std::pair<std::string, int32_t>, std::vector<size_t>> by_partition;
  for (size_t i = 0; i < acks.size(); ++i) {
    out[i].item = acks[i];
    by_partition[{acks[i].topic, acks[i].partition}].push_back(i);
  }
  for (const auto& [tp, idx] : by_partition) {
    std::shared_ptr<SharePartition> sp;
    {
      std::lock_guard<std::mutex> l(mu_);
      auto g = groups_.find(group);
      if (g != groups_.end()) {
        auto it = g->second->partitions.find(tp);
        if (it != g->second->partitions.end()) sp = it->second;
      }
    }
    if (!sp) {
      for (size_t i : idx) {
        out[i].status = Reason(absl::NotFoundError(absl::StrCat(
                                   "UNKNOWN_TOPIC_OR_PARTITION: share group '", group,
                                   "' has fetched nothing from ", tp.first, "-", tp.second)),
                               "UNKNOWN_TOPIC_OR_PARTITION");
      }
      continue;
    }
    std::vector<AckRange> ranges;
    for (size_t i : idx) ranges.push_back(acks[i].range);
    std::vector<absl::Status> results;
    absl::Status st = sp->Acknowledge(member_key, ranges, cfg, &results);
    for (size_t k = 0; k < idx.size(); ++k) {
      out[idx[k]].status = !st.ok() && results[k].ok() ? st : results[k];
    }
  }
  return out;
}

absl::StatusOr<std::vector<ShareAckOutcome>> ShareGroupManager::Acknowledge(
    const std::string& group, const std::string& member_id, std::optional<int32_t> member_epoch,
    const std::vector<ShareAckItem>& acks) {
  if (static_cast<int32_t>(acks.size()) > options_.max_acks_per_request) {
    return Reason(absl::InvalidArgumentError(absl::StrCat("INVALID_REQUEST: ", acks.size(),
                                                          " acknowledgement ranges in one request, "
                                                          "the most is ",
                                                          options_.max_acks_per_request)),
                  "INVALID_REQUEST");
  }
  uint64_t key = 0;
  ShareGroupConfig cfg;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto g = FindGroupLocked(group);
    if (!g.ok()) return g.status();
    auto m = CheckMemberLocked(*g, member_id, member_epoch);
    if (!m.ok()) return m.status();
    key = (*m)->key;
    cfg = (*g)->config;
  }
  return ApplyAcks(group, key, cfg, acks);
}

absl::StatusOr<ShareFetchResult> ShareGroupManager::ShareFetch(const ShareFetchParams& p) {
  if (static_cast<int32_t>(p.acks.size()) > options_.max_acks_per_request ||
      static_cast<int32_t>(p.partitions.size()) > options_.max_partitions_per_request) {
    return Reason(absl::InvalidArgumentError(absl::StrCat(
                      "INVALID_REQUEST: share fetch with ", p.partitions.size(), " partitions and ",
                      p.acks.size(), " acknowledgement ranges; the most are ",
                      options_.max_partitions_per_request, " and ", options_.max_acks_per_request)),
                  "INVALID_REQUEST");
  }
  if (p.max_records < 0 || p.max_bytes < 0 || p.max_wait_ms < 0) {
    return Reason(absl::InvalidArgumentError("INVALID_REQUEST: negative max_records, max_bytes "
                                             "or max_wait_ms"),
                  "INVALID_REQUEST");
  }
  const int32_t max_records =
      std::min(p.max_records > 0 ? p.max_records : options_.default_records_per_fetch,
               options_.max_records_per_fetch);
  const int32_t max_bytes = std::min(p.max_bytes > 0 ? p.max_bytes : options_.default_fetch_bytes,
                                     options_.max_fetch_bytes);
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(std::min(p.max_wait_ms, options_.max_wait_ms));
  ShareFetchResult result;
  uint64_t key = 0;
  ShareGroupConfig cfg;
  std::vector<std::shared_ptr<SharePartition>> parts;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto g = FindGroupLocked(p.group);
    if (!g.ok()) return g.status();
    auto m = CheckMemberLocked(*g, p.member_id, p.member_epoch);
    if (!m.ok()) return m.status();
    key = (*m)->key;
    cfg = (*g)->config;
    std::vector<std::pair<std::string, int32_t>> wanted = p.partitions;
    if (wanted.empty()) {
      for (const auto& a : (*m)->assignment)
        for (int32_t part : a.partitions) wanted.emplace_back(a.topic, part);
    }
    for (const auto& [topic, part] : wanted) {
      ShareFetchPartitionOut o;
      o.topic = topic;
      o.partition = part;
      auto sp = PartitionLocked(*g, topic, part);
      if (!sp.ok()) {
        o.status = sp.status();
        parts.push_back(nullptr);
      } else {
        parts.push_back(*sp);
      }
      result.partitions.push_back(std::move(o));
    }
  }
  result.record_lock_duration_ms = cfg.record_lock_duration_ms;
  if (!p.acks.empty()) result.acks = ApplyAcks(p.group, key, cfg, p.acks);

  // Rotate the starting partition so one busy partition does not starve the others.
  static std::atomic<uint32_t> rotation{0};
  const size_t n = parts.size();
  const size_t first = n == 0 ? 0 : rotation.fetch_add(1) % n;
  for (;;) {
    const uint64_t seq = logs_->AppendSequence();
    int32_t budget = max_records;
    int64_t bytes = 0;
    bool any = false;
    for (size_t k = 0; k < n && budget > 0 && bytes < max_bytes; ++k) {
      const size_t i = (first + k) % n;
      if (!parts[i]) continue;
      AcquireOutput& out = result.partitions[i].out;
      AcquireOutput more;
      absl::Status st = parts[i]->Acquire(key, cfg, budget, static_cast<int32_t>(max_bytes - bytes),
                                          NowMs(), &more);
      if (!st.ok()) result.partitions[i].status = st;
      int64_t got = 0;
      for (const auto& a : more.acquired) got += a.last - a.first + 1;
      budget -= static_cast<int32_t>(got);
      bytes += static_cast<int64_t>(more.records.size());
      if (got > 0) any = true;
      out.acquired.insert(out.acquired.end(), more.acquired.begin(), more.acquired.end());
      out.records += more.records;
    }
    if (any || std::chrono::steady_clock::now() >= deadline || (p.cancelled && p.cancelled()))
      break;
    {
      // Still a member? (it may have timed out or left while this call waited)
      std::lock_guard<std::mutex> l(mu_);
      auto g = FindGroupLocked(p.group);
      if (!g.ok()) return g.status();
      auto m = CheckMemberLocked(*g, p.member_id, std::nullopt);
      if (!m.ok()) return m.status();
      if ((*m)->key != key) break;  // rejoined meanwhile
    }
    // Wake on an append, or after a short slice to see records released or expired.
    logs_->WaitForAppend(
        seq, std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(20)));
  }
  for (size_t i = 0; i < n; ++i) {
    if (!parts[i]) continue;
    auto log = logs_->GetPartition(result.partitions[i].topic, result.partitions[i].partition);
    if (log.ok()) {
      result.partitions[i].high_watermark = (*log)->LogEndOffset();
      result.partitions[i].log_start_offset = (*log)->LogStartOffset();
    }
  }
  return result;
}

std::vector<std::string> ShareGroupManager::ListGroups() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<std::string> out;
  for (const auto& [name, g] : groups_) out.push_back(name);
  return out;
}

absl::StatusOr<ShareGroupInfo> ShareGroupManager::Describe(const std::string& group) const {
  std::lock_guard<std::mutex> l(mu_);
  auto g = FindGroupLocked(group);
  if (!g.ok()) return g.status();
  const int64_t now = NowMs();
  ShareGroupInfo info;
  info.group = group;
  info.state = (*g)->members.empty() ? "Empty" : "Stable";
  info.configs = (*g)->config.ToMap();
  for (const auto& [id, m] : (*g)->members) {
    ShareMemberInfo mi;
    mi.member_id = id;
    mi.member_epoch = m.epoch;
    mi.topics = m.topics;
    mi.assignment = m.assignment;
    mi.last_heartbeat_ms_ago = now - m.last_heartbeat_ms;
    for (const auto& [tp, sp] : (*g)->partitions) mi.acquired += sp->AcquiredBy(m.key);
    info.members.push_back(std::move(mi));
  }
  for (const auto& [tp, sp] : (*g)->partitions) {
    SharePartitionInfo pi;
    pi.topic = tp.first;
    pi.partition = tp.second;
    pi.stats = sp->Stats();
    auto log = logs_->GetPartition(tp.first, tp.second);
    if (log.ok()) pi.high_watermark = (*log)->LogEndOffset();
    info.partitions.push_back(std::move(pi));
  }
  return info;
}

absl::Status ShareGroupManager::AlterConfigs(const std::string& group,
                                             const std::map<std::string, std::string>& configs) {
  std::lock_guard<std::mutex> l(mu_);
  auto g = GetOrCreateGroupLocked(group);
  if (!g.ok()) return g.status();
  std::map<std::string, std::string> next = (*g)->overrides;
  for (const auto& [k, v] : configs) {
    if (v.empty()) {
      next.erase(k);
    } else {
      next[k] = v;
    }
  }
  auto cfg = ResolveShareGroupConfig(next, options_.limits);
  if (!cfg.ok()) {
    return Reason(absl::InvalidArgumentError(
                      absl::StrCat("share group '", group, "': ", cfg.status().message())),
                  "INVALID_CONFIG");
  }
  if (auto st = store_->PersistGroup(group, next); !st.ok()) return st;
  (*g)->overrides = std::move(next);
  (*g)->config = *cfg;
  return absl::OkStatus();
}

absl::Status ShareGroupManager::DeleteGroup(const std::string& group) {
  std::lock_guard<std::mutex> l(mu_);
  auto g = FindGroupLocked(group);
  if (!g.ok()) return g.status();
  if (!(*g)->members.empty()) {
    return Reason(absl::FailedPreconditionError(absl::StrCat("NON_EMPTY_GROUP: share group '",
                                                             group, "' has ", (*g)->members.size(),
                                                             " members; stop them first")),
                  "NON_EMPTY_GROUP");
  }
  if (auto st = store_->PersistGroupDelete(group); !st.ok()) return st;
  groups_.erase(group);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<SharePartitionInfo>> ShareGroupManager::ResetOffsets(
    const std::string& group, const std::string& topic, const std::vector<int32_t>& partitions,
    ResetTarget target) {
  std::lock_guard<std::mutex> l(mu_);
  auto info = logs_->DescribeTopic(topic);
  if (!info.ok()) {
    return Reason(absl::NotFoundError(absl::StrCat("UNKNOWN_TOPIC_OR_PARTITION: topic '", topic,
                                                   "' does not exist")),
                  "UNKNOWN_TOPIC_OR_PARTITION");
  }
  auto g = GetOrCreateGroupLocked(group);
  if (!g.ok()) return g.status();
  if (!(*g)->members.empty()) {
    return Reason(absl::FailedPreconditionError(absl::StrCat(
                      "NON_EMPTY_GROUP: share group '", group, "' has ", (*g)->members.size(),
                      " members; its start offset moves only while it has none")),
                  "NON_EMPTY_GROUP");
  }
  std::vector<int32_t> parts = partitions;
  if (parts.empty()) {
    for (size_t p = 0; p < info->partitions.size(); ++p) parts.push_back(int32_t(p));
  }
  std::vector<SharePartitionInfo> out;
  for (int32_t part : parts) {
    auto log = logs_->GetPartition(topic, part);
    if (!log.ok()) {
      return Reason(absl::NotFoundError(absl::StrCat("UNKNOWN_TOPIC_OR_PARTITION: ", topic, "-",
                                                     part, " does not exist")),
                    "UNKNOWN_TOPIC_OR_PARTITION");
    }
    const int64_t lso = (*log)->LogStartOffset(), leo = (*log)->LogEndOffset();
    int64_t offset = leo;
    switch (target.kind) {
      case ResetTarget::kEarliest:
        offset = lso;
        break;
      case ResetTarget::kLatest:
        offset = leo;
        break;
      case ResetTarget::kOffset:
        offset = std::clamp(target.value, lso, leo);
        break;
      case ResetTarget::kTimestamp: {
        auto found = (*log)->OffsetForTimestamp(target.value);
        if (!found.ok()) return found.status();
        offset = *found < 0 ? leo : *found;
        break;
      }
    }
    auto sp = PartitionLocked(*g, topic, part);
    if (!sp.ok()) return sp.status();
    if (auto st = (*sp)->Reset(offset); !st.ok()) return st;
    SharePartitionInfo pi;
    pi.topic = topic;
    pi.partition = part;
    pi.stats = (*sp)->Stats();
    pi.high_watermark = leo;
    out.push_back(std::move(pi));
  }
  return out;
}

absl::Status ShareGroupManager::DeleteOffsets(const std::string& group, const std::string& topic) {
  std::lock_guard<std::mutex> l(mu_);
  auto g = FindGroupLocked(group);
  if (!g.ok()) return g.status();
  if (!(*g)->members.empty()) {
    return Reason(absl::FailedPreconditionError(
                      absl::StrCat("NON_EMPTY_GROUP: share group '", group, "' has members")),
                  "NON_EMPTY_GROUP");
  }
  bool any = false;
  for (auto it = (*g)->partitions.begin(); it != (*g)->partitions.end();) {
    if (it->first.first != topic) {
      ++it;
      continue;
    }
    if (auto st = store_->PersistPartitionDelete(group, topic, it->first.second); !st.ok())
      return st;
    it = (*g)->partitions.erase(it);
    any = true;
  }
  if (!any) {
    return Reason(absl::NotFoundError(absl::StrCat("UNKNOWN_TOPIC_OR_PARTITION: share group '",
                                                   group, "' has no state of topic '", topic, "'")),
                  "UNKNOWN_TOPIC_OR_PARTITION");
  }
  return absl::OkStatus();
}

void ShareGroupManager::RunTimerOnce() {
  const int64_t now = NowMs();
  std::vector<std::pair<std::shared_ptr<SharePartition>, ShareGroupConfig>> parts;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& [name, g] : groups_) {
      std::vector<std::string> gone;
      for (const auto& [id, m] : g->members) {
        if (now - m.last_heartbeat_ms > g->config.session_timeout_ms) gone.push_back(id);
      }
      for (const std::string& id : gone) RemoveMemberLocked(g.get(), id);
      for (auto& [tp, sp] : g->partitions) parts.emplace_back(sp, g->config);
    }
  }
  for (auto& [sp, cfg] : parts) sp->ExpireLocks(cfg, now);
}

void ShareGroupManager::TimerLoop() {
  std::unique_lock<std::mutex> l(timer_mu_);
  while (!stop_) {
    timer_cv_.wait_for(l, options_.tick, [this] { return stop_; });
    if (stop_) break;
    l.unlock();
    RunTimerOnce();
    l.lock();
  }
}

}  // namespace eddy::logstore::share
