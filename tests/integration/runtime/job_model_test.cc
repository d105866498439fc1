// Integration: the stable job model (runtime/JOB_MODEL.md) with real eddy-logd and
// eddy-container processes. A stateful wordcount (GroupBySystemStreamPartition, input and
// changelogs on the `kafka` system through eddy-logd's Kafka listener, broker auto-create on)
// is restarted without its local state after its input grew from 4 to 6 partitions and a new
// input stream that sorts first was added: every old task restores exactly its own counts from
// its own changelog partition, the new tasks get new partitions, the changelogs are grown, and
// the runner says what it did. A changelog pre-created with the delete policy or too few
// partitions makes the container fail with an error naming topic, setting and config key.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "rocksdb/db.h"
#include "runtime/container/systems_hub.h"
#include "runtime/job/task_partitions.h"
#include "tests/integration/runtime/runtime_test_util.h"

namespace eddy::runtime::testing {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const std::string& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string SspTask(const std::string& stream, int p) {
  return "SystemStreamPartition [kafka, " + stream + ", " + std::to_string(p) + "]";
}

// The store directory of a task (runtime/container/task_stores.cc DirName).
std::string TaskDir(const std::string& task) {
  std::string s;
  for (char c : task) s += (std::isalnum(static_cast<unsigned char>(c)) || c == '-') ? c : '_';
  return s;
}

std::map<std::string, int64_t> ReadRocks(const std::string& path) {
  std::map<std::string, int64_t> out;
  rocksdb::Options opts;
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::OpenForReadOnly(opts, path, &raw);
  EXPECT_TRUE(s.ok()) << path << ": " << s.ToString();
  if (!s.ok()) return out;
  std::unique_ptr<rocksdb::DB> db(raw);
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    out[it->key().ToString()] = DecodeInt64BE(it->value().ToString());
  }
  return out;
}

struct Job {
  std::string dir;
  Logd logd;
  std::map<std::string, std::map<std::string, int64_t>> expected;  // task → word → count

  // Produces `n` generated lines round-robin over `partitions` partitions of `stream` and
  // counts them for the task reading each partition.
  void Produce(const std::string& stream, int partitions, int64_t n, uint64_t seed) {
    std::map<std::string, int64_t> total;
    auto lines = MakeCorpus(n, 3000, seed, &total);
    logstore::ProducerOptions o;
    o.client.bootstrap = logd.native;
    auto p = logstore::Producer::Create(o);
    ASSERT_TRUE(p.ok());
    for (size_t i = 0; i < lines.size(); ++i) {
      int part = static_cast<int>(i % partitions);
      ASSERT_TRUE((*p)->Send(stream, part, std::nullopt, lines[i]).ok());
      auto& exp = expected[SspTask(stream, part)];
      size_t a = 0;
      const std::string& l = lines[i];
      while (a < l.size()) {
        size_t b = l.find(' ', a);
        if (b == std::string::npos) b = l.size();
        exp[l.substr(a, b - a)]++;
        a = b + 1;
      }
    }
    ASSERT_TRUE((*p)->Close().ok());
  }

