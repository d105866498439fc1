#include "log-store/kafka/response_sender.h"

#include <errno.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdint>

namespace eddy::kafka {
namespace {

// Writes iov[begin, end) fully, resuming after partial writes, in chunks of IOV_MAX. `more`:
// more bytes follow (MSG_MORE lets the kernel coalesce them with the next piece).
bool WriteVecFull(int fd, iovec* iov, size_t count, bool more) {
  size_t i = 0;
  while (i < count) {
    msghdr msg{};
    msg.msg_iov = iov + i;
    const size_t n_iov = std::min<size_t>(count - i, 1024);  // IOV_MAX on Linux
    msg.msg_iovlen = n_iov;
    const bool last_call = i + n_iov == count;
    ssize_t sent = ::sendmsg(fd, &msg, MSG_NOSIGNAL | (more || !last_call ? MSG_MORE : 0));
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    auto n = static_cast<size_t>(sent);
    while (i < count && n >= iov[i].iov_len) {
      n -= iov[i].iov_len;
      ++i;
    }
    if (n > 0) {
      iov[i].iov_base = static_cast<char*>(iov[i].iov_base) + n;
      iov[i].iov_len -= n;
    }
  }
  return true;
}

bool SendFileFull(int sock, int fd, uint64_t position, size_t length) {
  off_t off = static_cast<off_t>(position);
  size_t left = length;
  while (left > 0) {
    const ssize_t sent = ::sendfile(sock, fd, &off, std::min<size_t>(left, 1u << 30));
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;  // 0: the file ended early
    left -= static_cast<size_t>(sent);
  }
  return true;
}

}  // namespace

bool SendResponse(int sock, const Writer& w, SendScratch* scratch, size_t* bytes) {
  w.Gather(&scratch->iov, &scratch->files);
  *bytes = 0;
  for (const iovec& v : scratch->iov) *bytes += v.iov_len;
  std::vector<iovec>& iov = scratch->iov;
  size_t from = 0;
  for (const Writer::FilePiece& f : scratch->files) {
    if (f.iov_index > from && !WriteVecFull(sock, iov.data() + from, f.iov_index - from, true))
      return false;
    if (!SendFileFull(sock, f.fd, f.position, iov[f.iov_index].iov_len)) return false;
    from = f.iov_index + 1;
  }
  if (from < iov.size() && !WriteVecFull(sock, iov.data() + from, iov.size() - from, false))
    return false;
  return true;
}

}  // namespace eddy::kafka
