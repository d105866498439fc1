// Producer implementation: per-partition RecordBatchBuilder accumulation, a sender thread that
// seals batches (batch.size or linger.ms) and issues Produce RPCs with gRPC's callback API, at
// most one request in flight per partition (so retries cannot reorder a partition).
#include "log-store/client/producer.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "log-store/client/rpc_channel.h"
#include "log-store/storage/record_batch_builder.h"

namespace eddy::logstore {

bool IsProducerFenced(const absl::Status& s) {
  auto p = s.GetPayload(kReasonPayloadUrl);
  if (!p) return false;
  std::string r(*p);
  return r == "PRODUCER_FENCED" || r == "INVALID_PRODUCER_EPOCH";
}

absl::Status WithReason(absl::Status s, std::string_view reason) {
  if (!s.ok() && !reason.empty()) s.SetPayload(kReasonPayloadUrl, absl::Cord(std::string(reason)));
  return s;
}

namespace {

using Clock = std::chrono::steady_clock;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool Retriable(absl::StatusCode c) {
  return c == absl::StatusCode::kUnavailable || c == absl::StatusCode::kDeadlineExceeded ||
         c == absl::StatusCode::kResourceExhausted || c == absl::StatusCode::kAborted;
}

struct ReadyBatch {
  std::string bytes;  // moved into the request while in flight (single-batch requests)
  size_t size = 0;    // bytes.size() at seal time (buffer accounting)
  int32_t records = 0;
  std::vector<std::pair<int32_t, DeliveryCallback>> callbacks;  // (record index, callback)
};

struct PartitionState {
  std::string topic;
  int32_t partition = 0;
  std::unique_ptr<RecordBatchBuilder> builder;
  std::vector<std::pair<int32_t, DeliveryCallback>> open_callbacks;
  Clock::time_point open_since;
  std::deque<ReadyBatch> ready;
  size_t in_flight_batches = 0;  // front batches of `ready` that are in flight
  int attempts = 0;
  Clock::time_point retry_after;
  int32_t next_sequence = 0;  // of the producer id and epoch in use (transactional producers)
  uint64_t added_in_txn = 0;  // the transaction number this partition was added to
};

struct TopicState {
  int32_t count = 0;
  size_t max_batch = 0;  // min(batch.size, the topic's max.message.bytes)
  uint32_t sticky = 0;
  std::vector<std::unique_ptr<PartitionState>> parts;
};

struct Call {
  grpc::ClientContext ctx;
  v1::ProduceRequest req;
  v1::ProduceResponse resp;
  std::vector<PartitionState*> parts;  // req.partitions(i) belongs to parts[i]
  std::vector<bool> moved;             // parts[i]'s one batch was moved into the request
  Clock::time_point started;
};

class ProducerImpl final : public Producer {
 public:
  ProducerImpl(const ProducerOptions& o, std::shared_ptr<RpcChannel> ch)
      : options_(o), ch_(std::move(ch)) {
    if (options_.max_in_flight < 1) options_.max_in_flight = 1;
    sender_ = std::thread([this] { SenderLoop(); });
  }
  ~ProducerImpl() override { Close().IgnoreError(); }

  absl::StatusOr<int32_t> PartitionCount(std::string_view topic) override {
    {
      std::lock_guard<std::mutex> l(mu_);
      auto it = topics_.find(topic);
      if (it != topics_.end()) return it->second.count;
    }
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + options_.client.request_timeout);
    v1::DescribeTopicRequest req;
    req.set_name(std::string(topic));
    v1::DescribeTopicResponse resp;
    auto st = ch_->stub->DescribeTopic(&ctx, req, &resp);
    if (!st.ok()) {
      return FromGrpc(st, absl::StrCat("producer: describe topic '", std::string(topic), "'"),
                      options_.client);
    }
    std::lock_guard<std::mutex> l(mu_);
    auto& t = topics_[std::string(topic)];
    t.count = resp.partitions_size();
    t.max_batch = options_.batch_size;
    auto mmb = resp.config().find("max.message.bytes");
    int64_t limit = 0;
    if (mmb != resp.config().end() && absl::SimpleAtoi(mmb->second, &limit) && limit > 0) {
      t.max_batch = std::min(t.max_batch, static_cast<size_t>(limit));
    }
    return t.count;
  }

