// Share groups over the Kafka wire protocol (KIP-932 flows), exact bytes against a real
// KafkaServer, LogManager and ShareGroupManager on 127.0.0.1 (no Kafka share consumer exists
// here: librdkafka's needs >= 2.15, Debian has 2.0.2). Heartbeat join, ShareFetch acquires,
// ShareAcknowledge accept/release/reject, another member gets released records, lock expiry
// redelivers, the delivery limit archives; session epochs, unknown member, wrong epoch, unknown
// topic id, malformed requests.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "log-store/kafka/kafka_codec.h"
#include "log-store/kafka/kafka_protocol.h"
#include "log-store/kafka/kafka_server.h"
#include "log-store/share/share_group_manager.h"
#include "log-store/storage/log_manager.h"
#include "log-store/storage/record_batch_builder.h"
#include "tests/kafka/raw_kafka_client.h"
#include "tests/kafka/unit/test_data_dir.h"

namespace eddy::kafka {
namespace {

constexpr int16_t kHeartbeat = 76, kDescribe = 77, kFetch = 78, kAck = 79;

struct HeartbeatAnswer {
  int16_t error = -2;
  int32_t epoch = 0;
  std::vector<std::pair<std::string, std::vector<int32_t>>> assignment;  // topic id, partitions
};

struct Acquired {
  int64_t first, last;
  int16_t delivery_count;
};
struct PartitionAnswer {
  int16_t error = -2, ack_error = -2;
  bool has_records = false;
  std::vector<Acquired> acquired;
};
struct FetchAnswer {
  int16_t error = -2;
  int32_t lock_ms = 0;
  std::map<std::pair<std::string, int32_t>, PartitionAnswer> parts;
  // Every acquired offset -> delivery count.
  std::map<int64_t, int> Offsets() const {
    std::map<int64_t, int> out;
    for (const auto& [k, p] : parts)
      for (const auto& a : p.acquired)
        for (int64_t o = a.first; o <= a.last; ++o) out[o] = a.delivery_count;
    return out;
  }
};

struct AckBatch {
  int64_t first, last;
  int8_t type;
};

class ShareApisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTestDataDir("eddy-kafka-share");
    auto logs = OpenTestLogManager(dir_);
    ASSERT_TRUE(logs.ok()) << logs.status();
    logs_ = std::move(*logs);
    auto c = logstore::TopicConfig::FromMap({{"partitions", "1"}},
                                            logs_->options().default_topic_config);
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(logs_->CreateTopic("q", *c).ok());
    logstore::share::ShareGroupManagerOptions so;
    so.data_dir = dir_.string();
    so.clock = [this] { return now_.load(); };
    so.tick = std::chrono::milliseconds(5);
    so.limits.defaults.auto_offset_reset_earliest = true;
    auto share = logstore::share::ShareGroupManager::Open(logs_.get(), so);
    ASSERT_TRUE(share.ok()) << share.status();
    share_ = std::move(*share);
    KafkaServerOptions ko;
    ko.listen = "127.0.0.1:0";
    ko.share = share_.get();
    auto server = KafkaServer::Start(logs_.get(), ko);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    client_ = std::make_unique<RawKafkaClient>(server_->port());
    ASSERT_TRUE(client_->connected());
  }
  void TearDown() override {
    client_.reset();
    if (server_) server_->Stop();
    server_.reset();
    share_.reset();
    logs_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Produce(int n) {
    auto log = *logs_->GetPartition("q", 0);
    logstore::RecordBatchBuilder b;
    for (int i = 0; i < n; ++i) b.Add(std::nullopt, "m" + std::to_string(i), 1700000000000);
    ASSERT_TRUE(log->Append(b.Finish()).ok());
  }

  // Sends and returns a reader over the response body (after correlation id and header tags).
  std::optional<std::string> Call(int16_t key, const std::string& body, RawKafkaClient* c = nullptr,
                                  int16_t version = 1) {
    if (c == nullptr) c = client_.get();
    if (!c->Send(key, version, ++corr_, body)) return std::nullopt;
    auto payload = c->Receive();
    if (!payload) return std::nullopt;
    Reader r(*payload);
    EXPECT_EQ(r.Int32(), corr_);
    if (HasFlexibleResponseHeader(key, version)) r.SkipTaggedFields();
    return std::string(payload->substr(r.position()));
  }

  HeartbeatAnswer Heartbeat(const std::string& member, int32_t epoch,
                            std::optional<std::vector<std::string>> topics) {
    Writer w;
    w.CompactString("g");
    w.CompactString(member);
    w.Int32(epoch);
    w.CompactNullableString(std::nullopt);
    w.Int32(-1);
    if (topics) {
      w.CompactArrayCount(static_cast<int32_t>(topics->size()));
      for (const auto& t : *topics) w.CompactString(t);
    } else {
      w.CompactArrayCount(-1);
    }
    w.EmptyTaggedFields();
    HeartbeatAnswer a;
    auto body = Call(kHeartbeat, w.buffer());
    EXPECT_TRUE(body.has_value());
    if (!body) return a;
    Reader r(*body);
    r.Int32();
    a.error = r.Int16();
    r.CompactNullableString();
    r.CompactNullableString();
    a.epoch = r.Int32();
    r.Int32();
    if (r.Int8() == 1) {
      r.Int8();
      const int32_t n = r.CompactArrayCount();
      for (int32_t i = 0; i < n; ++i) {
        std::string id(r.Raw(16));
        std::vector<int32_t> parts;
        const int32_t np = r.CompactArrayCount();
        for (int32_t k = 0; k < np; ++k) parts.push_back(r.Int32());
        r.SkipTaggedFields();
        a.assignment.emplace_back(id, parts);
      }
      r.SkipTaggedFields();
    }
    r.SkipTaggedFields();
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.remaining(), 0u);
    return a;
  }

