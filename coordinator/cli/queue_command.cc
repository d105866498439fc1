#include "coordinator/cli/queue_command.h"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "coordinator/cli/output.h"
#include "coordinator/cli/record_exec.h"
#include "log-store/client/share_consumer.h"

namespace eddy::cli {
namespace {

using logstore::ShareAck;
using logstore::ShareConsumer;
using logstore::ShareGroupAdmin;
using logstore::ShareRecord;

struct QueueFlags {
  std::string bootstrap;
  std::string topic;
  std::string group;
  std::string ack = "accept";
  std::string exec;
  int64_t max_messages = -1;
  int32_t max_records = 100;
  int32_t max_wait_ms = 500;
  int64_t retry_timeout_ms = 60000;
  bool print_meta = false;
  bool print_key = false;
  std::string member_id;
  std::string output = "text";
  std::vector<std::string> sets;
  bool to_earliest = false;
  bool to_latest = false;
  int64_t to_offset = -1;
  int64_t to_timestamp = -1;
  std::vector<int32_t> partitions;
};

volatile std::sig_atomic_t g_stop = 0;
void OnStopSignal(int) { g_stop = 1; }

logstore::ClientOptions Options(const QueueFlags& f) {
  logstore::ClientOptions o;
  o.bootstrap = ResolveBootstrap(f.bootstrap);
  return o;
}

bool Transient(const absl::Status& s) {
  return s.code() == absl::StatusCode::kUnavailable ||
         s.code() == absl::StatusCode::kDeadlineExceeded ||
         s.code() == absl::StatusCode::kAborted ||
         s.code() == absl::StatusCode::kResourceExhausted ||
         s.code() == absl::StatusCode::kCancelled;
}

// Retries transient failures (broker restarting) until `timeout` passes without a success.
class RetryClock {
 public:
  explicit RetryClock(int64_t timeout_ms) : timeout_(timeout_ms) { Reset(); }
  void Reset() { since_ = std::chrono::steady_clock::now(); }
  // True when the caller should try again (after a short sleep).
  bool Again(const absl::Status& s) {
    if (!Transient(s) || g_stop) return false;
    if (std::chrono::steady_clock::now() - since_ > timeout_) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    return true;
  }

 private:
  std::chrono::milliseconds timeout_;
  std::chrono::steady_clock::time_point since_;
};

void PrintRecord(const QueueFlags& f, const ShareRecord& r, const std::string& outcome) {
  if (f.print_meta) {
    std::printf("%s\t%d\t%lld\t%d\t%s\t", r.topic.c_str(), r.partition,
                static_cast<long long>(r.offset), r.delivery_count, outcome.c_str());
  }
  if (f.print_key) {
    if (r.key)
      std::fwrite(r.key->data(), 1, r.key->size(), stdout);
    else
      std::fputs("null", stdout);
    std::fputc('\t', stdout);
  }
  if (r.value) std::fwrite(r.value->data(), 1, r.value->size(), stdout);
  std::fputc('\n', stdout);
}

std::string Outcome(ShareAck a) {
  switch (a) {
    case ShareAck::kAccept:
      return "accepted";
    case ShareAck::kRelease:
      return "released";
    case ShareAck::kReject:
      return "rejected";
  }
  return "?";
}

int Consume(const QueueFlags& f) {
  const char* cmd = "queue consume";
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);

