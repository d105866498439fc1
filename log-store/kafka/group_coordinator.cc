#include "log-store/kafka/group_coordinator.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "absl/strings/str_cat.h"
#include "log-store/kafka/kafka_protocol.h"

namespace eddy::kafka {

GroupCoordinator::GroupCoordinator(const Options& options) : options_(options) {}

GroupCoordinator::~GroupCoordinator() { Stop(); }

void GroupCoordinator::Start() {
  timer_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      cv_.wait_for(lock, std::chrono::milliseconds(100));
      if (stopping_) break;
      lock.unlock();
      Tick();
      lock.lock();
    }
  });
}

void GroupCoordinator::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (timer_.joinable()) timer_.join();
}

const char* GroupCoordinator::StateName(State s) {
  switch (s) {
    case State::kEmpty:
      return "Empty";
    case State::kPreparingRebalance:
      return "PreparingRebalance";
    case State::kCompletingRebalance:
      return "CompletingRebalance";
    case State::kStable:
      return "Stable";
  }
  return "Dead";
}

void GroupCoordinator::StartRebalance(Group& g, Clock::time_point now) {
  int32_t timeout = 0;
  for (auto& [id, m] : g.members) {
    timeout = std::max(timeout, m.rebalance_timeout_ms);
    m.assignment.clear();
  }
  g.state = State::kPreparingRebalance;
  g.rebalance_deadline = now + std::chrono::milliseconds(timeout);
  if (g.initial_delay_until > now) g.initial_delay_until = now;
}

void GroupCoordinator::RemoveMember(Group& g, const std::string& member_id, const char* why,
                                    Clock::time_point now) {
  std::fprintf(stderr, "kafka: group %s: member %s removed (%s)\n", g.id.c_str(), member_id.c_str(),
               why);
  g.members.erase(member_id);
  if (g.leader == member_id) g.leader.clear();
  if (g.members.empty()) {
    g.state = State::kEmpty;
    ++g.generation;
    g.protocol.clear();
    return;
  }
  if (g.state == State::kStable || g.state == State::kCompletingRebalance) {
    StartRebalance(g, now);
  }
}

void GroupCoordinator::MaybeCompleteJoin(Group& g, Clock::time_point now) {
  if (g.state != State::kPreparingRebalance) return;
  bool all_joined = true;
  for (const auto& [id, m] : g.members) all_joined = all_joined && m.awaiting_join;
  const bool due = now >= g.rebalance_deadline;
  if (!((all_joined && now >= g.initial_delay_until) || due)) return;

  std::vector<std::string> late;
  for (const auto& [id, m] : g.members) {
    if (!m.awaiting_join) late.push_back(id);
  }
  for (const std::string& id : late) {
    std::fprintf(stderr, "kafka: group %s: member %s did not rejoin in time\n", g.id.c_str(),
                 id.c_str());
    g.members.erase(id);
    if (g.leader == id) g.leader.clear();
  }
  ++g.generation;
  if (g.members.empty()) {
    g.state = State::kEmpty;
    return;
  }
  if (g.leader.empty() || !g.members.count(g.leader)) g.leader = g.members.begin()->first;
  // The first protocol of the leader's preference list that every member offers.
  g.protocol.clear();
  for (const auto& [name, meta] : g.members.at(g.leader).protocols) {
    bool everyone = true;
    for (const auto& [id, m] : g.members) {
      everyone = everyone && std::any_of(m.protocols.begin(), m.protocols.end(),
                                         [&](const auto& p) { return p.first == name; });
    }
    if (everyone) {
      g.protocol = name;
      break;
    }
  }
  for (auto& [id, m] : g.members) {
    JoinResult res;
    res.member_id = id;
    res.generation = g.generation;
    res.leader = g.leader;
    if (g.protocol.empty()) {
      res.error = error::kInconsistentGroupProtocol;
    } else {
      res.protocol_name = g.protocol;
      if (id == g.leader) {
        for (const auto& [oid, om] : g.members) {
          for (const auto& [name, meta] : om.protocols) {
            if (name == g.protocol) res.members.emplace_back(oid, meta);
          }
        }
      }
    }
    m.join_result = std::move(res);
    m.awaiting_join = false;
    m.last_seen = now;
  }
  g.state = State::kCompletingRebalance;
  std::fprintf(stderr, "kafka: group %s: generation %d with %zu members, protocol %s, leader %s\n",
               g.id.c_str(), g.generation, g.members.size(), g.protocol.c_str(), g.leader.c_str());
}

