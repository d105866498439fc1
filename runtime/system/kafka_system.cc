#include "runtime/system/kafka_system.h"

#include <librdkafka/rdkafka.h>

#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <set>

#include "absl/strings/str_cat.h"
#include "log-store/storage/encoding.h"

namespace eddy::runtime {
namespace {

constexpr int kTimeoutMs = 10000;

// Builds an rd_kafka_conf_t from bootstrap.servers plus every `<prefix>*` key.
absl::StatusOr<rd_kafka_conf_t*> MakeConf(const SystemConfig& c, const std::string& prefix,
                                          const std::map<std::string, std::string>& defaults) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  std::map<std::string, std::string> all = defaults;
  std::string bs = c.Get("bootstrap.servers");
  if (bs.empty()) {
    rd_kafka_conf_destroy(conf);
    return absl::InvalidArgumentError(
        absl::StrCat("systems.", c.name, ".bootstrap.servers is missing for the kafka system"));
  }
  all["bootstrap.servers"] = bs;
  for (const auto& [k, v] : c.props) {
    if (k.rfind(prefix, 0) == 0) all[k.substr(prefix.size())] = v;
  }
  for (const auto& [k, v] : all) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return absl::InvalidArgumentError(
          absl::StrCat("systems.", c.name, ".", prefix, k, "=", v, ": ", err));
    }
  }
  return conf;
}

absl::StatusOr<rd_kafka_t*> MakeHandle(rd_kafka_type_t type, rd_kafka_conf_t* conf,
                                       const std::string& system) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof(err));
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    return absl::InternalError(absl::StrCat("librdkafka for system ", system, ": ", err));
  }
  return rk;
}

struct MessageHolder {
  std::vector<rd_kafka_message_t*> msgs;
  // Each message's headers in RecordBatch v2 encoding, which logstore::Record::headers_raw
  // views (one string per message with headers; the deque keeps them in place).
  std::deque<std::string> headers;
  ~MessageHolder() {
    for (auto* m : msgs) rd_kafka_message_destroy(m);
  }
};

// Encodes librdkafka headers the way a RecordBatch v2 record holds them (varint key length, key,
// varint value length or -1 for null, value), so the container reads both systems alike.
int32_t EncodeHeaders(const rd_kafka_headers_t* hdrs, std::string* out) {
  const char* name;
  const void* value;
  size_t size;
  int32_t n = 0;
  char varint[10];
  for (size_t i = 0;
       rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
       ++i, ++n) {
    const size_t key_len = std::strlen(name);
    out->append(varint, logstore::enc::PutVarint(varint, static_cast<int64_t>(key_len)));
    out->append(name, key_len);
    const int64_t vl = value ? static_cast<int64_t>(size) : -1;
    out->append(varint, logstore::enc::PutVarint(varint, vl));
    if (value) out->append(static_cast<const char*>(value), size);
  }
  return n;
}

class KafkaConsumer : public SystemConsumer {
 public:
  KafkaConsumer(rd_kafka_t* rk, OffsetDefault d, std::string system)
      : rk_(rk), default_(d), system_(std::move(system)) {
    rd_kafka_poll_set_consumer(rk_);
    queue_ = rd_kafka_queue_get_consumer(rk_);
  }
  ~KafkaConsumer() override { Stop(); }

  absl::StatusOr<int32_t> Register(const Ssp& ssp, std::optional<int64_t> offset) override {
    auto key = std::make_pair(ssp.stream, ssp.partition);
    if (index_.count(key)) return absl::AlreadyExistsError(ssp.ToString() + " registered twice");
    int32_t idx = static_cast<int32_t>(ssps_.size());
    ssps_.push_back(ssp);
    offsets_.push_back(offset);
    index_[key] = idx;
    return idx;
  }

