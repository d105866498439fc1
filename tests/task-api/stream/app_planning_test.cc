// runtime/job/app_planning.h: describe + merge of a registered application, sizing and
// creating its intermediate streams.
#include "runtime/job/app_planning.h"

#include <gtest/gtest.h>

#include "stream_test_apps.h"

namespace eddy::stream::testing {
namespace {

class PlanningApp : public StreamApplication {
 public:
  absl::Status Describe(StreamAppDescriptor& app) override {
    auto in = app.GetInputStream<std::string, std::string>(Input("eddy", "lines"));
    in.PartitionBy([](const SKV& m) { return m.value; }, [](const SKV& m) { return m.key; }, "p")
        .Count("counts");
    return absl::OkStatus();
  }
};
EDDY_REGISTER_APP(PlanningApp);

std::map<std::string, std::string> User() {
  return {{"job.name", "wc"}, {"app.class", "PlanningApp"}, {"systems.eddy.factory", "eddy"}};
}

TEST(AppPlanning, DescribesAndMerges) {
  auto user = User();
  user["stores.counts.factory"] = "inmemory";
  auto plan = runtime::PlanApp(user, "/nonexistent");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->config.at("task.class"), "PlanningApp");
  EXPECT_EQ(plan->config.at("task.inputs"), "eddy.lines,eddy.wc-1-partition_by-p");
  EXPECT_EQ(plan->config.at("stores.counts.factory"), "inmemory");  // the user's value wins
  ASSERT_EQ(plan->notes.size(), 1u);
  EXPECT_NE(plan->notes[0].find("stores.counts.factory=inmemory kept"), std::string::npos);
  EXPECT_EQ(plan->generated.count("stores.counts.factory"), 0u);
  EXPECT_EQ(plan->generated.at("task.inputs"), "eddy.lines,eddy.wc-1-partition_by-p");
  // Planning the merged config again changes nothing (the container re-merges).
  auto again = runtime::PlanApp(plan->config, "/nonexistent");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->config, plan->config);
  EXPECT_TRUE(again->generated.empty());
}

TEST(AppPlanning, ErrorsNameTheKey) {
  auto user = User();
  user["task.class"] = "Other";
  auto p = runtime::PlanApp(user, "/x");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("task.class=Other"), std::string::npos);
  user = User();
  user["app.class"] = "NoSuchApp";
  p = runtime::PlanApp(user, "/x");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("task.library"), std::string::npos) << p.status();
  user["task.library"] = "libnothere.so";
  p = runtime::PlanApp(user, "/x");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("config key task.library: cannot load /x/libnothere.so"),
            std::string::npos)
      << p.status();
  user = User();
  user["task.inputs"] = "eddy.other";
  p = runtime::PlanApp(user, "/x");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("task.inputs=eddy.other"), std::string::npos);
  // Without app.class the config passes unchanged.
  auto plain = runtime::PlanApp({{"job.name", "x"}, {"task.class", "T"}}, "/x");
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->app_class.empty());
  EXPECT_TRUE(plain->generated.empty());
}

TEST(AppPlanning, IntermediatePartitionsAndCreation) {
  auto plan = runtime::PlanApp(User(), "/x");
  ASSERT_TRUE(plan.ok());
  std::map<std::string, int32_t> existing = {{"eddy.lines", 6}};
  runtime::PartitionCountFn count = [&](const std::string& sys,
                                        const std::string& s) -> absl::StatusOr<int32_t> {
    auto it = existing.find(sys + "." + s);
    if (it == existing.end()) return absl::NotFoundError(sys + "." + s);
    return it->second;
  };
  runtime::CreateStreamFn create = [&](const std::string& sys, const std::string& s,
                                       int32_t n) {
    existing[sys + "." + s] = n;
    return absl::OkStatus();
  };
  auto streams = runtime::ResolveIntermediatePartitions(*plan, count);
  ASSERT_TRUE(streams.ok()) << streams.status();
  ASSERT_EQ(streams->size(), 1u);
  EXPECT_EQ((*streams)[0].partitions, 6);  // the largest input's
  ASSERT_TRUE(runtime::CreateIntermediateStreams(*streams, count, create).ok());
  EXPECT_EQ(existing.at("eddy.wc-1-partition_by-p"), 6);
  ASSERT_TRUE(runtime::CreateIntermediateStreams(*streams, count, create).ok());  // exists: OK
  // job.intermediate.stream.partitions decides; an existing stream with another count is an
  // error naming it.
  plan->config["job.intermediate.stream.partitions"] = "3";
  streams = runtime::ResolveIntermediatePartitions(*plan, count);
  ASSERT_TRUE(streams.ok());
  EXPECT_EQ((*streams)[0].partitions, 3);
  absl::Status s = runtime::CreateIntermediateStreams(*streams, count, create);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("eddy.wc-1-partition_by-p exists with 6 partitions but the job "
                             "needs 3"),
            std::string::npos)
      << s;
  plan->config["job.intermediate.stream.partitions"] = "zero";
  EXPECT_FALSE(runtime::ResolveIntermediatePartitions(*plan, count).ok());
  // An input whose count is unknown is named.
  plan->config.erase("job.intermediate.stream.partitions");
  existing.clear();
  auto missing = runtime::ResolveIntermediatePartitions(*plan, count);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("input eddy.lines"), std::string::npos);
}

}  // namespace
}  // namespace eddy::stream::testing
