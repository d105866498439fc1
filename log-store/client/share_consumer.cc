// ShareConsumer implementation: blocking ShareFetch/ShareAcknowledge RPCs from the caller's
// thread, ShareGroupHeartbeat from an owned thread. Acknowledgements are kept per partition as
// offset -> type and sent as ranges of consecutive offsets with one type.
#include "log-store/client/share_consumer.h"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "log-store/client/producer.h"
#include "log-store/client/rpc_channel.h"
#include "log-store/storage/record_batch.h"

namespace eddy::logstore {

const char* ShareAckName(ShareAck a) {
  switch (a) {
    case ShareAck::kAccept:
      return "accept";
    case ShareAck::kRelease:
      return "release";
    case ShareAck::kReject:
      return "reject";
  }
  return "?";
}

std::string NewShareMemberId() {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  uint64_t hi, lo;
  {
    std::lock_guard<std::mutex> l(mu);
    hi = rng();
    lo = rng();
  }
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 10
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff,
                         lo >> 48, lo & 0xffffffffffffULL);
}

namespace {

// The acknowledgement "type" 0 (gap) is internal: offsets in an acquired range without a record.
constexpr int kGap = -1;

v1::ShareAckType ToProto(int t) {
  switch (t) {
    case static_cast<int>(ShareAck::kAccept):
      return v1::SHARE_ACK_ACCEPT;
    case static_cast<int>(ShareAck::kRelease):
      return v1::SHARE_ACK_RELEASE;
    case static_cast<int>(ShareAck::kReject):
      return v1::SHARE_ACK_REJECT;
    default:
      return v1::SHARE_ACK_GAP;
  }
}

ShareAck FromProto(v1::ShareAckType t) {
  switch (t) {
    case v1::SHARE_ACK_RELEASE:
      return ShareAck::kRelease;
    case v1::SHARE_ACK_REJECT:
      return ShareAck::kReject;
    default:
      return ShareAck::kAccept;
  }
}

bool IsMembershipReason(std::string_view reason_or_message) {
  return reason_or_message.starts_with("UNKNOWN_MEMBER_ID") ||
         reason_or_message.starts_with("FENCED_MEMBER_EPOCH");
}
bool IsMembershipError(const v1::PartitionError& e) {
  return IsMembershipReason(e.reason()) || IsMembershipReason(e.message());
}
// The broker answers a ShareFetch/ShareAcknowledge of a member it does not know (removed after
// its session timeout, or the broker restarted) with a call error whose message starts with the
// Kafka error name.
bool IsMembershipError(const grpc::Status& s) { return IsMembershipReason(s.error_message()); }

class ShareConsumerImpl final : public ShareConsumer {
 public:
  ShareConsumerImpl(const ShareConsumerOptions& o, std::shared_ptr<RpcChannel> ch)
      : options_(o), ch_(std::move(ch)), interval_(o.heartbeat_interval) {
    member_id_ = o.member_id.empty() ? NewShareMemberId() : o.member_id;
  }
  ~ShareConsumerImpl() override { (void)Close(); }

  absl::Status Join() {
    absl::Status st = Heartbeat();
    if (!st.ok()) return st;
    heartbeat_ = std::thread([this] { HeartbeatLoop(); });
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<ShareRecord>> Poll(std::chrono::milliseconds max_wait) override {
    std::vector<ShareRecord> out;
    if (closed_) return absl::FailedPreconditionError(Who("is closed"));
    if (member_epoch() == 0) {
      // Removed by the broker: join again (same id) before fetching.
      if (absl::Status st = Heartbeat(); !st.ok()) return st;
      if (member_epoch() == 0) return out;
    }
    v1::ShareFetchRequest req;
    req.set_group(options_.group);
    req.set_member_id(member_id_);
    req.set_member_epoch(member_epoch());
    req.set_max_wait_ms(static_cast<int32_t>(std::clamp<int64_t>(max_wait.count(), 0, 60000)));
    req.set_max_records(options_.max_records);
    req.set_max_bytes(options_.max_bytes);
    AddAcks(req.mutable_acknowledgements());
    v1::ShareFetchResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + options_.client.request_timeout + max_wait);
    grpc::Status gs = ch_->stub->ShareFetch(&ctx, req, &resp);
    if (!gs.ok() && IsMembershipError(gs)) {
      // Nothing was applied; what this member held is released by the broker (acks of those
      // records, still allowed locally, will be refused with INVALID_RECORD_STATE).
      FailAll(req.acknowledgements(), FromGrpc(gs, "", options_.client), &poll_failures_);
      Rejoin();
      return out;
    }
    if (!gs.ok()) {
      return FromGrpc(gs, absl::StrCat("share fetch for group '", options_.group, "'"),
                      options_.client);
    }
    ApplyAckResults(req.acknowledgements(), resp.ack_results(), &poll_failures_, nullptr);
    lock_ms_ = resp.record_lock_duration_ms();
    absl::Status first_error;
    for (auto& r : *resp.mutable_results()) {
      if (r.error().code() != 0) {
        if (IsMembershipError(r.error())) Rejoin();
        if (first_error.ok()) first_error = FromPartitionError(r.error());
        continue;
      }
      absl::Status st = Decode(r, &out);
      if (!st.ok() && first_error.ok()) first_error = st;
    }
    if (out.empty() && !first_error.ok()) return first_error;
    return out;
  }

