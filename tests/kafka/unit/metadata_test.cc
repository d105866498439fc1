// Metadata v9..12 (flexible, topic ids): request parsing of hand-built frames, the exact bytes of
// a v12 response, lookup by topic id, UNKNOWN_TOPIC_ID, and topic ids that survive a broker
// restart and change when a topic is deleted and created again. Real sockets, real LogManager.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "log-store/kafka/kafka_codec.h"
#include "log-store/kafka/kafka_protocol.h"
#include "log-store/kafka/kafka_requests.h"
#include "log-store/kafka/kafka_server.h"
#include "log-store/storage/log_manager.h"
#include "log-store/storage/topic_id.h"
#include "tests/kafka/raw_kafka_client.h"
#include "tests/kafka/unit/test_data_dir.h"

namespace eddy::kafka {
namespace {

std::string Hex(std::string_view hex) {
  return absl::HexStringToBytes(absl::string_view(hex.data(), hex.size()));
}

const std::string kZeroId(16, '\0');

// A Metadata request body of version v (9+): topics by (id, name); nullopt name = null.
std::string MetadataBody(int16_t v,
                         const std::vector<std::pair<std::string, std::optional<std::string>>>& t,
                         bool allow_auto_create = false) {
  Writer w;
  w.CompactArrayCount(static_cast<int32_t>(t.size()));
  for (const auto& [id, name] : t) {
    if (v >= 10) w.Raw(id);
    if (v >= 10) {
      w.CompactNullableString(name ? std::optional<std::string_view>(*name) : std::nullopt);
    } else {
      w.CompactString(*name);
    }
    w.EmptyTaggedFields();
  }
  w.Bool(allow_auto_create);
  if (v <= 10) w.Bool(false);  // include_cluster_authorized_operations
  w.Bool(false);               // include_topic_authorized_operations
  w.EmptyTaggedFields();
  return w.buffer();
}

TEST(KafkaMetadataRequest, V9IsFlexibleWithCompactNames) {
  const std::string body = Hex("03" "0274" "00" "037531" "00"  // topics "t", "u1"
                               "01" "01" "00" "00");             // allow, cluster, topic, tags
  Reader r(body);
  auto m = ParseMetadata(r, 9);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_TRUE(m->topics.has_value());
  EXPECT_EQ(*m->topics, (std::vector<std::string>{"t", "u1"}));
  EXPECT_TRUE(m->topic_ids.empty());
  EXPECT_TRUE(m->allow_auto_create);
  EXPECT_TRUE(m->include_cluster_authorized_operations);
  EXPECT_FALSE(m->include_topic_authorized_operations);
}

TEST(KafkaMetadataRequest, V10CarriesATopicIdBeforeEachName) {
  const std::string id = Hex("0102030405060708090a0b0c0d0e0f10");
  const std::string body = MetadataBody(10, {{id, "t"}});
  Reader r(body);
  auto m = ParseMetadata(r, 10);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(*m->topics, (std::vector<std::string>{"t"}));
  ASSERT_EQ(m->topic_ids.size(), 1u);
  EXPECT_EQ(m->topic_ids[0], id);
  EXPECT_FALSE(m->allow_auto_create);
}

TEST(KafkaMetadataRequest, V12NullNameIsALookupByIdAndNullTopicsMeansAll) {
  const std::string id = Hex("0102030405060708090a0b0c0d0e0f10");
  const std::string body = MetadataBody(12, {{id, std::nullopt}});
  Reader r(body);
  auto m = ParseMetadata(r, 12);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(*m->topics, (std::vector<std::string>{""}));
  EXPECT_EQ(m->topic_ids.at(0), id);

  const std::string all = Hex("00" "00" "00" "00");  // null topics, no auto-create, tags
  Reader r2(all);
  auto a = ParseMetadata(r2, 12);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_FALSE(a->topics.has_value());
}

TEST(KafkaMetadataRequest, TruncatedOrBogusCountIsAnError) {
  const std::string body = MetadataBody(12, {{kZeroId, "t"}});
  Reader r(std::string_view(body).substr(0, 10));
  EXPECT_FALSE(ParseMetadata(r, 12).ok());
  const std::string huge = Hex("ffffff0f");  // a count of ~2^28 topics in 4 bytes
  Reader r2(huge);
  EXPECT_FALSE(ParseMetadata(r2, 12).ok());
}

TEST(KafkaMetadata, AdvertisedUpToV12AndFlexibleFromV9) {
  const ApiRange* a = FindApi(kMetadata);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->min, 0);
  EXPECT_EQ(a->max, 12);
  EXPECT_FALSE(IsFlexible(kMetadata, 8));
  EXPECT_TRUE(IsFlexible(kMetadata, 9));
  EXPECT_TRUE(HasFlexibleResponseHeader(kMetadata, 12));
}

class KafkaMetadataServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTestDataDir("eddy-kafka-metadata");
    Open();
    logstore::TopicConfig tc;
    tc.partitions = 1;
    ASSERT_TRUE(logs_->CreateTopic("t", tc).ok());
  }
  void TearDown() override {
    Close();
    std::filesystem::remove_all(dir_);
  }
  void Open() {
    auto logs = OpenTestLogManager(dir_);
    ASSERT_TRUE(logs.ok()) << logs.status();
    logs_ = std::move(*logs);
    KafkaServerOptions ko;
    ko.listen = "127.0.0.1:0";
    ko.node_id = 7;
    auto server = KafkaServer::Start(logs_.get(), ko);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    client_ = std::make_unique<RawKafkaClient>(server_->port());
    ASSERT_TRUE(client_->connected());
  }
  void Close() {
    client_.reset();
    if (server_) server_->Stop();
    server_.reset();
    logs_.reset();
  }
  // The response body (after correlation id and header tags) of Metadata v`v`.
  std::string Call(int16_t v, const std::string& body) {
    EXPECT_TRUE(client_->Send(kMetadata, v, ++corr_, body));
    auto payload = client_->Receive();
    EXPECT_TRUE(payload.has_value());
    if (!payload) return "";
    Reader r(*payload);
    EXPECT_EQ(r.Int32(), corr_);
    if (HasFlexibleResponseHeader(kMetadata, v)) r.SkipTaggedFields();
    return std::string(payload->substr(r.position()));
  }
  // The first topic of a v12 response: error, name (nullopt = null), id.
  struct TopicAnswer {
    int16_t error = -2;
    std::optional<std::string> name;
    std::string id;
    int32_t partitions = -1;
  };
  static TopicAnswer FirstTopicV12(const std::string& body) {
    Reader r(body);
    r.Int32();  // throttle
    const int32_t nb = r.CompactArrayCount();
    for (int32_t i = 0; i < nb; ++i) {
      r.Int32();
      r.CompactString();
      r.Int32();
      r.CompactNullableString();
      r.SkipTaggedFields();
    }
    r.CompactNullableString();
    r.Int32();
    TopicAnswer a;
    if (r.CompactArrayCount() < 1) return a;
    a.error = r.Int16();
    auto n = r.CompactNullableString();
    if (n) a.name = std::string(*n);
    a.id = std::string(r.Raw(16));
    r.Bool();
    a.partitions = r.CompactArrayCount();
    EXPECT_TRUE(r.ok());
    return a;
  }

  std::filesystem::path dir_;
  std::unique_ptr<logstore::LogManager> logs_;
  std::unique_ptr<KafkaServer> server_;
  std::unique_ptr<RawKafkaClient> client_;
  int32_t corr_ = 0;
};

