// PackageStore: the coordinator's job packages, one file per package named by its sha256
// (<dir>/<sha256>.tar.gz), written as the package streams in and read back in chunks, so the
// coordinator's memory does not grow with a package's size. A package larger than the limit
// (eddy-coordinator --max-package-bytes) is refused as soon as that is known — from the size
// the client declares, else when the bytes that arrived pass the limit — and its partial file
// is removed. Uploads in progress live in <dir>/tmp/ (emptied at Open: a crash leaves nothing).
// Used by ClusterManager and CoordinatorService (SubmitJob, GetPackage).
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "coordinator/common/sha256.h"

namespace eddy::cluster {

inline constexpr int64_t kDefaultMaxPackageBytes = int64_t{256} << 20;
inline constexpr size_t kPackageChunkBytes = 1 << 20;  // one gRPC message of a transfer

class PackageStore {
 public:
  static absl::StatusOr<std::unique_ptr<PackageStore>> Open(const std::string& dir,
                                                            int64_t max_bytes);
  int64_t max_bytes() const { return max_bytes_; }

  // One package arriving in chunks, written to a temp file and hashed as it goes. Destroying
  // an upload that was not committed removes its file.
  class Upload {
   public:
    ~Upload();
    // ResourceExhausted naming the sizes when the package passes the limit.
    absl::Status Append(std::string_view chunk);
    // Ends the upload: fsyncs the file and returns its sha256; InvalidArgument when
    // `expected_digest` is set and differs, or the size differs from the declared one.
    // Called again, returns the same digest.
    absl::StatusOr<std::string> Finish(const std::string& expected_digest);
    const std::string& path() const { return path_; }  // the temp file (valid until Commit)
    int64_t size() const { return size_; }

   private:
    friend class PackageStore;
    Upload(PackageStore* store, std::string path, std::FILE* f, int64_t declared);
    PackageStore* store_;
    std::string path_;
    std::FILE* f_;
    int64_t declared_, size_ = 0;
    Sha256 hash_;
    std::string digest_;
    bool committed_ = false;
  };

  // `declared_size` is what the client says it will send (< 0: unknown). ResourceExhausted
  // naming the size and the limit when it is over the limit; nothing is written then.
  absl::StatusOr<std::unique_ptr<Upload>> BeginUpload(int64_t declared_size);
  // Moves a finished upload into the store under its digest (atomic rename). Idempotent when
  // the package is already there.
  absl::Status Commit(Upload& upload);
  // The file of a stored package; NotFound naming the digest.
  absl::StatusOr<std::string> Path(const std::string& digest) const;
  // Stores `bytes` under its digest (the migration of packages kept in RocksDB by older
  // coordinators); ResourceExhausted over the limit.
  absl::Status Put(const std::string& digest, std::string_view bytes);
  absl::Status Remove(const std::string& digest);
  // Digests of every stored package.
  std::vector<std::string> List() const;

  // "209715200 bytes (200.0 MiB)".
  static std::string DescribeSize(int64_t bytes);

 private:
  PackageStore(std::string dir, int64_t max_bytes) : dir_(std::move(dir)), max_bytes_(max_bytes) {}
  absl::Status OverLimit(int64_t size, bool at_least) const;
  std::string dir_;
  int64_t max_bytes_;
};

}  // namespace eddy::cluster
