// StoreCheckpoints: RocksDB checkpoints per commit, kept under <store dir>.checkpoints/.
#include "runtime/state/store_checkpoints.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>

#include "runtime/state/rocksdb_store.h"

namespace eddy::state {
namespace fs = std::filesystem;
namespace {

std::atomic<bool> g_crash_before_rename{false};

absl::Status FsyncDir(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return absl::UnavailableError("cannot open " + path + ": " + std::strerror(errno));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return absl::UnavailableError("cannot fsync " + path + ": " + std::strerror(errno));
  return absl::OkStatus();
}

std::optional<int64_t> ParseOffset(const std::string& name) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(name.data(), name.data() + name.size(), v);
  if (ec != std::errc() || p != name.data() + name.size() || v < 0) return std::nullopt;
  return v;
}

absl::Status FsError(const std::string& what, const std::string& path, const std::error_code& ec) {
  return absl::UnavailableError(what + " " + path + ": " + ec.message());
}

}  // namespace

void SetStoreCheckpointCrashBeforeRenameForTest(bool crash) { g_crash_before_rename = crash; }

StoreCheckpoints::StoreCheckpoints(std::string store_dir, int keep)
    : root_(RootFor(store_dir)), keep_(std::max(1, keep)) {}

std::vector<int64_t> StoreCheckpoints::List() const {
  std::vector<int64_t> out;
  std::error_code ec;
  if (!fs::exists(root_, ec)) return out;
  for (const auto& e : fs::directory_iterator(root_, ec)) {
    if (auto o = ParseOffset(e.path().filename().string())) out.push_back(*o);
  }
  std::sort(out.begin(), out.end());
  return out;
}

absl::Status StoreCheckpoints::Create(RocksDbStore* store, const StoreOffset& offset) {
  std::error_code ec;
  const std::string final_path = Path(offset.offset);
  if (fs::exists(final_path, ec)) return absl::OkStatus();
  fs::create_directories(root_, ec);
  if (ec) return FsError("cannot create checkpoint directory", root_, ec);
  const std::string tmp = root_ + "/tmp-" + std::to_string(offset.offset);
  fs::remove_all(tmp, ec);
  fs::remove_all(tmp + ".tmp", ec);  // rocksdb's own staging name
  if (absl::Status s = store->CreateCheckpoint(tmp); !s.ok()) return s;
  if (absl::Status s = WriteOffsetFile(tmp, offset); !s.ok()) return s;
  if (g_crash_before_rename) {
    return absl::InternalError("store checkpoint " + tmp + ": crash before rename (test hook)");
  }
  fs::rename(tmp, final_path, ec);
  if (ec) return FsError("cannot rename " + tmp + " to", final_path, ec);
  if (absl::Status s = FsyncDir(root_); !s.ok()) return s;
  std::vector<int64_t> all = List();
  for (size_t i = 0; i + static_cast<size_t>(keep_) < all.size(); ++i) {
    fs::remove_all(Path(all[i]), ec);
    if (ec) return FsError("cannot remove old checkpoint", Path(all[i]), ec);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<StoreOffset>> StoreCheckpoints::Usable(const std::string& changelog,
                                                                    int64_t min_offset,
                                                                    int64_t max_offset) {
  std::error_code ec;
  if (!fs::exists(root_, ec)) return std::optional<StoreOffset>();
  for (const auto& e : fs::directory_iterator(root_, ec)) {
    if (!ParseOffset(e.path().filename().string())) {
      std::error_code ec2;
      fs::remove_all(e.path(), ec2);  // tmp-<offset>: a commit that crashed half-way
    }
  }
  std::optional<StoreOffset> best;
  std::vector<int64_t> all = List();
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    if (*it > max_offset) {
      // Ahead of the task checkpoint: holds writes the checkpointed input never saw.
      fs::remove_all(Path(*it), ec);
      if (ec) return FsError("cannot remove checkpoint ahead of the task checkpoint", Path(*it), ec);
      continue;
    }
    if (best || *it < min_offset) continue;
    absl::StatusOr<std::optional<StoreOffset>> f = ReadOffsetFile(Path(*it));
    if (!f.ok() || !f->has_value() || (*f)->changelog != changelog || (*f)->offset != *it) {
      continue;  // unreadable or of another changelog: not usable (removed by a later commit)
    }
    best = **f;
  }
  return best;
}

absl::Status StoreCheckpoints::RestoreInto(int64_t offset, const std::string& store_dir) const {
  const std::string src = Path(offset);
  std::error_code ec;
  fs::remove_all(store_dir, ec);
  if (ec) return FsError("cannot wipe store directory", store_dir, ec);
  fs::create_directories(store_dir, ec);
  if (ec) return FsError("cannot create store directory", store_dir, ec);
  for (const auto& e : fs::directory_iterator(src, ec)) {
    const std::string name = e.path().filename().string();
    if (name == kOffsetFileName) continue;
    const fs::path dst = fs::path(store_dir) / name;
    if (e.path().extension() == ".sst") {
      fs::create_hard_link(e.path(), dst, ec);
      if (!ec) continue;
      ec.clear();  // another file system: copy
    }
    fs::copy_file(e.path(), dst, fs::copy_options::overwrite_existing, ec);
    if (ec) return FsError("cannot copy " + e.path().string() + " to", dst.string(), ec);
  }
  if (ec) return FsError("cannot list checkpoint", src, ec);
  return FsyncDir(store_dir);
}

absl::Status StoreCheckpoints::RemoveAll() {
  std::error_code ec;
  fs::remove_all(root_, ec);
  if (ec) return FsError("cannot remove checkpoints", root_, ec);
  return absl::OkStatus();
}

}  // namespace eddy::state
