// ShareSessionCache: the Kafka share sessions (KIP-932 ShareSessionEpoch) of the listener, one
// per (group, member): the partitions a member fetches, and the epoch its next request must
// carry. Private to log-store/kafka (share_apis.cc).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace eddy::kafka {

class ShareSessionCache {
 public:
  explicit ShareSessionCache(size_t max_sessions = 10000) : max_sessions_(max_sessions) {}

  // Applies one request of epoch `epoch`: 0 opens (or replaces) the session with `add`; -1
  // closes it (*parts gets what it held); otherwise `epoch` must be the session's next one, and
  // `add` joins, `forget` leaves. *parts is the session's partitions after the request. Returns
  // a Kafka error code: 0, SHARE_SESSION_NOT_FOUND (122: no session, or the cache is full on
  // open), INVALID_SHARE_SESSION_EPOCH (123).
  int16_t Update(const std::string& group, const std::string& member, int32_t epoch,
                 const std::vector<std::pair<std::string, int32_t>>& add,
                 const std::vector<std::pair<std::string, int32_t>>& forget,
                 std::vector<std::pair<std::string, int32_t>>* parts) {
    std::lock_guard<std::mutex> l(mu_);
    const auto key = std::make_pair(group, member);
    auto it = sessions_.find(key);
    if (epoch == 0) {
      if (it == sessions_.end() && sessions_.size() >= max_sessions_) return 122;
      Session& s = sessions_[key];
      s.parts.clear();
      s.parts.insert(add.begin(), add.end());
      s.next_epoch = 1;
      parts->assign(s.parts.begin(), s.parts.end());
      return 0;
    }
    if (it == sessions_.end()) return 122;
    if (epoch == -1) {
      parts->assign(it->second.parts.begin(), it->second.parts.end());
      sessions_.erase(it);
      return 0;
    }
    Session& s = it->second;
    if (epoch != s.next_epoch) return 123;
    s.next_epoch = epoch == INT32_MAX ? 1 : epoch + 1;
    for (const auto& p : forget) s.parts.erase(p);
    s.parts.insert(add.begin(), add.end());
    parts->assign(s.parts.begin(), s.parts.end());
    return 0;
  }

 private:
  struct Session {
    std::set<std::pair<std::string, int32_t>> parts;
    int32_t next_epoch = 1;
  };
  const size_t max_sessions_;
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, Session> sessions_;
};

}  // namespace eddy::kafka
