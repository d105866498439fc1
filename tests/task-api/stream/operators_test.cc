// Stateless and keyed operators of the stream API through the test harness: exact outputs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "stream_test_apps.h"

namespace eddy::stream::testing {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = s.find(',', i);
    if (j == std::string::npos) j = s.size();
    out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

TEST(StreamOperators, MapFlatMapFilterMergeSendTo) {
  StreamHarness h("Stateless", Factory([](StreamAppDescriptor& app) {
    auto a = app.GetInputStream<std::string, std::string>(Input("eddy", "a", "string", "string"));
    auto b = app.GetInputStream<std::string, std::string>(Input("eddy", "b", "string", "string"));
    auto out = app.GetOutputStream<std::string, std::string>(Output("eddy", "out"));
    auto words = a.FlatMap([](const SKV& m) {
                    std::vector<SKV> r;
                    for (auto& w : SplitComma(m.value)) r.push_back(SKV{m.key, w});
                    return r;
                  })
                     .Filter([](const SKV& m) { return !m.value.empty(); });
    words.Merge({b.Map([](const SKV& m) { return SKV{m.key, "b:" + m.value}; })})
        .Map([](const SKV& m) { return SKV{m.key, m.value + "!"}; })
        .SendTo(out);
    return absl::OkStatus();
  }), BaseConfig());
  ASSERT_TRUE(h.Start().ok());
  ASSERT_TRUE(h.Send("eddy.a", "k1", "x,,y", 1).ok());
  ASSERT_TRUE(h.Send("eddy.b", "k2", "z", 2).ok());
  ASSERT_TRUE(h.Send("eddy.a", "k3", "", 3).ok());
  EXPECT_THAT(Lines(h.Sent("eddy.out")), ElementsAre("k1=x!", "k1=y!", "k2=b:z!"));
  // The event time travels as the record timestamp.
  EXPECT_EQ(h.Sent("eddy.out")[2].timestamp, 2);
  EXPECT_EQ(h.description().config.at("task.inputs"), "eddy.a,eddy.b");
  EXPECT_EQ(h.description().config.at("task.class"), "Stateless");
}

AppFactory WordCountApp() {
  return Factory([](StreamAppDescriptor& app) {
    auto lines = app.GetInputStream<std::string, std::string>(Input("eddy", "lines"));
    auto out = app.GetOutputStream<std::string, std::string>(Output("eddy", "counts"));
    lines
        .FlatMap([](const SKV& m) {
          std::vector<std::string> w;
          size_t i = 0;
          while (i < m.value.size()) {
            size_t j = m.value.find(' ', i);
            if (j == std::string::npos) j = m.value.size();
            if (j > i) w.push_back(m.value.substr(i, j - i));
            i = j + 1;
          }
          return w;
        })
        .PartitionBy([](const std::string& w) { return w; },
                     [](const std::string&) { return std::string(); }, "word")
        .Count("counts")
        .Map([](const KV<std::string, int64_t>& c) { return SKV{c.key, std::to_string(c.value)}; })
        .SendTo(out);
    return absl::OkStatus();
  });
}

TEST(StreamOperators, PartitionByThenCount) {
  StreamHarness h("WC", WordCountApp(), BaseConfig());
  ASSERT_TRUE(h.Start().ok());
  ASSERT_TRUE(h.Send("eddy.lines", std::nullopt, "a b a", 1).ok());
  ASSERT_TRUE(h.Send("eddy.lines", std::nullopt, "b  c", 2).ok());
  EXPECT_THAT(Lines(h.Sent("eddy.counts")), ElementsAre("a=1", "b=1", "a=2", "b=2", "c=1"));
  // Through the intermediate stream, named from job.name, job.id and the operator id.
  EXPECT_EQ(h.Sent("eddy.job-1-partition_by-word").size(), 5u);
  const auto& c = h.description().config;
  EXPECT_EQ(c.at("task.inputs"), "eddy.lines,eddy.job-1-partition_by-word");
  EXPECT_EQ(c.at("streams.job-1-partition_by-word.samza.intermediate"), "true");
  EXPECT_EQ(c.at("streams.job-1-partition_by-word.samza.system"), "eddy");
  EXPECT_EQ(c.at("stores.counts.factory"), "rocksdb");
  EXPECT_EQ(c.at("stores.counts.key.serde"), "string");
  EXPECT_EQ(c.at("stores.counts.msg.serde"), "int64");
  EXPECT_EQ(c.at("stores.counts.changelog"), "eddy.job-1-counts-changelog");
  ASSERT_EQ(h.description().intermediate_streams.size(), 1u);
  EXPECT_EQ(h.description().intermediate_streams[0].stream, "job-1-partition_by-word");
  EXPECT_EQ(h.description().intermediate_streams[0].partitions, -1);
}

TEST(StreamOperators, CountRestoresFromStoreCopy) {
  StoreContents copy;
  {
    StreamHarness h("WC", WordCountApp(), BaseConfig());
    ASSERT_TRUE(h.Start().ok());
    ASSERT_TRUE(h.Send("eddy.lines", std::nullopt, "a b a", 1).ok());
    copy = h.Stores();
  }
  StreamHarness h2("WC", WordCountApp(), BaseConfig(), copy);
  ASSERT_TRUE(h2.Start().ok());
  ASSERT_TRUE(h2.Send("eddy.lines", std::nullopt, "a c", 2).ok());
  EXPECT_THAT(Lines(h2.Sent("eddy.counts")), ElementsAre("a=3", "c=1"));
}

TEST(StreamOperators, AggregateKeepsAnAccumulatorPerKey) {
  StreamHarness h("Agg", Factory([](StreamAppDescriptor& app) {
    auto in = app.GetInputStream<std::string, std::string>(Input("eddy", "in", "string", "string"));
    in.Aggregate<std::string>("concat", std::string(),
                              [](std::string acc, const std::string& v) { return acc + v; })
        .SendTo(app.GetOutputStream<std::string, std::string>(Output("eddy", "out")));
    return absl::OkStatus();
  }), BaseConfig());
  ASSERT_TRUE(h.Start().ok());
  ASSERT_TRUE(h.Send("eddy.in", "k", "x", 1).ok());
  ASSERT_TRUE(h.Send("eddy.in", "j", "y", 1).ok());
  ASSERT_TRUE(h.Send("eddy.in", "k", "z", 1).ok());
  EXPECT_THAT(Lines(h.Sent("eddy.out")), ElementsAre("k=x", "j=y", "k=xz"));
  EXPECT_EQ(h.description().config.at("stores.concat.msg.serde"), "string");
}

TEST(StreamOperators, StreamTableJoin) {
  StreamHarness h("TJ", Factory([](StreamAppDescriptor& app) {
    auto table = app.GetTable<std::string, std::string>(
        TableDescriptor{Input("eddy", "profiles", "string", "string"), "profiles"});
    auto clicks = app.GetInputStream<std::string, std::string>(Input("eddy", "clicks"));
    clicks
        .Join(table,
              [](const SKV& c, const std::optional<std::string>& p) {
                return SKV{c.key, c.value + "+" + p.value_or("none")};
              })
        .SendTo(app.GetOutputStream<std::string, std::string>(Output("eddy", "out")));
    return absl::OkStatus();
  }), BaseConfig());
  ASSERT_TRUE(h.Start().ok());
  ASSERT_TRUE(h.Send("eddy.profiles", "m1", "alice", 1).ok());
  ASSERT_TRUE(h.Send("eddy.clicks", "m1", "c1", 2).ok());
  ASSERT_TRUE(h.Send("eddy.clicks", "m2", "c2", 3).ok());
  ASSERT_TRUE(h.Send("eddy.profiles", "m1", "alice2", 4).ok());
  ASSERT_TRUE(h.Send("eddy.clicks", "m1", "c3", 5).ok());
  ASSERT_TRUE(h.Send("eddy.profiles", "m1", std::nullopt, 6).ok());  // deleted
  ASSERT_TRUE(h.Send("eddy.clicks", "m1", "c4", 7).ok());
  EXPECT_THAT(Lines(h.Sent("eddy.out")),
              ElementsAre("m1=c1+alice", "m2=c2+none", "m1=c3+alice2", "m1=c4+none"));
  EXPECT_EQ(h.description().config.at("task.inputs"), "eddy.profiles,eddy.clicks");
  EXPECT_EQ(h.description().config.at("stores.profiles.changelog"),
            "eddy.job-1-profiles-changelog");
}

AppFactory StreamJoinApp() {
  return Factory([](StreamAppDescriptor& app) {
    auto l = app.GetInputStream<std::string, std::string>(Input("eddy", "left"));
    auto r = app.GetInputStream<std::string, std::string>(Input("eddy", "right"));
    l.Join(
         r,
         [](const std::string& k, const std::string& a, const std::string& b) {
           return SKV{k, a + "|" + b};
         },
         5, "lr")
        .SendTo(app.GetOutputStream<std::string, std::string>(Output("eddy", "out")));
    return absl::OkStatus();
  });
}

TEST(StreamOperators, StreamStreamJoinWithinWindow) {
  StreamHarness h("SJ", StreamJoinApp(), BaseConfig());
  ASSERT_TRUE(h.Start().ok());
  ASSERT_TRUE(h.Send("eddy.left", "a", "L1", 10).ok());
  ASSERT_TRUE(h.Send("eddy.right", "a", "R1", 12).ok());   // |12-10| <= 5
  ASSERT_TRUE(h.Send("eddy.right", "b", "Rb", 12).ok());   // other key
  ASSERT_TRUE(h.Send("eddy.right", "a", "R2", 20).ok());   // 10 apart from L1
  ASSERT_TRUE(h.Send("eddy.left", "a", "L2", 16).ok());    // R1 (4 apart) and R2 (4 apart)
  EXPECT_THAT(Lines(h.Sent("eddy.out")), ElementsAre("a=L1|R1", "a=L2|R1", "a=L2|R2"));
  // The watermark drops what can no longer match; later messages are dropped and counted.
  ASSERT_TRUE(h.AdvanceWatermark(100).ok());
  for (const auto& [name, rows] : h.Stores()) EXPECT_TRUE(rows.empty()) << name;
  ASSERT_TRUE(h.Send("eddy.left", "a", "late", 50).ok());
  EXPECT_EQ(h.CounterValue("stream.lr", "late-events-dropped"), 1);
  EXPECT_EQ(h.Sent("eddy.out").size(), 3u);
  EXPECT_EQ(h.description().config.at("stores.lr-left.factory"), "rocksdb");
  EXPECT_EQ(h.description().config.at("stores.lr-right.changelog"), "eddy.job-1-lr-right-changelog");
}

TEST(StreamOperators, StreamStreamJoinRestoresFromStoreCopy) {
  StoreContents copy;
  {
    StreamHarness h("SJ", StreamJoinApp(), BaseConfig());
    ASSERT_TRUE(h.Start().ok());
    ASSERT_TRUE(h.Send("eddy.left", "a", "L1", 10).ok());
    copy = h.Stores();
  }
  StreamHarness h2("SJ", StreamJoinApp(), BaseConfig(), copy);
  ASSERT_TRUE(h2.Start().ok());
  ASSERT_TRUE(h2.Send("eddy.right", "a", "R1", 12).ok());
  EXPECT_THAT(Lines(h2.Sent("eddy.out")), ElementsAre("a=L1|R1"));
  // The rebuilt purge index drops the restored entry too.
  ASSERT_TRUE(h2.AdvanceWatermark(30).ok());
  for (const auto& [name, rows] : h2.Stores()) EXPECT_TRUE(rows.empty()) << name;
}

TEST(StreamOperators, DescribeErrorsNameTheOperator) {
  auto dup = internal::DescribeApp("Dup", Factory([](StreamAppDescriptor& app) {
    auto in = app.GetInputStream<std::string, std::string>(Input("eddy", "in"));
    in.Count("c");
    in.Count("c");
    return absl::OkStatus();
  }), Config(Config::Map{{"job.name", "j"}}));
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("operator id 'c' is used twice"), std::string::npos)
      << dup.status();
  auto session = internal::DescribeApp("S", Factory([](StreamAppDescriptor& app) {
    auto in = app.GetInputStream<std::string, std::string>(Input("eddy", "in"));
    in.Window<int64_t>("w", Session(10), 0, [](int64_t n, const std::string&) { return n + 1; });
    return absl::OkStatus();
  }), Config(Config::Map{{"job.name", "j"}}));
  ASSERT_FALSE(session.ok());
  EXPECT_NE(session.status().message().find("window w: a session window needs a merge function"),
            std::string::npos)
      << session.status();
  auto no_job = internal::DescribeApp("N", Factory([](StreamAppDescriptor& app) {
    app.GetInputStream<std::string, std::string>(Input("eddy", "in"));
    return absl::OkStatus();
  }), Config());
  ASSERT_FALSE(no_job.ok());
  EXPECT_NE(no_job.status().message().find("job.name"), std::string::npos);
}

TEST(StreamOperators, SerdeOfAnotherTypeIsAnErrorAtInit) {
  StreamHarness h("Bad", Factory([](StreamAppDescriptor& app) {
    auto in = app.GetInputStream<std::string, int64_t>(Input("eddy", "in", "string", "string"));
    in.Filter([](const KV<std::string, int64_t>&) { return true; });
    return absl::OkStatus();
  }), BaseConfig());
  absl::Status s = h.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("input eddy.in message"), std::string::npos) << s;
}

}  // namespace
}  // namespace eddy::stream::testing
