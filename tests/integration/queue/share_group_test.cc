// Share groups with real processes: one eddy-logd and five `eddy queue consume --exec`
// processes on a one-partition topic. The records' values decide what the per-record command
// does: accept, release once then accept, always release (until the delivery limit sends the
// record to the dead-letter topic) or reject. One consumer is killed with kill -9 while it holds
// acquired records and the broker is killed and restarted on the same data directory in the
// middle. At the end every message was accepted exactly once or archived (rejected or
// dead-lettered): checked from the group's description and from the consumers' own output.
//
// Default size: 2000 messages (EDDY_QUEUE_TEST_MESSAGES overrides it). Full size:
//   build/bin/queue_share_group_test --full      (20000 messages)
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "log-store/client/admin_client.h"
#include "log-store/client/consumer.h"
#include "log-store/client/producer.h"
#include "log-store/client/share_consumer.h"
#include "log-store/client/share_group_admin.h"
#include "tests/integration/logstore/process.h"

namespace eddy::testing {
namespace {

int g_messages = 2000;

constexpr char kTopic[] = "work";
constexpr char kDlq[] = "work.dlq";
constexpr char kGroup[] = "workers";
constexpr int kDeliveryLimit = 4;

bool Rejected(int i) { return i % 97 == 0; }
bool AlwaysReleased(int i) { return !Rejected(i) && i % 89 == 0; }
bool ReleasedOnce(int i) { return !Rejected(i) && !AlwaysReleased(i) && i % 50 == 1; }

// The per-record command: the value is "m-<i>".
constexpr char kScript[] = R"(i=$(cat); i=${i#m-}
if [ $((i % 97)) -eq 0 ]; then exit 1; fi
if [ $((i % 89)) -eq 0 ]; then exit 75; fi
if [ $((i % 50)) -eq 1 ] && [ "$EDDY_DELIVERY_COUNT" -eq 1 ]; then exit 75; fi
exit 0
)";

// A background process with stdout and stderr to files, killed with the test.
class Proc {
 public:
  Proc(const std::vector<std::string>& argv, const std::string& out, const std::string& err)
      : out_(out) {
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);
      int in = open("/dev/null", O_RDONLY);
      int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (in < 0 || o < 0 || e < 0) _exit(127);
      dup2(in, 0);
      dup2(o, 1);
      dup2(e, 2);
      execv(a[0], a.data());
      _exit(127);
    }
  }
  ~Proc() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      Wait();
    }
  }
  void Signal(int sig) { kill(pid_, sig); }
  int Wait() {
    int st = 0;
    if (pid_ <= 0) return exit_;
    waitpid(pid_, &st, 0);
    pid_ = -1;
    exit_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return exit_;
  }
  const std::string& out() const { return out_; }

 private:
  pid_t pid_ = -1;
  int exit_ = -1;
  std::string out_;
};

// One output line of `eddy queue consume --print-meta`.
struct Outcome {
  int64_t offset = 0;
  int delivery = 0;
  std::string outcome;
  std::string value;
};

std::vector<Outcome> ReadOutcomes(const std::string& file) {
  std::vector<Outcome> v;
  std::istringstream in(ReadFile(file));
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ls(line);
    std::string x;
    while (std::getline(ls, x, '\t')) f.push_back(x);
    if (f.size() < 6) continue;  // a line cut by kill -9
    v.push_back({std::stoll(f[2]), std::stoi(f[3]), f[4], f[5]});
  }
  return v;
}

bool WaitFor(const std::function<bool()>& cond, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return cond();
}

class ShareGroupProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ = std::make_unique<Broker>(EDDY_LOGD, dir_.path() + "/data");
    ASSERT_TRUE(broker_->Start()) << broker_->log();
    broker_->KeepPort();
    opts_.bootstrap = broker_->bootstrap();
  }

  RunResult Eddy(std::vector<std::string> args) {
    args.insert(args.begin(), EDDY_CLI);
    args.push_back("--bootstrap");
    args.push_back(broker_->bootstrap());
    return RunProcess(args);
  }

  absl::StatusOr<logstore::ShareGroupDescription> Describe() {
    auto admin = logstore::ShareGroupAdmin::Connect(opts_);
    if (!admin.ok()) return admin.status();
    return (*admin)->Describe(kGroup);
  }

  TempDir dir_;
  std::unique_ptr<Broker> broker_;
  logstore::ClientOptions opts_;
};