  static void WriteAcks(Writer& w, const std::vector<AckBatch>& acks) {
    w.CompactArrayCount(static_cast<int32_t>(acks.size()));
    for (const auto& a : acks) {
      w.Int64(a.first);
      w.Int64(a.last);
      w.CompactArrayCount(1);
      w.Int8(a.type);
      w.EmptyTaggedFields();
    }
  }

  FetchAnswer Fetch(const std::string& member, int32_t session_epoch, const std::string& topic_id,
                    std::vector<AckBatch> acks = {}, int32_t max_wait = 0,
                    RawKafkaClient* c = nullptr) {
    Writer w;
    w.CompactNullableString("g");
    w.CompactNullableString(member);
    w.Int32(session_epoch);
    w.Int32(max_wait);
    w.Int32(1);
    w.Int32(1 << 20);
    w.Int32(100);  // max records
    w.Int32(100);  // batch size
    w.CompactArrayCount(1);
    w.Raw(topic_id);
    w.CompactArrayCount(1);
    w.Int32(0);
    WriteAcks(w, acks);
    w.EmptyTaggedFields();
    w.EmptyTaggedFields();
    w.CompactArrayCount(0);  // forgotten
    w.EmptyTaggedFields();
    FetchAnswer a;
    auto body = Call(kFetch, w.buffer(), c);
    EXPECT_TRUE(body.has_value());
    if (!body) return a;
    Reader r(*body);
    r.Int32();
    a.error = r.Int16();
    r.CompactNullableString();
    a.lock_ms = r.Int32();
    const int32_t nt = r.CompactArrayCount();
    for (int32_t i = 0; i < nt && r.ok(); ++i) {
      std::string id(r.Raw(16));
      const int32_t np = r.CompactArrayCount();
      for (int32_t k = 0; k < np && r.ok(); ++k) {
        const int32_t part = r.Int32();
        PartitionAnswer& p = a.parts[{id, part}];
        p.error = r.Int16();
        r.CompactNullableString();
        p.ack_error = r.Int16();
        r.CompactNullableString();
        r.Int32();
        r.Int32();
        r.SkipTaggedFields();
        const uint32_t len = r.UVarint();
        p.has_records = len > 1;
        if (len > 0) r.Raw(len - 1);
        const int32_t na = r.CompactArrayCount();
        for (int32_t x = 0; x < na; ++x) {
          Acquired q;
          q.first = r.Int64();
          q.last = r.Int64();
          q.delivery_count = r.Int16();
          r.SkipTaggedFields();
          p.acquired.push_back(q);
        }
        r.SkipTaggedFields();
      }
      r.SkipTaggedFields();
    }
    r.CompactArrayCount();
    r.SkipTaggedFields();
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.remaining(), 0u);
    return a;
  }

  // Top-level error and the error of (topic_id, 0).
  std::pair<int16_t, int16_t> Acknowledge(const std::string& member, int32_t session_epoch,
                                          const std::string& topic_id,
                                          const std::vector<AckBatch>& acks) {
    Writer w;
    w.CompactNullableString("g");
    w.CompactNullableString(member);
    w.Int32(session_epoch);
    w.CompactArrayCount(1);
    w.Raw(topic_id);
    w.CompactArrayCount(1);
    w.Int32(0);
    WriteAcks(w, acks);
    w.EmptyTaggedFields();
    w.EmptyTaggedFields();
    w.EmptyTaggedFields();
    auto body = Call(kAck, w.buffer());
    EXPECT_TRUE(body.has_value());
    if (!body) return {-2, -2};
    Reader r(*body);
    r.Int32();
    const int16_t top = r.Int16();
    r.CompactNullableString();
    int16_t part_error = -2;
    const int32_t nt = r.CompactArrayCount();
    for (int32_t i = 0; i < nt; ++i) {
      std::string id(r.Raw(16));
      const int32_t np = r.CompactArrayCount();
      for (int32_t k = 0; k < np; ++k) {
        r.Int32();
        const int16_t e = r.Int16();
        if (id == topic_id) part_error = e;
        r.CompactNullableString();
        r.Int32();
        r.Int32();
        r.SkipTaggedFields();
        r.SkipTaggedFields();
      }
      r.SkipTaggedFields();
    }
    r.CompactArrayCount();
    r.SkipTaggedFields();
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.remaining(), 0u);
    return {top, part_error};
  }

  static std::map<int64_t, int> Range(int64_t first, int64_t last, int dc) {
    std::map<int64_t, int> m;
    for (int64_t o = first; o <= last; ++o) m[o] = dc;
    return m;
  }

  std::filesystem::path dir_;
  std::unique_ptr<logstore::LogManager> logs_;
  std::unique_ptr<logstore::share::ShareGroupManager> share_;
  std::unique_ptr<KafkaServer> server_;
  std::unique_ptr<RawKafkaClient> client_;
  std::atomic<int64_t> now_{1000000};
  int32_t corr_ = 0;
};