  absl::Status Acknowledge(const ShareRecord& r, ShareAck type) override {
    return Acknowledge(TopicPartition{r.topic, r.partition}, r.offset, type);
  }

  absl::Status Acknowledge(const TopicPartition& tp, int64_t offset, ShareAck type) override {
    auto h = held_.find(tp);
    if (h == held_.end() || h->second.erase(offset) == 0) {
      return absl::FailedPreconditionError(
          absl::StrCat(Who(""), "does not hold topic '", tp.topic, "' partition ", tp.partition,
                       " offset ", offset, " (not acquired by it, or already acknowledged)"));
    }
    if (h->second.empty()) held_.erase(h);
    pending_[tp][offset] = static_cast<int>(type);
    return absl::OkStatus();
  }

  absl::StatusOr<ShareCommitResult> Commit() override {
    ShareCommitResult result;
    if (pending_.empty()) return result;
    v1::ShareAcknowledgeRequest req;
    req.set_group(options_.group);
    req.set_member_id(member_id_);
    req.set_member_epoch(member_epoch());
    AddAcks(req.mutable_acknowledgements());
    v1::ShareAcknowledgeResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + options_.client.request_timeout);
    grpc::Status gs = ch_->stub->ShareAcknowledge(&ctx, req, &resp);
    if (!gs.ok() && IsMembershipError(gs)) {
      FailAll(req.acknowledgements(), FromGrpc(gs, "", options_.client), &result.failures);
      Rejoin();
      return result;
    }
    if (!gs.ok()) {
      return FromGrpc(gs, absl::StrCat("share acknowledge for group '", options_.group, "'"),
                      options_.client);
    }
    ApplyAckResults(req.acknowledgements(), resp.results(), &result.failures, &result.applied);
    return result;
  }

  std::vector<ShareAckFailure> TakeAckFailures() override {
    std::vector<ShareAckFailure> v;
    v.swap(poll_failures_);
    return v;
  }

  int64_t HeldCount() const override {
    int64_t n = 0;
    for (const auto& [tp, s] : held_) n += static_cast<int64_t>(s.size());
    return n;
  }

