#include "log-store/kafka/group_coordinator.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "absl/strings/str_cat.h"
#include "log-store/kafka/kafka_protocol.h"

namespace eddy::kafka {
namespace {

// An empty group instance id is treated as none (librdkafka sends null when it is unset).
std::optional<std::string> InstanceOf(const std::optional<std::string>& id) {
  if (id && id->empty()) return std::nullopt;
  return id;
}

bool Offers(const std::vector<std::pair<std::string, std::string>>& protocols,
            const std::string& name) {
  return std::any_of(protocols.begin(), protocols.end(),
                     [&](const auto& p) { return p.first == name; });
}

}  // namespace

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

std::string GroupCoordinator::NewMemberId(const std::string& client_id, Clock::time_point now) {
  return absl::StrCat(client_id.empty() ? "member" : client_id, "-", ++next_member_, "-",
                      now.time_since_epoch().count() % 1000000007);
}

bool GroupCoordinator::Full(const Group& g) const {
  return g.members.size() + g.pending_members.size() >=
         static_cast<size_t>(options_.max_group_size);
}

std::string GroupCoordinator::SelectProtocol(const Group& g) {
  auto leader = g.members.find(g.leader);
  if (leader == g.members.end()) return "";
  for (const auto& [name, meta] : leader->second.protocols) {
    bool everyone = true;
    for (const auto& [id, m] : g.members) everyone = everyone && Offers(m.protocols, name);
    if (everyone) return name;
  }
  return "";
}

int16_t GroupCoordinator::CheckMember(const Group& g, const std::string& member_id,
                                      const std::optional<std::string>& instance_id) {
  if (instance_id) {
    auto sit = g.static_members.find(*instance_id);
    if (sit != g.static_members.end() && sit->second != member_id) {
      return error::kFencedInstanceId;
    }
  }
  return g.members.count(member_id) ? error::kNone : error::kUnknownMemberId;
}

int16_t GroupCoordinator::GoneError(const std::string& group_id, const std::string& member_id,
                                    const std::optional<std::string>& instance_id) const {
  auto git = groups_.find(group_id);
  if (git == groups_.end()) return error::kUnknownMemberId;
  const int16_t e = CheckMember(git->second, member_id, instance_id);
  return e == error::kNone ? error::kUnknownMemberId : e;
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

void GroupCoordinator::EraseMember(Group& g, const std::string& member_id) {
  auto it = g.members.find(member_id);
  if (it == g.members.end()) return;
  if (it->second.instance_id) {
    auto sit = g.static_members.find(*it->second.instance_id);
    if (sit != g.static_members.end() && sit->second == member_id) g.static_members.erase(sit);
  }
  g.members.erase(it);
  if (g.leader == member_id) g.leader.clear();
}

void GroupCoordinator::RemoveMember(Group& g, const std::string& member_id, const char* why,
                                    Clock::time_point now) {
  std::fprintf(stderr, "kafka: group %s: member %s removed (%s)\n", g.id.c_str(), member_id.c_str(),
               why);
  EraseMember(g, member_id);
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
    EraseMember(g, id);
  }
  ++g.generation;
  if (g.members.empty()) {
    g.state = State::kEmpty;
    return;
  }
  if (g.leader.empty() || !g.members.count(g.leader)) g.leader = g.members.begin()->first;
  g.protocol = SelectProtocol(g);
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
            if (name == g.protocol) res.members.push_back({oid, om.instance_id, meta});
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

std::optional<GroupCoordinator::JoinResult> GroupCoordinator::ReplaceStaticMember(
    Group& g, std::string old_id, const std::string& new_id, const JoinGroupRequest& req,
    const std::string& client_id, const std::string& client_host, Clock::time_point now) {
  // The leader id in a no-rebalance answer is the one from before the replacement: a restarted
  // leader then acts as a follower and gets its old assignment back from SyncGroup, as Kafka
  // does for clients without KIP-814's skip-assignment flag.
  const std::string leader_before = g.leader;
  const std::string instance = *req.group_instance_id;
  Member m = std::move(g.members.at(old_id));
  g.members.erase(old_id);
  m.id = new_id;
  m.client_id = client_id;
  m.client_host = client_host;
  m.session_timeout_ms = req.session_timeout_ms;
  m.rebalance_timeout_ms = req.rebalance_timeout_ms;
  m.protocols = req.protocols;
  m.last_seen = now;
  m.in_call = 0;
  m.awaiting_join = false;
  m.join_result.reset();
  g.members.emplace(new_id, std::move(m));
  g.static_members[instance] = new_id;
  if (g.leader == old_id) g.leader = new_id;
  std::fprintf(stderr, "kafka: group %s: static member %s rejoined as %s (old id %s fenced)\n",
               g.id.c_str(), instance.c_str(), new_id.c_str(), old_id.c_str());
  cv_.notify_all();  // held calls of the old id answer FENCED_INSTANCE_ID

  switch (g.state) {
    case State::kStable:
      if (SelectProtocol(g) == g.protocol) {
        JoinResult res;
        res.member_id = new_id;
        res.generation = g.generation;
        res.protocol_name = g.protocol;
        res.leader = leader_before;
        return res;
      }
      StartRebalance(g, now);
      break;
    case State::kCompletingRebalance:
      // The leader may already be assigning for the old id: rebalance so the new id is seen.
      StartRebalance(g, now);
      break;
    case State::kPreparingRebalance:
    case State::kEmpty:
      break;
  }
  return std::nullopt;
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
  const std::optional<std::string> instance = InstanceOf(req.group_instance_id);
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
        if (id == req.member_id || (instance && m.instance_id == instance)) continue;
        everyone = everyone && Offers(m.protocols, name);
      }
      common = common || everyone;
    }
    if (!common) {
      res.error = error::kInconsistentGroupProtocol;
      return res;
    }
  }

  std::string member_id = req.member_id;
  bool new_member = false;
  if (instance) {
    auto sit = g.static_members.find(*instance);
    if (member_id.empty()) {
      member_id = NewMemberId(client_id, now);
      if (sit != g.static_members.end()) {
        auto answer =
            ReplaceStaticMember(g, sit->second, member_id, req, client_id, client_host, now);
        if (answer) return *answer;
        Member& m = g.members.at(member_id);
        m.awaiting_join = true;
        MaybeCompleteJoin(g, now);
        cv_.notify_all();
        return AwaitJoin(lock, req.group_id, member_id, instance);
      }
      if (Full(g)) {
        res.error = error::kGroupMaxSizeReached;
        return res;
      }
      new_member = true;
    } else if (int16_t e = CheckMember(g, member_id, instance); e != error::kNone) {
      res.error = e;
      return res;
    }
  } else if (member_id.empty()) {
    if (Full(g)) {
      res.error = error::kGroupMaxSizeReached;
      return res;
    }
    member_id = NewMemberId(client_id, now);
    if (req.require_known_member_id) {
      g.pending_members[member_id] = now + std::chrono::milliseconds(req.session_timeout_ms);
      res.error = error::kMemberIdRequired;
      res.member_id = member_id;
      return res;
    }
    new_member = true;
  } else if (!g.members.count(member_id)) {
    auto pit = g.pending_members.find(member_id);
    if (pit == g.pending_members.end()) {
      res.error = error::kUnknownMemberId;
      return res;
    }
    g.pending_members.erase(pit);
    new_member = true;
  }

  if (!new_member) {
    // A known member whose protocols did not change gets the current generation back when no
    // rebalance is needed: a follower of a Stable group, or anyone while the leader assigns.
    Member& m = g.members.at(member_id);
    if (m.protocols == req.protocols) {
      if (g.state == State::kCompletingRebalance && m.join_result) {
        m.last_seen = now;
        return *m.join_result;
      }
      if (g.state == State::kStable && member_id != g.leader) {
        m.last_seen = now;
        res.member_id = member_id;
        res.generation = g.generation;
        res.protocol_name = g.protocol;
        res.leader = g.leader;
        return res;
      }
    }
  }

  Member& m = g.members[member_id];
  m.id = member_id;
  m.instance_id = instance;
  m.client_id = client_id;
  m.client_host = client_host;
  m.session_timeout_ms = req.session_timeout_ms;
  m.rebalance_timeout_ms = req.rebalance_timeout_ms;
  m.protocols = req.protocols;
  m.last_seen = now;
  m.awaiting_join = true;
  m.join_result.reset();
  if (instance) g.static_members[*instance] = member_id;
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
  return AwaitJoin(lock, req.group_id, member_id, instance);
}

