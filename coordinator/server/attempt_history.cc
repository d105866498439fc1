#include "coordinator/server/attempt_history.h"

#include "absl/strings/str_cat.h"

namespace eddy::cluster {
namespace v1 = ::eddy::coordinator::v1;

const char* AttemptEndName(AttemptEnd e) {
  switch (e) {
    case AttemptEnd::kRunning:
      return "running";
    case AttemptEnd::kExited:
      return "exited";
    case AttemptEnd::kStopped:
      return "stopped";
    case AttemptEnd::kNodeLost:
      return "node lost";
    case AttemptEnd::kLogStoreFenced:
      return "fenced by the log store";
    case AttemptEnd::kSelfFenced:
      return "self-fenced";
    case AttemptEnd::kNeverStarted:
      return "never started";
  }
  return "?";
}

namespace {
AttemptEnd EndFromName(const std::string& s) {
  for (AttemptEnd e :
       {AttemptEnd::kRunning, AttemptEnd::kExited, AttemptEnd::kStopped, AttemptEnd::kNodeLost,
        AttemptEnd::kLogStoreFenced, AttemptEnd::kSelfFenced, AttemptEnd::kNeverStarted}) {
    if (s == AttemptEndName(e)) return e;
  }
  return AttemptEnd::kExited;
}
}  // namespace

void AttemptHistory::Start(int64_t attempt, const std::string& node, int64_t now_ms) {
  if (AttemptRecord* r = Find(attempt)) {  // adopted again after a coordinator restart
    r->node = node;
    return;
  }
  AttemptRecord r;
  r.attempt = attempt;
  r.node = node;
  r.started_ms = now_ms;
  attempts_.push_back(std::move(r));
  while (attempts_.size() > kMaxAttempts) attempts_.pop_front();
}

AttemptRecord* AttemptHistory::Find(int64_t attempt) {
  for (auto& r : attempts_) {
    if (r.attempt == attempt) return &r;
  }
  return nullptr;
}

bool AttemptHistory::End(int64_t attempt, AttemptEnd end, const std::string& detail, int64_t now_ms,
                         int32_t exit_code, int32_t signal) {
  AttemptRecord* r = Find(attempt);
  if (!r || r->end != AttemptEnd::kRunning) return false;
  r->end = end;
  r->detail = detail;
  r->ended_ms = now_ms;
  r->exit_code = exit_code;
  r->signal = signal;
  return true;
}

AttemptEnd AttemptHistory::FromReport(const v1::ContainerReport& r, bool stop_requested) {
  if (r.fenced() == v1::ContainerReport::SELF_FENCED) return AttemptEnd::kSelfFenced;
  if (r.signal() == 0 && r.exit_code() == kExitFencedByLogStore) {
    return AttemptEnd::kLogStoreFenced;
  }
  if (stop_requested || r.stop_requested()) return AttemptEnd::kStopped;
  return AttemptEnd::kExited;
}

void AttemptHistory::NoteLateReport(const v1::ContainerReport& r, int64_t now_ms) {
  AttemptRecord* a = Find(r.attempt());
  if (!a || a->end == AttemptEnd::kRunning) return;
  if (r.state() != v1::ContainerReport::EXITED) return;
  if (a->signal != 0 || a->exit_code != 0) return;  // noted already
  a->exit_code = r.exit_code();
  a->signal = r.signal();
  if (r.fenced() == v1::ContainerReport::SELF_FENCED) {
    // It was dead before the coordinator gave up on its node: say so.
    a->end = AttemptEnd::kSelfFenced;
    absl::StrAppend(&a->detail, "; its node had SIGKILLed it on losing the coordinator");
  } else if (r.fenced() == v1::ContainerReport::SUPERSEDED) {
    absl::StrAppend(&a->detail,
                    "; it ran on until its node came back and SIGKILLed it as superseded");
  } else if (r.signal() != 0) {
    absl::StrAppend(&a->detail, "; its node reported it killed by signal ", r.signal());
  } else {
    absl::StrAppend(&a->detail, "; its node reported it exited with code ", r.exit_code());
  }
  (void)now_ms;
}

void AttemptHistory::Fill(v1::ContainerStatus* out) const {
  for (const auto& r : attempts_) {
    auto* a = out->add_attempts();
    a->set_attempt(r.attempt);
    a->set_node(r.node);
    a->set_started_ms(r.started_ms);
    a->set_ended_ms(r.ended_ms);
    a->set_end(AttemptEndName(r.end));
    a->set_exit_code(r.exit_code);
    a->set_signal(r.signal);
    a->set_detail(r.detail);
  }
}

nlohmann::json AttemptHistory::ToJson() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : attempts_) {
    out.push_back({{"attempt", r.attempt},
                   {"node", r.node},
                   {"started_ms", r.started_ms},
                   {"ended_ms", r.ended_ms},
                   {"end", AttemptEndName(r.end)},
                   {"exit_code", r.exit_code},
                   {"signal", r.signal},
                   {"detail", r.detail}});
  }
  return out;
}

void AttemptHistory::FromJson(const nlohmann::json& j) {
  attempts_.clear();
  if (!j.is_array()) return;
  for (const auto& e : j) {
    if (!e.is_object()) continue;
    AttemptRecord r;
    r.attempt = e.value("attempt", int64_t{0});
    r.node = e.value("node", "");
    r.started_ms = e.value("started_ms", int64_t{0});
    r.ended_ms = e.value("ended_ms", int64_t{0});
    r.end = EndFromName(e.value("end", "exited"));
    r.exit_code = e.value("exit_code", 0);
    r.signal = e.value("signal", 0);
    r.detail = e.value("detail", "");
    attempts_.push_back(std::move(r));
  }
  while (attempts_.size() > kMaxAttempts) attempts_.pop_front();
}

}  // namespace eddy::cluster