  absl::Status Start() override {
    rd_kafka_topic_partition_list_t* l =
        rd_kafka_topic_partition_list_new(static_cast<int>(ssps_.size()));
    for (size_t i = 0; i < ssps_.size(); ++i) {
      auto* tp = rd_kafka_topic_partition_list_add(l, ssps_[i].stream.c_str(), ssps_[i].partition);
      tp->offset = offsets_[i]                          ? *offsets_[i]
                   : default_ == OffsetDefault::kOldest ? RD_KAFKA_OFFSET_BEGINNING
                                                        : RD_KAFKA_OFFSET_END;
    }
    rd_kafka_resp_err_t e = rd_kafka_assign(rk_, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e) {
      return absl::InternalError(
          absl::StrCat("assigning partitions of system ", system_, ": ", rd_kafka_err2str(e)));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<PartitionBatch>> Poll(std::chrono::milliseconds timeout) override {
    std::vector<PartitionBatch> out;
    if (!rk_) return out;
    constexpr size_t kMax = 4096;
    std::vector<rd_kafka_message_t*> msgs(kMax);
    ssize_t n =
        rd_kafka_consume_batch_queue(queue_, static_cast<int>(timeout.count()), msgs.data(), kMax);
    if (n < 0) {
      return absl::InternalError(
          absl::StrCat("polling system ", system_, ": ", rd_kafka_err2str(rd_kafka_last_error())));
    }
    auto holder = std::make_shared<MessageHolder>();
    holder->msgs.assign(msgs.begin(), msgs.begin() + n);
    std::map<int32_t, size_t> slot;
    absl::Status error;
    for (auto* m : holder->msgs) {
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
      const char* topic = m->rkt ? rd_kafka_topic_name(m->rkt) : "?";
      if (m->err) {
        if (error.ok()) {
          error = absl::InternalError(absl::StrCat("consuming ", system_, ".", topic, "[",
                                                   m->partition, "] at offset ", m->offset, ": ",
                                                   rd_kafka_message_errstr(m)));
        }
        continue;
      }
      auto it = index_.find(std::make_pair(std::string(topic), m->partition));
      if (it == index_.end() || paused_.count(it->second)) continue;
      auto [s, inserted] = slot.emplace(it->second, out.size());
      if (inserted) {
        PartitionBatch b;
        b.ssp_index = it->second;
        b.owner = holder;
        int64_t lo = -1, hi = -1;
        if (rd_kafka_get_watermark_offsets(rk_, topic, m->partition, &lo, &hi) == 0) {
          b.high_watermark = hi;
        }
        out.push_back(std::move(b));
      }
      logstore::Record r;
      r.offset = m->offset;
      rd_kafka_timestamp_type_t tt;
      r.timestamp = rd_kafka_message_timestamp(m, &tt);
      if (m->key) r.key = std::string_view(static_cast<const char*>(m->key), m->key_len);
      if (m->payload) r.value = std::string_view(static_cast<const char*>(m->payload), m->len);
      rd_kafka_headers_t* hdrs = nullptr;
      if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs &&
          rd_kafka_header_cnt(hdrs) > 0) {
        std::string& enc = holder->headers.emplace_back();
        r.header_count = EncodeHeaders(hdrs, &enc);
        r.headers_raw = enc;
      }
      out[s->second].records.push_back(r);
    }
    if (!error.ok()) return error;
    return out;
  }

  absl::Status Pause(int32_t ssp_index) override {
    if (!paused_.insert(ssp_index).second) return absl::OkStatus();
    auto* l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, ssps_[ssp_index].stream.c_str(),
                                      ssps_[ssp_index].partition);
    rd_kafka_pause_partitions(rk_, l);
    rd_kafka_topic_partition_list_destroy(l);
    return absl::OkStatus();
  }

  void Stop() override {
    if (!rk_) return;
    rd_kafka_queue_destroy(queue_);
    rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
    rk_ = nullptr;
  }

 private:
  rd_kafka_t* rk_;
  rd_kafka_queue_t* queue_ = nullptr;
  OffsetDefault default_;
  std::string system_;
  std::vector<Ssp> ssps_;
  std::vector<std::optional<int64_t>> offsets_;
  std::map<std::pair<std::string, int32_t>, int32_t> index_;
  std::set<int32_t> paused_;
};

// First delivery error since the last Flush, shared with librdkafka's callback thread.
struct DeliveryState {
  std::mutex mu;
  absl::Status first_error;
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  if (!m->err) return;
  auto* st = static_cast<DeliveryState*>(opaque);
  std::lock_guard<std::mutex> l(st->mu);
  if (st->first_error.ok()) {
    st->first_error = absl::UnavailableError(
        absl::StrCat("delivery to ", m->rkt ? rd_kafka_topic_name(m->rkt) : "?", "[", m->partition,
                     "] failed: ", rd_kafka_err2str(m->err)));
  }
}

class KafkaProducer : public SystemProducer {
 public:
  KafkaProducer(rd_kafka_t* rk, std::unique_ptr<DeliveryState> st, std::string system)
      : rk_(rk), state_(std::move(st)), system_(std::move(system)) {}
  ~KafkaProducer() override { Stop(); }

