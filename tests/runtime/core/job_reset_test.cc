// Unit tests of issue 10's replay pieces that need no grid: the AppDescription JSON the package
// check child hands back (runtime/job/app_description_json.h), the reset flags
// (runtime/job/job_reset.h ParseResetSpec) and the local-store reset epoch
// (runtime/container/reset_epoch.h) on a real directory tree. The log-store side of a reset is
// tested end to end in tests/integration/replay.
#include "runtime/job/job_reset.h"

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/container/reset_epoch.h"
#include "runtime/job/app_description_json.h"

namespace eddy::runtime {
namespace {
namespace fs = std::filesystem;
using ::testing::HasSubstr;

TEST(AppDescriptionJson, RoundTrips) {
  AppDescription d;
  d.config["task.inputs"] = "eddy.in,eddy.j-1-x";
  d.config["stores.s.factory"] = "rocksdb";
  d.intermediate_streams.push_back({"eddy", "j-1-x", -1});
  d.intermediate_streams.push_back({"", "j-1-y", 8});
  auto back = AppDescriptionFromJson(AppDescriptionToJson(d));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->config, d.config);
  ASSERT_EQ(back->intermediate_streams.size(), 2u);
  EXPECT_EQ(back->intermediate_streams[0].stream, "j-1-x");
  EXPECT_EQ(back->intermediate_streams[0].partitions, -1);
  EXPECT_EQ(back->intermediate_streams[1].system, "");
  EXPECT_EQ(back->intermediate_streams[1].partitions, 8);
}

TEST(AppDescriptionJson, BadDocumentsNameTheProblem) {
  for (const char* bad : {"", "[]", "{\"config\":{}}", "{\"version\":2}",
                          "{\"version\":1,\"config\":[]}", "{\"version\":1,\"config\":{\"a\":1}}",
                          "{\"version\":1,\"intermediate_streams\":[{\"system\":\"eddy\"}]}",
                          "{\"version\":1,\"intermediate_streams\":[{\"stream\":\"x\","
                          "\"partitions\":\"4\"}]}",
                          "{\"version\":1,"}) {
    auto d = AppDescriptionFromJson(bad);
    EXPECT_FALSE(d.ok()) << bad;
    EXPECT_THAT(std::string(d.status().message()), HasSubstr("application description")) << bad;
  }
}

TEST(ParseResetSpec, FlagsAndTimes) {
  auto e = ParseResetSpec(true, "");
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->to_earliest);
  auto ms = ParseResetSpec(false, "1764619200000");
  ASSERT_TRUE(ms.ok());
  EXPECT_FALSE(ms->to_earliest);
  EXPECT_EQ(ms->timestamp_ms, 1764619200000);
  auto rfc = ParseResetSpec(false, "2025-12-01T20:00:00Z");
  ASSERT_TRUE(rfc.ok()) << rfc.status();
  EXPECT_EQ(rfc->timestamp_ms, 1764619200000);
  EXPECT_FALSE(ParseResetSpec(false, "").ok());
  EXPECT_FALSE(ParseResetSpec(true, "5").ok());
  auto bad = ParseResetSpec(false, "yesterday");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("--to-timestamp=yesterday"));
  EXPECT_FALSE(ParseResetSpec(false, "-5").ok());
}

class ResetEpochTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("eddy-reset-epoch-" + std::to_string(getpid()));
    fs::remove_all(base_);
    fs::create_directories(base_ / "counts" / "Partition_0.checkpoints" / "120");
    std::ofstream(base_ / "counts" / "Partition_0.checkpoints" / "120" / "OFFSET")
        << "offset=120\n";
    fs::create_directories(base_ / "other-job-store");
    job_.store_base_dir = base_.string();
    job_.stores.push_back(StoreConfig{"counts", "rocksdb", std::nullopt});
  }
  void TearDown() override { fs::remove_all(base_); }
  Config With(const std::string& epoch) { return Config(Config::Map{{"job.reset.epoch", epoch}}); }
  fs::path base_;
  JobConfig job_;
};

TEST_F(ResetEpochTest, NoEpochTouchesNothing) {
  ASSERT_TRUE(ApplyResetEpoch(job_, Config(Config::Map{}), nullptr).ok());
  ASSERT_TRUE(ApplyResetEpoch(job_, With("0"), nullptr).ok());
  EXPECT_TRUE(fs::exists(base_ / "counts" / "Partition_0.checkpoints" / "120" / "OFFSET"));
  EXPECT_FALSE(fs::exists(base_ / "RESET_EPOCH"));
}

TEST_F(ResetEpochTest, ANewerEpochRemovesTheJobsStoresOnce) {
  std::vector<std::string> lines;
  ASSERT_TRUE(ApplyResetEpoch(job_, With("1"), &lines).ok());
  EXPECT_FALSE(fs::exists(base_ / "counts"));
  EXPECT_TRUE(fs::exists(base_ / "other-job-store"));  // not a store of this job
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("store counts"));
  std::ifstream f(base_ / "RESET_EPOCH");
  int64_t seen = 0;
  f >> seen;
  EXPECT_EQ(seen, 1);
  // Same epoch again (a restart after the reset): the new local state is kept.
  fs::create_directories(base_ / "counts" / "Partition_0");
  lines.clear();
  ASSERT_TRUE(ApplyResetEpoch(job_, With("1"), &lines).ok());
  EXPECT_TRUE(fs::exists(base_ / "counts" / "Partition_0"));
  EXPECT_TRUE(lines.empty());
  // The next reset removes it again.
  ASSERT_TRUE(ApplyResetEpoch(job_, With("2"), &lines).ok());
  EXPECT_FALSE(fs::exists(base_ / "counts"));
}

TEST_F(ResetEpochTest, BadEpochNamesTheKey) {
  auto s = ApplyResetEpoch(job_, With("x"), nullptr);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("job.reset.epoch=x"));
}

}  // namespace
}  // namespace eddy::runtime