  logstore::ShareConsumerOptions o;
  o.client = Options(f);
  o.group = f.group;
  o.topics = {f.topic};
  o.member_id = f.member_id;
  o.max_records = f.max_records;
  RetryClock retry(f.retry_timeout_ms);
  absl::StatusOr<std::unique_ptr<ShareConsumer>> created;
  do {
    created = ShareConsumer::Create(o);
  } while (!created.ok() && retry.Again(created.status()));
  if (!created.ok()) return Fail(cmd, created.status());
  ShareConsumer& c = **created;
  std::fprintf(stderr, "eddy queue consume: member %s joined share group '%s' on topic '%s'\n",
               c.member_id().c_str(), f.group.c_str(), f.topic.c_str());
  const ShareAck fixed = f.ack == "release"  ? ShareAck::kRelease
                         : f.ack == "reject" ? ShareAck::kReject
                                             : ShareAck::kAccept;
  int64_t handled = 0;
  // Sends the pending acks and prints each record with what the broker did with its ack.
  auto commit_and_print = [&](const std::vector<std::pair<ShareRecord, ShareAck>>& done) -> int {
    absl::StatusOr<logstore::ShareCommitResult> res;
    retry.Reset();
    do {
      res = c.Commit();
    } while (!res.ok() && retry.Again(res.status()));
    if (!res.ok()) return Fail(cmd, res.status());
    for (const auto& [r, a] : done) {
      std::string outcome = Outcome(a);
      for (const auto& fl : res->failures) {
        if (fl.tp.topic == r.topic && fl.tp.partition == r.partition &&
            r.offset >= fl.first_offset && r.offset <= fl.last_offset) {
          // Not applied (lock expired, member removed): the record is someone else's now.
          outcome = absl::StrCat("ack-failed:", Outcome(a));
          std::fprintf(stderr, "eddy queue consume: %s\n",
                       std::string(fl.status.message()).c_str());
        }
      }
      PrintRecord(f, r, outcome);
    }
    std::fflush(stdout);
    return kExitOk;
  };
  while (!g_stop && (f.max_messages < 0 || handled < f.max_messages)) {
    absl::StatusOr<std::vector<ShareRecord>> polled;
    retry.Reset();
    do {
      polled = c.Poll(std::chrono::milliseconds(f.max_wait_ms));
    } while (!polled.ok() && retry.Again(polled.status()));
    if (!polled.ok()) {
      if (g_stop) break;
      return Fail(cmd, polled.status());
    }
    for (const auto& fl : c.TakeAckFailures()) {
      std::fprintf(stderr, "eddy queue consume: %s\n", std::string(fl.status.message()).c_str());
    }
    std::vector<std::pair<ShareRecord, ShareAck>> done;
    for (auto& r : *polled) {
      if (g_stop || (f.max_messages >= 0 && handled >= f.max_messages)) break;  // Close releases
      ShareAck a = fixed;
      if (!f.exec.empty()) {
        auto code = RunForRecord(f.exec, r);
        if (!code.ok()) return Fail(cmd, code.status());
        a = AckForExitCode(*code);
      }
      if (auto st = c.Acknowledge(r, a); !st.ok()) return Fail(cmd, st);
      ++handled;
      done.emplace_back(std::move(r), a);
      if (!f.exec.empty()) {  // one record at a time: its outcome is known before the next
        if (int rc = commit_and_print(done); rc != kExitOk) return rc;
        done.clear();
      }
    }
    if (!done.empty()) {
      if (int rc = commit_and_print(done); rc != kExitOk) return rc;
    }
  }
  if (auto st = c.Close(); !st.ok()) return Fail(cmd, st);
  return kExitOk;
}

absl::StatusOr<std::unique_ptr<ShareGroupAdmin>> Admin(const QueueFlags& f) {
  return ShareGroupAdmin::Connect(Options(f));
}

int List(const QueueFlags& f) {
  auto admin = Admin(f);
  if (!admin.ok()) return Fail("queue list", admin.status());
  auto groups = (*admin)->List();
  if (!groups.ok()) return Fail("queue list", groups.status());
  if (f.output == "json") {
    PrintJson({{"groups", *groups}});  // an object, like every --output json document
    return kExitOk;
  }
  for (const auto& g : *groups) std::printf("%s\n", g.c_str());
  return kExitOk;
}

int Describe(const QueueFlags& f) {
  auto admin = Admin(f);
  if (!admin.ok()) return Fail("queue describe", admin.status());
  auto d = (*admin)->Describe(f.group);
  if (!d.ok()) return Fail("queue describe", d.status());
  PrintShareGroupDescription(*d, f.output == "json");
  return kExitOk;
}

int Config(const QueueFlags& f) {
  std::map<std::string, std::string> kv;
  for (const auto& s : f.sets) {
    auto eq = s.find('=');
    kv[s.substr(0, eq)] = s.substr(eq + 1);
  }
  auto admin = Admin(f);
  if (!admin.ok()) return Fail("queue config", admin.status());
  if (!kv.empty()) {
    if (auto st = (*admin)->AlterConfigs(f.group, kv); !st.ok()) return Fail("queue config", st);
  }
  auto d = (*admin)->Describe(f.group);
  if (!d.ok()) return Fail("queue config", d.status());
  for (const auto& [k, v] : d->configs) std::printf("%s=%s\n", k.c_str(), v.c_str());
  return kExitOk;
}

int Delete(const QueueFlags& f) {
  auto admin = Admin(f);
  if (!admin.ok()) return Fail("queue delete", admin.status());
  if (auto st = (*admin)->Delete(f.group); !st.ok()) return Fail("queue delete", st);
  std::printf("Deleted share group %s.\n", f.group.c_str());
  return kExitOk;
}

int Reset(const QueueFlags& f) {
  logstore::ShareResetTarget to;
  if (f.to_latest) {
    to.kind = logstore::ShareResetTarget::kLatest;
  } else if (f.to_offset >= 0) {
    to.kind = logstore::ShareResetTarget::kOffset;
    to.value = f.to_offset;
  } else if (f.to_timestamp >= 0) {
    to.kind = logstore::ShareResetTarget::kTimestamp;
    to.value = f.to_timestamp;
  }
  auto admin = Admin(f);
  if (!admin.ok()) return Fail("queue reset", admin.status());
  auto parts = (*admin)->ResetOffsets(f.group, f.topic, f.partitions, to);
  if (!parts.ok()) return Fail("queue reset", parts.status());
  for (const auto& p : *parts) {
    std::printf("Topic: %s\tPartition: %d\tStartOffset: %lld\n", p.tp.topic.c_str(), p.tp.partition,
                static_cast<long long>(p.start_offset));
  }
  return kExitOk;
}

}  // namespace