  absl::Status Send(std::string_view stream, int32_t partition, std::optional<std::string_view> key,
                    std::optional<std::string_view> value, int64_t timestamp_ms,
                    std::span<const logstore::RecordHeader> headers) override {
    if (!rk_) return absl::FailedPreconditionError("producer of system " + system_ + " stopped");
    std::string topic(stream);
    void* kp = key ? const_cast<char*>(key->data()) : nullptr;
    size_t kl = key ? key->size() : 0;
    void* vp = value ? const_cast<char*>(value->data()) : nullptr;
    size_t vl = value ? value->size() : 0;
    int32_t part = partition < 0 ? RD_KAFKA_PARTITION_UA : partition;
    int64_t ts = timestamp_ms < 0 ? 0 : timestamp_ms;
    for (;;) {
      // librdkafka takes ownership of the headers only when the send is accepted.
      rd_kafka_headers_t* hdrs = nullptr;
      if (!headers.empty()) {
        hdrs = rd_kafka_headers_new(headers.size());
        for (const auto& h : headers) {
          rd_kafka_header_add(hdrs, h.key.data(), static_cast<ssize_t>(h.key.size()),
                              h.value ? h.value->data() : nullptr,
                              h.value ? static_cast<ssize_t>(h.value->size()) : 0);
        }
      }
      rd_kafka_resp_err_t e =
          hdrs ? rd_kafka_producev(rk_, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(part),
                                   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(kp, kl),
                                   RD_KAFKA_V_VALUE(vp, vl), RD_KAFKA_V_TIMESTAMP(ts),
                                   RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END)
               : rd_kafka_producev(rk_, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(part),
                                   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(kp, kl),
                                   RD_KAFKA_V_VALUE(vp, vl), RD_KAFKA_V_TIMESTAMP(ts),
                                   RD_KAFKA_V_END);
      if (e && hdrs) rd_kafka_headers_destroy(hdrs);
      if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(rk_, 50);
        continue;
      }
      if (e) {
        return absl::InternalError(absl::StrCat("sending to ", system_, ".", std::string(stream),
                                                "[", partition, "]: ", rd_kafka_err2str(e)));
      }
      break;
    }
    if ((++sent_ & 1023) == 0) rd_kafka_poll(rk_, 0);
    return absl::OkStatus();
  }

  absl::Status Flush() override {
    if (!rk_) return absl::OkStatus();
    rd_kafka_resp_err_t e = rd_kafka_flush(rk_, 60000);
    if (e) {
      return absl::DeadlineExceededError(
          absl::StrCat("flushing system ", system_, ": ", rd_kafka_err2str(e)));
    }
    std::lock_guard<std::mutex> l(state_->mu);
    absl::Status s = state_->first_error;
    state_->first_error = absl::OkStatus();
    return s;
  }

  absl::StatusOr<int32_t> PartitionCount(std::string_view stream) override {
    return CountPartitions(rk_, std::string(stream), system_);
  }

  static absl::StatusOr<int32_t> CountPartitions(rd_kafka_t* rk, const std::string& stream,
                                                 const std::string& system) {
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, stream.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, kTimeoutMs);
    rd_kafka_topic_destroy(rkt);
    if (e) {
      return absl::UnavailableError(
          absl::StrCat("metadata of ", system, ".", stream, ": ", rd_kafka_err2str(e)));
    }
    absl::StatusOr<int32_t> r =
        absl::NotFoundError(absl::StrCat("stream ", system, ".", stream, " does not exist"));
    for (int i = 0; i < md->topic_cnt; ++i) {
      if (stream == md->topics[i].topic && !md->topics[i].err && md->topics[i].partition_cnt > 0) {
        r = md->topics[i].partition_cnt;
      }
    }
    rd_kafka_metadata_destroy(md);
    return r;
  }

  void Stop() override {
    if (!rk_) return;
    rd_kafka_flush(rk_, 10000);
    rd_kafka_destroy(rk_);
    rk_ = nullptr;
  }

 private:
  rd_kafka_t* rk_;
  std::unique_ptr<DeliveryState> state_;
  std::string system_;
  uint64_t sent_ = 0;
};

class KafkaAdmin : public SystemAdmin {
 public:
  KafkaAdmin(rd_kafka_t* rk, std::string system, int replication)
      : rk_(rk), system_(std::move(system)), replication_(replication) {}
  ~KafkaAdmin() override { rd_kafka_destroy(rk_); }

