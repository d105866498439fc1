// Built-in serdes: round trips, byte layout (big-endian like Kafka), bad input; registry/config
// resolution including Samza's factory names.
#include "eddy/serde.h"

#include <gtest/gtest.h>

#include <limits>

#include "eddy/json_serde.h"

namespace eddy {
namespace {

TEST(Serde, Int32BigEndianRoundTrip) {
  Int32Serde s;
  std::string out = "garbage to be replaced";
  ASSERT_TRUE(s.Serialize(0x01020304, &out).ok());
  EXPECT_EQ(out, std::string("\x01\x02\x03\x04", 4));
  for (int32_t v : {0, 1, -1, std::numeric_limits<int32_t>::min(),
                    std::numeric_limits<int32_t>::max(), 123456789}) {
    ASSERT_TRUE(s.Serialize(v, &out).ok());
    EXPECT_EQ(out.size(), 4u);
    EXPECT_EQ(*s.Deserialize(out), v);
  }
  ASSERT_TRUE(s.Serialize(-1, &out).ok());
  EXPECT_EQ(out, std::string("\xff\xff\xff\xff", 4));
}

TEST(Serde, Int32WrongLengthIsError) {
  Int32Serde s;
  absl::StatusOr<int32_t> v = s.Deserialize(std::string("\x01\x02\x03", 3));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(v.status().message().find("expected 4 bytes, got 3"), std::string::npos);
  EXPECT_FALSE(s.Deserialize("").ok());
  EXPECT_FALSE(s.Deserialize("12345").ok());
}

TEST(Serde, Int64) {
  Int64Serde s;
  std::string out;
  ASSERT_TRUE(s.Serialize(0x0102030405060708LL, &out).ok());
  EXPECT_EQ(out, std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  for (int64_t v : {int64_t{0}, int64_t{-5}, std::numeric_limits<int64_t>::min(),
                    std::numeric_limits<int64_t>::max()}) {
    ASSERT_TRUE(s.Serialize(v, &out).ok());
    EXPECT_EQ(*s.Deserialize(out), v);
  }
  EXPECT_NE(s.Deserialize("1234").status().message().find("expected 8 bytes, got 4"),
            std::string::npos);
}

TEST(Serde, StringAndBytesKeepEveryByte) {
  std::string binary("a\0b\xff", 4);
  for (const Serde<std::string>* s :
       std::initializer_list<const Serde<std::string>*>{new StringSerde, new BytesSerde}) {
    std::string out;
    ASSERT_TRUE(s->Serialize(binary, &out).ok());
    EXPECT_EQ(out, binary);
    EXPECT_EQ(*s->Deserialize(out), binary);
    delete s;
  }
}

TEST(Serde, Json) {
  JsonSerde s;
  nlohmann::json j = {{"member", 42}, {"page", "/home"}, {"tags", {1, 2}}};
  std::string out;
  ASSERT_TRUE(s.Serialize(j, &out).ok());
  EXPECT_EQ(*s.Deserialize(out), j);
  absl::StatusOr<nlohmann::json> bad = s.Deserialize("{\"member\": ");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("malformed JSON"), std::string::npos);
  // Invalid UTF-8 inside a string cannot be dumped: an error, not an exception.
  EXPECT_FALSE(s.Serialize(nlohmann::json(std::string("\xff\xfe")), &out).ok());
}

TEST(Serde, ErasedRoundTripAndTypeMismatch) {
  Int64Serde s;
  const SerdeBase& base = s;
  EXPECT_EQ(base.value_type(), typeid(int64_t));
  std::string out;
  ASSERT_TRUE(base.SerializeErased(ErasedValue::Of<int64_t>(7), &out).ok());
  absl::StatusOr<ErasedValue> back = base.DeserializeErased(out);
  ASSERT_TRUE(back.ok());
  ASSERT_NE(back->As<int64_t>(), nullptr);
  EXPECT_EQ(*back->As<int64_t>(), 7);
  EXPECT_EQ(back->As<int32_t>(), nullptr);
  absl::Status wrong = base.SerializeErased(ErasedValue::Of<std::string>("x"), &out);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.message().find("int64_t"), std::string::npos);
  EXPECT_NE(wrong.message().find("std::string"), std::string::npos);
}

TEST(SerdeRegistry, BuiltinsAndSamzaFactoryNames) {
  struct Case {
    const char* cls;
    const std::type_info& type;
  } cases[] = {
      {"string", typeid(std::string)},
      {"bytes", typeid(std::string)},
      {"int32", typeid(int32_t)},
      {"int64", typeid(int64_t)},
      {"json", typeid(nlohmann::json)},
      {"org.apache.samza.serializers.StringSerdeFactory", typeid(std::string)},
      {"org.apache.samza.serializers.IntegerSerdeFactory", typeid(int32_t)},
      {"org.apache.samza.serializers.LongSerdeFactory", typeid(int64_t)},
      {"org.apache.samza.serializers.JsonSerdeV2Factory", typeid(nlohmann::json)},
      {"org.apache.samza.serializers.ByteSerdeFactory", typeid(std::string)},
  };
  for (const Case& c : cases) {
    auto s = SerdeRegistry::Global().CreateByClass(c.cls);
    ASSERT_TRUE(s.ok()) << c.cls << ": " << s.status();
    EXPECT_EQ((*s)->value_type(), c.type) << c.cls;
  }
  auto unknown = SerdeRegistry::Global().CreateByClass("com.example.Nope");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("com.example.Nope"), std::string::npos);
  EXPECT_NE(unknown.status().message().find("int64"), std::string::npos) << "lists known names";
}

