// KeyValueStore<K, V> over the in-memory engine: typed CRUD, iterators, prefix scans, and
// deserialization errors as Status.
#include <gtest/gtest.h>

#include "eddy/json_serde.h"
#include "eddy/kv_store.h"
#include "runtime/state/inmemory_store.h"

namespace eddy {
namespace {

class TypedStoreTest : public ::testing::Test {
 protected:
  state::InMemoryStore bytes_{"counts"};
  StringSerde strings_;
  Int64Serde longs_;
  KeyValueStore<std::string, int64_t> store_{&bytes_, &strings_, &longs_};
};

TEST_F(TypedStoreTest, PutGetDelete) {
  EXPECT_FALSE(store_.Get("a")->has_value());
  ASSERT_TRUE(store_.Put("a", 1).ok());
  ASSERT_TRUE(store_.Put("a", 2).ok());
  EXPECT_EQ(**store_.Get("a"), 2);
  EXPECT_EQ(*bytes_.Get("a").value(), std::string("\0\0\0\0\0\0\0\x02", 8)) << "int64 big-endian";
  ASSERT_TRUE(store_.Delete("a").ok());
  EXPECT_FALSE(store_.Get("a")->has_value());
}

TEST_F(TypedStoreTest, PutAllGetAllDeleteAll) {
  ASSERT_TRUE(store_.PutAll({{"x", 10}, {"y", 20}, {"z", 30}}).ok());
  auto all = store_.GetAll({"z", "missing", "x"});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0], 30);
  EXPECT_FALSE((*all)[1].has_value());
  EXPECT_EQ((*all)[2], 10);
  ASSERT_TRUE(store_.DeleteAll({"x", "y"}).ok());
  EXPECT_EQ(bytes_.size(), 1u);
}

TEST_F(TypedStoreTest, RangeAllPrefix) {
  for (std::string k : {"apple", "apricot", "banana", "blueberry", "cherry"}) {
    ASSERT_TRUE(store_.Put(k, static_cast<int64_t>(k.size())).ok());
  }
  auto collect = [](absl::StatusOr<KeyValueStore<std::string, int64_t>::Iterator> it) {
    std::vector<std::pair<std::string, int64_t>> out;
    EXPECT_TRUE(it.ok());
    for (; it->Valid(); it->Next()) out.emplace_back(*it->key(), *it->value());
    EXPECT_TRUE(it->status().ok());
    it->Close();
    return out;
  };
  auto range = collect(store_.Range("apricot", "blueberry"));
  ASSERT_EQ(range.size(), 2u);
  EXPECT_EQ(range[0].first, "apricot");
  EXPECT_EQ(range[1].first, "banana");
  auto prefix = collect(store_.PrefixScan("ap"));
  ASSERT_EQ(prefix.size(), 2u);
  EXPECT_EQ(prefix[1], (std::pair<std::string, int64_t>{"apricot", 7}));
  EXPECT_EQ(collect(store_.All()).size(), 5u);
  EXPECT_TRUE(collect(store_.PrefixScan("zz")).empty());
}

TEST_F(TypedStoreTest, CorruptValueIsStatusNamingStore) {
  ASSERT_TRUE(bytes_.Put("bad", "xyz").ok());  // 3 bytes, not an int64
  auto v = store_.Get("bad");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("store counts"), std::string::npos);
  EXPECT_NE(v.status().message().find("expected 8 bytes, got 3"), std::string::npos);
  auto it = store_.All();
  ASSERT_TRUE(it.ok());
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(*it->key(), "bad");
  EXPECT_FALSE(it->value().ok());
  EXPECT_NE(it->value().status().message().find("store counts"), std::string::npos);
  it->Close();
}

TEST(TypedStore, JsonValuesAndInt32Keys) {
  state::InMemoryStore bytes("profiles");
  Int32Serde ints;
  JsonSerde json;
  KeyValueStore<int32_t, nlohmann::json> store(&bytes, &ints, &json);
  ASSERT_TRUE(store.Put(7, {{"name", "ada"}}).ok());
  ASSERT_TRUE(store.Put(3, {{"name", "bob"}}).ok());
  auto it = store.All();
  ASSERT_TRUE(it.ok());
  std::vector<int32_t> keys;
  for (; it->Valid(); it->Next()) keys.push_back(*it->key());
  it->Close();
  EXPECT_EQ(keys, (std::vector<int32_t>{3, 7}));
  EXPECT_EQ((**store.Get(7))["name"], "ada");
}

TEST(TypedStore, IteratorIsMovable) {
  state::InMemoryStore bytes("s");
  StringSerde s;
  KeyValueStore<std::string, std::string> store(&bytes, &s, &s);
  ASSERT_TRUE(store.Put("k", "v").ok());
  auto it = store.All();
  ASSERT_TRUE(it.ok());
  KeyValueIterator<std::string, std::string> moved = std::move(*it);
  EXPECT_FALSE(it->Valid());
  ASSERT_TRUE(moved.Valid());
  EXPECT_EQ(moved.raw_value(), "v");
  moved.Close();
  it->Close();  // closing a moved-from iterator is harmless
}

}  // namespace
}  // namespace eddy
