#include "log-store/kafka/producer_state.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

#include "absl/strings/str_cat.h"

namespace eddy::kafka {
namespace {
constexpr int64_t kBlock = 1000;
}  // namespace

absl::StatusOr<std::unique_ptr<ProducerStateManager>> ProducerStateManager::Open(
    const std::string& state_file) {
  std::unique_ptr<ProducerStateManager> m(new ProducerStateManager(state_file));
  std::ifstream in(state_file);
  if (in) {
    int64_t hw = 0;
    if (!(in >> hw) || hw < 0) {
      return absl::DataLossError(absl::StrCat("producer id state file ", state_file,
                                              " is unreadable; remove it only ",
                                              "if no idempotent producer is running"));
    }
    m->next_id_ = hw;
    m->reserved_until_ = hw;
  }
  return m;
}

absl::Status ProducerStateManager::PersistHighWater(int64_t hw) {
  std::string tmp = state_file_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("open ", tmp, ": ", std::strerror(errno)));
  }
  std::string text = absl::StrCat(hw, "\n");
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), state_file_.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("write ", state_file_, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ProducerStateManager::NextProducerId() {
  std::lock_guard<std::mutex> lock(mu_);
  if (next_id_ >= reserved_until_) {
    int64_t hw = next_id_ + kBlock;
    if (absl::Status s = PersistHighWater(hw); !s.ok()) return s;
    reserved_until_ = hw;
  }
  return next_id_++;
}

}  // namespace eddy::kafka
