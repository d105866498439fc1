#include "runtime/system/eddy_system.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "log-store/client/admin_client.h"
#include "log-store/client/consumer.h"
#include "log-store/client/producer.h"

namespace eddy::runtime {
namespace {

using logstore::TopicPartition;

absl::StatusOr<logstore::ClientOptions> ClientOpts(const SystemConfig& c) {
  logstore::ClientOptions o;
  std::string bs = c.Get("bootstrap.servers");
  if (bs.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("systems.", c.name, ".bootstrap.servers is missing (HOST:PORT of eddy-logd)"));
  }
  auto comma = bs.find(',');
  o.bootstrap = bs.substr(0, comma);
  return o;
}

// Reads the integer keys of the factory below; the first bad one is the error.
struct IntReader {
  const SystemConfig& c;
  absl::Status status;
  int64_t operator()(const std::string& key, int64_t def, int64_t min, int64_t max = INT32_MAX) {
    if (!status.ok()) return def;
    auto v = GetLongProp(c, key, def, min, max);
    if (!v.ok()) {
      status = v.status();
      return def;
    }
    return *v;
  }
};

class EddyConsumer : public SystemConsumer {
 public:
  EddyConsumer(std::unique_ptr<logstore::Consumer> c, OffsetDefault d, std::string system)
      : consumer_(std::move(c)), default_(d), system_(std::move(system)) {}

  absl::StatusOr<int32_t> Register(const Ssp& ssp, std::optional<int64_t> offset) override {
    TopicPartition tp{ssp.stream, ssp.partition};
    if (index_.count(tp)) {
      return absl::AlreadyExistsError(absl::StrCat(ssp.ToString(), " registered twice"));
    }
    int32_t idx = static_cast<int32_t>(tps_.size());
    tps_.push_back(tp);
    offsets_.push_back(offset);
    index_[tp] = idx;
    return idx;
  }