  // `eddy-container run` to the end of its input; its stderr in *err. Returns the exit status.
  int Run(const std::string& work, const std::vector<std::string>& extra, std::string* err) {
    std::vector<std::string> sets = {
        "systems.eddy.bootstrap.servers=" + logd.native,
        "task.library=" + std::string(EDDY_JOBS_DIR) + "/wordcount-lowlevel/lib/libwordcount-lowlevel.so",
        "task.commit.ms=300",
        "task.window.ms=300",
        "job.container.count=2",
        "cluster-manager.container.retry.count=0"};
    if (!logd.kafka.empty()) {
      // Input and changelogs through the Kafka listener; one task per input partition.
      std::vector<std::string> k = {
          "systems.kafka.factory=kafka",
          "systems.kafka.bootstrap.servers=" + logd.kafka,
          "systems.kafka.samza.offset.default=oldest",
          "task.checkpoint.system=eddy",
          "job.systemstreampartition.grouper.factory=GroupBySystemStreamPartitionFactory",
          "streams.wordcount-counts.partitions=8"};
      sets.insert(sets.end(), k.begin(), k.end());
    }
    for (const auto& e : extra) sets.push_back(e);
    std::string cmd = "exec '" + std::string(EDDY_BIN_DIR) + "/eddy-container' run --config '" +
                      std::string(EDDY_SOURCE_DIR) + "/jobs/wordcount-lowlevel/wordcount.properties'" +
                      " --work-dir '" + work + "' --until-caught-up";
    for (const auto& s : sets) cmd += " --set '" + s + "'";
    std::string err_path = dir + "/runner.err";
    cmd += " 2> '" + err_path + "'";
    ChildProcess runner;
    EXPECT_TRUE(runner.Start({"/bin/sh", "-c", cmd}).ok());
    int st = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(180);
    while (!runner.Poll(&st) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_FALSE(runner.running()) << "the job did not finish";
    if (runner.running()) runner.Stop(std::chrono::seconds(5));
    *err = Slurp(err_path);
    return st;
  }

  // Every task's store (read with RocksDB) and its changelog partition (per the stored map)
  // hold exactly its counts.
  void Check(const std::string& work) {
    auto map = TaskPartitionsFromJson(Slurp(work + "/changelog-partitions.json"));
    ASSERT_TRUE(map.ok()) << map.status();
    auto cl = ReadLastValuesPerPartition(logd.native, "wordcount-counts-changelog");
    ASSERT_TRUE(cl.ok()) << cl.status();
    for (const auto& [task, exp] : expected) {
      SCOPED_TRACE(task);
      ASSERT_TRUE(map->count(task));
      size_t p = static_cast<size_t>(map->at(task));
      ASSERT_LT(p, cl->size());
      auto store = ReadRocks(work + "/state/wordcount-counts/" + TaskDir(task));
      EXPECT_EQ(store.size(), exp.size());
      EXPECT_EQ((*cl)[p].size(), exp.size());
      int64_t wrong_store = 0, wrong_cl = 0;
      for (const auto& [w, n] : exp) {
        if (store[w] != n) ++wrong_store;
        auto it = (*cl)[p].find(w);
        if (it == (*cl)[p].end() || DecodeInt64BE(it->second) != n) ++wrong_cl;
      }
      EXPECT_EQ(wrong_store, 0) << "words with a wrong count in the task's RocksDB store";
      EXPECT_EQ(wrong_cl, 0) << "words with a wrong count in changelog partition " << p;
    }
  }
};

TEST(JobModel, StatefulJobWithMoreInputPartitionsKeepsEveryTasksState) {
  Job job;
  job.dir = MakeTempDir("eddy-jobmodel-");
  ASSERT_FALSE(job.dir.empty());
  // Broker auto-create on: the changelogs must still be created compacted with 4 partitions.
  ASSERT_TRUE(job.logd.Start(job.dir + "/log", true, {"--auto-create-topics", "true"}).ok());
  logstore::ClientOptions co;
  co.bootstrap = job.logd.native;
  auto admin = logstore::AdminClient::Connect(co);
  ASSERT_TRUE(admin.ok());
  ASSERT_TRUE((*admin)->CreateTopic("wordcount-lines", 4).ok());
  job.Produce("wordcount-lines", 4, 40000, 1);
  std::string work = job.dir + "/work", err;

  int st = job.Run(work,
                   {"task.inputs=kafka.wordcount-lines",
                    "stores.wordcount-counts.changelog=kafka.wordcount-counts-changelog",
                    "stores.wordcount-pending.changelog=kafka.wordcount-pending-changelog",
                    // kafka-system changelogs (grown through CreatePartitions) cannot join the
                    // task's eddy transaction: this test is about the job model.
                    "processing.guarantee=at_least_once"},
                   &err);
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << "runner status " << st << "\n" << err;
  for (const char* t : {"wordcount-counts-changelog", "wordcount-pending-changelog"}) {
    auto d = (*admin)->DescribeTopic(t);
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_EQ(d->partitions.size(), 4u) << t;
    EXPECT_EQ(d->config["cleanup.policy"], "compact") << t;
    EXPECT_EQ(d->config["min.compaction.lag.ms"], "14400000") << t;
  }
  job.Check(work);

  // The input grows 4 → 6 partitions (Kafka CreatePartitions), a new input stream sorting
  // first is added, more lines go to every partition, and the local stores are gone: every
  // old task must restore from its own changelog partition.
  {
    std::map<std::string, SystemConfig> systems;
    systems["kafka"].name = "kafka";
    systems["kafka"].props["factory"] = "kafka";
    systems["kafka"].props["bootstrap.servers"] = job.logd.kafka;
    SystemsHub hub(systems);
    auto ka = hub.Admin("kafka");
    ASSERT_TRUE(ka.ok()) << ka.status();
    ASSERT_TRUE((*ka)->AddPartitions("wordcount-lines", 6).ok());
  }
  ASSERT_EQ(*(*admin)->PartitionCount("wordcount-lines"), 6);
  ASSERT_TRUE((*admin)->CreateTopic("aaa-lines", 2).ok());
  job.Produce("wordcount-lines", 6, 30000, 2);
  job.Produce("aaa-lines", 2, 10000, 3);
  std::error_code ec;
  fs::remove_all(work + "/state", ec);

  st = job.Run(work,
               {"task.inputs=kafka.aaa-lines,kafka.wordcount-lines",
                "stores.wordcount-counts.changelog=kafka.wordcount-counts-changelog",
                "stores.wordcount-pending.changelog=kafka.wordcount-pending-changelog",
                    // kafka-system changelogs (grown through CreatePartitions) cannot join the
                    // task's eddy transaction: this test is about the job model.
                    "processing.guarantee=at_least_once"},
               &err);
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << "runner status " << st << "\n" << err;
  // What it did, said.
  EXPECT_NE(
      err.find("4 new task(s) get new changelog partitions ('" + SspTask("aaa-lines", 0) +
               "' -> 4, '" + SspTask("aaa-lines", 1) + "' -> 5, '" + SspTask("wordcount-lines", 4) +
               "' -> 6, '" + SspTask("wordcount-lines", 5) + "' -> 7)"),
      std::string::npos)
      << err;
  EXPECT_NE(err.find("grew changelog topic kafka.wordcount-counts-changelog of store "
                     "wordcount-counts from 4 to 8 partitions"),
            std::string::npos)
      << err;
  auto map = TaskPartitionsFromJson(Slurp(work + "/changelog-partitions.json"));
  ASSERT_TRUE(map.ok()) << map.status();
  for (int p = 0; p < 4; ++p) EXPECT_EQ(map->at(SspTask("wordcount-lines", p)), p);
  EXPECT_EQ(map->size(), 8u);
  EXPECT_EQ(*(*admin)->PartitionCount("wordcount-counts-changelog"), 8);
  EXPECT_EQ(*(*admin)->PartitionCount("wordcount-pending-changelog"), 8);
  job.Check(work);
  job.logd.proc.Stop(std::chrono::seconds(5));
  fs::remove_all(job.dir, ec);
}

// A changelog that does not fit stops the container before it processes anything; the error
// names the topic, the setting and the config key.
TEST(JobModel, ContainerFailsOnADeletePolicyOrTooSmallChangelog) {
  Job job;
  job.dir = MakeTempDir("eddy-jobmodel-bad-");
  ASSERT_TRUE(job.logd.Start(job.dir + "/log", false).ok());
  logstore::ClientOptions co;
  co.bootstrap = job.logd.native;
  auto admin = logstore::AdminClient::Connect(co);
  ASSERT_TRUE(admin.ok());
  ASSERT_TRUE((*admin)->CreateTopic("wordcount-lines", 4).ok());
  job.Produce("wordcount-lines", 4, 1000, 4);
  ASSERT_TRUE((*admin)->CreateTopic("wordcount-counts-changelog", 4).ok());  // delete policy
  std::string err;
  std::vector<std::string> eddy_only = {"task.inputs=eddy.wordcount-lines",
                                        "streams.wordcount-counts.partitions=4"};
  int st = job.Run(job.dir + "/w1", eddy_only, &err);
  EXPECT_FALSE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << err;
  EXPECT_NE(err.find("changelog topic eddy.wordcount-counts-changelog of store wordcount-counts "
                     "(config key stores.wordcount-counts.changelog="
                     "eddy.wordcount-counts-changelog): cleanup.policy is 'delete'"),
            std::string::npos)
      << err;
  EXPECT_EQ(*(*admin)->PartitionCount("wordcount-counts-changelog"), 4);

  ASSERT_TRUE((*admin)->DeleteTopic("wordcount-counts-changelog").ok());
  ASSERT_TRUE(
      (*admin)
          ->CreateTopic("wordcount-counts-changelog", 2,
                        {{"cleanup.policy", "compact"}, {"min.compaction.lag.ms", "14400000"}})
          .ok());
  st = job.Run(job.dir + "/w2", eddy_only, &err);
  EXPECT_FALSE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << err;
  EXPECT_NE(err.find("changelog topic eddy.wordcount-counts-changelog"), std::string::npos) << err;
  EXPECT_NE(err.find("partition count is 2, the job model needs 4"), std::string::npos) << err;
  job.logd.proc.Stop(std::chrono::seconds(5));
  std::error_code ec;
  fs::remove_all(job.dir, ec);
}

// The runner's map file: a work dir from before it existed is seeded from its job-model.json;
// a dropped input is reported and its tasks keep their partitions in the file.
TEST(JobModel, RunnerSeedsTheMapFromAnOldWorkDirAndKeepsVanishedTasks) {
  Job job;
  job.dir = MakeTempDir("eddy-jobmodel-seed-");
  ASSERT_TRUE(job.logd.Start(job.dir + "/log", false).ok());
  logstore::ClientOptions co;
  co.bootstrap = job.logd.native;
  auto admin = logstore::AdminClient::Connect(co);
  ASSERT_TRUE(admin.ok());
  ASSERT_TRUE((*admin)->CreateTopic("wordcount-lines", 2).ok());
  ASSERT_TRUE((*admin)->CreateTopic("aaa-lines", 2).ok());
  // The native system cannot grow a changelog: make them big enough up front.
  for (const char* t : {"wordcount-counts-changelog", "wordcount-pending-changelog"}) {
    ASSERT_TRUE(
        (*admin)
            ->CreateTopic(t, 8,
                          {{"cleanup.policy", "compact"}, {"min.compaction.lag.ms", "14400000"}})
            .ok());
  }
  const std::string by_ssp =
      "job.systemstreampartition.grouper.factory=GroupBySystemStreamPartitionFactory";
  auto task = [](const std::string& s, int p) {
    return "SystemStreamPartition [eddy, " + s + ", " + std::to_string(p) + "]";
  };
  std::string work = job.dir + "/work", err;
  int st = job.Run(work, {"task.inputs=eddy.wordcount-lines", by_ssp}, &err);
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << err;
  ASSERT_TRUE(fs::exists(work + "/changelog-partitions.json"));
  ASSERT_TRUE(fs::remove(work + "/changelog-partitions.json"));  // as an older Eddy left it

  st = job.Run(work, {"task.inputs=eddy.aaa-lines,eddy.wordcount-lines", by_ssp}, &err);
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << err;
  auto map = TaskPartitionsFromJson(Slurp(work + "/changelog-partitions.json"));
  ASSERT_TRUE(map.ok()) << map.status();
  EXPECT_EQ(*map, (TaskPartitions{{task("wordcount-lines", 0), 0},
                                  {task("wordcount-lines", 1), 1},
                                  {task("aaa-lines", 0), 2},
                                  {task("aaa-lines", 1), 3}}));
  EXPECT_NE(err.find("2 new task(s) get new changelog partitions"), std::string::npos) << err;

  st = job.Run(work, {"task.inputs=eddy.aaa-lines", by_ssp}, &err);
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << err;
  EXPECT_NE(err.find("2 task(s) no longer have an input partition and do not run ('" +
                     task("wordcount-lines", 0) + "' -> 0, '" + task("wordcount-lines", 1) +
                     "' -> 1); their state is kept"),
            std::string::npos)
      << err;
  auto after = TaskPartitionsFromJson(Slurp(work + "/changelog-partitions.json"));
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(*after, *map) << "vanished tasks keep their entries";
  auto model = JobModelFromJson(Slurp(work + "/job-model.json"));
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(TaskPartitionsOf(*model),
            (TaskPartitions{{task("aaa-lines", 0), 2}, {task("aaa-lines", 1), 3}}));
  job.logd.proc.Stop(std::chrono::seconds(5));
  std::error_code ec;
  fs::remove_all(job.dir, ec);
}

}  // namespace
}  // namespace eddy::runtime::testing
