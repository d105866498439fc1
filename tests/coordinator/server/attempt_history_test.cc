// AttemptHistory: attempts kept with how each ended; the last kMaxAttempts only; ends read from
// node reports (exit code 3 = fenced by the log store, a node's own fence); a late report
// completes an attempt its node lost; the record survives a JSON round trip.
#include "coordinator/server/attempt_history.h"

#include "gtest/gtest.h"

namespace eddy::cluster {
namespace {
namespace v1 = ::eddy::coordinator::v1;

v1::ContainerReport Exited(int code, int signal,
                           v1::ContainerReport::Fence f = v1::ContainerReport::NOT_FENCED) {
  v1::ContainerReport r;
  r.set_state(v1::ContainerReport::EXITED);
  r.set_exit_code(code);
  r.set_signal(signal);
  r.set_fenced(f);
  return r;
}

TEST(AttemptHistory, KeepsTheLastAttemptsAndEndsEachOnce) {
  AttemptHistory h;
  for (int a = 1; a <= 10; ++a) {
    h.Start(a, "node-" + std::to_string(a % 2), 1000 * a);
    EXPECT_TRUE(h.End(a, AttemptEnd::kExited, "exit code 1", 1000 * a + 500, 1, 0));
  }
  ASSERT_EQ(h.all().size(), AttemptHistory::kMaxAttempts);
  EXPECT_EQ(h.all().front().attempt, 3);
  EXPECT_EQ(h.all().back().attempt, 10);
  EXPECT_EQ(h.Find(1), nullptr);
  // An ended attempt keeps its first end.
  EXPECT_FALSE(h.End(10, AttemptEnd::kNodeLost, "node lost", 99999));
  EXPECT_EQ(h.Find(10)->end, AttemptEnd::kExited);
  EXPECT_EQ(h.Find(10)->exit_code, 1);
}

TEST(AttemptHistory, EndsReadFromReports) {
  EXPECT_EQ(AttemptHistory::FromReport(Exited(kExitFencedByLogStore, 0), false),
            AttemptEnd::kLogStoreFenced);
  EXPECT_EQ(AttemptHistory::FromReport(Exited(0, 9, v1::ContainerReport::SELF_FENCED), false),
            AttemptEnd::kSelfFenced);
  EXPECT_EQ(AttemptHistory::FromReport(Exited(0, 15), true), AttemptEnd::kStopped);
  EXPECT_EQ(AttemptHistory::FromReport(Exited(1, 0), false), AttemptEnd::kExited);
  EXPECT_EQ(AttemptHistory::FromReport(Exited(0, 9), false), AttemptEnd::kExited);
  EXPECT_STREQ(AttemptEndName(AttemptEnd::kLogStoreFenced), "fenced by the log store");
}

TEST(AttemptHistory, ALateReportSaysWhatTheLostNodeDidWithIt) {
  AttemptHistory h;
  h.Start(1, "node-0", 1000);
  h.Start(2, "node-1", 2000);
  ASSERT_TRUE(h.End(1, AttemptEnd::kNodeLost, "node node-0 lost", 2000));
  auto r = Exited(0, 9, v1::ContainerReport::SELF_FENCED);
  r.set_attempt(1);
  h.NoteLateReport(r, 5000);
  EXPECT_EQ(h.Find(1)->end, AttemptEnd::kSelfFenced);
  EXPECT_EQ(h.Find(1)->signal, 9);
  EXPECT_NE(h.Find(1)->detail.find("SIGKILLed"), std::string::npos) << h.Find(1)->detail;
  // Said once; a running attempt is not touched by a report of another node.
  h.NoteLateReport(r, 6000);
  EXPECT_EQ(h.Find(1)->detail.find("SIGKILLed"), h.Find(1)->detail.rfind("SIGKILLed"));
  r.set_attempt(2);
  h.NoteLateReport(r, 6000);
  EXPECT_EQ(h.Find(2)->end, AttemptEnd::kRunning);
}

TEST(AttemptHistory, SurvivesAJsonRoundTrip) {
  AttemptHistory h;
  h.Start(4, "node-0", 1000);
  ASSERT_TRUE(h.End(4, AttemptEnd::kLogStoreFenced, "exit code 3", 2000, 3, 0));
  h.Start(5, "node-1", 3000);
  AttemptHistory back;
  back.FromJson(h.ToJson());
  ASSERT_EQ(back.all().size(), 2u);
  EXPECT_EQ(back.all()[0].end, AttemptEnd::kLogStoreFenced);
  EXPECT_EQ(back.all()[0].exit_code, 3);
  EXPECT_EQ(back.all()[0].node, "node-0");
  EXPECT_EQ(back.all()[1].end, AttemptEnd::kRunning);
  EXPECT_EQ(back.all()[1].started_ms, 3000);
  back.FromJson(nlohmann::json("not an array"));  // a damaged record: nothing, no crash
  EXPECT_TRUE(back.all().empty());
}

}  // namespace
}  // namespace eddy::cluster