  absl::Status Send(std::string_view topic, int32_t partition, std::optional<std::string_view> key,
                    std::optional<std::string_view> value, int64_t timestamp_ms,
                    std::span<const RecordHeader> headers, DeliveryCallback callback) override {
    size_t record_size = (key ? key->size() : 0) + (value ? value->size() : 0) + 64;
    for (const auto& h : headers)
      record_size += h.key.size() + (h.value ? h.value->size() : 0) + 10;
    if (record_size > options_.batch_size * 4 && record_size > (1u << 20)) {
      return absl::InvalidArgumentError(absl::StrCat("producer: record for topic '",
                                                     std::string(topic), "' is ", record_size,
                                                     " bytes, above the batch limit"));
    }
    if (timestamp_ms < 0) timestamp_ms = NowMs();
    std::unique_lock<std::mutex> l(mu_);
    // Hot path: the same topic as the previous Send (a job's output stream) skips the map.
    TopicState* tp = last_topic_;
    if (!tp || topic != last_topic_name_) {
      auto it = topics_.find(topic);
      if (it == topics_.end()) {
        l.unlock();
        auto count = PartitionCount(topic);
        if (!count.ok()) return count.status();
        l.lock();
        it = topics_.find(topic);
      }
      tp = &it->second;  // std::map: stable address
      last_topic_ = tp;
      last_topic_name_.assign(topic);
    }
    TopicState& t = *tp;
    if (partition >= t.count || partition < -1 || t.count <= 0) {
      return absl::InvalidArgumentError(absl::StrCat("producer: topic '", std::string(topic),
                                                     "' has ", t.count, " partitions; partition ",
                                                     partition, " does not exist"));
    }
    if (closed_) return absl::FailedPreconditionError("producer: Send() after Close()");
    if (!fatal_.ok()) return fatal_;
    if (transactional() && producer_id_ < 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("producer: transactional id '", options_.transactional_id,
                       "': call InitTransactions() before the first Send()"));
    }
    if (buffered_ >= options_.buffer_memory) {
      space_cv_.wait(l, [&] { return buffered_ < options_.buffer_memory || closed_; });
    }
    const bool sticky = partition < 0 && !key;
    if (partition < 0) {
      partition = key ? PartitionForKey(*key, t.count) : static_cast<int32_t>(t.sticky % t.count);
    }
    PartitionState* ps = State(t, topic, partition);
    // Seal first when this record would push the batch past the topic's max.message.bytes.
    if (!ps->builder->empty() && ps->builder->size_bytes() + record_size > t.max_batch) {
      Seal(ps);
      if (sticky) {
        ++t.sticky;
        partition = static_cast<int32_t>(t.sticky % t.count);
        ps = State(t, topic, partition);
      }
      work_cv_.notify_one();
    }
    if (in_txn_ && ps->added_in_txn != txn_number_) {
      // First record of this partition in the transaction: the coordinator must know the
      // partition before its first transactional batch reaches it.
      const uint64_t txn = txn_number_;
      l.unlock();
      absl::Status added = AddPartitionToTxn(ps->topic, ps->partition);
      l.lock();
      if (!added.ok()) {
        if (IsProducerFenced(added) && fatal_.ok()) fatal_ = added;
        return added;
      }
      if (txn == txn_number_) ps->added_in_txn = txn;
    }
    const bool opens_batch = ps->builder->empty();
    if (opens_batch) ps->open_since = Clock::now();
    const size_t before = ps->builder->size_bytes();
    if (callback) ps->open_callbacks.emplace_back(ps->builder->record_count(), std::move(callback));
    ps->builder->Add(key, value, timestamp_ms, headers);
    buffered_ += ps->builder->size_bytes() - before;
    if (ps->builder->size_bytes() >= t.max_batch) {
      Seal(ps);
      if (sticky) ++t.sticky;
      work_cv_.notify_one();
    } else if (opens_batch && sender_sleeps_until_ > ps->open_since + options_.linger) {
      // The sender planned its wake before this batch existed (up to 100 ms away when it was
      // idle): wake it so the batch leaves after linger.ms, not at the sender's next wake.
      work_cv_.notify_one();
    }
    return absl::OkStatus();
  }

