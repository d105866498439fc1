// Consumer implementation: one Fetch RPC over every assigned partition per Poll(), with an
// optional prefetch (the next fetch is in flight while the caller walks the last answer).
#include "log-store/client/consumer.h"

#include <condition_variable>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "log-store/client/admin_client.h"
#include "log-store/client/rpc_channel.h"

namespace eddy::logstore {

FetchedPartition::RecordCursor::RecordCursor(std::string_view data, int64_t min_offset)
    : batches_(data), min_offset_(min_offset) {}

bool FetchedPartition::RecordCursor::Next(Record* out) {
  for (;;) {
    if (records_) {
      while (records_->Next(out)) {
        if (out->offset >= min_offset_) return true;
      }
      if (!records_->status().ok()) {
        status_ = records_->status();
        records_.reset();
        return false;
      }
      records_.reset();
    }
    std::string_view batch;
    BatchHeader h;
    if (!batches_.Next(&batch, &h)) {
      if (!batches_.status().ok()) status_ = batches_.status();
      return false;
    }
    if (h.last_offset() < min_offset_ || h.is_control()) continue;
    records_ = std::make_unique<RecordIterator>(batch);
  }
}

namespace {

struct PendingFetch {
  grpc::ClientContext ctx;
  v1::FetchRequest req;
  v1::FetchResponse resp;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
};

class ConsumerImpl final : public Consumer {
 public:
  ConsumerImpl(const ConsumerOptions& o, std::shared_ptr<RpcChannel> ch,
               std::unique_ptr<AdminClient> admin)
      : options_(o), ch_(std::move(ch)), admin_(std::move(admin)) {}
  ~ConsumerImpl() override { DropPending(); }

  absl::Status Assign(const std::vector<TopicPartition>& partitions) override {
    DropPending();
    std::map<TopicPartition, int64_t> next;
    std::map<TopicPartition, int64_t> committed;
    if (!options_.group.empty() && !partitions.empty()) {
      auto c = admin_->FetchCommitted(options_.group, partitions);
      if (!c.ok()) return c.status();
      committed = *std::move(c);
    }
    for (const auto& tp : partitions) {
      auto old = positions_.find(tp);
      if (old != positions_.end()) {
        next[tp] = old->second;
        continue;
      }
      auto c = committed.find(tp);
      if (c != committed.end()) {
        next[tp] = c->second;
        continue;
      }
      auto start = admin_->ListOffset(tp, kEarliestOffset);
      if (!start.ok()) return start.status();
      next[tp] = *start;
    }
    positions_ = std::move(next);
    return absl::OkStatus();
  }

  std::vector<TopicPartition> Assignment() const override {
    std::vector<TopicPartition> v;
    for (const auto& [tp, _] : positions_) v.push_back(tp);
    return v;
  }

  absl::Status Seek(const TopicPartition& tp, int64_t offset) override {
    auto it = positions_.find(tp);
    if (it == positions_.end()) return NotAssigned(tp);
    if (offset < 0) {
      return absl::InvalidArgumentError(absl::StrCat("seek topic '", tp.topic, "' partition ",
                                                     tp.partition, ": offset ", offset, " < 0"));
    }
    DropPending();
    it->second = offset;
    return absl::OkStatus();
  }

  absl::Status SeekToBeginning(const std::vector<TopicPartition>& partitions) override {
    return SeekTo(partitions, kEarliestOffset);
  }
  absl::Status SeekToEnd(const std::vector<TopicPartition>& partitions) override {
    return SeekTo(partitions, kLatestOffset);
  }

  absl::StatusOr<int64_t> Position(const TopicPartition& tp) const override {
    auto it = positions_.find(tp);
    if (it == positions_.end()) return NotAssigned(tp);
    return it->second;
  }

