// Config typed getters, defaults, subsets and error messages.
#include "eddy/config.h"

#include <gtest/gtest.h>

namespace eddy {
namespace {

Config Make(Config::Map m) { return Config(std::move(m), "job.properties"); }

TEST(Config, GetAndMissingKeyNamesKey) {
  Config c = Make({{"job.name", "wc"}});
  EXPECT_EQ(*c.Get("job.name"), "wc");
  absl::StatusOr<std::string> missing = c.Get("task.class");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("task.class"), std::string::npos);
  EXPECT_EQ(c.GetOr("task.class", "X"), "X");
}

TEST(Config, GetIntMalformedNamesKeyAndValue) {
  Config c = Make({{"task.window.ms", "abc"}, {"n", " 42 "}, {"big", "99999999999"}});
  absl::StatusOr<int32_t> v = c.GetInt("task.window.ms");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(v.status().message(), "config key task.window.ms: expected an integer, got 'abc'");
  EXPECT_EQ(*c.GetInt("n"), 42);
  EXPECT_FALSE(c.GetInt("big").ok());
  EXPECT_EQ(*c.GetLong("big"), 99999999999LL);
  EXPECT_EQ(*c.GetInt("absent", 7), 7);
  EXPECT_FALSE(c.GetInt("task.window.ms", 7).ok())
      << "a malformed value is not replaced by the default";
}

TEST(Config, GetBool) {
  Config c = Make({{"a", "true"}, {"b", "FALSE"}, {"c", "maybe"}});
  EXPECT_TRUE(*c.GetBool("a"));
  EXPECT_FALSE(*c.GetBool("b"));
  EXPECT_FALSE(c.GetBool("c").ok());
  EXPECT_NE(c.GetBool("c").status().message().find("'maybe'"), std::string::npos);
  EXPECT_TRUE(*c.GetBool("d", true));
}

TEST(Config, GetDurationMs) {
  Config c = Make({{"a", "60000"},
                   {"b", "10s"},
                   {"c", "2m"},
                   {"d", "-1"},
                   {"e", "5 parsecs"},
                   {"f", "1h"},
                   {"g", "250ms"}});
  EXPECT_EQ(*c.GetDurationMs("a"), 60000);
  EXPECT_EQ(*c.GetDurationMs("b"), 10000);
  EXPECT_EQ(*c.GetDurationMs("c"), 120000);
  EXPECT_EQ(*c.GetDurationMs("d"), -1);
  EXPECT_EQ(*c.GetDurationMs("f"), 3600000);
  EXPECT_EQ(*c.GetDurationMs("g"), 250);
  absl::StatusOr<int64_t> bad = c.GetDurationMs("e");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("config key e"), std::string::npos);
}

TEST(Config, GetList) {
  Config c = Make({{"task.inputs", " eddy.a, eddy.b ,,eddy.c "}, {"empty", ""}});
  EXPECT_EQ(*c.GetList("task.inputs"), (std::vector<std::string>{"eddy.a", "eddy.b", "eddy.c"}));
  EXPECT_TRUE(c.GetList("empty")->empty());
  EXPECT_FALSE(c.GetList("absent").ok());
  EXPECT_EQ(c.GetListOr("absent", {"x"}), std::vector<std::string>{"x"});
}

TEST(Config, SubsetAndMerge) {
  Config c = Make({{"stores.counts.factory", "rocksdb"},
                   {"stores.counts.key.serde", "string"},
                   {"stores.countsX.factory", "inmemory"},
                   {"job.name", "wc"}});
  Config s = c.Subset("stores.counts.");
  EXPECT_EQ(s.size(), 2u);
  EXPECT_EQ(*s.Get("factory"), "rocksdb");
  Config full = c.Subset("stores.", false);
  EXPECT_EQ(full.size(), 3u);
  EXPECT_TRUE(full.Has("stores.countsX.factory"));
  Config m = c.Merge(Make({{"job.name", "other"}, {"x", "1"}}));
  EXPECT_EQ(*m.Get("job.name"), "other");
  EXPECT_EQ(m.size(), 5u);
  EXPECT_EQ(*c.Get("job.name"), "wc") << "Config is immutable";
}

}  // namespace
}  // namespace eddy