  absl::Status Start() override {
    if (auto s = consumer_->Assign(tps_); !s.ok()) return s;
    for (size_t i = 0; i < tps_.size(); ++i) {
      absl::Status s;
      if (offsets_[i]) {
        s = consumer_->Seek(tps_[i], *offsets_[i]);
      } else if (default_ == OffsetDefault::kOldest) {
        s = consumer_->SeekToBeginning({tps_[i]});
      } else {
        s = consumer_->SeekToEnd({tps_[i]});
      }
      if (!s.ok()) {
        return absl::Status(s.code(), absl::StrCat("seeking ", system_, ".", tps_[i].topic, "[",
                                                   tps_[i].partition, "]: ", s.message()));
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<PartitionBatch>> Poll(std::chrono::milliseconds timeout) override {
    std::vector<PartitionBatch> out;
    if (active_count() == 0) return out;
    auto fetched = consumer_->Poll(timeout);
    if (!fetched.ok()) return fetched.status();
    for (auto& fp : *fetched) {
      auto it = index_.find(fp.tp);
      if (it == index_.end() || paused_.count(it->second)) continue;
      if (!fp.error.ok()) {
        return absl::Status(
            fp.error.code(),
            absl::StrCat("fetching ", system_, ".", fp.tp.topic, "[", fp.tp.partition,
                         "] at offset ", fp.fetch_offset, ": ", fp.error.message()));
      }
      auto owned = std::make_shared<logstore::FetchedPartition>(std::move(fp));
      PartitionBatch b;
      b.ssp_index = it->second;
      b.high_watermark = owned->high_watermark;
      b.next_offset = owned->next_offset;
      // One allocation per fetched partition: offsets give the record count (an upper bound on a
      // compacted topic), capped by what the bytes could hold.
      const int64_t span = owned->next_offset - owned->fetch_offset;
      if (span > 0) {
        b.records.reserve(static_cast<size_t>(
            std::min<int64_t>(span, static_cast<int64_t>(owned->data.size() / 8 + 1))));
      }
      auto cur = owned->Records();
      logstore::Record r;
      while (cur.Next(&r)) b.records.push_back(r);
      if (!cur.status().ok()) {
        return absl::DataLossError(absl::StrCat("reading ", system_, ".", owned->tp.topic, "[",
                                                owned->tp.partition, "] near offset ",
                                                owned->fetch_offset, ": ", cur.status().message()));
      }
      b.owner = std::move(owned);
      if (!b.records.empty() || b.high_watermark >= 0) out.push_back(std::move(b));
    }
    return out;
  }

  absl::Status Pause(int32_t ssp_index) override {
    if (!paused_.insert(ssp_index).second) return absl::OkStatus();
    std::vector<TopicPartition> keep;
    std::vector<std::pair<TopicPartition, int64_t>> pos;
    for (size_t i = 0; i < tps_.size(); ++i) {
      if (paused_.count(static_cast<int32_t>(i))) continue;
      keep.push_back(tps_[i]);
      auto p = consumer_->Position(tps_[i]);
      if (!p.ok()) return p.status();
      pos.emplace_back(tps_[i], *p);
    }
    if (auto s = consumer_->Assign(keep); !s.ok()) return s;
    for (auto& [tp, p] : pos) {
      if (auto s = consumer_->Seek(tp, p); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  std::optional<int64_t> Position(int32_t ssp_index) const override {
    if (ssp_index < 0 || static_cast<size_t>(ssp_index) >= tps_.size()) return std::nullopt;
    auto p = consumer_->Position(tps_[static_cast<size_t>(ssp_index)]);
    if (!p.ok()) return std::nullopt;
    return *p;
  }
  void Stop() override {}

 private:
  size_t active_count() const { return tps_.size() - paused_.size(); }
  std::unique_ptr<logstore::Consumer> consumer_;
  OffsetDefault default_;
  std::string system_;
  std::vector<TopicPartition> tps_;
  std::vector<std::optional<int64_t>> offsets_;
  std::map<TopicPartition, int32_t> index_;
  std::set<int32_t> paused_;
};

// `s` with `prefix` before its message, keeping its payloads (the broker's reason, which
// logstore::IsProducerFenced reads).
absl::Status Prefixed(const absl::Status& s, std::string_view prefix) {
  absl::Status out(s.code(), std::string(prefix) + std::string(s.message()));
  s.ForEachPayload(
      [&](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  return out;
}

class EddyProducer : public SystemProducer {
 public:
  EddyProducer(std::unique_ptr<logstore::Producer> p, std::string system, std::string txn_id = "")
      : producer_(std::move(p)), system_(std::move(system)), txn_id_(std::move(txn_id)) {}
  ~EddyProducer() override { Stop(); }

  absl::Status Send(std::string_view stream, int32_t partition, std::optional<std::string_view> key,
                    std::optional<std::string_view> value, int64_t timestamp_ms,
                    std::span<const logstore::RecordHeader> headers) override {
    auto s = producer_->Send(stream, partition, key, value, timestamp_ms, headers);
    if (!s.ok()) {
      return Note(Prefixed(s, absl::StrCat("sending to ", system_, ".", std::string(stream), "[",
                                           partition, "]: ")));
    }
    return s;
  }
  absl::Status Flush() override {
    auto s = producer_->Flush();
    if (!s.ok()) return Note(Prefixed(s, absl::StrCat("flushing system ", system_, ": ")));
    return s;
  }
  absl::Status InitTransactions() override { return Txn("init", producer_->InitTransactions()); }
  absl::Status BeginTransaction() override { return Txn("begin", producer_->BeginTransaction()); }
  absl::Status CommitTransaction() override {
    return Txn("commit", producer_->CommitTransaction());
  }
  absl::Status AbortTransaction() override { return Txn("abort", producer_->AbortTransaction()); }
  bool fenced() const override { return fenced_; }
  absl::StatusOr<int32_t> PartitionCount(std::string_view stream) override {
    return producer_->PartitionCount(stream);
  }
  void Stop() override {
    if (producer_ && !stopped_) {
      stopped_ = true;
      (void)producer_->Close();
    }
  }

 private:
  absl::Status Note(absl::Status s) {
    if (logstore::IsProducerFenced(s)) fenced_ = true;
    return s;
  }
  absl::Status Txn(const char* what, const absl::Status& s) {
    if (s.ok()) return s;
    return Note(Prefixed(s, absl::StrCat(what, " transaction of transactional id '", txn_id_,
                                         "' on system ", system_, ": ")));
  }
  std::unique_ptr<logstore::Producer> producer_;
  std::string system_;
  std::string txn_id_;
  bool stopped_ = false;
  bool fenced_ = false;
};

class EddyAdmin : public SystemAdmin {
 public:
  EddyAdmin(std::unique_ptr<logstore::AdminClient> a, std::string system)
      : admin_(std::move(a)), system_(std::move(system)) {}

  absl::StatusOr<int32_t> PartitionCount(const std::string& stream) override {
    auto n = admin_->PartitionCount(stream);
    if (!n.ok()) {
      return absl::Status(n.status().code(), absl::StrCat("stream ", system_, ".", stream, ": ",
                                                          n.status().message()));
    }
    return n;
  }
  absl::StatusOr<PartitionOffsets> Offsets(const std::string& stream, int32_t partition) override {
    TopicPartition tp{stream, partition};
    auto o = admin_->ListOffset(tp, logstore::kEarliestOffset);
    if (!o.ok()) return Named(o.status(), stream, partition);
    auto u = admin_->ListOffset(tp, logstore::kLatestOffset);
    if (!u.ok()) return Named(u.status(), stream, partition);
    return PartitionOffsets{*o, *u};
  }
  absl::Status CreateStream(const StreamSpec& spec) override {
    std::map<std::string, std::string> cfg = spec.config;
    if (spec.compacted) cfg["cleanup.policy"] = "compact";
    auto s = admin_->CreateTopic(spec.name, spec.partitions, cfg);
    if (s.ok() || absl::IsAlreadyExists(s)) return absl::OkStatus();
    return absl::Status(
        s.code(), absl::StrCat("creating stream ", system_, ".", spec.name, ": ", s.message()));
  }
  absl::StatusOr<StreamDescription> DescribeStream(const std::string& stream) override {
    auto d = admin_->DescribeTopic(stream);
    if (!d.ok()) {
      return absl::Status(d.status().code(), absl::StrCat("stream ", system_, ".", stream, ": ",
                                                          d.status().message()));
    }
    StreamDescription out;
    out.partitions = static_cast<int32_t>(d->partitions.size());
    out.config = d->config;
    out.config.erase("partitions");
    return out;
  }
  absl::Status AddPartitions(const std::string& stream, int32_t partitions) override {
    return absl::UnimplementedError(absl::StrCat(
        "the native API of eddy-logd cannot add partitions to stream ", system_, ".", stream,
        " (grow it to ", partitions, " through its Kafka listener: CreatePartitions)"));
  }

 private:
  absl::Status Named(const absl::Status& s, const std::string& stream, int32_t p) {
    return absl::Status(
        s.code(), absl::StrCat("offsets of ", system_, ".", stream, "[", p, "]: ", s.message()));
  }
  std::unique_ptr<logstore::AdminClient> admin_;
  std::string system_;
};

class EddyFactory : public SystemFactory {
 public:
  absl::StatusOr<std::unique_ptr<SystemConsumer>> MakeConsumer(const SystemConfig& c) override {
    auto co = ClientOpts(c);
    if (!co.ok()) return co.status();
    auto def = ParseOffsetDefault(c);
    if (!def.ok()) return def.status();
    logstore::ConsumerOptions o;
    o.client = *co;
    IntReader num{c, absl::OkStatus()};
    o.fetch_max_wait = std::chrono::milliseconds(num("consumer.fetch.max.wait.ms", 100, 0));
    o.max_partition_fetch_bytes =
        static_cast<int32_t>(num("consumer.max.partition.fetch.bytes", 4 << 20, 1));
    o.fetch_max_bytes = static_cast<int32_t>(num("consumer.fetch.max.bytes", 32 << 20, 1));
    o.fetch_min_bytes = static_cast<int32_t>(num("consumer.fetch.min.bytes", 1, 0));
    if (!num.status.ok()) return num.status;
    // consumer.isolation.level (librdkafka's name and default): read_committed returns only
    // committed records (never a dead or fenced attempt's aborted writes).
    std::string iso = c.Get("consumer.isolation.level", "read_committed");
    if (iso != "read_committed" && iso != "read_uncommitted") {
      return absl::InvalidArgumentError(
          absl::StrCat("config key systems.", c.name, ".consumer.isolation.level: '", iso,
                       "' is not read_committed or read_uncommitted"));
    }
    o.read_committed = iso == "read_committed";
    auto cons = logstore::Consumer::Create(o);
    if (!cons.ok()) return cons.status();
    return std::unique_ptr<SystemConsumer>(
        std::make_unique<EddyConsumer>(std::move(*cons), *def, c.name));
  }
  absl::StatusOr<std::unique_ptr<SystemProducer>> MakeProducer(const SystemConfig& c) override {
    return Make(c, "");
  }
  absl::StatusOr<std::unique_ptr<SystemProducer>> MakeTransactionalProducer(
      const SystemConfig& c, const std::string& transactional_id) override {
    if (transactional_id.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("system ", c.name, ": a transactional producer needs an id"));
    }
    return Make(c, transactional_id);
  }
  absl::StatusOr<std::unique_ptr<SystemProducer>> Make(const SystemConfig& c,
                                                       const std::string& transactional_id) {
    auto co = ClientOpts(c);
    if (!co.ok()) return co.status();
    logstore::ProducerOptions o;
    o.client = *co;
    IntReader num{c, absl::OkStatus()};
    o.linger = std::chrono::milliseconds(num("producer.linger.ms", 1, 0));
    o.batch_size = static_cast<size_t>(num("producer.batch.size", 256 * 1024, 1));
    o.acks = c.Get("producer.acks") == "all"
                 ? -1
                 : static_cast<int32_t>(num("producer.acks", -1, -1, 1));
    o.transactional_id = transactional_id;
    o.transaction_timeout =
        std::chrono::milliseconds(num("producer.transaction.timeout.ms", 60000, 1));
    if (!num.status.ok()) return num.status;
    auto p = logstore::Producer::Create(o);
    if (!p.ok()) return p.status();
    return std::unique_ptr<SystemProducer>(
        std::make_unique<EddyProducer>(std::move(*p), c.name, transactional_id));
  }
  absl::StatusOr<std::unique_ptr<SystemAdmin>> MakeAdmin(const SystemConfig& c) override {
    auto co = ClientOpts(c);
    if (!co.ok()) return co.status();
    auto a = logstore::AdminClient::Connect(*co);
    if (!a.ok()) return a.status();
    return std::unique_ptr<SystemAdmin>(std::make_unique<EddyAdmin>(std::move(*a), c.name));
  }
};

}  // namespace

std::unique_ptr<SystemFactory> MakeEddySystemFactory() { return std::make_unique<EddyFactory>(); }

}  // namespace eddy::runtime