  absl::StatusOr<std::vector<FetchedPartition>> Poll(std::chrono::milliseconds timeout) override {
    std::vector<FetchedPartition> out;
    if (positions_.empty()) return out;
    if (!pending_) Issue(timeout);
    {
      std::unique_lock<std::mutex> l(pending_->mu);
      // The fetch's own max wait bounds this; a little slack covers the round trip.
      if (!pending_->cv.wait_for(l, timeout + std::chrono::milliseconds(50),
                                 [&] { return pending_->done; })) {
        return out;  // still in flight; the next Poll picks it up
      }
    }
    std::unique_ptr<PendingFetch> f = std::move(pending_);
    if (!f->status.ok()) {
      return FromGrpc(f->status, "fetch", options_.client);
    }
    for (int i = 0; i < f->resp.results_size(); ++i) {
      auto* r = f->resp.mutable_results(i);
      TopicPartition tp{r->topic(), r->partition()};
      auto pos = positions_.find(tp);
      if (pos == positions_.end()) continue;
      absl::Status err = FromPartitionError(r->error());
      if (err.ok() && r->records().empty()) {
        // Everything there was filtered out (markers, aborted transactions): move past it.
        if (r->next_offset() > pos->second) pos->second = r->next_offset();
        continue;
      }
      FetchedPartition fp;
      fp.tp = std::move(tp);
      fp.high_watermark = r->high_watermark();
      fp.log_start_offset = r->log_start_offset();
      fp.fetch_offset = pos->second;
      fp.error = err;
      fp.next_offset = pos->second;
      if (err.ok()) {
        fp.data.swap(*r->mutable_records());
        BatchIterator it(fp.data);
        std::string_view b;
        BatchHeader h;
        while (it.Next(&b, &h)) fp.next_offset = std::max(fp.next_offset, h.last_offset() + 1);
        fp.next_offset = std::max(fp.next_offset, r->next_offset());
        if (!it.status().ok()) {
          fp.error = absl::DataLossError(absl::StrCat(
              "fetch topic '", fp.tp.topic, "' partition ", fp.tp.partition, " offset ",
              fp.fetch_offset, ": bad batch in the answer: ", it.status().message()));
          fp.data.clear();
          fp.next_offset = fp.fetch_offset;
        }
        pos->second = fp.next_offset;
      }
      out.push_back(std::move(fp));
    }
    if (options_.prefetch) Issue(options_.fetch_max_wait);
    return out;
  }

  absl::Status CommitOffsets(const std::map<TopicPartition, int64_t>& offsets) override {
    if (options_.group.empty()) return absl::FailedPreconditionError("consumer has no group");
    return admin_->CommitOffsets(options_.group, offsets);
  }
  absl::Status CommitPositions() override { return CommitOffsets(positions_); }
  absl::StatusOr<std::map<TopicPartition, int64_t>> FetchCommitted(
      const std::vector<TopicPartition>& partitions) override {
    if (options_.group.empty()) return absl::FailedPreconditionError("consumer has no group");
    return admin_->FetchCommitted(options_.group, partitions);
  }

 private:
  static absl::Status NotAssigned(const TopicPartition& tp) {
    return absl::FailedPreconditionError(
        absl::StrCat("topic '", tp.topic, "' partition ", tp.partition, " is not assigned"));
  }

  absl::Status SeekTo(const std::vector<TopicPartition>& partitions, int64_t spec) {
    for (const auto& tp : partitions) {
      if (!positions_.count(tp)) return NotAssigned(tp);
      auto off = admin_->ListOffset(tp, spec);
      if (!off.ok()) return off.status();
      DropPending();
      positions_[tp] = *off;
    }
    return absl::OkStatus();
  }

  void Issue(std::chrono::milliseconds wait) {
    pending_ = std::make_unique<PendingFetch>();
    PendingFetch* f = pending_.get();
    f->req.set_max_wait_ms(static_cast<int32_t>(
        std::min<int64_t>(std::max<int64_t>(wait.count(), 0), options_.fetch_max_wait.count())));
    f->req.set_min_bytes(options_.fetch_min_bytes);
    f->req.set_max_bytes(options_.fetch_max_bytes);
    f->req.set_isolation_level(options_.read_committed ? 1 : 0);
    for (const auto& [tp, off] : positions_) {
      auto* p = f->req.add_partitions();
      p->set_topic(tp.topic);
      p->set_partition(tp.partition);
      p->set_offset(off);
      p->set_max_bytes(options_.max_partition_fetch_bytes);
    }
    f->ctx.set_deadline(std::chrono::system_clock::now() + options_.client.request_timeout +
                        options_.fetch_max_wait);
    ch_->stub->async()->Fetch(&f->ctx, &f->req, &f->resp, [f](grpc::Status s) {
      std::lock_guard<std::mutex> l(f->mu);
      f->status = std::move(s);
      f->done = true;
      f->cv.notify_all();
    });
  }

  // Cancels and waits out a fetch in flight (its answer is for old positions).
  void DropPending() {
    if (!pending_) return;
    pending_->ctx.TryCancel();
    std::unique_lock<std::mutex> l(pending_->mu);
    pending_->cv.wait(l, [&] { return pending_->done; });
    l.unlock();
    pending_.reset();
  }

  ConsumerOptions options_;
  std::shared_ptr<RpcChannel> ch_;
  std::unique_ptr<AdminClient> admin_;
  std::map<TopicPartition, int64_t> positions_;
  std::unique_ptr<PendingFetch> pending_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Consumer>> Consumer::Create(const ConsumerOptions& options) {
  auto ch = MakeRpcChannel(options.client);
  if (!ch.ok()) return ch.status();
  auto admin = AdminClient::Connect(options.client);
  if (!admin.ok()) return admin.status();
  return std::unique_ptr<Consumer>(new ConsumerImpl(options, *std::move(ch), *std::move(admin)));
}

}  // namespace eddy::logstore