nlohmann::json ShareGroupToJson(const logstore::ShareGroupDescription& d) {
  nlohmann::json j;
  j["group"] = d.group;
  j["state"] = d.state;
  j["configs"] = d.configs;
  j["members"] = nlohmann::json::array();
  for (const auto& m : d.members) {
    nlohmann::json mj;
    mj["member_id"] = m.member_id;
    mj["member_epoch"] = m.member_epoch;
    mj["topics"] = m.topics;
    mj["acquired"] = m.acquired;
    mj["last_heartbeat_ms_ago"] = m.last_heartbeat_ms_ago;
    nlohmann::json a = nlohmann::json::array();
    for (const auto& tp : m.assignment)
      a.push_back({{"topic", tp.topic}, {"partition", tp.partition}});
    mj["assignment"] = a;
    j["members"].push_back(mj);
  }
  j["partitions"] = nlohmann::json::array();
  for (const auto& p : d.partitions) {
    j["partitions"].push_back({{"topic", p.tp.topic},
                               {"partition", p.tp.partition},
                               {"start_offset", p.start_offset},
                               {"end_offset", p.end_offset},
                               {"high_watermark", p.high_watermark},
                               {"in_flight", p.in_flight},
                               {"acquired", p.acquired},
                               {"available", p.available},
                               {"accepted", p.accepted_total},
                               {"released", p.released_total},
                               {"rejected", p.rejected_total},
                               {"redelivered", p.redelivered_total},
                               {"lock_expired", p.lock_expired_total},
                               {"archived", p.archived_total},
                               {"dead_lettered", p.dead_lettered_total}});
  }
  return j;
}

