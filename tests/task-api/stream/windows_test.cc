// Window operators of the stream API through the test harness: tumbling, hopping, session and
// count windows; out-of-order and late events (within and beyond the allowed lateness); both
// triggers; restore from a store copy. Exact panes, in order.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "stream_test_apps.h"

namespace eddy::stream::testing {
namespace {

using ::testing::ElementsAre;

// in (key = user, value ignored) → window `spec` counting events → out ("key@start" →
// "count/end/max/kind"); late events → late.
AppFactory CountingWindow(WindowSpec spec) {
  return Factory([spec](StreamAppDescriptor& app) {
    auto in = app.GetInputStream<std::string, std::string>(Input("eddy", "in"));
    auto w = in.Window<int64_t>(
        "w", spec, 0, [](int64_t n, const std::string&) { return n + 1; },
        [](int64_t a, int64_t b) { return a + b; });
    w.panes.Map(PaneText).SendTo(
        app.GetOutputStream<std::string, std::string>(Output("eddy", "out")));
    w.late.SendTo(app.GetOutputStream<std::string, std::string>(Output("eddy", "late")));
    return absl::OkStatus();
  });
}

TEST(StreamWindows, TumblingOutOfOrderAndLate) {
  StreamHarness h("T", CountingWindow(Tumbling(10).AllowedLateness(5)), BaseConfig());
  ASSERT_TRUE(h.Start().ok());
  ASSERT_TRUE(h.Send("eddy.in", "a", "", 5).ok());
  ASSERT_TRUE(h.Send("eddy.in", "a", "", 12).ok());
  ASSERT_TRUE(h.Send("eddy.in", "a", "", 1).ok());  // out of order, not late
  ASSERT_TRUE(h.Send("eddy.in", "b", "", 9).ok());
  EXPECT_TRUE(h.Sent("eddy.out").empty());
  ASSERT_TRUE(h.AdvanceWatermark(10).ok());  // closes [0, 10)
  EXPECT_THAT(Lines(h.Sent("eddy.out")), ElementsAre("a@0=2/10/5/final", "b@0=1/10/9/final"));
  ASSERT_TRUE(h.Send("eddy.in", "a", "", 7).ok());  // late, within lateness (10 + 5 > 10)
  ASSERT_TRUE(h.AdvanceWatermark(15).ok());           // [0, 10) is dropped
  ASSERT_TRUE(h.Send("eddy.in", "a", "", 8).ok());  // beyond the lateness: late output
  ASSERT_TRUE(h.AdvanceWatermark(20).ok());
  EXPECT_THAT(Lines(h.Sent("eddy.out")),
              ElementsAre("a@0=2/10/5/final", "b@0=1/10/9/final", "a@0=3/10/7/late",
                          "a@10=1/20/12/final"));
  EXPECT_THAT(Lines(h.Sent("eddy.late")), ElementsAre("a="));
  EXPECT_EQ(h.Sent("eddy.late")[0].timestamp, 8);
  EXPECT_EQ(h.CounterValue("stream.w", "late-events-accepted"), 1);
  EXPECT_EQ(h.CounterValue("stream.w", "late-events-dropped"), 1);
  ASSERT_TRUE(h.AdvanceWatermark(25).ok());  // [10, 20) + lateness: dropped
  for (const auto& [name, rows] : h.Stores()) EXPECT_TRUE(rows.empty()) << name;
}

TEST(StreamWindows, TumblingEveryUpdate) {
  StreamHarness h("T", CountingWindow(Tumbling(10).AllowedLateness(5).EmitEveryUpdate()),
                  BaseConfig());
  ASSERT_TRUE(h.Start().ok());
  ASSERT_TRUE(h.Send("eddy.in", "a", "", 5).ok());
  ASSERT_TRUE(h.Send("eddy.in", "a", "", 3).ok());
  ASSERT_TRUE(h.AdvanceWatermark(10).ok());  // nothing more at close
  ASSERT_TRUE(h.Send("eddy.in", "a", "", 4).ok());
  EXPECT_THAT(Lines(h.Sent("eddy.out")),
              ElementsAre("a@0=1/10/5/update", "a@0=2/10/5/update", "a@0=3/10/5/late"));
}

TEST(StreamWindows, HoppingWindowsOverlap) {
  StreamHarness h("H", CountingWindow(Hopping(10, 5)), BaseConfig());
  ASSERT_TRUE(h.Start().ok());
  ASSERT_TRUE(h.Send("eddy.in", "a", "", 7).ok());   // [0,10) [5,15)
  ASSERT_TRUE(h.Send("eddy.in", "a", "", 12).ok());  // [5,15) [10,20)
  ASSERT_TRUE(h.Send("eddy.in", "a", "", -3).ok());  // [-10,0) [-5,5)
  ASSERT_TRUE(h.AdvanceWatermark(15).ok());
  ASSERT_TRUE(h.AdvanceWatermark(20).ok());
  EXPECT_THAT(Lines(h.Sent("eddy.out")),
              ElementsAre("a@-10=1/0/-3/final", "a@-5=1/5/-3/final", "a@0=1/10/7/final",
                          "a@5=2/15/12/final", "a@10=1/20/12/final"));
  // Lateness 0: an event for a closed window is late.
  ASSERT_TRUE(h.Send("eddy.in", "a", "", 14).ok());
  EXPECT_EQ(h.CounterValue("stream.w", "late-events-dropped"), 1);
}

TEST(StreamWindows, SessionsMergeReopenAndGoLate) {
  StreamHarness h("S", CountingWindow(Session(10).AllowedLateness(5)), BaseConfig());
  ASSERT_TRUE(h.Start().ok());
  ASSERT_TRUE(h.Send("eddy.in", "a", "", 0).ok());
  ASSERT_TRUE(h.Send("eddy.in", "a", "", 5).ok());   // same session [0, 15)
  ASSERT_TRUE(h.Send("eddy.in", "b", "", 3).ok());   // [3, 13)
  ASSERT_TRUE(h.Send("eddy.in", "a", "", 30).ok());  // a new session [30, 40)
  ASSERT_TRUE(h.AdvanceWatermark(16).ok());
  EXPECT_THAT(Lines(h.Sent("eddy.out")), ElementsAre("b@3=1/13/3/final", "a@0=2/15/5/final"));
  // Merged into the closed session [0, 15): it reopens as [0, 22), not late.
  ASSERT_TRUE(h.Send("eddy.in", "a", "", 12).ok());
  // Bridges [0, 22) and [30, 40): one session [0, 40).
  ASSERT_TRUE(h.Send("eddy.in", "a", "", 21).ok());
  ASSERT_TRUE(h.AdvanceWatermark(40).ok());
  EXPECT_THAT(Lines(h.Sent("eddy.out")),
              ElementsAre("b@3=1/13/3/final", "a@0=2/15/5/final", "a@0=5/40/30/final"));
  EXPECT_EQ(h.CounterValue("stream.w", "late-events-accepted"), 0);
  // Within the lateness of [0, 40) (40 + 5 > 41): a late update.
  ASSERT_TRUE(h.AdvanceWatermark(41).ok());
  ASSERT_TRUE(h.Send("eddy.in", "a", "", 1).ok());
  EXPECT_EQ(Lines(h.Sent("eddy.out")).back(), "a@0=6/40/30/late");
  EXPECT_EQ(h.CounterValue("stream.w", "late-events-accepted"), 1);
  // After it (the session is gone; the event's own session [2, 12) is beyond the lateness).
  ASSERT_TRUE(h.AdvanceWatermark(50).ok());
  ASSERT_TRUE(h.Send("eddy.in", "a", "", 2).ok());
  EXPECT_EQ(h.CounterValue("stream.w", "late-events-dropped"), 1);
  EXPECT_EQ(h.Sent("eddy.late").size(), 1u);
  EXPECT_EQ(h.Sent("eddy.out").size(), 4u);
  for (const auto& [name, rows] : h.Stores()) EXPECT_TRUE(rows.empty()) << name;
}

TEST(StreamWindows, CountWindows) {
  StreamHarness h("C", CountingWindow(CountWindow(3)), BaseConfig());
  ASSERT_TRUE(h.Start().ok());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(h.Send("eddy.in", "a", "", 100 + i).ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(h.Send("eddy.in", "b", "", 200 - i).ok());
  EXPECT_THAT(Lines(h.Sent("eddy.out")), ElementsAre("a@100=3/102/102/final",
                                                     "b@200=3/200/200/final"));
}

TEST(StreamWindows, CountWindowsEveryUpdate) {
  StreamHarness h("C", CountingWindow(CountWindow(2).EmitEveryUpdate()), BaseConfig());
  ASSERT_TRUE(h.Start().ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(h.Send("eddy.in", "a", "", i).ok());
  EXPECT_THAT(Lines(h.Sent("eddy.out")),
              ElementsAre("a@0=1/0/0/update", "a@0=2/1/1/final", "a@2=1/2/2/update"));
}

// A run cut after `cut` events, restored into a new task from a copy of its stores (and the
// watermark it had, which the runtime restores too), gives the same panes as an uncut run.
void ExpectRestoreIsExact(WindowSpec spec) {
  struct Step {
    bool watermark;
    std::string key;
    int64_t t;
  };
  std::vector<Step> steps = {{false, "a", 3},  {false, "b", 8},  {false, "a", 14},
                             {true, "", 10},   {false, "a", 7},  {false, "a", 24},
                             {true, "", 16},   {false, "b", 2},  {false, "b", 18},
                             {true, "", 30},   {false, "a", 29}, {true, "", 100}};
  auto run = [&](StreamHarness& h, size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      absl::Status s = steps[i].watermark ? h.AdvanceWatermark(steps[i].t)
                                          : h.Send("eddy.in", steps[i].key, "", steps[i].t);
      ASSERT_TRUE(s.ok()) << s;
    }
  };
  StreamHarness whole("R", CountingWindow(spec), BaseConfig());
  ASSERT_TRUE(whole.Start().ok());
  run(whole, 0, steps.size());
  for (size_t cut = 1; cut < steps.size(); ++cut) {
    StreamHarness first("R", CountingWindow(spec), BaseConfig());
    ASSERT_TRUE(first.Start().ok());
    run(first, 0, cut);
    int64_t wm = kNoWatermark;
    for (size_t i = 0; i < cut; ++i) {
      if (steps[i].watermark) wm = steps[i].t;
    }
    StreamHarness second("R", CountingWindow(spec), BaseConfig(), first.Stores());
    ASSERT_TRUE(second.Start().ok());
    if (wm != kNoWatermark) {
      ASSERT_TRUE(second.AdvanceWatermark(wm).ok());
    }
    run(second, cut, steps.size());
    std::vector<std::string> joined = Lines(first.Sent("eddy.out"));
    for (const auto& l : Lines(second.Sent("eddy.out"))) joined.push_back(l);
    EXPECT_EQ(joined, Lines(whole.Sent("eddy.out"))) << "cut after step " << cut;
    EXPECT_EQ(first.Sent("eddy.late").size() + second.Sent("eddy.late").size(),
              whole.Sent("eddy.late").size())
        << "cut after step " << cut;
  }
  EXPECT_FALSE(whole.Sent("eddy.out").empty());
}

TEST(StreamWindows, TumblingRestoreIsExact) { ExpectRestoreIsExact(Tumbling(10).AllowedLateness(5)); }
TEST(StreamWindows, HoppingRestoreIsExact) { ExpectRestoreIsExact(Hopping(10, 5).AllowedLateness(3)); }
TEST(StreamWindows, SessionRestoreIsExact) { ExpectRestoreIsExact(Session(6).AllowedLateness(4)); }
TEST(StreamWindows, CountRestoreIsExact) { ExpectRestoreIsExact(CountWindow(2)); }

TEST(StreamWindows, EventTimeFromAnExtractor) {
  StreamHarness h("X", Factory([](StreamAppDescriptor& app) {
    auto in = app.GetInputStream<std::string, std::string>(
        Input("eddy", "in"),
        [](const IncomingMessageEnvelope& e) { return std::stoll(std::string(*e.message())); });
    auto w = in.Window<int64_t>("w", Tumbling(10), 0,
                                [](int64_t n, const std::string&) { return n + 1; });
    w.panes.Map(PaneText).SendTo(
        app.GetOutputStream<std::string, std::string>(Output("eddy", "out")));
    return absl::OkStatus();
  }), BaseConfig());
  ASSERT_TRUE(h.Start().ok());
  ASSERT_TRUE(h.Send("eddy.in", "a", "25", /*record timestamp*/ 1).ok());
  ASSERT_TRUE(h.AdvanceWatermark(30).ok());
  EXPECT_THAT(Lines(h.Sent("eddy.out")), ElementsAre("a@20=1/30/25/final"));
}

}  // namespace
}  // namespace eddy::stream::testing