GroupCoordinator::JoinResult GroupCoordinator::Join(const JoinGroupRequest& req,
                                                    const std::string& client_id,
                                                    const std::string& client_host) {
  JoinResult res;
  res.member_id = req.member_id;
  if (req.group_id.empty()) {
    res.error = error::kInvalidGroupId;
    return res;
  }
  if (req.session_timeout_ms < options_.min_session_timeout_ms ||
      req.session_timeout_ms > options_.max_session_timeout_ms) {
    res.error = error::kInvalidSessionTimeout;
    return res;
  }
  if (req.protocol_type.empty() || req.protocols.empty()) {
    res.error = error::kInconsistentGroupProtocol;
    return res;
  }
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) {
    res.error = error::kCoordinatorNotAvailable;
    return res;
  }
  const auto now = Clock::now();
  Group& g = groups_[req.group_id];
  g.id = req.group_id;
  if (g.state != State::kEmpty) {
    if (g.protocol_type != req.protocol_type) {
      res.error = error::kInconsistentGroupProtocol;
      return res;
    }
    // Some protocol of this member must be offered by every other member.
    bool common = false;
    for (const auto& [name, meta] : req.protocols) {
      bool everyone = true;
      for (const auto& [id, m] : g.members) {
        if (id == req.member_id) continue;
        everyone = everyone && std::any_of(m.protocols.begin(), m.protocols.end(),
                                           [&](const auto& p) { return p.first == name; });
      }
      common = common || everyone;
    }
    if (!common) {
      res.error = error::kInconsistentGroupProtocol;
      return res;
    }
  }
  std::string member_id = req.member_id;
  if (member_id.empty()) {
    member_id = absl::StrCat(client_id.empty() ? "member" : client_id, "-", ++next_member_, "-",
                             now.time_since_epoch().count() % 1000000007);
  } else if (!g.members.count(member_id)) {
    res.error = error::kUnknownMemberId;
    return res;
  }
  Member& m = g.members[member_id];
  m.id = member_id;
  m.client_id = client_id;
  m.client_host = client_host;
  m.session_timeout_ms = req.session_timeout_ms;
  m.rebalance_timeout_ms = req.rebalance_timeout_ms;
  m.protocols = req.protocols;
  m.last_seen = now;
  m.awaiting_join = true;
  m.join_result.reset();
  g.protocol_type = req.protocol_type;

  switch (g.state) {
    case State::kEmpty:
      StartRebalance(g, now);
      g.initial_delay_until = now + std::chrono::milliseconds(options_.initial_rebalance_delay_ms);
      g.rebalance_deadline = std::max(g.rebalance_deadline, g.initial_delay_until);
      break;
    case State::kStable:
    case State::kCompletingRebalance:
      StartRebalance(g, now);
      break;
    case State::kPreparingRebalance:
      break;
  }
  MaybeCompleteJoin(g, now);
  cv_.notify_all();

  ++m.in_call;
  const std::string group_id = req.group_id;
  auto member = [&]() -> Member* {
    auto git = groups_.find(group_id);
    if (git == groups_.end()) return nullptr;
    auto mit = git->second.members.find(member_id);
    return mit == git->second.members.end() ? nullptr : &mit->second;
  };
  cv_.wait(lock, [&] {
    Member* mm = member();
    return stopping_ || mm == nullptr || mm->join_result.has_value();
  });
  Member* mm = member();
  if (mm == nullptr) {
    res.error = error::kUnknownMemberId;
    return res;
  }
  --mm->in_call;
  if (!mm->join_result) {
    res.error = error::kCoordinatorNotAvailable;
    return res;
  }
  res = *mm->join_result;
  mm->last_seen = Clock::now();
  return res;
}

GroupCoordinator::SyncResult GroupCoordinator::Sync(const SyncGroupRequest& req) {
  SyncResult res;
  std::unique_lock<std::mutex> lock(mu_);
  auto git = groups_.find(req.group_id);
  if (git == groups_.end() || !git->second.members.count(req.member_id)) {
    res.error = error::kUnknownMemberId;
    return res;
  }
  Group& g = git->second;
  if (req.generation_id != g.generation) {
    res.error = error::kIllegalGeneration;
    return res;
  }
  const auto now = Clock::now();
  g.members[req.member_id].last_seen = now;
  switch (g.state) {
    case State::kPreparingRebalance:
    case State::kEmpty:
      res.error = error::kRebalanceInProgress;
      return res;
    case State::kStable:
      res.assignment = g.members[req.member_id].assignment;
      return res;
    case State::kCompletingRebalance:
      break;
  }
  if (req.member_id == g.leader) {
    for (auto& [id, m] : g.members) m.assignment.clear();
    for (const auto& [id, assignment] : req.assignments) {
      auto it = g.members.find(id);
      if (it != g.members.end()) it->second.assignment = assignment;
    }
    g.state = State::kStable;
    cv_.notify_all();
    res.assignment = g.members[req.member_id].assignment;
    return res;
  }
  const std::string group_id = req.group_id;
  const int32_t generation = req.generation_id;
  auto member = [&]() -> Member* {
    auto it = groups_.find(group_id);
    if (it == groups_.end()) return nullptr;
    auto mit = it->second.members.find(req.member_id);
    return mit == it->second.members.end() ? nullptr : &mit->second;
  };
  ++g.members[req.member_id].in_call;
  cv_.wait(lock, [&] {
    auto it = groups_.find(group_id);
    return stopping_ || member() == nullptr || it->second.generation != generation ||
           it->second.state != State::kCompletingRebalance;
  });
  Member* m = member();
  if (m == nullptr) {
    res.error = error::kUnknownMemberId;
    return res;
  }
  --m->in_call;
  m->last_seen = Clock::now();
  Group& g2 = groups_[group_id];
  if (stopping_) {
    res.error = error::kCoordinatorNotAvailable;
  } else if (g2.generation == generation && g2.state == State::kStable) {
    res.assignment = m->assignment;
  } else {
    res.error = error::kRebalanceInProgress;
  }
  return res;
}