TEST_F(KafkaMetadataServerTest, V12ResponseBytesForOneTopic) {
  const std::string id = *logs_->TopicId("t");
  ASSERT_EQ(id.size(), 16u);
  const std::string got = Call(12, MetadataBody(12, {{kZeroId, "t"}}));
  char port_hex[9];
  std::snprintf(port_hex, sizeof port_hex, "%08x", server_->port());
  const std::string want =
      Hex("00000000"                           // throttle_time_ms
          "02"                                 // 1 broker
          "00000007" "0a") + "127.0.0.1" +     // node 7, host
      Hex(std::string(port_hex) +              // port
          "00" "00"                            // rack null, tags
          "05") + "eddy" +                     // cluster_id
      Hex("00000007"                           // controller
          "02"                                 // 1 topic
          "0000" "02") + "t" + id +            // error, name, topic_id
      Hex("00"                                 // is_internal
          "02"                                 // 1 partition
          "0000" "00000000" "00000007"         // error, index, leader
          "00000000"                           // leader_epoch
          "02" "00000007" "02" "00000007"      // replicas, isr
          "01" "00"                            // offline_replicas (none), tags
          "80000000" "00"                      // topic_authorized_operations, tags
          "00");                               // tags
  EXPECT_EQ(absl::BytesToHexString(got), absl::BytesToHexString(want));
}

