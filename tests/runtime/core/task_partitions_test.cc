// The stored task → changelog-partition map (runtime/job/task_partitions.h): a changed input
// set never renumbers a known task; new tasks get the next free partitions; vanished tasks keep
// theirs; the JSON codec rejects what would hand two tasks one partition.
#include "runtime/job/task_partitions.h"

#include <gtest/gtest.h>

#include "runtime/job/grouper.h"

namespace eddy::runtime {
namespace {

JobModel Plan(SspGrouper g, const std::vector<Ssp>& ssps, int32_t containers) {
  JobModel m;
  m.job_name = "wc";
  auto cs = GroupTasks(GroupSsps(g, ssps), containers);
  EXPECT_TRUE(cs.ok()) << cs.status();
  m.containers = *cs;
  return m;
}

std::vector<Ssp> Stream(const std::string& s, int n) {
  std::vector<Ssp> out;
  for (int p = 0; p < n; ++p) out.push_back({"eddy", s, p});
  return out;
}

std::string Ssp3(const std::string& s, int p) {
  return "SystemStreamPartition [eddy, " + s + ", " + std::to_string(p) + "]";
}

TEST(TaskPartitions, FirstPlanKeepsTheGroupersNumbering) {
  JobModel m = Plan(SspGrouper::kGroupByPartition, Stream("lines", 4), 2);
  TaskPartitions out;
  auto ch = KeepChangelogPartitions({}, &m, &out);
  EXPECT_TRUE(ch.first_plan);
  EXPECT_TRUE(ch.Describe("wc").empty());
  EXPECT_EQ(out,
            (TaskPartitions{
                {"Partition 0", 0}, {"Partition 1", 1}, {"Partition 2", 2}, {"Partition 3", 3}}));
}

// The bug of issue 8: with GroupBySystemStreamPartition a new input stream that sorts first
// used to shift every task's changelog partition by its partition count.
TEST(TaskPartitions, NewStreamSortingFirstDoesNotRenumberKnownTasks) {
  JobModel first = Plan(SspGrouper::kGroupBySystemStreamPartition, Stream("lines", 4), 1);
  TaskPartitions known;
  KeepChangelogPartitions({}, &first, &known);
  ASSERT_EQ(known.at(Ssp3("lines", 0)), 0);

  auto ssps = Stream("lines", 6);  // grown from 4 to 6
  for (const auto& s : Stream("aaa", 2)) ssps.push_back(s);
  JobModel next = Plan(SspGrouper::kGroupBySystemStreamPartition, ssps, 3);
  // What the groupers alone say: aaa sorts first and takes 0 and 1.
  ASSERT_EQ(next.containers[0].tasks[0].name, Ssp3("aaa", 0));
  ASSERT_EQ(next.containers[0].tasks[0].changelog_partition, 0);
  TaskPartitions out;
  auto ch = KeepChangelogPartitions(known, &next, &out);
  TaskPartitions got = TaskPartitionsOf(next);
  for (int p = 0; p < 4; ++p) EXPECT_EQ(got.at(Ssp3("lines", p)), p) << p;
  // New tasks in the groupers' order after the highest known partition.
  EXPECT_EQ(got.at(Ssp3("aaa", 0)), 4);
  EXPECT_EQ(got.at(Ssp3("aaa", 1)), 5);
  EXPECT_EQ(got.at(Ssp3("lines", 4)), 6);
  EXPECT_EQ(got.at(Ssp3("lines", 5)), 7);
  EXPECT_EQ(out, got);
  EXPECT_FALSE(ch.first_plan);
  ASSERT_EQ(ch.added.size(), 4u);
  EXPECT_TRUE(ch.vanished.empty());
  auto lines = ch.Describe("wc");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("4 new task(s) get new changelog partitions"), std::string::npos)
      << lines[0];
  EXPECT_NE(lines[0].find("'" + Ssp3("lines", 5) + "' -> 7"), std::string::npos) << lines[0];

  // Planning the same inputs again changes nothing.
  JobModel again = Plan(SspGrouper::kGroupBySystemStreamPartition, ssps, 2);
  TaskPartitions out2;
  auto ch2 = KeepChangelogPartitions(out, &again, &out2);
  EXPECT_TRUE(ch2.empty());
  EXPECT_EQ(out2, out);
  EXPECT_EQ(TaskPartitionsOf(again), out);
}

TEST(TaskPartitions, VanishedTasksKeepTheirPartitionsAndAreReported) {
  auto ssps = Stream("aaa", 2);
  for (const auto& s : Stream("lines", 3)) ssps.push_back(s);
  JobModel first = Plan(SspGrouper::kGroupBySystemStreamPartition, ssps, 1);
  TaskPartitions known;
  KeepChangelogPartitions({}, &first, &known);  // aaa 0,1; lines 2,3,4
  // The aaa input is dropped, then a new stream is added: it must not get 0 or 1.
  auto next_ssps = Stream("lines", 3);
  for (const auto& s : Stream("bbb", 1)) next_ssps.push_back(s);
  JobModel next = Plan(SspGrouper::kGroupBySystemStreamPartition, next_ssps, 2);
  TaskPartitions out;
  auto ch = KeepChangelogPartitions(known, &next, &out);
  auto got = TaskPartitionsOf(next);
  EXPECT_EQ(got.at(Ssp3("lines", 0)), 2);
  EXPECT_EQ(got.at(Ssp3("lines", 2)), 4);
  EXPECT_EQ(got.at(Ssp3("bbb", 0)), 5);
  EXPECT_EQ(out.at(Ssp3("aaa", 0)), 0) << "a vanished task keeps its entry";
  EXPECT_EQ(out.size(), 6u);
  ASSERT_EQ(ch.vanished.size(), 2u);
  auto lines = ch.Describe("wc");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[1].find("2 task(s) no longer have an input partition"), std::string::npos)
      << lines[1];
  EXPECT_NE(lines[1].find("their state is kept"), std::string::npos) << lines[1];

  // The input comes back: its tasks get their old partitions, so their old state.
  JobModel back = Plan(SspGrouper::kGroupBySystemStreamPartition, ssps, 1);
  TaskPartitions out2;
  auto ch2 = KeepChangelogPartitions(out, &back, &out2);
  EXPECT_EQ(TaskPartitionsOf(back).at(Ssp3("aaa", 1)), 1);
  EXPECT_TRUE(ch2.added.empty());
  EXPECT_EQ(ch2.vanished.size(), 1u);  // bbb
}

TEST(TaskPartitions, JsonRoundTripAndBadInput) {
  TaskPartitions m{{"Partition 0", 0}, {"Partition 1", 3}};
  auto back = TaskPartitionsFromJson(TaskPartitionsToJson(m));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, m);
  for (const char* bad :
       {R"({"version":2,"tasks":{}})", R"({"version":1})", R"({"version":1,"tasks":{"a":-1}})",
        R"({"version":1,"tasks":{"a":1,"b":1}})", R"({"version":1,"tasks":{"a":"x"}})",
        "not json"}) {
    auto r = TaskPartitionsFromJson(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("task partitions"), std::string::npos) << r.status();
  }
  auto dup = TaskPartitionsFromJson(R"({"version":1,"tasks":{"a":1,"b":1}})");
  EXPECT_NE(dup.status().message().find("uses partition 1 of another task"), std::string::npos)
      << dup.status();
}

}  // namespace
}  // namespace eddy::runtime
