// CommitProtocol's start-time checks (no broker needed): the task writer's system and, in
// exactly_once, the changelog systems; errors name the config key.
#include "runtime/container/commit_protocol.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace eddy::runtime {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

Config::Map Base() {
  return {{"job.name", "wc"},
          {"job.id", "7"},
          {"task.class", "WordCount"},
          {"task.inputs", "eddy.lines"},
          {"systems.eddy.factory", "eddy"},
          {"systems.eddy.bootstrap.servers", "127.0.0.1:1"},
          {"systems.other.factory", "eddy"},
          {"systems.other.bootstrap.servers", "127.0.0.1:2"},
          {"systems.kafka.factory", "kafka"},
          {"systems.kafka.bootstrap.servers", "127.0.0.1:3"}};
}

absl::Status Check(Config::Map m) {
  auto job = ParseJobConfig(Config(std::move(m)), "/tmp", "/tmp");
  EXPECT_TRUE(job.ok()) << job.status();
  if (!job.ok()) return job.status();
  SystemsHub hub(job->systems);
  MetricsRegistry metrics;
  CheckpointStore cps(&hub, job->checkpoint_system, "__eddy_checkpoint_wc-7");
  CommitProtocol p(*job, &hub, &cps, &metrics);
  return p.CheckConfig();
}

TEST(CommitProtocol, TransactionalIdNamesJobAndTask) {
  auto job = ParseJobConfig(Config(Base()), "/tmp", "/tmp");
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(CommitProtocol::TransactionalId(*job, "Partition 3"), "eddy-wc-7-Partition 3");
}

TEST(CommitProtocol, WriterSystemMustBeEddyInEveryMode) {
  for (const char* g : {"exactly_once", "at_least_once"}) {
    auto m = Base();
    m["processing.guarantee"] = g;
    m["task.checkpoint.system"] = "kafka";
    EXPECT_THAT(std::string(Check(m).message()),
                AllOf(HasSubstr("task.checkpoint.system"), HasSubstr("kafka")))
        << g;
  }
}

TEST(CommitProtocol, ExactlyOnceNeedsChangelogsOnTheWritersLogStore) {
  auto m = Base();
  m["stores.counts.factory"] = "rocksdb";
  m["stores.counts.changelog"] = "eddy.counts-changelog";
  EXPECT_TRUE(Check(m).ok()) << Check(m);
  for (const char* sys : {"kafka", "other"}) {
    m["stores.counts.changelog"] = std::string(sys) + ".counts-changelog";
    EXPECT_THAT(std::string(Check(m).message()),
                AllOf(HasSubstr("stores.counts.changelog"), HasSubstr("processing.guarantee"),
                      HasSubstr(sys)))
        << sys;
  }
  m["processing.guarantee"] = "at_least_once";
  EXPECT_TRUE(Check(m).ok()) << Check(m);
}

// exactly_once: a send to a system outside the task writer's log store is refused (naming
// processing.guarantee and the system); at_least_once lets it through the shared producer.
TEST(CommitProtocol, ExactlyOnceRefusesOutputsOutsideTheWritersLogStore) {
  for (const char* g : {"exactly_once", "at_least_once"}) {
    auto m = Base();
    m["processing.guarantee"] = g;
    m["systems.same.factory"] = "eddy";
    m["systems.same.bootstrap.servers"] = "127.0.0.1:1";  // the writer's log store
    auto job = ParseJobConfig(Config(m), "/tmp", "/tmp");
    ASSERT_TRUE(job.ok()) << job.status();
    SystemsHub hub(job->systems);
    MetricsRegistry metrics;
    CheckpointStore cps(&hub, job->checkpoint_system, "__eddy_checkpoint_wc-7");
    CommitProtocol p(*job, &hub, &cps, &metrics);
    ASSERT_TRUE(hub.AddTaskWriter("Partition 0", "eddy", "eddy-wc-7-Partition 0").ok());
    EXPECT_TRUE(p.CheckOutput("eddy", "Partition 0").ok());
    EXPECT_TRUE(p.CheckOutput("same", "Partition 0").ok());
    EXPECT_TRUE(hub.SharesWriter("same", "Partition 0"));
    for (const char* sys : {"kafka", "other"}) {
      absl::Status s = p.CheckOutput(sys, "Partition 0");
      if (std::string(g) == "exactly_once") {
        EXPECT_THAT(std::string(s.message()),
                    AllOf(HasSubstr("processing.guarantee"), HasSubstr(sys)));
      } else {
        EXPECT_TRUE(s.ok()) << s;
      }
      EXPECT_FALSE(hub.SharesWriter(sys, "Partition 0"));
    }
  }
}

TEST(CommitProtocol, FencedErrorIsRecognized) {
  absl::Status s = TaskFencedError("Partition 0", absl::FailedPreconditionError("epoch 3 < 4"));
  EXPECT_TRUE(IsTaskFenced(s));
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("task Partition 0 was fenced by a newer attempt"));
  EXPECT_FALSE(IsTaskFenced(absl::InternalError("task Partition 0 was fenced")));
  EXPECT_NE(kExitFenced, 0);
  EXPECT_NE(kExitFenced, 1);
  EXPECT_NE(kExitFenced, 2);
}

}  // namespace
}  // namespace eddy::runtime