TEST_F(KafkaMetadataServerTest, LookupByIdAndUnknownIdIsUnknownTopicId) {
  const std::string id = *logs_->TopicId("t");
  TopicAnswer a = FirstTopicV12(Call(12, MetadataBody(12, {{id, std::nullopt}})));
  EXPECT_EQ(a.error, 0);
  EXPECT_EQ(a.name, "t");
  EXPECT_EQ(a.id, id);
  EXPECT_EQ(a.partitions, 1);

  const std::string other = Hex("11111111111141118111111111111111");
  TopicAnswer u = FirstTopicV12(Call(12, MetadataBody(12, {{other, std::nullopt}})));
  EXPECT_EQ(u.error, error::kUnknownTopicId);
  EXPECT_EQ(u.error, 100);
  EXPECT_FALSE(u.name.has_value());
  EXPECT_EQ(u.id, other);
  EXPECT_EQ(u.partitions, 0);
  // The server is still there for the next request.
  EXPECT_EQ(FirstTopicV12(Call(12, MetadataBody(12, {{kZeroId, "t"}}))).error, 0);
}

TEST_F(KafkaMetadataServerTest, TopicIdIsStableAcrossARestartAndNewAfterRecreate) {
  const std::string id = FirstTopicV12(Call(12, MetadataBody(12, {{kZeroId, "t"}}))).id;
  ASSERT_NE(id, kZeroId);
  EXPECT_EQ(id, *logs_->TopicId("t"));
  Close();
  Open();
  EXPECT_EQ(FirstTopicV12(Call(12, MetadataBody(12, {{kZeroId, "t"}}))).id, id);
  EXPECT_EQ(logs_->TopicById(id), "t");

  ASSERT_TRUE(logs_->DeleteTopic("t").ok());
  EXPECT_EQ(logs_->TopicById(id), "");
  ASSERT_TRUE(logs_->CreateTopic("t", logstore::TopicConfig{}).ok());
  const std::string again = *logs_->TopicId("t");
  EXPECT_NE(again, id);
  EXPECT_EQ(FirstTopicV12(Call(12, MetadataBody(12, {{id, std::nullopt}}))).error, 100);
}

TEST_F(KafkaMetadataServerTest, TopicWrittenBeforeIdsGetsOneAtOpenAndKeepsIt) {
  Close();
  // Drop the topic.id line, as a metadata file from before topic ids.
  const std::string path = (dir_ / "topics" / "t.properties").string();
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  in.close();
  std::string text = ss.str();
  const size_t at = text.find("topic.id=");
  ASSERT_NE(at, std::string::npos);
  text.erase(at, text.find('\n', at) + 1 - at);
  std::ofstream(path, std::ios::trunc) << text;
  Open();
  const std::string id = *logs_->TopicId("t");
  ASSERT_EQ(id.size(), 16u);
  Close();
  Open();
  EXPECT_EQ(*logs_->TopicId("t"), id);
}

TEST_F(KafkaMetadataServerTest, OlderVersionsStillAnswerWithoutIds) {
  // v4 (what librdkafka 2.0.2 sends): classic encoding, no id.
  Writer w;
  w.ArrayCount(1);
  w.String("t");
  w.Bool(false);
  const std::string got = Call(4, w.buffer());
  Reader r(got);
  r.Int32();
  ASSERT_EQ(r.ArrayCount(), 1);
  r.Int32();
  EXPECT_EQ(r.String(), "127.0.0.1");
  r.Int32();
  r.NullableString();
  EXPECT_EQ(*r.NullableString(), "eddy");
  EXPECT_EQ(r.Int32(), 7);
  ASSERT_EQ(r.ArrayCount(), 1);
  EXPECT_EQ(r.Int16(), 0);
  EXPECT_EQ(r.String(), "t");
  EXPECT_FALSE(r.Bool());
  EXPECT_EQ(r.ArrayCount(), 1);
  EXPECT_TRUE(r.ok());
}

}  // namespace
}  // namespace eddy::kafka