TEST_F(ShareGroupProcessTest, FiveConsumersKillNineAndABrokerRestartAcceptEachMessageOnce) {
  const int n = g_messages;
  ASSERT_EQ(Eddy({"topic", "create", kTopic, "--partitions", "1"}).exit_code, 0);
  ASSERT_EQ(Eddy({"topic", "create", kDlq, "--partitions", "1"}).exit_code, 0);
  {
    logstore::ProducerOptions po;
    po.client = opts_;
    auto p = logstore::Producer::Create(po);
    ASSERT_TRUE(p.ok()) << p.status();
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE((*p)->Send(kTopic, 0, std::nullopt, "m-" + std::to_string(i)).ok());
    }
    ASSERT_TRUE((*p)->Close().ok());
  }
  // Locks outlast the test: a record comes back early only because it was released or its
  // member died (session timeout), never because a lock ran out.
  auto cfg =
      Eddy({"queue", "config", kGroup, "--set", "group.share.record.lock.duration.ms=600000",
            "--set", "group.share.delivery.count.limit=" + std::to_string(kDeliveryLimit), "--set",
            "group.share.session.timeout.ms=3000", "--set", "group.share.heartbeat.interval.ms=500",
            "--set", "share.auto.offset.reset=earliest", "--set",
            std::string("errors.deadletterqueue.topic.name=") + kDlq});
  ASSERT_EQ(cfg.exit_code, 0) << cfg.err;

  WriteFile(dir_.path() + "/work.sh", kScript);
  // The victim works slowly and notes each record it starts, so it dies in the middle of one.
  WriteFile(dir_.path() + "/slow.sh", "echo $EDDY_OFFSET >> " + dir_.path() +
                                          "/started\nsleep 0.3\nexec sh " + dir_.path() +
                                          "/work.sh\n");
  const std::string victim_id = logstore::NewShareMemberId();
  std::vector<std::unique_ptr<Proc>> consumers;
  for (int c = 0; c < 5; ++c) {
    std::vector<std::string> argv = {EDDY_CLI,
                                     "queue",
                                     "consume",
                                     kTopic,
                                     "--group",
                                     kGroup,
                                     "--exec",
                                     "",
                                     "--print-meta",
                                     "--max-records",
                                     c == 0 ? "20" : "5",
                                     "--bootstrap",
                                     broker_->bootstrap()};
    argv[7] = "sh " + dir_.path() + (c == 0 ? "/slow.sh" : "/work.sh");
    if (c == 0) {
      argv.push_back("--member-id");
      argv.push_back(victim_id);
    }
    const std::string base = dir_.path() + "/c" + std::to_string(c);
    consumers.push_back(std::make_unique<Proc>(argv, base + ".out", base + ".err"));
  }

  // Kill the victim once it has finished a few records and holds more.
  ASSERT_TRUE(WaitFor(
      [&] {
        if (ReadOutcomes(consumers[0]->out()).size() < 3) return false;
        auto d = Describe();
        if (!d.ok()) return false;
        for (const auto& m : d->members) {
          if (m.member_id == victim_id && m.acquired > 1) return true;
        }
        return false;
      },
      std::chrono::seconds(120)))
      << ReadFile(dir_.path() + "/c0.err");
  consumers[0]->Signal(SIGKILL);
  EXPECT_EQ(consumers[0]->Wait(), 128 + SIGKILL);
  std::set<int64_t> victim_started, victim_done;
  {
    std::istringstream in(ReadFile(dir_.path() + "/started"));
    int64_t off;
    while (in >> off) victim_started.insert(off);
    for (const auto& o : ReadOutcomes(consumers[0]->out())) victim_done.insert(o.offset);
  }
  std::set<int64_t> victim_held;  // started, outcome never sent
  for (int64_t off : victim_started) {
    if (!victim_done.count(off)) victim_held.insert(off);
  }
  ASSERT_FALSE(victim_held.empty());

  // Restart the broker (kill -9, same data dir, same port) half way through.
  auto accepted_lines = [&] {
    size_t a = 0;
    for (const auto& c : consumers) {
      for (const auto& o : ReadOutcomes(c->out())) a += o.outcome == "accepted";
    }
    return a;
  };
  ASSERT_TRUE(WaitFor([&] { return accepted_lines() >= static_cast<size_t>(n / 2); },
                      std::chrono::seconds(300)));
  auto before = Describe();
  ASSERT_TRUE(before.ok()) << before.status();
  ASSERT_EQ(before->partitions.size(), 1u);
  const size_t logged_before_kill = accepted_lines();
  broker_->Kill9();
  const size_t logged_at_restart = accepted_lines();
  ASSERT_TRUE(broker_->Start()) << broker_->log();
  // Nothing done before the crash is forgotten: the start offset does not go back. (The
  // broker's lifetime counters restart from zero with it: they are not part of the durable
  // state, so the counts below are checked against what happened after the restart.)
  auto after = Describe();
  ASSERT_TRUE(after.ok()) << after.status();
  ASSERT_EQ(after->partitions.size(), 1u);
  EXPECT_GE(after->partitions[0].start_offset, before->partitions[0].start_offset);
  const int64_t restart_start = after->partitions[0].start_offset;

  // Wait until every record is done: accepted or archived.
  absl::StatusOr<logstore::ShareGroupDescription> end;
  ASSERT_TRUE(WaitFor(
      [&] {
        end = Describe();
        return end.ok() && end->partitions.size() == 1 && end->partitions[0].start_offset >= n &&
               end->partitions[0].in_flight == 0;
      },
      std::chrono::seconds(400)))
      << (end.ok() ? std::to_string(end->partitions[0].start_offset) : end.status().ToString());
  for (size_t c = 1; c < consumers.size(); ++c) consumers[c]->Signal(SIGTERM);
  for (size_t c = 1; c < consumers.size(); ++c) {
    EXPECT_EQ(consumers[c]->Wait(), 0) << ReadFile(dir_.path() + "/c" + std::to_string(c) + ".err");
  }

  // The consumers' own output.
  std::map<int64_t, int> accepted;  // offset -> times
  std::set<int64_t> rejected, ack_failed;
  std::map<int64_t, int> max_delivery;
  std::map<int64_t, std::vector<std::pair<int, std::string>>> history;  // (delivery, outcome)
  for (size_t c = 0; c < consumers.size(); ++c) {
    size_t mine = 0;
    for (const auto& o : ReadOutcomes(consumers[c]->out())) {
      EXPECT_EQ(o.value, "m-" + std::to_string(o.offset));  // offset i holds "m-i"
      history[o.offset].push_back({o.delivery, o.outcome});
      max_delivery[o.offset] = std::max(max_delivery[o.offset], o.delivery);
      if (o.outcome == "accepted") {
        ++accepted[o.offset];
        ++mine;
      } else if (o.outcome == "rejected") {
        rejected.insert(o.offset);
      } else if (o.outcome.rfind("ack-failed", 0) == 0) {
        ack_failed.insert(o.offset);
      }
    }
    EXPECT_GT(mine, 0u) << "consumer " << c << " got no share";
  }
  for (const auto& [off, times] : accepted) {
    EXPECT_EQ(times, 1) << "offset " << off << " accepted " << times << " times";
  }
  // Records the victim held came back to the others.
  for (int64_t off : victim_held) {
    const int i = static_cast<int>(off);
    if (Rejected(i) || AlwaysReleased(i)) continue;
    EXPECT_TRUE(accepted.count(off) || ack_failed.count(off)) << "held offset " << off << " lost";
    EXPECT_GE(max_delivery[off], 2) << "held offset " << off;
  }
  // Dead-letter topic: the records that were released until the limit (and the rejected ones).
  std::set<int64_t> dead;
  {
    logstore::ConsumerOptions co;
    co.client = opts_;
    auto c = logstore::Consumer::Create(co);
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE((*c)->Assign({{kDlq, 0}}).ok());
    auto admin = logstore::AdminClient::Connect(opts_);
    ASSERT_TRUE(admin.ok());
    auto end_off = (*admin)->ListOffset({kDlq, 0}, logstore::kLatestOffset);
    ASSERT_TRUE(end_off.ok());
    while (*(*c)->Position({kDlq, 0}) < *end_off) {
      auto polled = (*c)->Poll(std::chrono::milliseconds(500));
      ASSERT_TRUE(polled.ok()) << polled.status();
      for (auto& fp : *polled) {
        auto it = fp.Records();
        logstore::Record r;
        while (it.Next(&r)) {
          ASSERT_TRUE(r.value.has_value());
          const std::string v(*r.value);
          ASSERT_EQ(v.rfind("m-", 0), 0u) << v;
          EXPECT_TRUE(dead.insert(std::stoll(v.substr(2))).second) << "dead-lettered twice: " << v;
        }
      }
    }
  }
  int64_t want_accepted = 0, want_archived = 0;
  for (int i = 0; i < n; ++i) {
    if (Rejected(i)) {
      ++want_archived;
      EXPECT_FALSE(accepted.count(i)) << i;
      // Rejected once, never delivered again.
      auto& h = history[i];
      ASSERT_FALSE(h.empty()) << i;
      EXPECT_EQ(h.back().second, "rejected") << i;
      int rejects = 0;
      for (const auto& [d, o] : h) rejects += o == "rejected";
      EXPECT_EQ(rejects, 1) << i;
    } else if (AlwaysReleased(i)) {
      ++want_archived;
      EXPECT_FALSE(accepted.count(i)) << i;
      EXPECT_TRUE(dead.count(i)) << "offset " << i << " released " << kDeliveryLimit
                                 << " times is not in " << kDlq;
      EXPECT_LE(max_delivery[i], kDeliveryLimit) << i;
    } else {
      ++want_accepted;
      EXPECT_TRUE(accepted.count(i) || ack_failed.count(i)) << "offset " << i << " never accepted";
      EXPECT_FALSE(dead.count(i)) << i;
      if (ReleasedOnce(i)) {
        // Released on its first delivery and handed out again at once (locks never expire
        // here), accepted on a later one.
        bool released = false;
        for (const auto& [d, o] : history[i]) released |= (o == "released" && d == 1);
        if (!victim_held.count(i)) EXPECT_TRUE(released || ack_failed.count(i)) << i;
      }
    }
  }
  // The consumers' own output: every message accepted exactly once or archived.
  EXPECT_EQ(
      static_cast<int64_t>(accepted.size()) +
          static_cast<int64_t>(std::count_if(
              ack_failed.begin(), ack_failed.end(),
              [&](int64_t o) { return !accepted.count(o) && !Rejected(o) && !AlwaysReleased(o); })),
      want_accepted);
  // The group's description agrees: every offset is done, nothing held or in flight; what was
  // accepted and archived after the restart is what the consumers saw after it.
  const auto& p = end->partitions[0];
  EXPECT_EQ(p.start_offset, n);
  EXPECT_EQ(p.in_flight, 0);
  EXPECT_EQ(p.acquired, 0);
  EXPECT_EQ(p.lock_expired_total, 0);  // releases and the victim's records came back at once
  EXPECT_LE(p.accepted_total, want_accepted);
  EXPECT_LE(p.archived_total, want_archived);
  // Accepts printed after the restart were all confirmed by the restarted broker; those
  // printed before the kill by the old one (a few answered just before the kill may be printed
  // after it).
  const int64_t logged = static_cast<int64_t>(accepted.size());
  EXPECT_GE(p.accepted_total, logged - static_cast<int64_t>(logged_at_restart));
  EXPECT_LE(p.accepted_total, logged - static_cast<int64_t>(logged_before_kill) +
                                  static_cast<int64_t>(ack_failed.size()));
  EXPECT_GE(restart_start, 0);
  EXPECT_EQ(static_cast<int64_t>(dead.size()), want_archived);  // rejected ones go there too

  auto desc = Eddy({"queue", "describe", kGroup, "--output", "json"});
  EXPECT_EQ(desc.exit_code, 0) << desc.err;
  EXPECT_NE(desc.out.find("\"start_offset\": " + std::to_string(n)), std::string::npos) << desc.out;
}