  absl::StatusOr<int32_t> PartitionCount(const std::string& stream) override {
    return ListedPartitions(stream);  // never auto-creates the stream
  }
  absl::StatusOr<PartitionOffsets> Offsets(const std::string& stream, int32_t partition) override {
    int64_t lo = 0, hi = 0;
    rd_kafka_resp_err_t e =
        rd_kafka_query_watermark_offsets(rk_, stream.c_str(), partition, &lo, &hi, kTimeoutMs);
    if (e == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION) {
      // Partitions added since this handle's metadata (another container grew a changelog):
      // refresh it and ask again.
      (void)KafkaProducer::CountPartitions(rk_, stream, system_);
      e = rd_kafka_query_watermark_offsets(rk_, stream.c_str(), partition, &lo, &hi, kTimeoutMs);
    }
    if (e) {
      return absl::UnavailableError(absl::StrCat("offsets of ", system_, ".", stream, "[",
                                                 partition, "]: ", rd_kafka_err2str(e)));
    }
    return PartitionOffsets{lo, hi};
  }
  absl::Status CreateStream(const StreamSpec& spec) override {
    // Not PartitionCount: a metadata request naming the topic auto-creates it with the broker's
    // defaults (a producer handle's allow.auto.create.topics).
    if (ListedPartitions(spec.name).ok()) return absl::OkStatus();
    char err[512];
    rd_kafka_NewTopic_t* nt =
        rd_kafka_NewTopic_new(spec.name.c_str(), spec.partitions, replication_, err, sizeof(err));
    if (!nt) return absl::InvalidArgumentError(absl::StrCat("stream ", spec.name, ": ", err));
    if (spec.compacted) rd_kafka_NewTopic_set_config(nt, "cleanup.policy", "compact");
    for (const auto& [k, v] : spec.config) rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
    rd_kafka_queue_t* q = rd_kafka_queue_new(rk_);
    rd_kafka_CreateTopics(rk_, &nt, 1, nullptr, q);
    rd_kafka_event_t* ev = rd_kafka_queue_poll(q, kTimeoutMs + 5000);
    absl::Status st;
    if (!ev) {
      st = absl::DeadlineExceededError("creating stream " + system_ + "." + spec.name);
    } else if (rd_kafka_event_error(ev)) {
      st = absl::InternalError(absl::StrCat("creating stream ", system_, ".", spec.name, ": ",
                                            rd_kafka_event_error_string(ev)));
    } else {
      const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
      size_t cnt = 0;
      const rd_kafka_topic_result_t** trs = rd_kafka_CreateTopics_result_topics(res, &cnt);
      for (size_t i = 0; i < cnt; ++i) {
        auto e = rd_kafka_topic_result_error(trs[i]);
        if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
          st = absl::InternalError(
              absl::StrCat("creating stream ", system_, ".", spec.name, ": ", rd_kafka_err2str(e)));
        }
      }
    }
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(nt);
    return st;
  }

  absl::StatusOr<StreamDescription> DescribeStream(const std::string& stream) override {
    auto n = ListedPartitions(stream);
    if (!n.ok()) return n.status();
    StreamDescription d;
    d.partitions = *n;
    rd_kafka_ConfigResource_t* res =
        rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, stream.c_str());
    rd_kafka_queue_t* q = rd_kafka_queue_new(rk_);
    rd_kafka_DescribeConfigs(rk_, &res, 1, nullptr, q);
    rd_kafka_event_t* ev = rd_kafka_queue_poll(q, kTimeoutMs + 5000);
    absl::Status st;
    std::string what = "settings of stream " + system_ + "." + stream;
    if (!ev) {
      st = absl::DeadlineExceededError(what);
    } else if (rd_kafka_event_error(ev)) {
      st = absl::UnavailableError(absl::StrCat(what, ": ", rd_kafka_event_error_string(ev)));
    } else {
      size_t cnt = 0;
      const rd_kafka_ConfigResource_t** rs = rd_kafka_DescribeConfigs_result_resources(
          rd_kafka_event_DescribeConfigs_result(ev), &cnt);
      for (size_t i = 0; i < cnt; ++i) {
        if (rd_kafka_ConfigResource_error(rs[i])) {
          st = absl::UnavailableError(
              absl::StrCat(what, ": ", rd_kafka_ConfigResource_error_string(rs[i])));
          continue;
        }
        size_t ne = 0;
        const rd_kafka_ConfigEntry_t** es = rd_kafka_ConfigResource_configs(rs[i], &ne);
        for (size_t e = 0; e < ne; ++e) {
          const char* v = rd_kafka_ConfigEntry_value(es[e]);
          if (v) d.config[rd_kafka_ConfigEntry_name(es[e])] = v;
        }
      }
    }
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_ConfigResource_destroy(res);
    if (!st.ok()) return st;
    return d;
  }

  absl::Status AddPartitions(const std::string& stream, int32_t partitions) override {
    std::string what = absl::StrCat("adding partitions to stream ", system_, ".", stream, " (to ",
                                    partitions, ")");
    char err[512];
    rd_kafka_NewPartitions_t* np =
        rd_kafka_NewPartitions_new(stream.c_str(), partitions, err, sizeof(err));
    if (!np) return absl::InvalidArgumentError(absl::StrCat(what, ": ", err));
    rd_kafka_queue_t* q = rd_kafka_queue_new(rk_);
    rd_kafka_CreatePartitions(rk_, &np, 1, nullptr, q);
    rd_kafka_event_t* ev = rd_kafka_queue_poll(q, kTimeoutMs + 5000);
    absl::Status st;
    if (!ev) {
      st = absl::DeadlineExceededError(what);
    } else if (rd_kafka_event_error(ev)) {
      st = absl::UnavailableError(absl::StrCat(what, ": ", rd_kafka_event_error_string(ev)));
    } else {
      size_t cnt = 0;
      const rd_kafka_topic_result_t** trs =
          rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(ev), &cnt);
      for (size_t i = 0; i < cnt; ++i) {
        if (rd_kafka_topic_result_error(trs[i])) {
          const char* m = rd_kafka_topic_result_error_string(trs[i]);
          st = absl::FailedPreconditionError(absl::StrCat(
              what, ": ", m ? m : rd_kafka_err2str(rd_kafka_topic_result_error(trs[i]))));
        }
      }
    }
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewPartitions_destroy(np);
    return st;
  }

 private:
  // Partition count from a metadata request for all topics, which never auto-creates one.
  absl::StatusOr<int32_t> ListedPartitions(const std::string& stream) {
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk_, 1, nullptr, &md, kTimeoutMs);
    if (e) {
      return absl::UnavailableError(
          absl::StrCat("metadata of ", system_, ".", stream, ": ", rd_kafka_err2str(e)));
    }
    absl::StatusOr<int32_t> r =
        absl::NotFoundError(absl::StrCat("stream ", system_, ".", stream, " does not exist"));
    for (int i = 0; i < md->topic_cnt; ++i) {
      if (stream == md->topics[i].topic && !md->topics[i].err && md->topics[i].partition_cnt > 0) {
        r = md->topics[i].partition_cnt;
      }
    }
    rd_kafka_metadata_destroy(md);
    return r;
  }

  rd_kafka_t* rk_;
  std::string system_;
  int replication_;
};