TEST_F(ShareApisTest, ApiVersionsAdvertisesTheShareApis) {
  // v1 request (not flexible): body is error, array of (key, min, max), throttle.
  ASSERT_TRUE(client_->Send(kApiVersions, 1, 99, ""));
  auto payload = client_->Receive();
  ASSERT_TRUE(payload.has_value());
  Reader r(*payload);
  r.Int32();
  ASSERT_EQ(r.Int16(), 0);
  std::map<int16_t, std::pair<int16_t, int16_t>> apis;
  for (int32_t n = r.ArrayCount(); n > 0; --n) {
    const int16_t k = r.Int16();
    const int16_t lo = r.Int16();
    apis[k] = {lo, r.Int16()};
  }
  for (int16_t k : {kHeartbeat, kDescribe, kFetch, kAck}) {
    ASSERT_TRUE(apis.count(k)) << k;
    EXPECT_EQ(apis[k], (std::pair<int16_t, int16_t>{1, 1})) << k;
  }
  for (int16_t k : {90, 92}) {
    ASSERT_TRUE(apis.count(k)) << k;
    EXPECT_EQ(apis[k], (std::pair<int16_t, int16_t>{0, 0})) << k;
  }
}

TEST_F(ShareApisTest, Kip932Flows) {
  Produce(10);
  // Heartbeat join: epoch 1, every partition of the subscribed topic, by topic id.
  auto join = Heartbeat("m1", 0, std::vector<std::string>{"q"});
  ASSERT_EQ(join.error, 0);
  EXPECT_EQ(join.epoch, 1);
  ASSERT_EQ(join.assignment.size(), 1u);
  const std::string topic_id = join.assignment[0].first;
  EXPECT_EQ(join.assignment[0].second, std::vector<int32_t>{0});
  EXPECT_EQ(Heartbeat("m1", 1, std::nullopt).error, 0);

  // ShareFetch acquires the ten records for m1 (records returned, delivery count 1).
  auto f1 = Fetch("m1", 0, topic_id);
  ASSERT_EQ(f1.error, 0);
  EXPECT_EQ(f1.lock_ms, 30000);
  EXPECT_EQ(f1.Offsets(), Range(0, 9, 1));
  EXPECT_TRUE(f1.parts.begin()->second.has_records);

  // ShareAcknowledge: accept 0-3, release 4-5, reject 6.
  auto ack = Acknowledge("m1", 1, topic_id, {{0, 3, 1}, {4, 5, 2}, {6, 6, 3}});
  EXPECT_EQ(ack, (std::pair<int16_t, int16_t>{0, 0}));
  // Acknowledging an accepted record again: INVALID_RECORD_STATE.
  EXPECT_EQ(Acknowledge("m1", 2, topic_id, {{0, 0, 1}}).second, 121);

  // Another member gets the released records at once, as second deliveries; 7-9 stay with m1.
  RawKafkaClient c2(server_->port());
  ASSERT_EQ(Heartbeat("m2", 0, std::vector<std::string>{"q"}).error, 0);
  auto f2 = Fetch("m2", 0, topic_id, {}, 0, &c2);
  EXPECT_EQ(f2.Offsets(), Range(4, 5, 2));
  EXPECT_EQ(Fetch("m2", 1, topic_id, {{4, 5, 1}}, 0, &c2).Offsets().size(), 0u);

  // Lock expiry redelivers m1's 7-9 to m2.
  now_ += 31000;
  EXPECT_EQ(Heartbeat("m1", 1, std::nullopt).error, 0);
  EXPECT_EQ(Heartbeat("m2", 1, std::nullopt).error, 0);
  std::map<int64_t, int> got;
  for (int i = 0; i < 200 && got.empty(); ++i) {
    got = Fetch("m2", 2 + i, topic_id, {}, 50, &c2).Offsets();
  }
  EXPECT_EQ(got, Range(7, 9, 2));
  // m1's lock is gone: its accept is refused (in the piggybacked acks of its ShareFetch).
  auto late = Fetch("m1", 3, topic_id, {{7, 9, 1}});
  EXPECT_EQ(late.parts.at({topic_id, 0}).ack_error, 121);

  // The delivery limit (2 here) archives what m2 gives back at its second delivery.
  ASSERT_TRUE(share_->AlterConfigs("g", {{"group.share.delivery.count.limit", "2"}}).ok());
  auto info0 = share_->Describe("g");
  ASSERT_TRUE(info0.ok());
  const int64_t archived_before = info0->partitions.at(0).stats.archived_total;
  RawKafkaClient c3(server_->port());
  ASSERT_EQ(Heartbeat("m3", 0, std::vector<std::string>{"q"}).error, 0);
  // m2 releases 7-9 by ShareAcknowledge on a fresh session of its own connection.
  EXPECT_EQ(Fetch("m2", -1, topic_id, {{7, 9, 2}}, 0, &c2).error, 0);  // closes the session
  EXPECT_TRUE(Fetch("m3", 0, topic_id, {}, 0, &c3).Offsets().empty());
  auto info = share_->Describe("g");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->partitions.at(0).stats.archived_total, archived_before + 3);
  EXPECT_EQ(info->partitions.at(0).stats.start_offset, 10);
  EXPECT_EQ(info->partitions.at(0).stats.accepted_total, 6);
}