int16_t GroupCoordinator::Heartbeat(const HeartbeatRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  auto git = groups_.find(req.group_id);
  if (git == groups_.end()) return error::kUnknownMemberId;
  Group& g = git->second;
  auto mit = g.members.find(req.member_id);
  if (mit == g.members.end()) return error::kUnknownMemberId;
  if (req.generation_id != g.generation) return error::kIllegalGeneration;
  mit->second.last_seen = Clock::now();
  if (g.state == State::kPreparingRebalance) return error::kRebalanceInProgress;
  return error::kNone;
}

int16_t GroupCoordinator::Leave(const LeaveGroupRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  auto git = groups_.find(req.group_id);
  if (git == groups_.end()) return error::kUnknownMemberId;
  Group& g = git->second;
  if (!g.members.count(req.member_id)) return error::kUnknownMemberId;
  const auto now = Clock::now();
  RemoveMember(g, req.member_id, "LeaveGroup", now);
  MaybeCompleteJoin(g, now);
  cv_.notify_all();
  return error::kNone;
}

int16_t GroupCoordinator::ValidateCommit(const std::string& group, int32_t generation,
                                         const std::string& member) {
  std::lock_guard<std::mutex> lock(mu_);
  auto git = groups_.find(group);
  const bool simple = generation < 0 && member.empty();
  if (git == groups_.end()) return simple ? error::kNone : error::kUnknownMemberId;
  Group& g = git->second;
  if (simple) return g.state == State::kEmpty ? error::kNone : error::kIllegalGeneration;
  auto mit = g.members.find(member);
  if (mit == g.members.end()) return error::kUnknownMemberId;
  if (generation != g.generation) return error::kIllegalGeneration;
  if (g.state == State::kCompletingRebalance) return error::kRebalanceInProgress;
  mit->second.last_seen = Clock::now();
  return error::kNone;
}

std::optional<GroupCoordinator::GroupDescription> GroupCoordinator::Describe(
    const std::string& group) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto git = groups_.find(group);
  if (git == groups_.end()) return std::nullopt;
  const Group& g = git->second;
  GroupDescription d;
  d.group_id = g.id;
  d.state = StateName(g.state);
  d.protocol_type = g.protocol_type;
  d.protocol =
      g.state == State::kStable || g.state == State::kCompletingRebalance ? g.protocol : "";
  for (const auto& [id, m] : g.members) {
    MemberDescription md{id, m.client_id, m.client_host, "", m.assignment};
    for (const auto& [name, meta] : m.protocols) {
      if (name == g.protocol) md.metadata = meta;
    }
    d.members.push_back(std::move(md));
  }
  return d;
}

std::vector<std::pair<std::string, std::string>> GroupCoordinator::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [id, g] : groups_) out.emplace_back(id, g.protocol_type);
  return out;
}

void GroupCoordinator::Tick() {
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = Clock::now();
  bool changed = false;
  for (auto& [gid, g] : groups_) {
    std::vector<std::string> expired;
    for (const auto& [id, m] : g.members) {
      if (m.in_call == 0 && !m.awaiting_join &&
          now - m.last_seen > std::chrono::milliseconds(m.session_timeout_ms)) {
        expired.push_back(id);
      }
    }
    for (const std::string& id : expired) RemoveMember(g, id, "session timeout", now);
    const State before = g.state;
    const int32_t gen = g.generation;
    MaybeCompleteJoin(g, now);
    changed = changed || !expired.empty() || before != g.state || gen != g.generation;
  }
  if (changed) cv_.notify_all();
}

}  // namespace eddy::kafka
