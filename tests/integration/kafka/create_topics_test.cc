// librdkafka's admin API against a real eddy-logd: CreateTopics with a manual replica assignment
// naming eddy-logd's broker id (accepted) or another id (INVALID_REPLICA_ASSIGNMENT), with
// compression.type=lz4 (an uncompressed librdkafka producer's batches are stored as lz4, read
// back through the native API, and a librdkafka consumer gets every message once), and with
// compression.type=bogus or an unknown key (INVALID_CONFIG).
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "log-store/client/admin_client.h"
#include "log-store/client/consumer.h"
#include "log-store/storage/record_batch.h"
#include "test_support.h"

namespace eddy::kafka::testing {
namespace {

struct TopicSpec {
  std::string name;
  // With a replica assignment librdkafka wants the partition count here, and sends
  // num_partitions=-1 and replication_factor=-1 on the wire, as Kafka requires.
  int num_partitions = -1;
  int replication_factor = -1;
  std::vector<std::vector<int32_t>> replicas;  // replicas[p] = broker ids of partition p
  std::map<std::string, std::string> configs;
};

struct AdminAnswer {
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_UNKNOWN;
  std::string message;
};

// A librdkafka handle (producer type, as the admin API wants one) on the broker.
struct Handle {
  explicit Handle(const std::string& bootstrap, rd_kafka_type_t type = RD_KAFKA_PRODUCER,
                  const std::map<std::string, std::string>& extra = {}) {
    char errstr[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    std::map<std::string, std::string> all = {{"bootstrap.servers", bootstrap}};
    all.insert(extra.begin(), extra.end());
    for (const auto& [k, v] : all) {
      if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof(errstr)) !=
          RD_KAFKA_CONF_OK) {
        ADD_FAILURE() << k << "=" << v << ": " << errstr;
      }
    }
    if (type == RD_KAFKA_PRODUCER) {
      rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
        auto* self = static_cast<Handle*>(opaque);
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
          ++self->delivered;
        } else {
          ++self->failed;
          self->last_error = rd_kafka_err2str(m->err);
        }
      });
      rd_kafka_conf_set_opaque(conf, this);
    }
    rk = rd_kafka_new(type, conf, errstr, sizeof(errstr));
    if (rk == nullptr) ADD_FAILURE() << "rd_kafka_new: " << errstr;
  }
  ~Handle() {
    if (rk != nullptr) rd_kafka_destroy(rk);
  }
  rd_kafka_t* rk = nullptr;
  int delivered = 0;
  int failed = 0;
  std::string last_error;
};