TEST_F(ShareApisTest, ErrorsAreKafkaErrorCodes) {
  Produce(2);
  EXPECT_EQ(Heartbeat("nobody", 4, std::nullopt).error, 25);  // UNKNOWN_MEMBER_ID
  auto join = Heartbeat("m1", 0, std::vector<std::string>{"q"});
  ASSERT_EQ(join.error, 0);
  const std::string topic_id = join.assignment.at(0).first;
  EXPECT_EQ(Heartbeat("m1", 7, std::nullopt).error, 110);                // FENCED_MEMBER_EPOCH
  EXPECT_EQ(Heartbeat("", 0, std::vector<std::string>{"q"}).error, 42);  // INVALID_REQUEST

  EXPECT_EQ(Fetch("stranger", 0, topic_id).error, 25);
  ASSERT_EQ(Fetch("m1", 0, topic_id).error, 0);
  EXPECT_EQ(Fetch("m1", 5, topic_id).error, 123);                     // INVALID_SHARE_SESSION_EPOCH
  EXPECT_EQ(Acknowledge("m2", 1, topic_id, {{0, 0, 1}}).first, 122);  // SHARE_SESSION_NOT_FOUND
  // Acknowledgements in a request opening a session: INVALID_REQUEST.
  EXPECT_EQ(Fetch("m1", 0, topic_id, {{0, 0, 1}}).error, 42);
  // Unknown topic id: UNKNOWN_TOPIC_ID on that partition.
  const std::string bogus(16, '\x7f');
  auto f = Fetch("m1", 0, bogus);
  EXPECT_EQ(f.error, 0);
  EXPECT_EQ(f.parts.at({bogus, 0}).error, 100);
  // A bad acknowledge type: INVALID_REQUEST.
  ASSERT_EQ(Fetch("m1", 0, topic_id).error, 0);
  EXPECT_EQ(Acknowledge("m1", 1, topic_id, {{0, 0, 9}}).first, 42);

  // A truncated request closes that connection only; the server still answers.
  {
    RawKafkaClient bad(server_->port());
    ASSERT_TRUE(bad.Send(kFetch, 1, 1, std::string("\x02g\x03m1", 5)));
    EXPECT_FALSE(bad.Receive().has_value());
  }
  EXPECT_EQ(Heartbeat("m1", 1, std::nullopt).error, 0);
}