void PrintShareGroupDescription(const logstore::ShareGroupDescription& d, bool json,
                                std::FILE* out) {
  if (json) {
    std::fprintf(out, "%s\n", ShareGroupToJson(d).dump(2).c_str());
    return;
  }
  std::fprintf(out, "Share group: %s\tState: %s\tMembers: %zu\n", d.group.c_str(), d.state.c_str(),
               d.members.size());
  std::string cfg;
  for (const auto& [k, v] : d.configs) absl::StrAppend(&cfg, cfg.empty() ? "" : ",", k, "=", v);
  std::fprintf(out, "Configs: %s\n", cfg.c_str());
  if (!d.members.empty()) {
    std::fprintf(out, "%-38s %6s %9s %14s  %s\n", "MEMBER", "EPOCH", "ACQUIRED", "HEARTBEAT-AGO",
                 "TOPICS");
    for (const auto& m : d.members) {
      std::string topics;
      for (const auto& t : m.topics) absl::StrAppend(&topics, topics.empty() ? "" : ",", t);
      std::fprintf(out, "%-38s %6d %9lld %12lldms  %s\n", m.member_id.c_str(), m.member_epoch,
                   static_cast<long long>(m.acquired),
                   static_cast<long long>(m.last_heartbeat_ms_ago), topics.c_str());
    }
  }
  std::fprintf(out, "%-20s %4s %10s %10s %10s %9s %8s %9s %9s %8s %8s %11s %12s %8s %13s\n",
               "TOPIC", "PART", "START", "END", "HW", "IN-FLIGHT", "ACQUIRED", "AVAILABLE",
               "ACCEPTED", "RELEASED", "REJECTED", "REDELIVERED", "LOCK-EXPIRED", "ARCHIVED",
               "DEAD-LETTERED");
  for (const auto& p : d.partitions) {
    auto ll = [](int64_t v) { return static_cast<long long>(v); };
    std::fprintf(out,
                 "%-20s %4d %10lld %10lld %10lld %9lld %8lld %9lld %9lld %8lld %8lld %11lld "
                 "%12lld %8lld %13lld\n",
                 p.tp.topic.c_str(), p.tp.partition, ll(p.start_offset), ll(p.end_offset),
                 ll(p.high_watermark), ll(p.in_flight), ll(p.acquired), ll(p.available),
                 ll(p.accepted_total), ll(p.released_total), ll(p.rejected_total),
                 ll(p.redelivered_total), ll(p.lock_expired_total), ll(p.archived_total),
                 ll(p.dead_lettered_total));
  }
}

