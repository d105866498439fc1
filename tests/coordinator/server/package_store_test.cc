// PackageStore: a package over the limit is refused naming its size and the limit, whether the
// client declared its size or not, and nothing of it stays on disk.
#include "coordinator/server/package_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "coordinator/common/fault_hooks.h"

namespace eddy::cluster {
namespace {
namespace fs = std::filesystem;

class PackageStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/eddy-pkgstore-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto s = PackageStore::Open(dir_, 1 << 20);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
  }
  void TearDown() override {
    FaultHooks::DisarmAll();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  size_t FilesOnDisk() {
    size_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir_)) n += e.is_regular_file();
    return n;
  }
  std::string dir_;
  std::unique_ptr<PackageStore> store_;
};

TEST_F(PackageStoreTest, DeclaredSizeOverTheLimitIsRefusedBeforeAnythingIsWritten) {
  auto u = store_->BeginUpload(200 << 20);
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(u.status().message().find("209715200 bytes (200.0 MiB)"), std::string::npos)
      << u.status();
  EXPECT_NE(u.status().message().find("1048576 bytes (1.0 MiB)"), std::string::npos) << u.status();
  EXPECT_NE(u.status().message().find("--max-package-bytes"), std::string::npos);
  EXPECT_EQ(FilesOnDisk(), 0u);
}

TEST_F(PackageStoreTest, BytesPastTheLimitAreRefusedAndThePartialFileRemoved) {
  auto u = store_->BeginUpload(-1);  // size not declared
  ASSERT_TRUE(u.ok());
  std::string chunk(256 << 10, 'x');
  absl::Status s;
  for (int i = 0; i < 8 && s.ok(); ++i) s = (*u)->Append(chunk);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("1048576 bytes"), std::string::npos) << s;
  u->reset();
  EXPECT_EQ(FilesOnDisk(), 0u);
  EXPECT_TRUE(store_->List().empty());
}

TEST_F(PackageStoreTest, AcceptedPackageIsStoredUnderItsDigest) {
  auto u = store_->BeginUpload(6);
  ASSERT_TRUE(u.ok());
  ASSERT_TRUE((*u)->Append("abc").ok());
  ASSERT_TRUE((*u)->Append("def").ok());
  auto d = (*u)->Finish(Sha256Hex("abcdef"));
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_TRUE(store_->Commit(**u).ok());
  u->reset();
  ASSERT_EQ(store_->List(), std::vector<std::string>{*d});
  auto p = store_->Path(*d);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(fs::file_size(*p), 6u);
  EXPECT_FALSE(store_->Path(std::string(64, '0')).ok());
}

TEST_F(PackageStoreTest, WrongDigestOrShortUploadOrFailedWriteKeepsNothing) {
  auto u = store_->BeginUpload(3);
  ASSERT_TRUE((*u)->Append("abc").ok());
  EXPECT_FALSE((*u)->Finish(std::string(64, 'a')).ok());
  u->reset();
  auto v = store_->BeginUpload(10);
  ASSERT_TRUE((*v)->Append("abc").ok());
  auto f = (*v)->Finish("");
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("declared 10"), std::string::npos) << f.status();
  v->reset();
  FaultHooks::Arm("package.write");
  auto w = store_->BeginUpload(3);
  EXPECT_FALSE((*w)->Append("abc").ok());
  w->reset();
  EXPECT_EQ(FilesOnDisk(), 0u);
}

}  // namespace
}  // namespace eddy::cluster