class PointSerde : public Serde<std::pair<int32_t, int32_t>> {
 public:
  absl::Status Serialize(const std::pair<int32_t, int32_t>& p, std::string* out) const override {
    *out = std::to_string(p.first) + "," + std::to_string(p.second);
    return absl::OkStatus();
  }
  absl::StatusOr<std::pair<int32_t, int32_t>> Deserialize(std::string_view b) const override {
    size_t comma = b.find(',');
    if (comma == std::string_view::npos) return absl::InvalidArgumentError("no comma");
    return std::make_pair(std::stoi(std::string(b.substr(0, comma))),
                          std::stoi(std::string(b.substr(comma + 1))));
  }
};
EDDY_REGISTER_SERDE("test.PointSerde", PointSerde);

TEST(SerdeRegistry, ResolveFromConfig) {
  Config c(Config::Map{
      {"serializers.registry.point.class", "test.PointSerde"},
      {"serializers.registry.str.class", "org.apache.samza.serializers.StringSerdeFactory"},
      {"serializers.registry.broken.class", "com.example.Missing"}});
  auto point = ResolveSerde(c, "point", "stores.points.msg.serde");
  ASSERT_TRUE(point.ok()) << point.status();
  EXPECT_EQ((*point)->value_type(), typeid(std::pair<int32_t, int32_t>));
  std::string out;
  ASSERT_TRUE((*point)->SerializeErased(ErasedValue::Of(std::make_pair(3, 4)), &out).ok());
  EXPECT_EQ(out, "3,4");

  auto str = ResolveSerde(c, "str", "stores.s.key.serde");
  ASSERT_TRUE(str.ok());
  EXPECT_EQ((*str)->value_type(), typeid(std::string));

  auto builtin = ResolveSerde(c, "int64", "stores.s.msg.serde");
  ASSERT_TRUE(builtin.ok()) << "a built-in name works without a registry entry";

  auto broken = ResolveSerde(c, "broken", "stores.s.msg.serde");
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("serializers.registry.broken.class"), std::string::npos);
  EXPECT_NE(broken.status().message().find("stores.s.msg.serde"), std::string::npos);

  auto undefined = ResolveSerde(c, "nosuch", "stores.s.key.serde");
  ASSERT_FALSE(undefined.ok());
  EXPECT_NE(undefined.status().message().find("config key stores.s.key.serde"), std::string::npos);
  EXPECT_NE(undefined.status().message().find("serializers.registry.nosuch.class"),
            std::string::npos);
}

}  // namespace
}  // namespace eddy
