// OFFSET file: round trip, absent, malformed, and atomic replacement (a crash before the rename
// leaves the previous file intact).
#include "runtime/state/offset_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/runtime/state/temp_dir.h"

namespace eddy::state {
namespace {

TEST(OffsetFile, RoundTrip) {
  testing::TempDir dir;
  EXPECT_FALSE(ReadOffsetFile(dir.path())->has_value());
  StoreOffset o{"eddy.counts-changelog#3", 12345};
  ASSERT_TRUE(WriteOffsetFile(dir.path(), o).ok());
  auto back = ReadOffsetFile(dir.path());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(**back, o);
  ASSERT_TRUE(WriteOffsetFile(dir.path(), StoreOffset{o.changelog, 99999}).ok());
  EXPECT_EQ((*ReadOffsetFile(dir.path()))->offset, 99999);
}

TEST(OffsetFile, CrashBeforeRenameKeepsOldFile) {
  testing::TempDir dir;
  ASSERT_TRUE(WriteOffsetFile(dir.path(), StoreOffset{"eddy.c#0", 10}).ok());
  SetOffsetFileCrashBeforeRenameForTest(true);
  absl::Status s = WriteOffsetFile(dir.path(), StoreOffset{"eddy.c#0", 20});
  SetOffsetFileCrashBeforeRenameForTest(false);
  EXPECT_FALSE(s.ok());
  auto back = ReadOffsetFile(dir.path());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ((*back)->offset, 10) << "the old file is whole, never a mix";
  // The next write replaces the leftover temp file.
  ASSERT_TRUE(WriteOffsetFile(dir.path(), StoreOffset{"eddy.c#0", 30}).ok());
  EXPECT_EQ((*ReadOffsetFile(dir.path()))->offset, 30);
}

TEST(OffsetFile, MalformedIsDataLossNamingFile) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/OFFSET";
  for (const char* text : {"changelog=eddy.c#0\noffset=abc\n", "changelog=eddy.c#0\n", "garbage\n",
                           "offset=5\n", "changelog=x\noffset=-3\n"}) {
    { std::ofstream(path) << text; }
    auto r = ReadOffsetFile(dir.path());
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_NE(r.status().message().find(path), std::string::npos) << r.status();
  }
}

TEST(OffsetFile, WriteIntoMissingDirFailsNamingPath) {
  testing::TempDir dir;
  absl::Status s = WriteOffsetFile(dir.sub("missing"), StoreOffset{"x", 1});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("missing/OFFSET"), std::string::npos) << s;
}

}  // namespace
}  // namespace eddy::state
