// Standby containers in the job model (runtime/job/standby_model.h) and the coordinator's
// standby placement rules (coordinator/server/standby_placement.h).
#include "coordinator/server/standby_placement.h"

#include "gtest/gtest.h"
#include "runtime/job/standby_model.h"

namespace eddy::cluster {
namespace {

runtime::JobModel TwoContainers() {
  runtime::JobModel m;
  m.job_name = "wc";
  for (int c = 0; c < 2; ++c) {
    runtime::ContainerModel cm;
    cm.id = std::to_string(c);
    runtime::TaskModel t;
    t.name = "Partition " + std::to_string(c);
    t.changelog_partition = c;
    t.inputs.push_back({"eddy", "lines", c});
    cm.tasks.push_back(t);
    m.containers.push_back(cm);
  }
  return m;
}

TEST(StandbyModel, FactorAddsStandbysThatRoundTrip) {
  auto m = TwoContainers();
  runtime::AddStandbyContainers(3, &m);
  ASSERT_EQ(m.containers.size(), 6u);
  EXPECT_EQ(m.ActiveContainerCount(), 2);
  EXPECT_EQ(m.TaskCount(), 2);
  EXPECT_EQ(m.containers[2].id, "0-standby-1");
  EXPECT_EQ(m.containers[3].id, "0-standby-2");
  EXPECT_EQ(m.containers[4].standby_of, "1");
  EXPECT_EQ(m.containers[4].tasks[0].name, "Partition 1");
  EXPECT_EQ(m.containers[4].tasks[0].changelog_partition, 1);
  auto back = runtime::JobModelFromJson(runtime::JobModelToJson(m));
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->containers.size(), 6u);
  EXPECT_EQ(back->containers[5].standby_of, "1");
  EXPECT_FALSE(back->containers[0].standby());

  auto one = TwoContainers();
  runtime::AddStandbyContainers(1, &one);
  EXPECT_EQ(one.containers.size(), 2u);
}

TEST(StandbyModel, BadStandbyOfAndBadFactorAreRefusedNamingThem) {
  auto m = TwoContainers();
  m.containers[1].standby_of = "7";
  auto r = runtime::JobModelFromJson(runtime::JobModelToJson(m));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("standby_of '7'"), std::string::npos) << r.status();

  EXPECT_EQ(*runtime::StandbyFactor({}), 1);
  EXPECT_EQ(*runtime::StandbyFactor({{"job.standbytasks.replication.factor", "3"}}), 3);
  for (std::string bad : {"0", "6", "two", "-1", ""}) {
    auto f = runtime::StandbyFactor({{"job.standbytasks.replication.factor", bad}});
    ASSERT_FALSE(f.ok()) << bad;
    EXPECT_NE(f.status().message().find("job.standbytasks.replication.factor='" + bad + "'"),
              std::string::npos)
        << f.status();
  }
}

TEST(StandbyPlacement, NeverWithItsActiveOrASiblingAndTakeoverFindsTheRunningStandby) {
  JobState j;
  auto m = TwoContainers();
  runtime::AddStandbyContainers(3, &m);
  ApplyModel(j, m);
  EXPECT_EQ(j.config["job.container.count"], "2");
  EXPECT_EQ(j.containers["0-standby-1"].standby_of, "0");
  j.containers["0"].node = "n0";
  j.containers["0"].state = "running";
  j.containers["0-standby-1"].node = "n1";
  j.containers["0-standby-1"].state = "running";
  j.containers["1"].node = "n2";
  j.containers["1"].state = "running";
  EXPECT_EQ(StandbyExcludedNodes(j, "0-standby-2"), (std::set<std::string>{"n0", "n1"}));
  EXPECT_EQ(StandbyExcludedNodes(j, "0-standby-1"), (std::set<std::string>{"n0"}));
  EXPECT_EQ(StandbyExcludedNodes(j, "1-standby-1"), (std::set<std::string>{"n2"}));
  EXPECT_EQ(StandbyExcludedNodes(j, "0"), (std::set<std::string>{"n1"}));

  // The active lost its node: its standbys avoid its last host, and it takes over n1.
  j.containers["0"].node.clear();
  j.containers["0"].state = "failed";
  j.containers["0"].last_host = "n0";
  EXPECT_EQ(StandbyExcludedNodes(j, "0-standby-2"), (std::set<std::string>{"n0", "n1"}));
  auto* s = TakeoverStandby(j, "0", [](const std::string& n) { return n == "n1"; });
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->id, "0-standby-1");
  EXPECT_EQ(TakeoverStandby(j, "0", [](const std::string&) { return false; }), nullptr);
  EXPECT_EQ(TakeoverStandby(j, "1", [](const std::string&) { return true; }), nullptr);

  auto why = StandbyWaitingReason(j.containers["0-standby-2"], {"n0", "n1"}, 2);
  EXPECT_NE(why.find("no alive node other than n0, n1"), std::string::npos) << why;
  EXPECT_EQ(StandbyNodeWarning("wc", 2, 2), "");
  EXPECT_NE(StandbyNodeWarning("wc", 3, 1).find("needs 3 nodes"), std::string::npos);
}

}  // namespace
}  // namespace eddy::cluster