TEST_F(ShareApisTest, ShareGroupDescribeListsMembersAndAssignments) {
  auto join = Heartbeat("m1", 0, std::vector<std::string>{"q"});
  ASSERT_EQ(join.error, 0);
  Writer w;
  w.CompactArrayCount(2);
  w.CompactString("g");
  w.CompactString("missing");
  w.Bool(false);
  w.EmptyTaggedFields();
  auto body = Call(kDescribe, w.buffer());
  ASSERT_TRUE(body.has_value());
  Reader r(*body);
  r.Int32();
  ASSERT_EQ(r.CompactArrayCount(), 2);
  EXPECT_EQ(r.Int16(), 0);
  r.CompactNullableString();
  EXPECT_EQ(r.CompactString(), "g");
  EXPECT_EQ(r.CompactString(), "Stable");
  EXPECT_EQ(r.Int32(), 1);
  r.Int32();
  r.CompactString();
  ASSERT_EQ(r.CompactArrayCount(), 1);
  EXPECT_EQ(r.CompactString(), "m1");
  r.CompactNullableString();
  EXPECT_EQ(r.Int32(), 1);
  r.CompactString();
  r.CompactString();
  ASSERT_EQ(r.CompactArrayCount(), 1);
  EXPECT_EQ(r.CompactString(), "q");
  ASSERT_EQ(r.CompactArrayCount(), 1);
  EXPECT_EQ(std::string(r.Raw(16)), join.assignment.at(0).first);
  EXPECT_EQ(r.CompactString(), "q");
  ASSERT_EQ(r.CompactArrayCount(), 1);
  EXPECT_EQ(r.Int32(), 0);
  r.SkipTaggedFields();
  r.SkipTaggedFields();
  r.SkipTaggedFields();
  r.Int32();
  r.SkipTaggedFields();
  EXPECT_EQ(r.Int16(), 69);  // GROUP_ID_NOT_FOUND
  r.CompactNullableString();
  EXPECT_EQ(r.CompactString(), "missing");
  r.CompactString();
  r.Int32();
  r.Int32();
  r.CompactString();
  EXPECT_EQ(r.CompactArrayCount(), 0);
  r.Int32();
  r.SkipTaggedFields();
  r.SkipTaggedFields();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 0u);
}

