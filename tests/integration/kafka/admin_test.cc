// librdkafka 2.0.2's admin API in-process against a real eddy-logd: DeleteTopics (gone from
// Metadata and from disk, recreated empty), CreatePartitions (produce and consume on the new
// partition), DescribeConfigs and AlterConfigs (every topic config with its source; unspecified
// keys revert), DeleteRecords (a consumer from the beginning starts at the new start offset,
// also after a restart), and CreateTopics over eddy-logd's --max-partitions-per-topic.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "test_support.h"

namespace eddy::kafka::testing {
namespace {

// A librdkafka handle on the broker.
struct Handle {
  explicit Handle(const std::string& bootstrap, rd_kafka_type_t type = RD_KAFKA_PRODUCER,
                  const std::map<std::string, std::string>& extra = {}) {
    char errstr[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    std::map<std::string, std::string> all = {{"bootstrap.servers", bootstrap}};
    if (type == RD_KAFKA_CONSUMER) {
      all["group.id"] = "admin-test-readers";
      all["enable.auto.commit"] = "false";
      all["enable.partition.eof"] = "true";
    }
    for (const auto& [k, v] : extra) all[k] = v;
    for (const auto& [k, v] : all) {
      if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof(errstr)) !=
          RD_KAFKA_CONF_OK) {
        ADD_FAILURE() << k << "=" << v << ": " << errstr;
      }
    }
    rk = rd_kafka_new(type, conf, errstr, sizeof(errstr));
    if (rk == nullptr) ADD_FAILURE() << "rd_kafka_new: " << errstr;
    q = rk ? rd_kafka_queue_new(rk) : nullptr;
  }
  ~Handle() {
    if (q != nullptr) rd_kafka_queue_destroy(q);
    if (rk != nullptr) rd_kafka_destroy(rk);
  }
  // The next admin result event on q (nullptr, with a test failure, after 60 s).
  rd_kafka_event_t* Result(const char* what) {
    rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 60000);
    if (ev == nullptr) ADD_FAILURE() << "no " << what << " result";
    if (ev != nullptr && rd_kafka_event_error(ev)) {
      ADD_FAILURE() << what << ": " << rd_kafka_event_error_string(ev);
    }
    return ev;
  }
  rd_kafka_t* rk = nullptr;
  rd_kafka_queue_t* q = nullptr;
};

struct TopicAnswer {
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_UNKNOWN;
  std::string message;
};

TopicAnswer FirstTopicResult(const rd_kafka_topic_result_t** topics, size_t n) {
  TopicAnswer a;
  EXPECT_EQ(n, 1u);
  if (n >= 1) {
    a.error = rd_kafka_topic_result_error(topics[0]);
    const char* m = rd_kafka_topic_result_error_string(topics[0]);
    a.message = m ? m : "";
  }
  return a;
}