void AddQueueCommand(CLI::App& app, Action* action) {
  auto flags = std::make_shared<QueueFlags>();
  CLI::App* queue = app.add_subcommand(
      "queue",
      "read a topic as a queue through a share group: each record to one consumer, acknowledged "
      "one by one (accept, release = deliver again now, reject = never again); unacknowledged "
      "records come back when their lock expires or their consumer dies");
  queue->require_subcommand(1);
  queue->fallthrough();
  queue->add_option("--bootstrap", flags->bootstrap,
                    "broker HOST:PORT (default: $EDDY_BOOTSTRAP, else 127.0.0.1:9093)");
  auto set = [action, flags](int (*fn)(const QueueFlags&)) {
    return [action, flags, fn] { *action = [flags, fn] { return fn(*flags); }; };
  };
  auto output = [flags](CLI::App* sub) {
    sub->add_option("--output", flags->output, "text or json")
        ->check(CLI::IsMember({"text", "json"}));
  };

  CLI::App* consume = queue->add_subcommand(
      "consume",
      "join share group G on TOPIC and print each record acquired (one per line) after "
      "acknowledging it");
  consume->add_option("topic", flags->topic, "topic name")->required();
  consume->add_option("--group", flags->group, "share group id")->required();
  auto* ack = consume
                  ->add_option("--ack", flags->ack,
                               "acknowledge every record this way: accept (default), release or "
                               "reject")
                  ->check(CLI::IsMember({"accept", "release", "reject"}));
  consume
      ->add_option("--exec", flags->exec,
                   "run CMD (with /bin/sh -c) per record, value on its stdin, its stdout to "
                   "stderr; env EDDY_TOPIC, EDDY_PARTITION, EDDY_OFFSET, EDDY_DELIVERY_COUNT, "
                   "EDDY_KEY. Exit 0 = accept, exit 75 (EX_TEMPFAIL) = release (deliver again), "
                   "any other exit = reject. Each outcome is sent before the next record")
      ->excludes(ack);
  consume
      ->add_option("--max-messages", flags->max_messages,
                   "stop after N records (the ones still held are released)")
      ->check(CLI::NonNegativeNumber);
  consume->add_option("--max-records", flags->max_records, "most records acquired per fetch")
      ->check(CLI::Range(1, 100000));
  consume->add_option("--max-wait-ms", flags->max_wait_ms, "long-poll wait of one fetch")
      ->check(CLI::Range(0, 60000));
  consume
      ->add_option("--retry-timeout-ms", flags->retry_timeout_ms,
                   "keep retrying an unreachable broker this long before failing")
      ->check(CLI::NonNegativeNumber);
  consume->add_option("--member-id", flags->member_id, "member id (default: a random UUID)");
  consume->add_flag("--print-meta", flags->print_meta,
                    "print TOPIC PARTITION OFFSET DELIVERY-COUNT OUTCOME VALUE (tab separated); "
                    "OUTCOME is accepted, released, rejected or ack-failed:<type> (the lock had "
                    "expired: the record went to another consumer)");
  consume->add_flag("--print-key", flags->print_key, "print KEY<tab> before the value");
  consume->callback(set(&Consume));

  CLI::App* list = queue->add_subcommand("list", "list share groups");
  output(list);
  list->callback(set(&List));

  CLI::App* describe = queue->add_subcommand(
      "describe",
      "members, and per partition: start/end offset, in-flight, acquired, available, "
      "accepted, released, rejected, redelivered, archived, dead-lettered counts");
  describe->add_option("group", flags->group, "share group id")->required();
  output(describe);
  describe->callback(set(&Describe));

  CLI::App* config = queue->add_subcommand(
      "config",
      "show or set a share group's configs (group.share.record.lock.duration.ms, "
      "group.share.delivery.count.limit, group.share.session.timeout.ms, "
      "share.auto.offset.reset, errors.deadletterqueue.topic.name)");
  config->add_option("group", flags->group, "share group id")->required();
  config->add_option("--set", flags->sets, "k=v (repeatable)")->check([](const std::string& s) {
    return s.find('=') == std::string::npos || s.front() == '='
               ? std::string("--set wants key=value, got '") + s + "'"
               : std::string();
  });
  config->callback(set(&Config));

  CLI::App* del = queue->add_subcommand("delete", "delete a share group (it must have no members)");
  del->add_option("group", flags->group, "share group id")->required();
  del->callback(set(&Delete));

  CLI::App* reset = queue->add_subcommand(
      "reset", "move a share group's start offset on a topic (it must have no members)");
  reset->add_option("group", flags->group, "share group id")->required();
  reset->add_option("--topic", flags->topic, "topic")->required();
  reset->add_option("--partition", flags->partitions, "only these partitions (repeatable)");
  auto* e = reset->add_flag("--to-earliest", flags->to_earliest, "the log start");
  auto* l = reset->add_flag("--to-latest", flags->to_latest, "the log end");
  auto* o = reset->add_option("--to-offset", flags->to_offset, "this offset")
                ->check(CLI::NonNegativeNumber);
  auto* t = reset
                ->add_option("--to-timestamp", flags->to_timestamp,
                             "the first offset with a timestamp >= T (ms since the epoch)")
                ->check(CLI::NonNegativeNumber);
  e->excludes(l, o, t);
  l->excludes(o, t);
  o->excludes(t);
  reset->callback([flags, action] {
    if (!flags->to_earliest && !flags->to_latest && flags->to_offset < 0 &&
        flags->to_timestamp < 0) {
      UsageError(
          "queue reset: give one of --to-earliest, --to-latest, --to-offset, "
          "--to-timestamp");
    }
    *action = [flags] { return Reset(*flags); };
  });
}

}  // namespace eddy::cli
