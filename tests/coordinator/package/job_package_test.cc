// Job package extraction and checks (coordinator/package/job_package.h): malicious archives are
// refused naming the entry and nothing is written outside the destination.
#include "coordinator/package/job_package.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/sysmacros.h>

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"

namespace eddy::cluster {
namespace {
namespace fs = std::filesystem;

struct Entry {
  std::string name, data;
  char type = 'f';
  std::string link;
};

std::string TarGz(const std::vector<Entry>& entries) {
  std::string out;
  archive* a = archive_write_new();
  archive_write_add_filter_gzip(a);
  archive_write_set_format_pax_restricted(a);
  archive_write_open(
      a, &out, nullptr,
      [](archive*, void* c, const void* b, size_t n) -> la_ssize_t {
        static_cast<std::string*>(c)->append(static_cast<const char*>(b), n);
        return static_cast<la_ssize_t>(n);
      },
      nullptr);
  for (const auto& e : entries) {
    archive_entry* en = archive_entry_new();
    archive_entry_set_pathname(en, e.name.c_str());
    archive_entry_set_perm(en, 0644);
    if (e.type == 'd') archive_entry_set_filetype(en, AE_IFDIR);
    if (e.type == 'l') {
      archive_entry_set_filetype(en, AE_IFLNK);
      archive_entry_set_symlink(en, e.link.c_str());
    }
    if (e.type == 'h') {
      archive_entry_set_filetype(en, AE_IFREG);
      archive_entry_set_hardlink(en, e.link.c_str());
    }
    if (e.type == 'b') {
      archive_entry_set_filetype(en, AE_IFBLK);
      archive_entry_set_rdev(en, makedev(8, 0));
    }
    if (e.type == 'f') {
      archive_entry_set_filetype(en, AE_IFREG);
      archive_entry_set_size(en, e.data.size());
    }
    archive_write_header(a, en);
    if (e.type == 'f') archive_write_data(a, e.data.data(), e.data.size());
    archive_entry_free(en);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

class JobPackageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("eddy-pkg-test-" + std::to_string(getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  std::vector<Entry> Good() {
    return {{"lib", "", 'd', ""},
            {"lib/libjob.so", "ELF", 'f', ""},
            {"config", "", 'd', ""},
            {"config/job.properties",
             "job.name=j\ntask.class=T\ntask.library=libjob.so\ntask.inputs=eddy.in\n", 'f', ""}};
  }
  fs::path root_;
};

TEST_F(JobPackageTest, GoodPackageExtractsAndPassesLayoutChecks) {
  std::string dest = (root_ / "x").string();
  ASSERT_TRUE(ExtractPackage(TarGz(Good()), dest).ok());
  auto cfg = ReadPackageConfig(dest);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->at("task.class"), "T");
  EXPECT_TRUE(CheckPackageLayout(dest, *cfg).ok());
  auto lib = ResolveTaskLibrary(dest, "libjob.so");
  ASSERT_TRUE(lib.ok());
  EXPECT_EQ(fs::path(*lib).filename(), "libjob.so");
}

TEST_F(JobPackageTest, MaliciousEntriesAreRefusedByName) {
  std::vector<Entry> bad = {{"../escape", "x", 'f', ""},
                            {"/abs/path", "x", 'f', ""},
                            {"lib/a/../../../up", "x", 'f', ""},
                            {"lib/link", "", 'l', "../../outside"},
                            {"lib/abslink", "", 'l', "/etc/passwd"},
                            {"lib/hard", "", 'h', "../../etc/passwd"},
                            {"lib/disk", "", 'b', ""}};
  for (const auto& b : bad) {
    auto entries = Good();
    entries.push_back(b);
    auto s = ExtractPackage(TarGz(entries), (root_ / "x").string());
    EXPECT_FALSE(s.ok()) << b.name;
    EXPECT_NE(std::string(s.message()).find(b.name), std::string::npos) << s.message();
  }
  EXPECT_FALSE(fs::exists(root_ / "escape"));
  EXPECT_FALSE(fs::exists(root_ / "outside"));
}

TEST_F(JobPackageTest, WritingThroughAnInnerSymlinkIsRefused) {
  auto entries = Good();
  entries.push_back({"lib/dir", "", 'l', "."});  // stays inside: allowed
  entries.push_back({"lib/dir/file", "x", 'f', ""});
  auto s = ExtractPackage(TarGz(entries), (root_ / "x").string());
  EXPECT_FALSE(s.ok());
  EXPECT_NE(std::string(s.message()).find("symlink"), std::string::npos) << s.message();
}

TEST_F(JobPackageTest, GarbageAndMissingPartsAreErrors) {
  EXPECT_FALSE(ExtractPackage("not a tarball at all", (root_ / "g").string()).ok());
  std::string dest = (root_ / "nolib").string();
  ASSERT_TRUE(ExtractPackage(TarGz({{"config", "", 'd', ""},
                                    {"config/a.properties", "job.name=j\n", 'f', ""}}),
                             dest).ok());
  auto cfg = ReadPackageConfig(dest);
  ASSERT_TRUE(cfg.ok());
  auto s = CheckPackageLayout(dest, *cfg);
  EXPECT_NE(std::string(s.message()).find("lib/"), std::string::npos) << s.message();
  std::string d2 = (root_ / "nokey").string();
  auto e = Good();
  e[3].data = "job.name=j\ntask.library=libjob.so\ntask.inputs=eddy.in\n";
  ASSERT_TRUE(ExtractPackage(TarGz(e), d2).ok());
  s = CheckPackageLayout(d2, *ReadPackageConfig(d2));
  EXPECT_NE(std::string(s.message()).find("task.class"), std::string::npos) << s.message();
  EXPECT_FALSE(ResolveTaskLibrary(d2, "/usr/lib/libc.so.6").ok());
  EXPECT_FALSE(ResolveTaskLibrary(d2, "libmissing.so").ok());
  EXPECT_FALSE(ReadPackageConfig((root_ / "none").string()).ok());
}

}  // namespace
}  // namespace eddy::cluster