  absl::Status Flush() override {
    std::unique_lock<std::mutex> l(mu_);
    ++flush_waiters_;
    work_cv_.notify_one();
    done_cv_.wait(l, [&] { return Idle(); });
    --flush_waiters_;
    absl::Status st = first_error_;
    first_error_ = absl::OkStatus();
    return st;
  }

  absl::Status Close() override {
    absl::Status st;
    {
      std::unique_lock<std::mutex> l(mu_);
      if (stopped_) return absl::OkStatus();
    }
    st = Flush();
    {
      std::lock_guard<std::mutex> l(mu_);
      closed_ = true;
      stopped_ = true;
      work_cv_.notify_all();
      space_cv_.notify_all();
    }
    if (sender_.joinable()) sender_.join();
    return st;
  }

  absl::Status InitTransactions() override {
    if (!transactional()) {
      return absl::FailedPreconditionError(
          "producer: InitTransactions() needs ProducerOptions::transactional_id");
    }
    {
      std::lock_guard<std::mutex> l(mu_);
      if (!fatal_.ok()) return fatal_;
      if (in_txn_) {
        return absl::FailedPreconditionError(
            "producer: InitTransactions() inside an open transaction");
      }
    }
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + options_.client.request_timeout);
    v1::InitProducerRequest req;
    req.set_transactional_id(options_.transactional_id);
    req.set_transaction_timeout_ms(static_cast<int32_t>(options_.transaction_timeout.count()));
    v1::InitProducerResponse resp;
    auto st = ch_->stub->InitProducer(&ctx, req, &resp);
    if (!st.ok()) {
      return FromGrpc(
          st, absl::StrCat("producer: init transactions for '", options_.transactional_id, "'"),
          options_.client);
    }
    if (absl::Status e = FromPartitionError(resp.error()); !e.ok()) return e;
    std::lock_guard<std::mutex> l(mu_);
    producer_id_ = resp.producer_id();
    producer_epoch_ = static_cast<int16_t>(resp.producer_epoch());
    for (auto* ps : all_) ps->next_sequence = 0;  // a new epoch starts its sequences at 0
    return absl::OkStatus();
  }

  absl::Status BeginTransaction() override {
    std::lock_guard<std::mutex> l(mu_);
    if (absl::Status st = TxnReady("BeginTransaction"); !st.ok()) return st;
    if (in_txn_) {
      return absl::FailedPreconditionError(
          absl::StrCat("producer: transactional id '", options_.transactional_id,
                       "': BeginTransaction() while a transaction is open"));
    }
    // Records sent before the transaction go out as they are, not inside it.
    for (auto* ps : all_) Seal(ps);
    work_cv_.notify_one();
    in_txn_ = true;
    ++txn_number_;
    return absl::OkStatus();
  }

  absl::Status CommitTransaction() override { return EndTransaction(true); }
  absl::Status AbortTransaction() override { return EndTransaction(false); }
  int64_t producer_id() const override {
    std::lock_guard<std::mutex> l(mu_);
    return producer_id_;
  }
  int16_t producer_epoch() const override {
    std::lock_guard<std::mutex> l(mu_);
    return producer_epoch_;
  }

  std::vector<int64_t> RequestLatenciesMicros() const override {
    std::lock_guard<std::mutex> l(mu_);
    return latencies_;
  }

 private:
  bool transactional() const { return !options_.transactional_id.empty(); }

  // Called under mu_.
  absl::Status TxnReady(std::string_view call) const {
    if (!transactional()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "producer: ", std::string(call), "() needs ProducerOptions::transactional_id"));
    }
    if (!fatal_.ok()) return fatal_;
    if (producer_id_ < 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("producer: transactional id '", options_.transactional_id,
                       "': call InitTransactions() before ", std::string(call), "()"));
    }
    return absl::OkStatus();
  }

  absl::Status AddPartitionToTxn(const std::string& topic, int32_t partition) {
    int64_t pid;
    int16_t epoch;
    {
      std::lock_guard<std::mutex> l(mu_);
      pid = producer_id_;
      epoch = producer_epoch_;
    }
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + options_.client.request_timeout);
    v1::AddPartitionsToTxnRequest req;
    req.set_transactional_id(options_.transactional_id);
    req.set_producer_id(pid);
    req.set_producer_epoch(epoch);
    auto* tp = req.add_partitions();
    tp->set_topic(topic);
    tp->set_partition(partition);
    v1::AddPartitionsToTxnResponse resp;
    auto st = ch_->stub->AddPartitionsToTxn(&ctx, req, &resp);
    const std::string what =
        absl::StrCat("producer: transactional id '", options_.transactional_id, "': add topic '",
                     topic, "' partition ", partition, " to the transaction");
    if (!st.ok()) return FromGrpc(st, what, options_.client);
    if (resp.results_size() != 1) return absl::InternalError(absl::StrCat(what, ": bad answer"));
    return FromPartitionError(resp.results(0).error());
  }

  absl::Status EndTransaction(bool commit) {
    const std::string_view call = commit ? "CommitTransaction" : "AbortTransaction";
    {
      std::lock_guard<std::mutex> l(mu_);
      if (absl::Status st = TxnReady(call); !st.ok()) return st;
      if (!in_txn_) {
        return absl::FailedPreconditionError(
            absl::StrCat("producer: transactional id '", options_.transactional_id,
                         "': ", std::string(call), "() with no open transaction"));
      }
    }
    // Everything sent in the transaction is acknowledged (or failed) before it ends.
    absl::Status flushed = Flush();
    int64_t pid;
    int16_t epoch;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (!fatal_.ok()) return fatal_;
      pid = producer_id_;
      epoch = producer_epoch_;
    }
    if (commit && !flushed.ok()) {
      return absl::Status(flushed.code(),
                          absl::StrCat("producer: transactional id '", options_.transactional_id,
                                       "': not committed, a send failed (abort the transaction): ",
                                       flushed.message()));
    }
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + options_.client.request_timeout);
    v1::EndTxnRequest req;
    req.set_transactional_id(options_.transactional_id);
    req.set_producer_id(pid);
    req.set_producer_epoch(epoch);
    req.set_commit(commit);
    v1::EndTxnResponse resp;
    auto st = ch_->stub->EndTxn(&ctx, req, &resp);
    absl::Status out =
        st.ok() ? FromPartitionError(resp.error())
                : FromGrpc(st,
                           absl::StrCat("producer: transactional id '", options_.transactional_id,
                                        "': ", commit ? "commit" : "abort"),
                           options_.client);
    std::lock_guard<std::mutex> l(mu_);
    if (IsProducerFenced(out) && fatal_.ok()) fatal_ = out;
    if (out.ok() || !Retriable(out.code())) in_txn_ = false;
    return out;
  }

  PartitionState* State(TopicState& t, std::string_view topic, int32_t partition) {
    auto& v = t.parts;
    if (static_cast<size_t>(partition) >= v.size()) v.resize(partition + 1);
    if (!v[partition]) {
      v[partition] = std::make_unique<PartitionState>();
      v[partition]->topic = std::string(topic);
      v[partition]->partition = partition;
      v[partition]->builder = std::make_unique<RecordBatchBuilder>(options_.compression);
      all_.push_back(v[partition].get());
    }
    return v[partition].get();
  }

  void Seal(PartitionState* ps) {
    if (ps->builder->empty()) return;
    ReadyBatch b;
    b.records = ps->builder->record_count();
    if (producer_id_ >= 0) {
      // Stamped once, at seal: a retry resends the same bytes, which the broker recognises.
      ps->builder->SetProducer(producer_id_, producer_epoch_, ps->next_sequence);
      ps->builder->SetTransactional(in_txn_);
      ps->next_sequence =
          static_cast<int32_t>((static_cast<int64_t>(ps->next_sequence) + b.records) & 0x7fffffff);
    }
    b.bytes = ps->builder->Finish();
    b.size = b.bytes.size();
    b.callbacks = std::move(ps->open_callbacks);
    ps->open_callbacks.clear();
    ps->ready.push_back(std::move(b));
  }

  bool Idle() const {
    if (in_flight_ > 0) return false;
    for (auto* ps : all_) {
      if (!ps->builder->empty() || !ps->ready.empty()) return false;
    }
    return true;
  }

  void SenderLoop() {
    std::unique_lock<std::mutex> l(mu_);
    for (;;) {
      if (stopped_ && in_flight_ == 0) return;
      const auto now = Clock::now();
      auto next_wake = now + std::chrono::milliseconds(100);
      for (auto* ps : all_) {
        if (!ps->builder->empty()) {
          auto due = ps->open_since + options_.linger;
          if (flush_waiters_ > 0 || stopped_ || due <= now) {
            if (ps->in_flight_batches == 0 && ps->ready.empty())
              Seal(ps);
            else if (ps->builder->size_bytes() >= options_.batch_size / 2)
              Seal(ps);
            else
              next_wake = std::min(next_wake, now + std::chrono::milliseconds(1));
          } else {
            next_wake = std::min(next_wake, due);
          }
        }
      }
      // Build one request from partitions with ready batches and nothing in flight.
      std::unique_ptr<Call> call;
      size_t bytes = 0;
      if (in_flight_ < options_.max_in_flight) {
        for (size_t k = 0; k < all_.size() && bytes < options_.max_request_bytes; ++k) {
          PartitionState* ps = all_[(rr_ + k) % all_.size()];
          if (ps->ready.empty() || ps->in_flight_batches > 0) continue;
          if (ps->retry_after > now) {
            next_wake = std::min(next_wake, ps->retry_after);
            continue;
          }
          if (!call) {
            call = std::make_unique<Call>();
            call->req.set_acks(options_.acks);
            call->req.set_timeout_ms(static_cast<int32_t>(options_.client.request_timeout.count()));
          }
          size_t n = 0, size = 0;
          while (n < ps->ready.size() &&
                 (n == 0 || size + ps->ready[n].size <= options_.max_request_bytes)) {
            size += ps->ready[n].size;
            ++n;
          }
          auto* pp = call->req.add_partitions();
          pp->set_topic(ps->topic);
          pp->set_partition(ps->partition);
          call->moved.push_back(n == 1);
          if (n == 1) {
            // No copy: the bytes go back to `ready` if the request is retried.
            pp->set_records(std::move(ps->ready[0].bytes));
          } else {
            std::string* rec = pp->mutable_records();
            rec->reserve(size);
            for (size_t i = 0; i < n; ++i) rec->append(ps->ready[i].bytes);
          }
          ps->in_flight_batches = n;
          call->parts.push_back(ps);
          bytes += size;
        }
        rr_ = all_.empty() ? 0 : (rr_ + 1) % all_.size();
      }
      if (call) {
        ++in_flight_;
        Call* c = call.release();
        c->started = Clock::now();
        c->ctx.set_deadline(std::chrono::system_clock::now() + options_.client.request_timeout);
        l.unlock();
        ch_->stub->async()->Produce(&c->ctx, &c->req, &c->resp,
                                    [this, c](grpc::Status s) { OnDone(c, std::move(s)); });
        l.lock();
        continue;
      }
      if (stopped_ && in_flight_ == 0 && Idle()) return;
      sender_sleeps_until_ = next_wake;
      work_cv_.wait_until(l, next_wake);
      sender_sleeps_until_ = Clock::time_point::min();
    }
  }

  struct Completion {
    DeliveryCallback cb;
    absl::Status status;
    PartitionState* ps;
    int64_t offset;
  };

  // Reservoir sampling (Vitter's algorithm R). Called under mu_.
  void RecordLatency(int64_t micros) {
    ++latency_count_;
    if (latencies_.size() < options_.latency_samples) {
      latencies_.push_back(micros);
      return;
    }
    uint64_t j = latency_rng_() % latency_count_;
    if (j < latencies_.size()) latencies_[j] = micros;
  }

  void OnDone(Call* c, grpc::Status s) {
    std::unique_ptr<Call> owned(c);
    std::vector<Completion> done;
    {
      std::lock_guard<std::mutex> l(mu_);
      RecordLatency(
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - c->started).count());
      absl::Status rpc = FromGrpc(s, "produce", options_.client);
      for (size_t i = 0; i < c->parts.size(); ++i) {
        PartitionState* ps = c->parts[i];
        absl::Status st = rpc;
        int64_t base = -1;
        if (st.ok()) {
          if (static_cast<int>(i) < c->resp.results_size()) {
            const auto& r = c->resp.results(static_cast<int>(i));
            st = FromPartitionError(r.error());
            base = r.base_offset();
          } else {
            st = absl::InternalError("produce: broker answered fewer partitions than asked");
          }
        }
        const size_t n = ps->in_flight_batches;
        ps->in_flight_batches = 0;
        if (c->moved[i]) {
          ps->ready.front().bytes =
              std::move(*c->req.mutable_partitions(static_cast<int>(i))->mutable_records());
        }
        if (!st.ok() && Retriable(st.code()) && ps->attempts < options_.retries) {
          ++ps->attempts;
          ps->retry_after = Clock::now() + options_.retry_backoff * ps->attempts;
          continue;  // batches stay at the front of `ready`: order is kept
        }
        ps->attempts = 0;
        int64_t index_base = 0;
        for (size_t b = 0; b < n; ++b) {
          ReadyBatch& rb = ps->ready.front();
          buffered_ -= std::min(buffered_, rb.size);
          for (auto& [idx, cb] : rb.callbacks) {
            done.push_back({std::move(cb), st, ps,
                            st.ok() && options_.acks != 0 ? base + index_base + idx : -1});
          }
          index_base += rb.records;
          ps->ready.pop_front();
        }
        if (!st.ok() && first_error_.ok()) first_error_ = st;
        if (!st.ok() && IsProducerFenced(st) && fatal_.ok()) fatal_ = st;
      }
      space_cv_.notify_all();
    }
    // Callbacks run before the call stops counting as in flight, so Flush() returns only after
    // every callback of the flushed records has run.
    for (auto& d : done) {
      DeliveryReport r;
      r.status = d.status;
      r.topic = d.ps->topic;
      r.partition = d.ps->partition;
      r.offset = d.offset;
      d.cb(r);
    }
    std::lock_guard<std::mutex> l(mu_);
    --in_flight_;
    work_cv_.notify_one();
    if (Idle()) done_cv_.notify_all();
  }

  ProducerOptions options_;
  std::shared_ptr<RpcChannel> ch_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_, done_cv_, space_cv_;
  std::map<std::string, TopicState, std::less<>> topics_;
  TopicState* last_topic_ = nullptr;  // topic of the previous Send (guarded by mu_)
  std::string last_topic_name_;
  std::vector<PartitionState*> all_;
  size_t rr_ = 0;
  size_t buffered_ = 0;
  // When the sender thread waits: the time it will wake by itself; min() while it runs (it
  // rescans every partition before it waits again, so a Send then needs no notify).
  Clock::time_point sender_sleeps_until_ = Clock::time_point::min();
  int32_t in_flight_ = 0;
  int flush_waiters_ = 0;
  bool closed_ = false;
  bool stopped_ = false;
  absl::Status first_error_;
  // Transactions (guarded by mu_): the producer id and epoch from InitTransactions, whether a
  // transaction is open and its number, and the error that ends this producer (fenced).
  int64_t producer_id_ = -1;
  int16_t producer_epoch_ = -1;
  bool in_txn_ = false;
  uint64_t txn_number_ = 0;
  absl::Status fatal_;
  std::vector<int64_t> latencies_;  // a reservoir of at most options_.latency_samples
  uint64_t latency_count_ = 0;      // requests seen
  std::mt19937_64 latency_rng_{0x5eed};
  std::thread sender_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Producer>> Producer::Create(const ProducerOptions& options) {
  if (options.acks != 0 && options.acks != 1 && options.acks != -1) {
    return absl::InvalidArgumentError(
        absl::StrCat("producer: acks must be 0, 1 or all (-1), got ", options.acks));
  }
  auto ch = MakeRpcChannel(options.client);
  if (!ch.ok()) return ch.status();
  return std::unique_ptr<Producer>(new ProducerImpl(options, *std::move(ch)));
}

}  // namespace eddy::logstore