class KafkaFactory : public SystemFactory {
 public:
  absl::StatusOr<std::unique_ptr<SystemConsumer>> MakeConsumer(const SystemConfig& c) override {
    auto def = ParseOffsetDefault(c);
    if (!def.ok()) return def.status();
    auto conf = MakeConf(c, "consumer.",
                         {{"group.id", "eddy-" + c.name},
                          {"enable.auto.commit", "false"},
                          {"enable.auto.offset.store", "false"},
                          {"enable.partition.eof", "false"}});
    if (!conf.ok()) return conf.status();
    auto rk = MakeHandle(RD_KAFKA_CONSUMER, *conf, c.name);
    if (!rk.ok()) return rk.status();
    return std::unique_ptr<SystemConsumer>(std::make_unique<KafkaConsumer>(*rk, *def, c.name));
  }
  absl::StatusOr<std::unique_ptr<SystemProducer>> MakeProducer(const SystemConfig& c) override {
    auto conf = MakeConf(c, "producer.", {{"partitioner", "murmur2_random"}, {"linger.ms", "5"}});
    if (!conf.ok()) return conf.status();
    auto st = std::make_unique<DeliveryState>();
    rd_kafka_conf_set_dr_msg_cb(*conf, OnDelivery);
    rd_kafka_conf_set_opaque(*conf, st.get());
    auto rk = MakeHandle(RD_KAFKA_PRODUCER, *conf, c.name);
    if (!rk.ok()) return rk.status();
    return std::unique_ptr<SystemProducer>(
        std::make_unique<KafkaProducer>(*rk, std::move(st), c.name));
  }
  absl::StatusOr<std::unique_ptr<SystemAdmin>> MakeAdmin(const SystemConfig& c) override {
    auto rf = GetLongProp(c, "replication.factor", 1, 1, INT16_MAX);
    if (!rf.ok()) return rf.status();
    auto conf = MakeConf(c, "admin.", {});
    if (!conf.ok()) return conf.status();
    auto rk = MakeHandle(RD_KAFKA_PRODUCER, *conf, c.name);
    if (!rk.ok()) return rk.status();
    return std::unique_ptr<SystemAdmin>(
        std::make_unique<KafkaAdmin>(*rk, c.name, static_cast<int>(*rf)));
  }
};

}  // namespace

std::unique_ptr<SystemFactory> MakeKafkaSystemFactory() { return std::make_unique<KafkaFactory>(); }

}  // namespace eddy::runtime
