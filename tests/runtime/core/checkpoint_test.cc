#include "runtime/checkpoint/checkpoint.h"

#include <gtest/gtest.h>

namespace eddy::runtime {
namespace {

TEST(CheckpointJson, RoundTrip) {
  Checkpoint c;
  c.inputs[{"eddy", "lines", 3}] = 1234;
  c.inputs[{"kafka", "clicks", 0}] = 0;
  c.changelogs["counts"] = {{"eddy", "wc-changelog", 3}, 567};
  auto back = CheckpointFromJson(CheckpointToJson(c));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, c);
}

TEST(CheckpointJson, MalformedInputIsAnError) {
  EXPECT_FALSE(CheckpointFromJson("").ok());
  EXPECT_FALSE(CheckpointFromJson("null").ok());
  EXPECT_FALSE(CheckpointFromJson(R"({"version":1})").ok());
  EXPECT_FALSE(CheckpointFromJson(R"({"version":9,"inputs":[],"changelogs":{}})").ok());
  EXPECT_FALSE(
      CheckpointFromJson(
          R"({"version":1,"inputs":[{"system":"e","stream":"s","partition":"x","offset":1}],"changelogs":{}})")
          .ok());
}

TEST(CheckpointTopic, NamedForTheJob) {
  EXPECT_EQ(CheckpointTopic("wordcount", "1"), "__eddy_checkpoint_wordcount");
  EXPECT_EQ(CheckpointTopic("wordcount", "prod"), "__eddy_checkpoint_wordcount_prod");
}

}  // namespace
}  // namespace eddy::runtime