TEST_F(ShareGroupProcessTest, AdminCommandsAndBadInput) {
  ASSERT_EQ(Eddy({"topic", "create", kTopic, "--partitions", "2"}).exit_code, 0);
  {
    logstore::ProducerOptions po;
    po.client = opts_;
    auto p = logstore::Producer::Create(po);
    ASSERT_TRUE(p.ok());
    for (int i = 0; i < 10; ++i) ASSERT_TRUE((*p)->Send(kTopic, i % 2, std::nullopt, "x").ok());
    ASSERT_TRUE((*p)->Close().ok());
  }
  // share.auto.offset.reset is latest by default (as in Kafka): read what is there already.
  auto cfg = Eddy({"queue", "config", "g1", "--set", "share.auto.offset.reset=earliest"});
  ASSERT_EQ(cfg.exit_code, 0) << cfg.err;
  EXPECT_NE(cfg.out.find("share.auto.offset.reset=earliest"), std::string::npos) << cfg.out;
  auto c =
      Eddy({"queue", "consume", kTopic, "--group", "g1", "--max-messages", "4", "--print-meta"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(std::count(c.out.begin(), c.out.end(), '\n'), 4) << c.out;
  auto l = Eddy({"queue", "list"});
  EXPECT_EQ(l.exit_code, 0);
  EXPECT_NE(l.out.find("g1"), std::string::npos) << l.out;
  auto d = Eddy({"queue", "describe", "g1"});
  EXPECT_EQ(d.exit_code, 0) << d.err;
  EXPECT_NE(d.out.find("Share group: g1"), std::string::npos) << d.out;
  // Reset to the end: nothing left to read.
  auto r = Eddy({"queue", "reset", "g1", "--topic", kTopic, "--to-latest"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("StartOffset: 5"), std::string::npos) << r.out;
  auto dj = Eddy({"queue", "describe", "g1", "--output", "json"});
  EXPECT_NE(dj.out.find("\"in_flight\": 0"), std::string::npos) << dj.out;
  // Bad input: clear errors, the broker keeps running.
  EXPECT_EQ(Eddy({"queue", "consume", kTopic}).exit_code, 2);  // --group missing
  EXPECT_EQ(Eddy({"queue", "consume", kTopic, "--group", "g", "--ack", "maybe"}).exit_code, 2);
  EXPECT_EQ(Eddy({"queue", "reset", "g1", "--topic", kTopic}).exit_code, 2);
  auto bad = Eddy({"queue", "config", "g1", "--set", "group.share.delivery.count.limit=-3"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("group.share.delivery.count.limit"), std::string::npos) << bad.err;
  auto missing = Eddy({"queue", "describe", "no-such-group"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no-such-group"), std::string::npos) << missing.err;
  auto del = Eddy({"queue", "delete", "g1"});
  EXPECT_EQ(del.exit_code, 0) << del.err;
  EXPECT_TRUE(broker_->Alive());
}

}  // namespace
}  // namespace eddy::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--full") eddy::testing::g_messages = 20000;
  }
  if (const char* n = std::getenv("EDDY_QUEUE_TEST_MESSAGES"))
    eddy::testing::g_messages = std::atoi(n);
  return RUN_ALL_TESTS();
}