TopicAnswer CreateTopic(const std::string& bootstrap, const std::string& name, int partitions,
                        const std::map<std::string, std::string>& configs = {}) {
  Handle h(bootstrap);
  char errstr[512];
  rd_kafka_NewTopic_t* nt =
      rd_kafka_NewTopic_new(name.c_str(), partitions, 1, errstr, sizeof(errstr));
  if (nt == nullptr) {
    ADD_FAILURE() << errstr;
    return {};
  }
  for (const auto& [k, v] : configs) rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
  rd_kafka_CreateTopics(h.rk, &nt, 1, nullptr, h.q);
  rd_kafka_event_t* ev = h.Result("CreateTopics");
  TopicAnswer a;
  if (ev != nullptr) {
    size_t n = 0;
    auto** t = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    a = FirstTopicResult(t, n);
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_NewTopic_destroy(nt);
  return a;
}

TopicAnswer DeleteTopic(const std::string& bootstrap, const std::string& name) {
  Handle h(bootstrap);
  rd_kafka_DeleteTopic_t* dt = rd_kafka_DeleteTopic_new(name.c_str());
  rd_kafka_DeleteTopics(h.rk, &dt, 1, nullptr, h.q);
  rd_kafka_event_t* ev = h.Result("DeleteTopics");
  TopicAnswer a;
  if (ev != nullptr) {
    size_t n = 0;
    auto** t = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
    a = FirstTopicResult(t, n);
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_DeleteTopic_destroy(dt);
  return a;
}

TopicAnswer CreatePartitions(const std::string& bootstrap, const std::string& name, int total) {
  Handle h(bootstrap);
  char errstr[512];
  rd_kafka_NewPartitions_t* np =
      rd_kafka_NewPartitions_new(name.c_str(), static_cast<size_t>(total), errstr, sizeof(errstr));
  rd_kafka_CreatePartitions(h.rk, &np, 1, nullptr, h.q);
  rd_kafka_event_t* ev = h.Result("CreatePartitions");
  TopicAnswer a;
  if (ev != nullptr) {
    size_t n = 0;
    auto** t =
        rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(ev), &n);
    a = FirstTopicResult(t, n);
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_NewPartitions_destroy(np);
  return a;
}

struct Entry {
  std::string value;
  rd_kafka_ConfigSource_t source = RD_KAFKA_CONFIG_SOURCE_UNKNOWN_CONFIG;
  bool read_only = true;
  bool is_default = false;
};
struct ConfigAnswer {
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_UNKNOWN;
  std::string message;
  std::map<std::string, Entry> entries;
};

ConfigAnswer DescribeConfigs(const std::string& bootstrap, rd_kafka_ResourceType_t type,
                             const std::string& name) {
  Handle h(bootstrap);
  rd_kafka_ConfigResource_t* res = rd_kafka_ConfigResource_new(type, name.c_str());
  rd_kafka_DescribeConfigs(h.rk, &res, 1, nullptr, h.q);
  rd_kafka_event_t* ev = h.Result("DescribeConfigs");
  ConfigAnswer a;
  if (ev != nullptr) {
    size_t n = 0;
    auto** rs =
        rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev), &n);
    EXPECT_EQ(n, 1u);
    if (n == 1) {
      a.error = rd_kafka_ConfigResource_error(rs[0]);
      const char* m = rd_kafka_ConfigResource_error_string(rs[0]);
      a.message = m ? m : "";
      size_t ne = 0;
      auto** entries = rd_kafka_ConfigResource_configs(rs[0], &ne);
      for (size_t i = 0; i < ne; ++i) {
        const char* v = rd_kafka_ConfigEntry_value(entries[i]);
        a.entries[rd_kafka_ConfigEntry_name(entries[i])] = {
            v ? v : "<null>", rd_kafka_ConfigEntry_source(entries[i]),
            rd_kafka_ConfigEntry_is_read_only(entries[i]) != 0,
            rd_kafka_ConfigEntry_is_default(entries[i]) != 0};
      }
    }
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_ConfigResource_destroy(res);
  return a;
}

TopicAnswer AlterConfigs(const std::string& bootstrap, const std::string& topic,
                         const std::map<std::string, std::string>& set) {
  Handle h(bootstrap);
  rd_kafka_ConfigResource_t* res =
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
  for (const auto& [k, v] : set) rd_kafka_ConfigResource_set_config(res, k.c_str(), v.c_str());
  rd_kafka_AlterConfigs(h.rk, &res, 1, nullptr, h.q);
  rd_kafka_event_t* ev = h.Result("AlterConfigs");
  TopicAnswer a;
  if (ev != nullptr) {
    size_t n = 0;
    auto** rs = rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(ev), &n);
    EXPECT_EQ(n, 1u);
    if (n == 1) {
      a.error = rd_kafka_ConfigResource_error(rs[0]);
      const char* m = rd_kafka_ConfigResource_error_string(rs[0]);
      a.message = m ? m : "";
    }
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_ConfigResource_destroy(res);
  return a;
}

// DeleteRecords before `offset` on topic/partition: {low watermark, error}.
std::pair<int64_t, rd_kafka_resp_err_t> DeleteRecords(const std::string& bootstrap,
                                                      const std::string& topic, int32_t partition,
                                                      int64_t offset) {
  Handle h(bootstrap);
  rd_kafka_topic_partition_list_t* before = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(before, topic.c_str(), partition)->offset = offset;
  rd_kafka_DeleteRecords_t* dr = rd_kafka_DeleteRecords_new(before);
  rd_kafka_topic_partition_list_destroy(before);
  rd_kafka_DeleteRecords(h.rk, &dr, 1, nullptr, h.q);
  std::pair<int64_t, rd_kafka_resp_err_t> out = {-100, RD_KAFKA_RESP_ERR_UNKNOWN};
  rd_kafka_event_t* ev = rd_kafka_queue_poll(h.q, 60000);
  if (ev == nullptr) {
    ADD_FAILURE() << "no DeleteRecords result";
  } else {
    const rd_kafka_topic_partition_list_t* offsets =
        rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(ev));
    if (offsets != nullptr && offsets->cnt == 1) {
      out = {offsets->elems[0].offset, offsets->elems[0].err};
    } else {
      out.second = rd_kafka_event_error(ev);
    }
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_DeleteRecords_destroy(dr);
  return out;
}

void Produce(const std::string& bootstrap, const std::string& topic, int32_t partition, int n,
             const std::string& prefix) {
  Handle p(bootstrap);
  ASSERT_NE(p.rk, nullptr);
  for (int i = 0; i < n; ++i) {
    const std::string v = prefix + std::to_string(i);
    ASSERT_EQ(
        rd_kafka_producev(p.rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
                          RD_KAFKA_V_VALUE(const_cast<char*>(v.data()), v.size()),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
        RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  ASSERT_EQ(rd_kafka_flush(p.rk, 60000), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(rd_kafka_outq_len(p.rk), 0);
}

// Everything a consumer reads from the beginning of topic/partition up to the end: offset ->
// value.
std::vector<std::pair<int64_t, std::string>> ConsumeAll(const std::string& bootstrap,
                                                        const std::string& topic,
                                                        int32_t partition) {
  std::vector<std::pair<int64_t, std::string>> out;
  Handle c(bootstrap, RD_KAFKA_CONSUMER);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, topic.c_str(), partition)->offset =
      RD_KAFKA_OFFSET_BEGINNING;
  EXPECT_EQ(rd_kafka_assign(c.rk, parts), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(parts);
  // Until the end of the partition (enable.partition.eof), or 60 s without any event.
  for (int idle = 0; idle < 600;) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(c.rk, 100);
    if (m == nullptr) {
      ++idle;
      continue;
    }
    idle = 0;
    const rd_kafka_resp_err_t err = m->err;
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      out.emplace_back(m->offset, std::string(static_cast<const char*>(m->payload), m->len));
    } else if (err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      ADD_FAILURE() << "consume: " << rd_kafka_message_errstr(m);
    }
    rd_kafka_message_destroy(m);
    if (err == RD_KAFKA_RESP_ERR__PARTITION_EOF) break;
  }
  rd_kafka_consumer_close(c.rk);
  return out;
}

// Topic names in a full Metadata answer.
std::vector<std::string> MetadataTopics(const std::string& bootstrap) {
  Handle h(bootstrap);
  const rd_kafka_metadata_t* md = nullptr;
  std::vector<std::string> out;
  if (rd_kafka_metadata(h.rk, 1, nullptr, &md, 30000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    ADD_FAILURE() << "metadata request failed";
    return out;
  }
  for (int i = 0; i < md->topic_cnt; ++i) out.emplace_back(md->topics[i].topic);
  rd_kafka_metadata_destroy(md);
  return out;
}

class KafkaAdminApisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    broker_ =
        std::make_unique<Broker>(dir_ / "data", std::vector<std::string>{}, 1,
                                 std::vector<std::string>{"--max-partitions-per-topic", "50"});
    ASSERT_TRUE(broker_->ok()) << "eddy-logd did not start: " << broker_->Stderr();
  }
  void TearDown() override {
    broker_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::vector<std::string> DataEntries(const std::string& prefix) {
    std::vector<std::string> v;
    for (const auto& e : std::filesystem::directory_iterator(dir_ / "data")) {
      if (e.path().filename().string().rfind(prefix, 0) == 0) v.push_back(e.path().string());
    }
    return v;
  }
  std::string bootstrap() const { return broker_->bootstrap(); }

  std::filesystem::path dir_;
  std::unique_ptr<Broker> broker_;
};

TEST_F(KafkaAdminApisTest, DeleteTopicsRemovesItAndARecreatedTopicStartsEmpty) {
  ASSERT_EQ(CreateTopic(bootstrap(), "doomed", 2).error, RD_KAFKA_RESP_ERR_NO_ERROR);
  Produce(bootstrap(), "doomed", 1, 20, "old-");
  ASSERT_EQ(ConsumeAll(bootstrap(), "doomed", 1).size(), 20u);
  EXPECT_EQ(DataEntries("doomed-").size(), 2u);

  TopicAnswer a = DeleteTopic(bootstrap(), "doomed");
  EXPECT_EQ(a.error, RD_KAFKA_RESP_ERR_NO_ERROR) << a.message;
  for (const auto& t : MetadataTopics(bootstrap())) EXPECT_NE(t, "doomed");
  EXPECT_TRUE(DataEntries("doomed").empty());
  EXPECT_FALSE(std::filesystem::exists(dir_ / "data" / "topics" / "doomed.properties"));
  EXPECT_EQ(DeleteTopic(bootstrap(), "doomed").error, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);

  ASSERT_EQ(CreateTopic(bootstrap(), "doomed", 2).error, RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_TRUE(ConsumeAll(bootstrap(), "doomed", 1).empty());
  Produce(bootstrap(), "doomed", 1, 3, "new-");
  auto got = ConsumeAll(bootstrap(), "doomed", 1);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], std::make_pair(int64_t{0}, std::string("new-0")));
}

TEST_F(KafkaAdminApisTest, CreatePartitionsThenProduceAndConsumeOnTheNewPartition) {
  ASSERT_EQ(CreateTopic(bootstrap(), "grow", 1).error, RD_KAFKA_RESP_ERR_NO_ERROR);
  TopicAnswer a = CreatePartitions(bootstrap(), "grow", 3);
  ASSERT_EQ(a.error, RD_KAFKA_RESP_ERR_NO_ERROR) << a.message;
  Produce(bootstrap(), "grow", 2, 10, "p2-");
  auto got = ConsumeAll(bootstrap(), "grow", 2);
  ASSERT_EQ(got.size(), 10u);
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(got[i], std::make_pair(int64_t{i}, "p2-" + std::to_string(i)));

  a = CreatePartitions(bootstrap(), "grow", 2);
  EXPECT_EQ(a.error, RD_KAFKA_RESP_ERR_INVALID_PARTITIONS);
  EXPECT_NE(a.message.find("shrink"), std::string::npos) << a.message;
  a = CreatePartitions(bootstrap(), "grow", 51);
  EXPECT_EQ(a.error, RD_KAFKA_RESP_ERR_INVALID_PARTITIONS);
  EXPECT_NE(a.message.find("limit of 50"), std::string::npos) << a.message;
  EXPECT_EQ(DataEntries("grow-").size(), 3u);
}

TEST_F(KafkaAdminApisTest, CreateTopicsAboveTheFlagsLimitIsInvalidPartitions) {
  // librdkafka itself refuses more than 100000 before sending.
  TopicAnswer a = CreateTopic(bootstrap(), "huge", 100000);
  EXPECT_EQ(a.error, RD_KAFKA_RESP_ERR_INVALID_PARTITIONS) << a.message;
  EXPECT_NE(a.message.find("huge"), std::string::npos) << a.message;
  EXPECT_NE(a.message.find("100000"), std::string::npos) << a.message;
  EXPECT_NE(a.message.find("limit of 50"), std::string::npos) << a.message;
  EXPECT_TRUE(DataEntries("huge").empty());
  EXPECT_EQ(CreateTopic(bootstrap(), "huge", 50).error, RD_KAFKA_RESP_ERR_NO_ERROR);
}

TEST_F(KafkaAdminApisTest, DescribeAndAlterConfigs) {
  ASSERT_EQ(
      CreateTopic(bootstrap(), "cfg", 1, {{"retention.ms", "60000"}, {"compression.type", "gzip"}})
          .error,
      RD_KAFKA_RESP_ERR_NO_ERROR);
  ConfigAnswer d = DescribeConfigs(bootstrap(), RD_KAFKA_RESOURCE_TOPIC, "cfg");
  ASSERT_EQ(d.error, RD_KAFKA_RESP_ERR_NO_ERROR) << d.message;
  for (const char* key :
       {"retention.ms", "retention.bytes", "segment.bytes", "segment.ms", "cleanup.policy",
        "min.compaction.lag.ms", "delete.retention.ms", "max.message.bytes", "flush.messages",
        "index.interval.bytes", "compression.type"}) {
    ASSERT_TRUE(d.entries.count(key)) << key;
    EXPECT_FALSE(d.entries[key].read_only) << key;
  }
  EXPECT_EQ(d.entries["compression.type"].value, "gzip");
  EXPECT_EQ(d.entries["compression.type"].source, RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG);
  EXPECT_EQ(d.entries["retention.ms"].value, "60000");
  EXPECT_FALSE(d.entries["retention.ms"].is_default);
  EXPECT_EQ(d.entries["cleanup.policy"].value, "delete");
  EXPECT_TRUE(d.entries["cleanup.policy"].is_default);
  EXPECT_EQ(d.entries["cleanup.policy"].source, RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG);

  // AlterConfigs is the whole set: retention.ms and compression.type go back to the defaults.
  TopicAnswer a = AlterConfigs(bootstrap(), "cfg", {{"cleanup.policy", "compact"}});
  ASSERT_EQ(a.error, RD_KAFKA_RESP_ERR_NO_ERROR) << a.message;
  d = DescribeConfigs(bootstrap(), RD_KAFKA_RESOURCE_TOPIC, "cfg");
  EXPECT_EQ(d.entries["cleanup.policy"].value, "compact");
  EXPECT_EQ(d.entries["cleanup.policy"].source, RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG);
  EXPECT_EQ(d.entries["compression.type"].value, "producer");
  EXPECT_TRUE(d.entries["compression.type"].is_default);
  EXPECT_TRUE(d.entries["retention.ms"].is_default);

  a = AlterConfigs(bootstrap(), "cfg", {{"no.such.setting", "1"}});
  EXPECT_EQ(a.error, RD_KAFKA_RESP_ERR_INVALID_CONFIG);
  EXPECT_NE(a.message.find("no.such.setting"), std::string::npos) << a.message;
  EXPECT_EQ(DescribeConfigs(bootstrap(), RD_KAFKA_RESOURCE_TOPIC, "nope").error,
            RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);

  // The broker's settings, read-only.
  d = DescribeConfigs(bootstrap(), RD_KAFKA_RESOURCE_BROKER, "0");
  ASSERT_EQ(d.error, RD_KAFKA_RESP_ERR_NO_ERROR) << d.message;
  EXPECT_EQ(d.entries["eddy.max.partitions.per.topic"].value, "50");
  EXPECT_EQ(d.entries["broker.id"].value, "0");
  for (const auto& [k, e] : d.entries) EXPECT_TRUE(e.read_only) << k;
}

TEST_F(KafkaAdminApisTest, DeleteRecordsMovesWhereConsumersStartAlsoAfterRestart) {
  ASSERT_EQ(CreateTopic(bootstrap(), "dr", 1).error, RD_KAFKA_RESP_ERR_NO_ERROR);
  Produce(bootstrap(), "dr", 0, 10, "m-");
  auto [low, err] = DeleteRecords(bootstrap(), "dr", 0, 4);
  EXPECT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(err);
  EXPECT_EQ(low, 4);
  auto got = ConsumeAll(bootstrap(), "dr", 0);
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(got.front(), std::make_pair(int64_t{4}, std::string("m-4")));
  EXPECT_EQ(got.back(), std::make_pair(int64_t{9}, std::string("m-9")));

  std::tie(low, err) = DeleteRecords(bootstrap(), "dr", 0, 11);
  EXPECT_EQ(err, RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE) << rd_kafka_err2str(err);

  ASSERT_EQ(broker_->Stop(), 0);
  broker_ = std::make_unique<Broker>(dir_ / "data");
  ASSERT_TRUE(broker_->ok()) << broker_->Stderr();
  got = ConsumeAll(bootstrap(), "dr", 0);
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(got.front().first, 4);

  // RD_KAFKA_OFFSET_END (-1) = the high watermark: nothing is left to read.
  std::tie(low, err) = DeleteRecords(bootstrap(), "dr", 0, RD_KAFKA_OFFSET_END);
  EXPECT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(err);
  EXPECT_EQ(low, 10);
  EXPECT_TRUE(ConsumeAll(bootstrap(), "dr", 0).empty());
  Produce(bootstrap(), "dr", 0, 1, "after-");
  got = ConsumeAll(bootstrap(), "dr", 0);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], std::make_pair(int64_t{10}, std::string("after-0")));
}

}  // namespace
}  // namespace eddy::kafka::testing