GroupCoordinator::JoinResult GroupCoordinator::AwaitJoin(
    std::unique_lock<std::mutex>& lock, const std::string& group_id, const std::string& member_id,
    const std::optional<std::string>& instance_id) {
  auto member = [&]() -> Member* {
    auto git = groups_.find(group_id);
    if (git == groups_.end()) return nullptr;
    auto mit = git->second.members.find(member_id);
    return mit == git->second.members.end() ? nullptr : &mit->second;
  };
  ++member()->in_call;
  cv_.wait(lock, [&] {
    Member* mm = member();
    return stopping_ || mm == nullptr || mm->join_result.has_value();
  });
  JoinResult res;
  res.member_id = member_id;
  Member* mm = member();
  if (mm == nullptr) {
    res.error = GoneError(group_id, member_id, instance_id);
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
  const std::optional<std::string> instance = InstanceOf(req.group_instance_id);
  std::unique_lock<std::mutex> lock(mu_);
  auto git = groups_.find(req.group_id);
  if (git == groups_.end()) {
    res.error = error::kUnknownMemberId;
    return res;
  }
  Group& g = git->second;
  if (int16_t e = CheckMember(g, req.member_id, instance); e != error::kNone) {
    res.error = e;
    return res;
  }
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
    if (stopping_ || member() == nullptr) return true;
    const Group& cur = groups_.at(group_id);
    return cur.generation != generation || cur.state != State::kCompletingRebalance;
  });
  Member* m = member();
  if (m == nullptr) {
    res.error = GoneError(group_id, req.member_id, instance);
    return res;
  }
  --m->in_call;
  m->last_seen = Clock::now();
  const Group& g2 = groups_.at(group_id);
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
  if (int16_t e = CheckMember(g, req.member_id, InstanceOf(req.group_instance_id));
      e != error::kNone) {
    return e;
  }
  if (req.generation_id != g.generation) return error::kIllegalGeneration;
  g.members.at(req.member_id).last_seen = Clock::now();
  if (g.state == State::kPreparingRebalance) return error::kRebalanceInProgress;
  return error::kNone;
}

