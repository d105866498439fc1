// Integration: a stateless job (QueueCopy, queue_copy_task.cc) reads a 1-partition topic as a
// queue (systems.eddy.streams.q-in.share.group) with TWO containers under `eddy-container run`,
// so it runs past the partition count. One container is killed (SIGKILL) in the middle and
// restarted by the runner. At the end every input record is in the output at least once, the
// share group accepted every record exactly once with nothing in flight, and both containers'
// queue tasks processed records.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "log-store/client/share_group_admin.h"
#include "tests/integration/runtime/runtime_test_util.h"

namespace eddy::runtime::testing {
namespace {

namespace fs = std::filesystem;

// Every (key, value) of partition 0 of `topic`, read_committed, up to its end offset.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ReadAll(
    const std::string& bootstrap, const std::string& topic) {
  logstore::ClientOptions co;
  co.bootstrap = bootstrap;
  auto admin = logstore::AdminClient::Connect(co);
  if (!admin.ok()) return admin.status();
  logstore::TopicPartition tp{topic, 0};
  auto end = (*admin)->ListOffset(tp, logstore::kLatestOffset);
  if (!end.ok()) return end.status();
  logstore::ConsumerOptions o;
  o.client = co;
  o.fetch_max_wait = std::chrono::milliseconds(50);
  auto c = logstore::Consumer::Create(o);
  if (!c.ok()) return c.status();
  if (auto s = (*c)->Assign({tp}); !s.ok()) return s;
  if (auto s = (*c)->SeekToBeginning({tp}); !s.ok()) return s;
  std::vector<std::pair<std::string, std::string>> out;
  int64_t next = 0;
  int idle = 0;
  while (next < *end && idle < 200) {
    auto f = (*c)->Poll(std::chrono::milliseconds(100));
    if (!f.ok()) return f.status();
    if (f->empty()) ++idle;
    for (const auto& fp : *f) {
      if (!fp.error.ok()) return fp.error;
      auto cur = fp.Records();
      logstore::Record r;
      while (cur.Next(&r)) {
        next = r.offset + 1;
        out.emplace_back(r.key ? std::string(*r.key) : "", r.value ? std::string(*r.value) : "");
      }
      if (fp.next_offset > next) next = fp.next_offset;
    }
    if (auto pos = (*c)->Position(tp); pos.ok() && *pos > next) next = *pos;
  }
  if (next < *end) return absl::DeadlineExceededError(topic + ": could not read to the end");
  return out;
}

class QueueJob : public ::testing::TestWithParam<std::string> {};

// Param: processing.guarantee. Under exactly_once the dead attempt's outputs are aborted, so
// read_committed readers usually see each record once; under at_least_once they may see some
// twice. Both must see every record.
TEST_P(QueueJob, TwoContainersOnOnePartitionSurviveAKill) {
  const std::string dir = MakeTempDir("eddy-queue-job-");
  ASSERT_FALSE(dir.empty());
  Logd logd;
  ASSERT_TRUE(logd.Start(dir + "/log", false).ok());
  logstore::ClientOptions co;
  co.bootstrap = logd.native;
  auto admin = logstore::AdminClient::Connect(co);
  ASSERT_TRUE(admin.ok()) << admin.status();
  ASSERT_TRUE((*admin)->CreateTopic("q-in", 1).ok());
  ASSERT_TRUE((*admin)->CreateTopic("q-out", 1).ok());
  auto groups = logstore::ShareGroupAdmin::Connect(co);
  ASSERT_TRUE(groups.ok()) << groups.status();
  // Read from the start; a dead member's records come back within seconds.
  ASSERT_TRUE((*groups)
                  ->AlterConfigs("copiers", {{"share.auto.offset.reset", "earliest"},
                                             {"group.share.record.lock.duration.ms", "3000"},
                                             {"group.share.session.timeout.ms", "3000"},
                                             {"group.share.heartbeat.interval.ms", "500"}})
                  .ok());
  const int n =
      getenv("EDDY_QUEUE_JOB_RECORDS") ? std::atoi(getenv("EDDY_QUEUE_JOB_RECORDS")) : 4000;
  std::vector<std::string> values;
  for (int i = 0; i < n; ++i) values.push_back("r" + std::to_string(i));
  ASSERT_TRUE(ProduceLines(logd.native, "q-in", values).ok());

  const std::string config = dir + "/queue-copy.properties";
  {
    std::ofstream f(config);
    f << "job.name=queue-copy\n"
         "task.class=QueueCopy\n"
         "task.inputs=eddy.q-in\n"
         "job.container.count=2\n"
         "task.commit.ms=1000\n"
         "processing.guarantee="
      << GetParam()
      << "\n"
         "systems.eddy.factory=eddy\n"
         "systems.eddy.streams.q-in.share.group=copiers\n"
         "systems.eddy.streams.q-in.share.max.records=20\n"
         "app.copy.output=eddy.q-out\n"
         "app.copy.sleep.us=2000\n"
         "cluster-manager.container.retry.count=5\n";
  }
  const std::string work = dir + "/work";
  std::vector<std::string> argv = {std::string(EDDY_BIN_DIR) + "/eddy-container",
                                   "run",
                                   "--config",
                                   config,
                                   "--work-dir",
                                   work,
                                   "--set",
                                   "systems.eddy.bootstrap.servers=" + logd.native,
                                   "--set",
                                   "task.library=" + std::string(EDDY_QUEUE_COPY_LIB)};
  ChildProcess runner;
  ASSERT_TRUE(runner.Start(argv, true).ok());
  std::map<std::string, pid_t> pids;
  for (int i = 0; i < 2; ++i) {
    auto line = runner.ReadLineContaining(" pid ", std::chrono::seconds(60));
    ASSERT_TRUE(line.ok()) << line.status();
    auto c = line->find("container ", line->find("run:"));
    std::string id = line->substr(c + 10, line->find(' ', c + 10) - c - 10);
    pids[id] = std::stoi(line->substr(line->rfind(' ') + 1));
  }
  ASSERT_EQ(pids.size(), 2u);

  auto describe = [&]() -> logstore::SharePartitionInfo {
    auto d = (*groups)->Describe("copiers");
    if (!d.ok() || d->partitions.empty()) return {};
    return d->partitions.front();
  };
  // Kill container 1 once a quarter of the records are accepted.
  ASSERT_TRUE(
      WaitFor([&] { return describe().accepted_total >= n / 4; }, std::chrono::seconds(120)))
      << "accepted " << describe().accepted_total;
  ASSERT_LT(describe().accepted_total, n) << "too fast to kill in the middle; raise the count";
  ASSERT_EQ(::kill(pids["1"], SIGKILL), 0);
  auto again = runner.ReadLineContaining("container 1 pid", std::chrono::seconds(60));
  ASSERT_TRUE(again.ok()) << "container 1 not restarted: " << again.status();

  // Every record accepted, nothing in flight.
  ASSERT_TRUE(WaitFor(
      [&] {
        auto p = describe();
        return p.start_offset == n && p.in_flight == 0;
      },
      std::chrono::seconds(180)))
      << "start offset " << describe().start_offset << ", in flight " << describe().in_flight;
  auto p = describe();
  EXPECT_EQ(p.accepted_total, n) << "every record accepted exactly once";
  EXPECT_EQ(p.archived_total, 0);

  runner.Signal(SIGTERM);
  auto st = WaitExit(runner, std::chrono::seconds(60));
  ASSERT_TRUE(st.has_value()) << "the runner did not stop on SIGTERM";
  EXPECT_TRUE(WIFEXITED(*st) && WEXITSTATUS(*st) == 0) << "runner status " << *st;

  auto out = ReadAll(logd.native, "q-out");
  ASSERT_TRUE(out.ok()) << out.status();
  std::map<std::string, int> seen;
  std::map<std::string, int> by_task;
  for (const auto& [k, v] : *out) {
    seen[k]++;
    by_task[v.substr(0, v.find('|'))]++;
  }
  int missing = 0;
  for (const auto& v : values) {
    if (!seen.count(v)) ++missing;
  }
  EXPECT_EQ(missing, 0) << "input records never in the output";
  EXPECT_GE(out->size(), static_cast<size_t>(n));
  EXPECT_GT(by_task["Queue q-in 0"], 0) << "container 0 processed nothing";
  EXPECT_GT(by_task["Queue q-in 1"], 0) << "container 1 processed nothing";
  EXPECT_EQ(by_task.size(), 2u);
  std::printf("queue job (%s): %d records, %zu outputs (%zu duplicates), container 0: %d, 1: %d\n",
              GetParam().c_str(), n, out->size(), out->size() - seen.size(),
              by_task["Queue q-in 0"], by_task["Queue q-in 1"]);
  std::error_code ec;
  fs::remove_all(dir, ec);
}

INSTANTIATE_TEST_SUITE_P(Guarantees, QueueJob, ::testing::Values("exactly_once", "at_least_once"));

}  // namespace
}  // namespace eddy::runtime::testing
