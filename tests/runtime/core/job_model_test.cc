#include "runtime/job/job_model.h"

#include <gtest/gtest.h>

#include "runtime/job/grouper.h"

namespace eddy::runtime {
namespace {

TEST(JobModelJson, RoundTrip) {
  JobModel m;
  m.job_name = "wordcount";
  m.job_id = "2";
  auto tasks = GroupSsps(SspGrouper::kGroupByPartition,
                         {{"eddy", "lines", 0}, {"eddy", "lines", 1}, {"eddy", "lines", 2}});
  m.containers = *GroupTasks(tasks, 2);
  auto back = JobModelFromJson(JobModelToJson(m));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->job_name, "wordcount");
  EXPECT_EQ(back->job_id, "2");
  ASSERT_EQ(back->containers.size(), 2u);
  EXPECT_EQ(back->TaskCount(), 3);
  ASSERT_NE(back->FindContainer("1"), nullptr);
  EXPECT_EQ(back->FindContainer("1")->tasks[0].name, "Partition 1");
  EXPECT_EQ(back->FindContainer("1")->tasks[0].inputs[0], (Ssp{"eddy", "lines", 1}));
  EXPECT_EQ(back->FindContainer("0")->tasks[1].changelog_partition, 2);
  EXPECT_EQ(back->FindContainer("7"), nullptr);
}

TEST(JobModelJson, MalformedInputIsAnError) {
  EXPECT_FALSE(JobModelFromJson("").ok());
  EXPECT_FALSE(JobModelFromJson("{").ok());
  EXPECT_FALSE(JobModelFromJson("[]").ok());
  auto v = JobModelFromJson(R"({"version":2,"job":{"name":"x","id":"1"},"containers":[]})");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("version 2"), std::string::npos);
  auto missing = JobModelFromJson(
      R"({"version":1,"job":{"name":"x","id":"1"},"containers":[{"id":"0","tasks":[{"name":"t"}]}]})");
  EXPECT_FALSE(missing.ok());
}

}  // namespace
}  // namespace eddy::runtime