GroupCoordinator::LeaveResult GroupCoordinator::Leave(const LeaveGroupRequest& req) {
  LeaveResult res;
  std::lock_guard<std::mutex> lock(mu_);
  auto git = groups_.find(req.group_id);
  if (git == groups_.end()) {
    res.member_errors.assign(req.members.size(), error::kUnknownMemberId);
    return res;
  }
  Group& g = git->second;
  const auto now = Clock::now();
  for (const LeaveGroupRequest::Member& leaving : req.members) {
    const std::optional<std::string> instance = InstanceOf(leaving.group_instance_id);
    std::string id = leaving.member_id;
    int16_t err = error::kNone;
    if (instance) {
      // By instance id (an admin's "remove member" sends no member id).
      auto sit = g.static_members.find(*instance);
      if (sit == g.static_members.end()) {
        err = error::kUnknownMemberId;
      } else if (!id.empty() && sit->second != id) {
        err = error::kFencedInstanceId;
      } else {
        id = sit->second;
      }
    } else if (!g.members.count(id)) {
      err = error::kUnknownMemberId;
    }
    if (err == error::kNone) RemoveMember(g, id, "LeaveGroup", now);
    res.member_errors.push_back(err);
  }
  MaybeCompleteJoin(g, now);
  cv_.notify_all();
  return res;
}

int16_t GroupCoordinator::ValidateCommit(const std::string& group, int32_t generation,
                                         const std::string& member,
                                         const std::optional<std::string>& group_instance_id) {
  const std::optional<std::string> instance = InstanceOf(group_instance_id);
  std::lock_guard<std::mutex> lock(mu_);
  auto git = groups_.find(group);
  if (git == groups_.end()) {
    // Not managed here: a commit from outside group management is fine, one that claims a
    // generation comes from a group this broker does not know (any more).
    return generation < 0 && member.empty() && !instance ? error::kNone : error::kIllegalGeneration;
  }
  Group& g = git->second;
  if (generation >= 0 || !member.empty() || instance) {
    if (int16_t e = CheckMember(g, member, instance); e != error::kNone) return e;
    if (generation != g.generation) return error::kIllegalGeneration;
  } else if (g.state != State::kEmpty) {
    // While the group has members only they may commit (Kafka's rule for "simple" commits).
    return error::kUnknownMemberId;
  }
  if (g.state == State::kCompletingRebalance) return error::kRebalanceInProgress;
  auto mit = g.members.find(member);
  if (mit != g.members.end()) mit->second.last_seen = Clock::now();
  return error::kNone;
}

int16_t GroupCoordinator::Delete(const std::string& group, bool has_offsets) {
  std::lock_guard<std::mutex> lock(mu_);
  auto git = groups_.find(group);
  if (git == groups_.end()) return has_offsets ? error::kNone : error::kGroupIdNotFound;
  if (!git->second.members.empty()) return error::kNonEmptyGroup;
  groups_.erase(git);
  std::fprintf(stderr, "kafka: group %s deleted\n", group.c_str());
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
    MemberDescription md{id, m.instance_id, m.client_id, m.client_host, "", m.assignment};
    for (const auto& [name, meta] : m.protocols) {
      if (name == g.protocol) md.metadata = meta;
    }
    d.members.push_back(std::move(md));
  }
  return d;
}

std::vector<GroupCoordinator::GroupListing> GroupCoordinator::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<GroupListing> out;
  for (const auto& [id, g] : groups_) out.push_back({id, g.protocol_type, StateName(g.state)});
  return out;
}

void GroupCoordinator::Tick() {
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = Clock::now();
  bool changed = false;
  for (auto git = groups_.begin(); git != groups_.end();) {
    Group& g = git->second;
    for (auto pit = g.pending_members.begin(); pit != g.pending_members.end();) {
      pit = pit->second <= now ? g.pending_members.erase(pit) : std::next(pit);
    }
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
    // An Empty group with nothing pending holds no state worth keeping (its offsets live in
    // LogManager), so it is dropped: group state stays bounded by the live groups.
    if (g.state == State::kEmpty && g.members.empty() && g.pending_members.empty()) {
      git = groups_.erase(git);
    } else {
      ++git;
    }
  }
  if (changed) cv_.notify_all();
}

}  // namespace eddy::kafka
