#include "coordinator/server/package_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "coordinator/common/fault_hooks.h"

namespace eddy::cluster {
namespace fs = std::filesystem;

std::string PackageStore::DescribeSize(int64_t bytes) {
  return absl::StrFormat("%d bytes (%.1f MiB)", bytes, static_cast<double>(bytes) / (1 << 20));
}

absl::StatusOr<std::unique_ptr<PackageStore>> PackageStore::Open(const std::string& dir,
                                                                 int64_t max_bytes) {
  std::error_code ec;
  fs::remove_all(fs::path(dir) / "tmp", ec);
  fs::create_directories(fs::path(dir) / "tmp", ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("package store ", dir, ": cannot create: ", ec.message()));
  }
  return std::unique_ptr<PackageStore>(new PackageStore(dir, max_bytes));
}

absl::Status PackageStore::OverLimit(int64_t size, bool at_least) const {
  return absl::ResourceExhaustedError(
      absl::StrCat("job package of ", at_least ? "more than " : "", DescribeSize(size),
                   " is over the coordinator's package size limit of ", DescribeSize(max_bytes_),
                   " (eddy-coordinator --max-package-bytes); nothing of it was kept"));
}

absl::StatusOr<std::unique_ptr<PackageStore::Upload>> PackageStore::BeginUpload(
    int64_t declared_size) {
  if (declared_size > max_bytes_) return OverLimit(declared_size, false);
  static std::atomic<int64_t> seq{0};
  std::string path =
      (fs::path(dir_) / "tmp" / absl::StrCat("upload-", getpid(), "-", seq.fetch_add(1))).string();
  std::FILE* f = std::fopen(path.c_str(), "wbx");
  if (!f) {
    return absl::InternalError(
        absl::StrCat("package store: cannot create ", path, ": ", std::strerror(errno)));
  }
  return std::unique_ptr<Upload>(new Upload(this, path, f, declared_size));
}

PackageStore::Upload::Upload(PackageStore* store, std::string path, std::FILE* f, int64_t declared)
    : store_(store), path_(std::move(path)), f_(f), declared_(declared) {}

PackageStore::Upload::~Upload() {
  if (f_) std::fclose(f_);
  if (!committed_) ::unlink(path_.c_str());
}

absl::Status PackageStore::Upload::Append(std::string_view chunk) {
  if (!f_) return absl::FailedPreconditionError("package upload already finished");
  size_ += static_cast<int64_t>(chunk.size());
  if (size_ > store_->max_bytes_) return store_->OverLimit(store_->max_bytes_, true);
  if (declared_ >= 0 && size_ > declared_) {
    return absl::InvalidArgumentError(
        absl::StrCat("job package: more than the declared ", declared_, " bytes arrived"));
  }
  if (FaultHooks::Fire("package.write")) {
    return absl::InternalError(
        absl::StrCat("package store: write ", path_, ": Input/output error (fault hook)"));
  }
  if (std::fwrite(chunk.data(), 1, chunk.size(), f_) != chunk.size()) {
    return absl::InternalError(
        absl::StrCat("package store: write ", path_, ": ", std::strerror(errno)));
  }
  hash_.Update(chunk);
  return absl::OkStatus();
}

absl::StatusOr<std::string> PackageStore::Upload::Finish(const std::string& expected) {
  if (!f_ && !digest_.empty()) {  // finished before
    if (!expected.empty() && expected != digest_) {
      return absl::InvalidArgumentError(
          absl::StrCat("package digest mismatch: sent ", expected, ", bytes hash to ", digest_));
    }
    return digest_;
  }
  if (!f_) return absl::FailedPreconditionError("package upload failed before it finished");
  if (declared_ >= 0 && size_ != declared_) {
    return absl::InvalidArgumentError(absl::StrCat("job package: ", size_,
                                                   " bytes arrived, the client declared ",
                                                   declared_, " (upload cut short?)"));
  }
  bool ok = std::fflush(f_) == 0 && ::fsync(fileno(f_)) == 0;
  int err = errno;
  std::fclose(f_);
  f_ = nullptr;
  if (!ok) {
    return absl::InternalError(
        absl::StrCat("package store: sync ", path_, ": ", std::strerror(err)));
  }
  digest_ = hash_.FinalHex();
  if (!expected.empty() && expected != digest_) {
    return absl::InvalidArgumentError(
        absl::StrCat("package digest mismatch: sent ", expected, ", bytes hash to ", digest_));
  }
  return digest_;
}

absl::Status PackageStore::Commit(Upload& u) {
  if (u.f_ || u.digest_.empty()) return absl::FailedPreconditionError("upload not finished");
  std::string dest = (fs::path(dir_) / (u.digest_ + ".tar.gz")).string();
  if (::rename(u.path_.c_str(), dest.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("package store: cannot move ", u.path_, " to ", dest,
                                            ": ", std::strerror(errno)));
  }
  u.committed_ = true;
  u.path_ = dest;
  int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> PackageStore::Path(const std::string& digest) const {
  std::error_code ec;
  std::string p = (fs::path(dir_) / (digest + ".tar.gz")).string();
  if (!IsSha256Hex(digest) || !fs::is_regular_file(p, ec)) {
    return absl::NotFoundError(absl::StrCat("package ", digest, " is unknown"));
  }
  return p;
}

absl::Status PackageStore::Put(const std::string& digest, std::string_view bytes) {
  auto u = BeginUpload(static_cast<int64_t>(bytes.size()));
  if (!u.ok()) return u.status();
  for (size_t at = 0; at < bytes.size(); at += kPackageChunkBytes) {
    if (auto s = (*u)->Append(bytes.substr(at, kPackageChunkBytes)); !s.ok()) return s;
  }
  auto d = (*u)->Finish(digest);
  if (!d.ok()) return d.status();
  return Commit(**u);
}

absl::Status PackageStore::Remove(const std::string& digest) {
  if (!IsSha256Hex(digest)) return absl::InvalidArgumentError("bad package digest " + digest);
  std::error_code ec;
  fs::remove(fs::path(dir_) / (digest + ".tar.gz"), ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("package store: cannot remove ", digest, ": ", ec.message()));
  }
  return absl::OkStatus();
}

std::vector<std::string> PackageStore::List() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    std::string n = e.path().filename().string();
    const std::string ext = ".tar.gz";
    if (n.size() == 64 + ext.size() && n.compare(64, ext.size(), ext) == 0 &&
        IsSha256Hex(n.substr(0, 64))) {
      out.push_back(n.substr(0, 64));
    }
  }
  return out;
}

}  // namespace eddy::cluster
