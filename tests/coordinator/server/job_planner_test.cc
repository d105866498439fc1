// The coordinator's planner (coordinator/server/job_planner.h) with queue inputs: no partitions
// to look up, one queue task per container, any container count (`eddy job scale` adds
// consumers past the partition count).
#include "coordinator/server/job_planner.h"

#include <gtest/gtest.h>

#include "runtime/job/grouper.h"

namespace eddy::cluster {
namespace {

TEST(JobPlanner, QueueInputsGetOneTaskPerContainer) {
  std::map<std::string, std::string> config = {{"job.name", "copier"},
                                               {"task.inputs", "eddy.jobs"},
                                               {"systems.eddy.factory", "eddy"},
                                               {"systems.eddy.streams.jobs.share.group", "workers"},
                                               {"job.container.count", "3"}};
  auto m = PlanJob(config, -1);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->containers.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_EQ(m->containers[i].tasks.size(), 1u);
    const auto& t = m->containers[i].tasks[0];
    EXPECT_EQ(t.name, "Queue jobs " + std::to_string(i));
    ASSERT_EQ(t.inputs.size(), 1u);
    EXPECT_EQ(t.inputs[0].partition, runtime::kQueuePartition);
  }
  auto scaled = PlanJob(config, 7);  // eddy job scale copier 7
  ASSERT_TRUE(scaled.ok()) << scaled.status();
  EXPECT_EQ(scaled->TaskCount(), 7);
}

}  // namespace
}  // namespace eddy::cluster
