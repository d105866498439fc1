// Integration: the enrich-join job. Profiles (a compacted topic) fill the job's logged store in a
// first run; a second run (a restarted container, store reused or restored) joins clicks with
// them: a known member's click carries its profile, an unknown member's click a null profile,
// and a deleted profile (tombstone) is gone.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>

#include "tests/integration/runtime/runtime_test_util.h"

namespace eddy::runtime::testing {
namespace {

int RunJob(const std::string& dir, const std::string& bootstrap) {
  std::string cmd = std::string(EDDY_BIN_DIR) + "/eddy-container run --config " + EDDY_SOURCE_DIR +
                    "/jobs/enrich-join/enrich-join.properties --work-dir " + dir +
                    "/work --until-caught-up --set systems.eddy.bootstrap.servers=" + bootstrap +
                    " --set task.library=" + EDDY_JOBS_DIR +
                    "/enrich-join/lib/libenrich-join.so > " + dir + "/out.txt 2>&1";
  return std::system(cmd.c_str());
}

TEST(EnrichJoin, ClicksCarryTheCurrentProfile) {
  std::string dir = MakeTempDir("eddy-enrich-");
  Logd logd;
  ASSERT_TRUE(logd.Start(dir + "/log", false).ok());
  logstore::ClientOptions co;
  co.bootstrap = logd.native;
  auto admin = logstore::AdminClient::Connect(co);
  ASSERT_TRUE(admin.ok());
  ASSERT_TRUE((*admin)->CreateTopic("profiles", 1, {{"cleanup.policy", "compact"}}).ok());
  ASSERT_TRUE((*admin)->CreateTopic("clicks", 1).ok());
  logstore::ProducerOptions po;
  po.client = co;
  {
    auto p = logstore::Producer::Create(po);
    ASSERT_TRUE(p.ok());
    ASSERT_TRUE(
        (*p)->Send("profiles", 0, std::string("m1"), std::string(R"({"name":"Ada"})")).ok());
    ASSERT_TRUE(
        (*p)->Send("profiles", 0, std::string("m2"), std::string(R"({"name":"Bob"})")).ok());
    ASSERT_TRUE((*p)->Send("profiles", 0, std::string("m2"), std::nullopt).ok());
    ASSERT_TRUE((*p)->Close().ok());
  }
  int st = RunJob(dir, logd.native);
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << st;
  {
    auto p = logstore::Producer::Create(po);
    ASSERT_TRUE(p.ok());
    for (const char* m : {"m1", "m2", "m3"}) {
      ASSERT_TRUE((*p)->Send("clicks", 0, std::string(m), std::string(R"({"url":"/home"})")).ok());
    }
    ASSERT_TRUE((*p)->Close().ok());
  }
  st = RunJob(dir, logd.native);
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << st;
  auto out = ReadLastValuesPerPartition(logd.native, "enriched-clicks");
  ASSERT_TRUE(out.ok()) << out.status();
  auto& o = (*out)[0];
  ASSERT_EQ(o.size(), 3u);
  EXPECT_NE(o["m1"].find(R"("profile":{"name":"Ada"})"), std::string::npos) << o["m1"];
  EXPECT_NE(o["m2"].find(R"("profile":null)"), std::string::npos) << o["m2"];
  EXPECT_NE(o["m3"].find(R"("profile":null)"), std::string::npos) << o["m3"];
  EXPECT_NE(o["m1"].find(R"("url":"/home")"), std::string::npos) << o["m1"];
  logd.proc.Stop(std::chrono::seconds(5));
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace eddy::runtime::testing