AdminAnswer CreateTopic(const std::string& bootstrap, const TopicSpec& spec) {
  AdminAnswer out;
  Handle h(bootstrap);
  if (h.rk == nullptr) return out;
  char errstr[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(spec.name.c_str(), spec.num_partitions,
                                                  spec.replication_factor, errstr, sizeof(errstr));
  if (nt == nullptr) {
    ADD_FAILURE() << "NewTopic: " << errstr;
    return out;
  }
  for (size_t p = 0; p < spec.replicas.size(); ++p) {
    std::vector<int32_t> ids = spec.replicas[p];
    if (rd_kafka_NewTopic_set_replica_assignment(nt, static_cast<int32_t>(p), ids.data(),
                                                 ids.size(), errstr,
                                                 sizeof(errstr)) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      ADD_FAILURE() << "set_replica_assignment " << p << ": " << errstr;
    }
  }
  for (const auto& [k, v] : spec.configs) {
    EXPECT_EQ(rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str()), RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  rd_kafka_queue_t* q = rd_kafka_queue_new(h.rk);
  rd_kafka_CreateTopics(h.rk, &nt, 1, nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 60000);
  if (ev == nullptr) {
    ADD_FAILURE() << "no CreateTopics result for " << spec.name;
  } else if (rd_kafka_event_error(ev)) {
    out.error = rd_kafka_event_error(ev);
    out.message = rd_kafka_event_error_string(ev);
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t** topics =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    EXPECT_EQ(n, 1u);
    if (n == 1) {
      out.error = rd_kafka_topic_result_error(topics[0]);
      const char* m = rd_kafka_topic_result_error_string(topics[0]);
      out.message = m ? m : "";
    }
  }
  if (ev != nullptr) rd_kafka_event_destroy(ev);
  rd_kafka_NewTopic_destroy(nt);
  rd_kafka_queue_destroy(q);
  return out;
}

// The broker id eddy-logd reports in Metadata.
int32_t BrokerId(const std::string& bootstrap) {
  Handle h(bootstrap);
  const rd_kafka_metadata_t* md = nullptr;
  if (h.rk == nullptr || rd_kafka_metadata(h.rk, 1, nullptr, &md, 30000) != 0 || md == nullptr) {
    ADD_FAILURE() << "metadata request failed";
    return -100;
  }
  EXPECT_EQ(md->broker_cnt, 1);
  const int32_t id = md->broker_cnt > 0 ? md->brokers[0].id : -100;
  rd_kafka_metadata_destroy(md);
  return id;
}

std::string Key(int i) { return "key-" + std::to_string(i); }
// Compressible, and different for every message.
std::string Value(int i) { return "value-" + std::to_string(i) + "-" + std::string(300, 'x'); }

class CreateTopicsAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    broker_ = std::make_unique<Broker>(dir_ / "data");
    ASSERT_TRUE(broker_->ok()) << "eddy-logd did not start: " << broker_->Stderr();
    broker_id_ = BrokerId(broker_->bootstrap());
  }
  void TearDown() override {
    broker_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::unique_ptr<logstore::AdminClient> Admin() {
    logstore::ClientOptions o;
    o.bootstrap = broker_->grpc_address();
    auto a = logstore::AdminClient::Connect(o);
    EXPECT_TRUE(a.ok()) << a.status();
    return a.ok() ? std::move(*a) : nullptr;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Broker> broker_;
  int32_t broker_id_ = -100;
};

TEST_F(CreateTopicsAdminTest, ReplicaAssignmentNamingThisBrokerIsAcceptedAnotherIsRefused) {
  ASSERT_GE(broker_id_, 0);
  AdminAnswer a = CreateTopic(broker_->bootstrap(),
                              {"assigned", 3, -1, {{broker_id_}, {broker_id_}, {broker_id_}}, {}});
  EXPECT_EQ(a.error, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2name(a.error) << ": " << a.message;
  auto admin = Admin();
  ASSERT_NE(admin, nullptr);
  auto d = admin->DescribeTopic("assigned");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->partitions.size(), 3u);

  const int32_t other = broker_id_ + 1;
  a = CreateTopic(broker_->bootstrap(), {"elsewhere", 2, -1, {{broker_id_}, {other}}, {}});
  EXPECT_EQ(a.error, RD_KAFKA_RESP_ERR_INVALID_REPLICA_ASSIGNMENT)
      << rd_kafka_err2name(a.error) << ": " << a.message;
  EXPECT_NE(a.message.find("partition 1"), std::string::npos) << a.message;
  EXPECT_NE(a.message.find("broker " + std::to_string(other)), std::string::npos) << a.message;
  EXPECT_EQ(admin->DescribeTopic("elsewhere").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(CreateTopicsAdminTest, Lz4TopicStoresUncompressedProducerBatchesAsLz4) {
  ASSERT_GE(broker_id_, 0);
  AdminAnswer a = CreateTopic(
      broker_->bootstrap(),
      {"lz4-topic", 2, -1, {{broker_id_}, {broker_id_}}, {{"compression.type", "lz4"}}});
  ASSERT_EQ(a.error, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2name(a.error) << ": " << a.message;
  auto admin = Admin();
  ASSERT_NE(admin, nullptr);
  auto d = admin->DescribeTopic("lz4-topic");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->config["compression.type"], "lz4");
  ASSERT_EQ(d->partitions.size(), 2u);

  // An uncompressed librdkafka producer, both partitions, several batches each.
  const int n = 2000;
  {
    Handle p(broker_->bootstrap(), RD_KAFKA_PRODUCER,
             {{"compression.codec", "none"}, {"linger.ms", "5"}, {"batch.num.messages", "100"}});
    ASSERT_NE(p.rk, nullptr);
    for (int i = 0; i < n; ++i) {
      const std::string k = Key(i), v = Value(i);
      rd_kafka_resp_err_t e;
      while ((e = rd_kafka_producev(p.rk, RD_KAFKA_V_TOPIC("lz4-topic"),
                                    RD_KAFKA_V_PARTITION(i % 2), RD_KAFKA_V_KEY(k.data(), k.size()),
                                    RD_KAFKA_V_VALUE(const_cast<char*>(v.data()), v.size()),
                                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END)) ==
             RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(p.rk, 10);
      }
      ASSERT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(e);
      rd_kafka_poll(p.rk, 0);
    }
    ASSERT_EQ(rd_kafka_flush(p.rk, 60000), RD_KAFKA_RESP_ERR_NO_ERROR);
    ASSERT_EQ(p.failed, 0) << p.last_error;
    ASSERT_EQ(p.delivered, n);
  }

  // What is stored: every batch lz4 with a valid CRC, holding exactly the produced records.
  std::map<std::string, std::string> stored;
  int stored_records = 0;
  {
    logstore::ConsumerOptions co;
    co.client.bootstrap = broker_->grpc_address();
    co.fetch_max_wait = std::chrono::milliseconds(100);
    auto c = logstore::Consumer::Create(co);
    ASSERT_TRUE(c.ok()) << c.status();
    ASSERT_TRUE((*c)->Assign({{"lz4-topic", 0}, {"lz4-topic", 1}}).ok());
    std::map<int32_t, int64_t> next;
    int batches = 0;
    for (int idle = 0; idle < 300 && (next[0] < n / 2 || next[1] < n / 2);) {
      auto got = (*c)->Poll(std::chrono::milliseconds(200));
      ASSERT_TRUE(got.ok()) << got.status();
      idle = got->empty() ? idle + 1 : 0;
      for (const auto& fp : *got) {
        ASSERT_TRUE(fp.error.ok()) << fp.error;
        auto it = fp.Batches();
        std::string_view batch;
        logstore::BatchHeader h;
        while (it.Next(&batch, &h)) {
          ++batches;
          EXPECT_EQ(h.compression(), logstore::Compression::kLz4)
              << "partition " << fp.tp.partition << " batch at " << h.base_offset;
          EXPECT_TRUE(logstore::ValidateBatch(batch).ok()) << logstore::ValidateBatch(batch);
        }
        EXPECT_TRUE(it.status().ok()) << it.status();
        auto records = fp.Records();
        logstore::Record r;
        while (records.Next(&r)) {
          ++stored_records;
          stored[std::string(r.key.value_or(""))] = std::string(r.value.value_or(""));
        }
        EXPECT_TRUE(records.status().ok()) << records.status();
        next[fp.tp.partition] = fp.next_offset;
      }
    }
    EXPECT_GT(batches, 2) << "several produce batches";
  }
  EXPECT_EQ(stored_records, n);
  ASSERT_EQ(stored.size(), static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) EXPECT_EQ(stored[Key(i)], Value(i)) << Key(i);

  // A librdkafka consumer reads every message once, with its key and value.
  std::map<std::string, int> seen;
  std::map<std::string, std::string> values;
  {
    Handle c(broker_->bootstrap(), RD_KAFKA_CONSUMER,
             {{"group.id", "lz4-readers"}, {"enable.auto.commit", "false"}});
    ASSERT_NE(c.rk, nullptr);
    rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(2);
    for (int p = 0; p < 2; ++p) {
      rd_kafka_topic_partition_list_add(parts, "lz4-topic", p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    ASSERT_EQ(rd_kafka_assign(c.rk, parts), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(parts);
    int received = 0;
    // Until every message is in, or 60 s pass without one (a bound, not an assertion on time).
    for (int idle = 0; idle < 600 && received < n;) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(c.rk, 100);
      if (m == nullptr) {
        ++idle;
        continue;
      }
      idle = 0;
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        ++received;
        const std::string k(static_cast<const char*>(m->key), m->key_len);
        ++seen[k];
        values[k] = std::string(static_cast<const char*>(m->payload), m->len);
      } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        ADD_FAILURE() << "consume: " << rd_kafka_message_errstr(m);
      }
      rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(c.rk);
  }
  ASSERT_EQ(seen.size(), static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(seen[Key(i)], 1) << Key(i);
    EXPECT_EQ(values[Key(i)], Value(i)) << Key(i);
  }
}

TEST_F(CreateTopicsAdminTest, BadCompressionTypeAndUnknownKeyAreInvalidConfig) {
  AdminAnswer a =
      CreateTopic(broker_->bootstrap(), {"bogus-codec", 1, 1, {}, {{"compression.type", "bogus"}}});
  EXPECT_EQ(a.error, RD_KAFKA_RESP_ERR_INVALID_CONFIG)
      << rd_kafka_err2name(a.error) << ": " << a.message;
  EXPECT_NE(a.message.find("compression.type"), std::string::npos) << a.message;
  EXPECT_NE(a.message.find("bogus"), std::string::npos) << a.message;

  a = CreateTopic(broker_->bootstrap(), {"unknown-key", 1, 1, {}, {{"no.such.setting", "7"}}});
  EXPECT_EQ(a.error, RD_KAFKA_RESP_ERR_INVALID_CONFIG)
      << rd_kafka_err2name(a.error) << ": " << a.message;
  EXPECT_NE(a.message.find("no.such.setting"), std::string::npos) << a.message;

  auto admin = Admin();
  ASSERT_NE(admin, nullptr);
  EXPECT_EQ(admin->DescribeTopic("bogus-codec").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(admin->DescribeTopic("unknown-key").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace eddy::kafka::testing