TEST_F(ShareApisTest, ListGroupsAndDeleteGroupsSeeShareGroups) {
  ASSERT_EQ(Heartbeat("m1", 0, std::vector<std::string>{"q"}).error, 0);
  Writer lw;
  lw.CompactArrayCount(0);  // no state filter
  lw.EmptyTaggedFields();
  auto listed = Call(kListGroups, lw.buffer(), nullptr, 4);
  ASSERT_TRUE(listed.has_value());
  Reader lr(*listed);
  lr.Int32();
  EXPECT_EQ(lr.Int16(), 0);
  ASSERT_EQ(lr.CompactArrayCount(), 1);
  EXPECT_EQ(lr.CompactString(), "g");
  EXPECT_EQ(lr.CompactString(), "share");
  EXPECT_EQ(lr.CompactString(), "Stable");
  auto delete_g = [&]() -> int16_t {
    Writer dw;
    dw.ArrayCount(1);
    dw.String("g");
    auto body = Call(kDeleteGroups, dw.buffer(), nullptr, 1);
    if (!body) return -2;
    Reader dr(*body);
    dr.Int32();
    if (dr.ArrayCount() != 1) return -3;
    dr.String();
    return dr.Int16();
  };
  EXPECT_EQ(delete_g(), 68);  // NON_EMPTY_GROUP
  ASSERT_EQ(Heartbeat("m1", -1, std::nullopt).error, 0);
  EXPECT_EQ(delete_g(), 0);
  EXPECT_EQ(delete_g(), 69);  // GROUP_ID_NOT_FOUND
  EXPECT_TRUE(share_->ListGroups().empty());
}

