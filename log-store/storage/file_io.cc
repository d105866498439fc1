// POSIX helpers for the storage engine.
#include "log-store/storage/file_io.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"

namespace eddy::logstore::fileio {

absl::Status ErrnoStatus(int err, std::string_view what, std::string_view path) {
  std::string msg =
      absl::StrCat(std::string(what), " ", std::string(path), ": ", std::strerror(err));
  if (err == ENOSPC || err == EDQUOT) return absl::ResourceExhaustedError(msg);
  if (err == ENOENT) return absl::NotFoundError(msg);
  return absl::InternalError(msg);
}

absl::StatusOr<int> OpenFile(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus(errno, "open", path);
  return fd;
}

absl::Status PwritevAll(int fd, const struct iovec* iov_in, int n, uint64_t offset,
                        const std::string& path) {
  // Copy only when a partial write forces us to adjust an entry.
  std::vector<struct iovec> local;
  const struct iovec* iov = iov_in;
  int left = n;
  while (left > 0) {
    const int chunk = left < IOV_MAX ? left : IOV_MAX;
    const ssize_t w = ::pwritev(fd, iov, chunk, static_cast<off_t>(offset));
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "write", path);
    }
    offset += static_cast<uint64_t>(w);
    size_t done = static_cast<size_t>(w);
    while (left > 0 && done >= iov->iov_len) {
      done -= iov->iov_len;
      ++iov;
      --left;
    }
    if (left > 0 && done > 0) {
      local.assign(iov, iov + left);
      local[0].iov_base = static_cast<char*>(local[0].iov_base) + done;
      local[0].iov_len -= done;
      iov = local.data();
    } else if (w == 0 && left > 0) {
      return ErrnoStatus(EIO, "write (no progress)", path);
    }
  }
  return absl::OkStatus();
}

absl::Status PwriteAll(int fd, const char* data, size_t n, uint64_t offset,
                       const std::string& path) {
  struct iovec v {
    const_cast<char*>(data), n
  };
  return PwritevAll(fd, &v, 1, offset, path);
}

absl::StatusOr<size_t> PreadUpTo(int fd, char* out, size_t n, uint64_t offset,
                                 const std::string& path) {
  size_t got = 0;
  while (got < n) {
    const ssize_t r = ::pread(fd, out + got, n - got, static_cast<off_t>(offset + got));
    if (r < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "read", path);
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  return got;
}

absl::StatusOr<uint64_t> FileSize(int fd, const std::string& path) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return ErrnoStatus(errno, "stat", path);
  return static_cast<uint64_t>(st.st_size);
}

absl::Status SyncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "open dir", dir);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return ErrnoStatus(err, "fsync dir", dir);
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  auto fd = OpenFile(path, O_RDONLY);
  if (!fd.ok()) return fd.status();
  std::string out;
  auto size = FileSize(*fd, path);
  if (!size.ok()) {
    ::close(*fd);
    return size.status();
  }
  out.resize(*size);
  auto got = PreadUpTo(*fd, out.data(), out.size(), 0, path);
  ::close(*fd);
  if (!got.ok()) return got.status();
  out.resize(*got);
  return out;
}

absl::Status WriteFileAtomic(const std::string& path, std::string_view data) {
  const std::string tmp = path + ".tmp";
  auto fd = OpenFile(tmp, O_WRONLY | O_CREAT | O_TRUNC);
  if (!fd.ok()) return fd.status();
  absl::Status st = PwriteAll(*fd, data.data(), data.size(), 0, tmp);
  if (st.ok() && ::fdatasync(*fd) != 0) st = ErrnoStatus(errno, "fsync", tmp);
  ::close(*fd);
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return st;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return ErrnoStatus(errno, "rename", tmp);
  return SyncDir(std::filesystem::path(path).parent_path().string());
}

}  // namespace eddy::logstore::fileio