  absl::Status Close() override {
    if (closed_) return absl::OkStatus();
    closed_ = true;
    absl::Status first;
    for (auto& [tp, offsets] : held_) {
      for (int64_t off : offsets) pending_[tp][off] = static_cast<int>(ShareAck::kRelease);
    }
    held_.clear();
    if (!pending_.empty() && member_epoch() > 0) {
      auto r = Commit();
      if (!r.ok()) first = r.status();
    }
    pending_.clear();
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (heartbeat_.joinable()) heartbeat_.join();
    // Leave: the broker releases anything it still counts as ours.
    if (member_epoch() > 0) {
      v1::ShareGroupHeartbeatRequest req;
      req.set_group(options_.group);
      req.set_member_id(member_id_);
      req.set_member_epoch(-1);
      v1::ShareGroupHeartbeatResponse resp;
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + options_.client.request_timeout);
      grpc::Status gs = ch_->stub->ShareGroupHeartbeat(&ctx, req, &resp);
      if (!gs.ok() && first.ok()) {
        first =
            FromGrpc(gs, absl::StrCat("leave share group '", options_.group, "'"), options_.client);
      }
    }
    std::lock_guard<std::mutex> l(mu_);
    epoch_ = -1;
    return first;
  }

  const std::string& member_id() const override { return member_id_; }
  int32_t member_epoch() const override {
    std::lock_guard<std::mutex> l(mu_);
    return epoch_;
  }
  std::chrono::milliseconds record_lock_duration() const override {
    return std::chrono::milliseconds(lock_ms_);
  }

 private:
  std::string Who(const std::string& what) const {
    return absl::StrCat("share consumer ", member_id_, " of group '", options_.group, "' ", what);
  }

  // One ShareGroupHeartbeat with the current epoch (0 = join). Updates epoch and interval.
  absl::Status Heartbeat() {
    std::lock_guard<std::mutex> one_at_a_time(heartbeat_mu_);
    v1::ShareGroupHeartbeatRequest req;
    req.set_group(options_.group);
    req.set_member_id(member_id_);
    const int32_t epoch = member_epoch();
    req.set_member_epoch(epoch);
    if (epoch == 0) {
      for (const auto& t : options_.topics) req.add_topics(t);
    }
    v1::ShareGroupHeartbeatResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + options_.client.request_timeout);
    grpc::Status gs = ch_->stub->ShareGroupHeartbeat(&ctx, req, &resp);
    if (!gs.ok()) {
      return FromGrpc(gs, absl::StrCat("heartbeat to share group '", options_.group, "'"),
                      options_.client);
    }
    std::lock_guard<std::mutex> l(mu_);
    if (resp.error().code() != 0) {
      // Removed (session timeout, broker restart) or fenced: join again with the same id.
      if (IsMembershipError(resp.error())) epoch_ = 0;
      return FromPartitionError(resp.error());
    }
    if (stop_) return absl::OkStatus();
    epoch_ = resp.member_epoch();
    if (resp.heartbeat_interval_ms() > 0) {
      interval_ = std::chrono::milliseconds(resp.heartbeat_interval_ms());
    }
    return absl::OkStatus();
  }

  void HeartbeatLoop() {
    std::unique_lock<std::mutex> l(mu_);
    while (!stop_) {
      auto wait = epoch_ == 0 ? std::chrono::milliseconds(100) : interval_;
      cv_.wait_for(l, wait, [&] { return stop_ || rejoin_; });
      if (stop_) break;
      rejoin_ = false;
      l.unlock();
      (void)Heartbeat();  // failures retry at the next period; Poll reports what matters
      l.lock();
    }
  }

  void Rejoin() {
    std::lock_guard<std::mutex> l(mu_);
    epoch_ = 0;
    rejoin_ = true;
    cv_.notify_all();
  }

  // Every ack of `sent` was refused with `status`: drop them from pending_ and report them.
  void FailAll(const google::protobuf::RepeatedPtrField<v1::ShareAck>& sent,
               const absl::Status& status, std::vector<ShareAckFailure>* failures) {
    for (const auto& a : sent) {
      auto p = pending_.find(TopicPartition{a.topic(), a.partition()});
      if (p != pending_.end()) {
        p->second.erase(p->second.lower_bound(a.first_offset()),
                        p->second.upper_bound(a.last_offset()));
        if (p->second.empty()) pending_.erase(p);
      }
      if (a.type() == v1::SHARE_ACK_GAP) continue;
      failures->push_back({{a.topic(), a.partition()},
                           a.first_offset(),
                           a.last_offset(),
                           FromProto(a.type()),
                           status});
    }
  }

  // Pending acks as ranges of consecutive offsets of one type.
  void AddAcks(google::protobuf::RepeatedPtrField<v1::ShareAck>* acks) {
    for (const auto& [tp, offsets] : pending_) {
      v1::ShareAck* cur = nullptr;
      int cur_type = 0;
      for (const auto& [off, type] : offsets) {
        if (cur && type == cur_type && off == cur->last_offset() + 1) {
          cur->set_last_offset(off);
          continue;
        }
        cur = acks->Add();
        cur->set_topic(tp.topic);
        cur->set_partition(tp.partition);
        cur->set_first_offset(off);
        cur->set_last_offset(off);
        cur->set_type(ToProto(type));
        cur_type = type;
      }
    }
  }

  // The request's acks were answered: drop them from pending_, note failures, count applied.
  void ApplyAckResults(const google::protobuf::RepeatedPtrField<v1::ShareAck>& sent,
                       const google::protobuf::RepeatedPtrField<v1::ShareAckResult>& results,
                       std::vector<ShareAckFailure>* failures, int64_t* applied) {
    for (const auto& a : sent) {
      auto p = pending_.find(TopicPartition{a.topic(), a.partition()});
      if (p == pending_.end()) continue;
      auto& m = p->second;
      m.erase(m.lower_bound(a.first_offset()), m.upper_bound(a.last_offset()));
      if (m.empty()) pending_.erase(p);
    }
    // Results name ranges (possibly merged or split by the broker); an absent range is applied.
    std::vector<const v1::ShareAckResult*> bad;
    for (const auto& r : results) {
      if (r.error().code() != 0) bad.push_back(&r);
    }
    for (const auto& a : sent) {
      if (a.type() == v1::SHARE_ACK_GAP) continue;
      int64_t n = a.last_offset() - a.first_offset() + 1;
      for (const auto* r : bad) {
        if (r->topic() != a.topic() || r->partition() != a.partition()) continue;
        const int64_t lo = std::max(r->first_offset(), a.first_offset());
        const int64_t hi = std::min(r->last_offset(), a.last_offset());
        if (lo > hi) continue;
        n -= hi - lo + 1;
        ShareAckFailure f;
        f.tp = {a.topic(), a.partition()};
        f.first_offset = lo;
        f.last_offset = hi;
        f.type = FromProto(a.type());
        f.status = FromPartitionError(r->error());
        failures->push_back(std::move(f));
      }
      if (applied) *applied += std::max<int64_t>(n, 0);
    }
  }

  // Records of one partition's answer that are in its acquired ranges; offsets of a range with
  // no record (compacted away, control batches) are acknowledged as gaps.
  absl::Status Decode(const v1::ShareFetchPartitionResult& r, std::vector<ShareRecord>* out) {
    if (r.acquired().empty()) return absl::OkStatus();
    const TopicPartition tp{r.topic(), r.partition()};
    std::vector<std::pair<int64_t, int64_t>> seen_ranges;  // for gap detection
    std::set<int64_t> seen;
    auto delivery_of = [&](int64_t off) -> int32_t {
      for (const auto& a : r.acquired()) {
        if (off >= a.first_offset() && off <= a.last_offset()) return a.delivery_count();
      }
      return 0;
    };
    BatchIterator batches(r.records());
    std::string_view batch;
    BatchHeader h;
    auto& held = held_[tp];
    while (batches.Next(&batch, &h)) {
      if (h.is_control()) continue;
      RecordIterator it(batch);
      Record rec;
      while (it.Next(&rec)) {
        const int32_t dc = delivery_of(rec.offset);
        // A record this member still holds may come again (its lock expired, the broker
        // restarted): the new delivery replaces the old one.
        if (dc == 0 || seen.count(rec.offset)) continue;
        seen.insert(rec.offset);
        ShareRecord s;
        s.topic = tp.topic;
        s.partition = tp.partition;
        s.offset = rec.offset;
        s.timestamp = rec.timestamp;
        if (rec.key) s.key = std::string(*rec.key);
        if (rec.value) s.value = std::string(*rec.value);
        RecordHeaderIterator hi(rec.headers_raw, rec.header_count);
        RecordHeader rh;
        while (hi.Next(&rh)) {
          s.headers.emplace_back(
              std::string(rh.key),
              rh.value ? std::optional<std::string>(std::string(*rh.value)) : std::nullopt);
        }
        s.delivery_count = dc;
        out->push_back(std::move(s));
      }
      if (!it.status().ok()) {
        return absl::DataLossError(absl::StrCat("share fetch topic '", tp.topic, "' partition ",
                                                tp.partition, ": bad batch at offset ",
                                                h.base_offset, ": ", it.status().message()));
      }
    }
    if (!batches.status().ok()) {
      return absl::DataLossError(absl::StrCat("share fetch topic '", tp.topic, "' partition ",
                                              tp.partition, ": ", batches.status().message()));
    }
    for (int64_t off : seen) held.insert(off);
    if (held.empty()) held_.erase(tp);
    for (const auto& a : r.acquired()) {
      for (int64_t off = a.first_offset(); off <= a.last_offset(); ++off) {
        if (!seen.count(off)) pending_[tp][off] = kGap;
      }
    }
    return absl::OkStatus();
  }

  const ShareConsumerOptions options_;
  std::shared_ptr<RpcChannel> ch_;
  std::string member_id_;
  bool closed_ = false;
  int32_t lock_ms_ = 0;
  std::map<TopicPartition, std::set<int64_t>> held_;
  std::map<TopicPartition, std::map<int64_t, int>> pending_;  // offset -> ShareAck or kGap
  std::vector<ShareAckFailure> poll_failures_;

  std::mutex heartbeat_mu_;  // one heartbeat at a time (the thread's, or Poll's rejoin)
  mutable std::mutex mu_;    // guards the membership fields below
  std::condition_variable cv_;
  int32_t epoch_ = 0;
  std::chrono::milliseconds interval_;
  bool stop_ = false;
  bool rejoin_ = false;
  std::thread heartbeat_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ShareConsumer>> ShareConsumer::Create(
    const ShareConsumerOptions& o) {
  if (o.group.empty()) return absl::InvalidArgumentError("share consumer: group is required");
  if (o.topics.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("share consumer of group '", o.group, "': at least one topic is required"));
  }
  if (o.max_records < 1 || o.max_records > 100000) {
    return absl::InvalidArgumentError(absl::StrCat("share consumer of group '", o.group,
                                                   "': max_records ", o.max_records,
                                                   " is outside 1..100000"));
  }
  auto ch = MakeRpcChannel(o.client);
  if (!ch.ok()) return ch.status();
  auto c = std::make_unique<ShareConsumerImpl>(o, *std::move(ch));
  absl::Status st = c->Join();
  if (!st.ok()) return st;
  return std::unique_ptr<ShareConsumer>(std::move(c));
}

}  // namespace eddy::logstore