TEST_F(ShareApisTest, DescribeAndDeleteShareGroupOffsets) {
  Produce(5);
  auto join = Heartbeat("m1", 0, std::vector<std::string>{"q"});
  ASSERT_EQ(join.error, 0);
  const std::string id = join.assignment.at(0).first;
  auto f = Fetch("m1", 0, id);
  ASSERT_EQ(f.Offsets().size(), 5u);
  ASSERT_EQ(Acknowledge("m1", 1, id, {{0, 2, 1}}).second, 0);
  auto describe = [&]() -> int64_t {
    Writer w;
    w.CompactArrayCount(1);
    w.CompactString("g");
    w.CompactArrayCount(-1);  // every topic
    w.EmptyTaggedFields();
    w.EmptyTaggedFields();
    auto body = Call(90, w.buffer(), nullptr, 0);
    if (!body) return -100;
    Reader r(*body);
    r.Int32();
    if (r.CompactArrayCount() != 1) return -101;
    r.CompactString();
    const int32_t nt = r.CompactArrayCount();
    int64_t start = -102;
    for (int32_t i = 0; i < nt; ++i) {
      EXPECT_EQ(r.CompactString(), "q");
      EXPECT_EQ(std::string(r.Raw(16)), id);
      const int32_t np = r.CompactArrayCount();
      for (int32_t k = 0; k < np; ++k) {
        EXPECT_EQ(r.Int32(), 0);
        start = r.Int64();
        r.Int32();
        EXPECT_EQ(r.Int16(), 0);
        r.CompactNullableString();
        r.SkipTaggedFields();
      }
      r.SkipTaggedFields();
    }
    EXPECT_EQ(r.Int16(), 0);
    r.CompactNullableString();
    r.SkipTaggedFields();
    r.SkipTaggedFields();
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.remaining(), 0u);
    return nt == 0 ? -1 : start;
  };
  EXPECT_EQ(describe(), 3);
  auto delete_offsets = [&]() -> int16_t {
    Writer w;
    w.CompactString("g");
    w.CompactArrayCount(1);
    w.CompactString("q");
    w.EmptyTaggedFields();
    w.EmptyTaggedFields();
    auto body = Call(92, w.buffer(), nullptr, 0);
    if (!body) return -100;
    Reader r(*body);
    r.Int32();
    return r.Int16();
  };
  EXPECT_EQ(delete_offsets(), 68);  // NON_EMPTY_GROUP while m1 is a member
  ASSERT_EQ(Heartbeat("m1", -1, std::nullopt).error, 0);
  EXPECT_EQ(delete_offsets(), 0);
  EXPECT_EQ(describe(), -1);  // no state of q any more
}

// What a Kafka share consumer does with its assignment: it maps each topic id to a name with
// Metadata v12 (lookup by id, null name).
TEST_F(ShareApisTest, AssignedTopicIdResolvesThroughMetadataV12) {
  auto join = Heartbeat("m1", 0, std::vector<std::string>{"q"});
  ASSERT_EQ(join.error, 0);
  const std::string id = join.assignment.at(0).first;
  Writer w;
  w.CompactArrayCount(1);
  w.Raw(id);
  w.CompactNullableString(std::nullopt);
  w.EmptyTaggedFields();
  w.Bool(false);  // allow_auto_topic_creation
  w.Bool(false);  // include_topic_authorized_operations
  w.EmptyTaggedFields();
  auto body = Call(kMetadata, w.buffer(), nullptr, 12);
  ASSERT_TRUE(body.has_value());
  Reader r(*body);
  r.Int32();  // throttle
  ASSERT_EQ(r.CompactArrayCount(), 1);
  r.Int32();
  r.CompactString();
  r.Int32();
  r.CompactNullableString();
  r.SkipTaggedFields();
  r.CompactNullableString();  // cluster id
  r.Int32();                  // controller
  ASSERT_EQ(r.CompactArrayCount(), 1);
  EXPECT_EQ(r.Int16(), 0);
  EXPECT_EQ(r.CompactNullableString(), std::optional<std::string_view>("q"));
  EXPECT_EQ(std::string(r.Raw(16)), id);
  EXPECT_TRUE(r.ok());
}

TEST_F(ShareApisTest, AssignmentNamesTheTopicByItsLogStoreIdWhichSurvivesARestart) {
  auto join = Heartbeat("m1", 0, std::vector<std::string>{"q"});
  ASSERT_EQ(join.error, 0);
  const std::string id = join.assignment.at(0).first;
  EXPECT_NE(id, std::string(16, '\0'));
  auto again = logs_->TopicId("q");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, id);
  client_.reset();
  server_->Stop();
  server_.reset();
  share_.reset();
  logs_.reset();
  auto logs = OpenTestLogManager(dir_);
  ASSERT_TRUE(logs.ok()) << logs.status();
  logs_ = std::move(*logs);
  EXPECT_EQ(*logs_->TopicId("q"), id);
  EXPECT_EQ(logs_->TopicById(id), "q");
}

}  // namespace
}  // namespace eddy::kafka
