#include "runtime/job/grouper.h"

#include <gtest/gtest.h>

#include <set>

namespace eddy::runtime {
namespace {

std::vector<Ssp> Inputs() {
  return {
      {"eddy", "a", 0}, {"eddy", "a", 1}, {"eddy", "a", 2}, {"kafka", "b", 1}, {"kafka", "b", 0}};
}

TEST(GroupByPartition, PartitionNOfEveryInputGoesToTaskN) {
  auto tasks = GroupSsps(SspGrouper::kGroupByPartition, Inputs());
  ASSERT_EQ(tasks.size(), 3u);
  EXPECT_EQ(tasks[0].name, "Partition 0");
  EXPECT_EQ(tasks[0].inputs, (std::vector<Ssp>{{"eddy", "a", 0}, {"kafka", "b", 0}}));
  EXPECT_EQ(tasks[1].inputs, (std::vector<Ssp>{{"eddy", "a", 1}, {"kafka", "b", 1}}));
  EXPECT_EQ(tasks[2].inputs, (std::vector<Ssp>{{"eddy", "a", 2}}));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(tasks[i].changelog_partition, i);
}

TEST(GroupBySystemStreamPartition, OneTaskPerPartition) {
  auto tasks = GroupSsps(SspGrouper::kGroupBySystemStreamPartition, Inputs());
  ASSERT_EQ(tasks.size(), 5u);
  EXPECT_EQ(tasks[0].name, "SystemStreamPartition [eddy, a, 0]");
  EXPECT_EQ(tasks[4].name, "SystemStreamPartition [kafka, b, 1]");
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(tasks[i].inputs.size(), 1u);
    EXPECT_EQ(tasks[i].changelog_partition, i);
  }
}

TEST(GroupTasks, BalancedOverContainers) {
  auto tasks = GroupSsps(SspGrouper::kGroupBySystemStreamPartition, Inputs());
  auto cs = GroupTasks(tasks, 2);
  ASSERT_TRUE(cs.ok());
  ASSERT_EQ(cs->size(), 2u);
  EXPECT_EQ((*cs)[0].id, "0");
  EXPECT_EQ((*cs)[0].tasks.size(), 3u);
  EXPECT_EQ((*cs)[1].tasks.size(), 2u);
}

TEST(GroupTasks, BadCountsNameTheKey) {
  auto tasks = GroupSsps(SspGrouper::kGroupByPartition, Inputs());
  auto zero = GroupTasks(tasks, 0);
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.status().message().find("job.container.count"), std::string::npos);
  auto many = GroupTasks(tasks, 4);
  ASSERT_FALSE(many.ok());
  EXPECT_NE(many.status().message().find("job.container.count=4"), std::string::npos);
}

TEST(GroupTasksWithQueues, OneQueueTaskPerContainerPastThePartitionCount) {
  auto tasks = GroupSsps(SspGrouper::kGroupByPartition, {{"eddy", "a", 0}});
  auto cs = GroupTasksWithQueues(tasks, {{"eddy", "jobs", kQueuePartition}}, 3);
  ASSERT_TRUE(cs.ok()) << cs.status();
  ASSERT_EQ(cs->size(), 3u);
  EXPECT_EQ((*cs)[0].tasks.size(), 2u);  // Partition 0 and its queue task
  std::set<int32_t> partitions;
  for (size_t i = 0; i < 3; ++i) {
    const TaskModel& q = (*cs)[i].tasks.back();
    EXPECT_EQ(q.name, "Queue jobs " + std::to_string(i));
    EXPECT_EQ(q.inputs, (std::vector<Ssp>{{"eddy", "jobs", kQueuePartition}}));
    for (const auto& t : (*cs)[i].tasks) partitions.insert(t.changelog_partition);
  }
  EXPECT_EQ(partitions.size(), 4u) << "every task has its own changelog partition";
  // Only queues: any container count >= 1.
  auto only = GroupTasksWithQueues({}, {{"eddy", "jobs", kQueuePartition}}, 5);
  ASSERT_TRUE(only.ok());
  EXPECT_EQ(only->size(), 5u);
  EXPECT_FALSE(GroupTasksWithQueues({}, {{"eddy", "jobs", kQueuePartition}}, 0).ok());
  // No queues: GroupTasks' rules.
  EXPECT_FALSE(GroupTasksWithQueues(tasks, {}, 2).ok());
}

TEST(ParseSspGrouper, AcceptsSamzaClassNames) {
  EXPECT_EQ(*ParseSspGrouper(""), SspGrouper::kGroupByPartition);
  EXPECT_EQ(*ParseSspGrouper("org.apache.samza.container.grouper.stream.GroupByPartitionFactory"),
            SspGrouper::kGroupByPartition);
  EXPECT_EQ(*ParseSspGrouper(
                "org.apache.samza.container.grouper.stream.GroupBySystemStreamPartitionFactory"),
            SspGrouper::kGroupBySystemStreamPartition);
  auto bad = ParseSspGrouper("Nope");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("job.systemstreampartition.grouper.factory"),
            std::string::npos);
}

}  // namespace
}  // namespace eddy::runtime
