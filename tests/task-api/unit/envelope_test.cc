// Envelopes: raw access, typed access through decoded values, outgoing builders.
#include "eddy/envelope.h"

#include <gtest/gtest.h>

#include "eddy/json_serde.h"

namespace eddy {
namespace {

TEST(IncomingEnvelope, RawFields) {
  std::string batch = "keyvalue";
  std::string_view view(batch);
  IncomingMessageEnvelope env(SystemStreamPartition("eddy", "page-views", 3), 42, view.substr(0, 3),
                              view.substr(3), 1700000000000);
  env.mutable_headers()->push_back(HeaderView{"trace", std::nullopt});
  EXPECT_EQ(env.system_stream_partition().ToString(), "eddy.page-views#3");
  EXPECT_EQ(env.system_stream(), SystemStream("eddy", "page-views"));
  EXPECT_EQ(env.partition(), 3);
  EXPECT_EQ(env.offset(), 42);
  EXPECT_EQ(*env.key(), "key");
  EXPECT_EQ(*env.message(), "value");
  EXPECT_EQ(env.timestamp(), 1700000000000);
  EXPECT_EQ(env.size(), 8u);
  ASSERT_EQ(env.headers().size(), 1u);
  EXPECT_FALSE(env.headers()[0].value.has_value());
  EXPECT_EQ(env.KeyAs<std::string>(), nullptr) << "no serde configured: no decoded key";
}

TEST(IncomingEnvelope, TypedAccessThroughSerde) {
  Int32Serde ints;
  JsonSerde json;
  std::string key_bytes, msg_bytes;
  ASSERT_TRUE(ints.Serialize(77, &key_bytes).ok());
  ASSERT_TRUE(json.Serialize({{"page", "/a"}}, &msg_bytes).ok());
  IncomingMessageEnvelope env(SystemStreamPartition("eddy", "pv", 0), 1, key_bytes, msg_bytes);
  // What the runtime does when the stream has serdes.
  env.set_decoded_key(*ints.DeserializeErased(*env.key()));
  env.set_decoded_message(*json.DeserializeErased(*env.message()));
  ASSERT_NE(env.KeyAs<int32_t>(), nullptr);
  EXPECT_EQ(*env.KeyAs<int32_t>(), 77);
  EXPECT_EQ(env.KeyAs<int64_t>(), nullptr) << "wrong type gives nullptr";
  ASSERT_NE(env.MessageAs<nlohmann::json>(), nullptr);
  EXPECT_EQ((*env.MessageAs<nlohmann::json>())["page"], "/a");
  EXPECT_EQ(*env.key(), key_bytes) << "raw bytes stay available";
}

TEST(IncomingEnvelope, NullKeyAndTombstone) {
  IncomingMessageEnvelope env(SystemStreamPartition("eddy", "t", 0), 0, std::nullopt, std::nullopt);
  EXPECT_FALSE(env.key().has_value());
  EXPECT_FALSE(env.message().has_value());
  EXPECT_EQ(env.size(), 0u);
}

TEST(OutgoingEnvelope, BytesAndBuilders) {
  OutgoingMessageEnvelope e(SystemStream("eddy", "out"), std::string("k"), std::string("v"));
  e.WithPartition(2).WithTimestamp(5).AddHeader("h", "x");
  EXPECT_EQ(e.system_stream().ToString(), "eddy.out");
  EXPECT_EQ(*e.key(), "k");
  EXPECT_EQ(*e.message(), "v");
  EXPECT_EQ(*e.partition(), 2);
  EXPECT_EQ(e.timestamp(), 5);
  ASSERT_EQ(e.headers().size(), 1u);
  EXPECT_EQ(*e.headers()[0].value, "x");

  OutgoingMessageEnvelope tomb(SystemStream("eddy", "out"), std::string("k"), std::nullopt);
  EXPECT_FALSE(tomb.message().has_value());
  OutgoingMessageEnvelope msg_only(SystemStream("eddy", "out"), std::string("m"));
  EXPECT_FALSE(msg_only.key().has_value());
  EXPECT_EQ(*msg_only.message(), "m");
}

TEST(OutgoingEnvelope, ViewRefersToCallerBytes) {
  SystemStream out("eddy", "out");
  std::string key = "k", msg = "value";
  auto e = OutgoingMessageEnvelope::View(out, std::string_view(key), std::string_view(msg));
  e.WithPartition(1);
  EXPECT_TRUE(e.is_view());
  EXPECT_EQ(&e.system_stream(), &out) << "the stream is referenced, not copied";
  ASSERT_TRUE(e.key_bytes().has_value());
  EXPECT_EQ(e.key_bytes()->data(), key.data()) << "no copy of the key";
  EXPECT_EQ(e.message_bytes()->data(), msg.data()) << "no copy of the message";
  EXPECT_FALSE(e.key().has_value()) << "key() is the owned form only";
  auto tomb = OutgoingMessageEnvelope::View(out, std::string_view(key), std::nullopt);
  EXPECT_FALSE(tomb.message_bytes().has_value());
  // Asking for the owned bytes copies them in: later changes to the source do not show.
  *e.mutable_message() = std::string("typed");
  EXPECT_FALSE(e.is_view());
  EXPECT_EQ(*e.key_bytes(), "k");
  EXPECT_EQ(*e.message_bytes(), "typed");
  // The owning form reads through the same accessors.
  OutgoingMessageEnvelope owned(out, std::string("a"), std::string("b"));
  EXPECT_EQ(*owned.key_bytes(), "a");
  EXPECT_EQ(*owned.message_bytes(), "b");
}

TEST(OutgoingEnvelope, TypedAndSerialized) {
  auto typed =
      OutgoingMessageEnvelope::Typed(SystemStream("eddy", "counts"), std::string("w"), int64_t{3});
  EXPECT_FALSE(typed.key().has_value());
  ASSERT_NE(typed.key_object().As<std::string>(), nullptr);
  EXPECT_EQ(*typed.message_object().As<int64_t>(), 3);
  // The runtime serializes with the stream's serde and catches mismatches.
  Int32Serde wrong;
  std::string out;
  EXPECT_FALSE(wrong.SerializeErased(typed.message_object(), &out).ok());

  StringSerde s;
  Int64Serde l;
  auto ser = OutgoingMessageEnvelope::Serialized<std::string, int64_t>(
      SystemStream("eddy", "counts"), "w", s, 3, l);
  ASSERT_TRUE(ser.ok());
  EXPECT_EQ(*ser->key(), "w");
  EXPECT_EQ(*ser->message(), std::string("\0\0\0\0\0\0\0\x03", 8));
}

TEST(SystemStream, ParseAndOrder) {
  auto ss = SystemStream::Parse("kafka.page.views");
  ASSERT_TRUE(ss.ok());
  EXPECT_EQ(ss->system, "kafka");
  EXPECT_EQ(ss->stream, "page.views");
  EXPECT_FALSE(SystemStream::Parse("nodot").ok());
  EXPECT_FALSE(SystemStream::Parse(".x").ok());
  EXPECT_FALSE(SystemStream::Parse("x.").ok());
  EXPECT_LT(SystemStreamPartition("a", "b", 1), SystemStreamPartition("a", "b", 2));
  EXPECT_EQ(std::hash<SystemStreamPartition>()(SystemStreamPartition("a", "b", 1)),
            std::hash<SystemStreamPartition>()(SystemStreamPartition("a", "b", 1)));
  EXPECT_EQ(TaskName("Partition 3").str(), "Partition 3");
}

}  // namespace
}  // namespace eddy
