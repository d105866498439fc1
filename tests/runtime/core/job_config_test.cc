#include "runtime/container/job_config.h"

#include <gtest/gtest.h>

namespace eddy::runtime {
namespace {

Config::Map Base() {
  return {{"job.name", "wc"},
          {"task.class", "WordCount"},
          {"task.inputs", "eddy.lines"},
          {"systems.eddy.factory", "eddy"},
          {"systems.eddy.bootstrap.servers", "127.0.0.1:1"}};
}

absl::Status Parse(Config::Map m) {
  return ParseJobConfig(Config(std::move(m), "job.properties"), "/tmp", "/tmp").status();
}

void ExpectErrorNaming(Config::Map m, const std::string& key) {
  absl::Status s = Parse(std::move(m));
  ASSERT_FALSE(s.ok()) << "expected an error naming " << key;
  EXPECT_NE(s.message().find(key), std::string::npos) << s.message();
}

TEST(JobConfig, ValidConfigAndDefaults) {
  auto m = Base();
  m["stores.counts.factory"] = "rocksdb";
  m["stores.counts.changelog"] = "eddy.counts-changelog";
  auto j = ParseJobConfig(Config(m), "/cfg", "/work");
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_EQ(j->commit_ms, 1000);  // exactly_once (the default): outputs show at commit
  EXPECT_EQ(j->window_ms, -1);
  EXPECT_EQ(j->shutdown_ms, 30000);
  EXPECT_EQ(j->container_count, 1);
  EXPECT_EQ(j->checkpoint_system, "eddy");
  EXPECT_EQ(j->store_base_dir, "/work/state");
  ASSERT_EQ(j->stores.size(), 1u);
  EXPECT_EQ(j->stores[0].changelog->stream, "counts-changelog");
  ASSERT_EQ(j->inputs.size(), 1u);
  EXPECT_EQ(j->inputs[0].stream, "lines");
}

TEST(JobConfig, ProcessingGuaranteeDefaultsToExactlyOnce) {
  auto j = ParseJobConfig(Config(Base()), "/cfg", "/work");
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_TRUE(j->exactly_once);
  for (const char* v : {"exactly_once", "exactly_once_v2"}) {
    auto m = Base();
    m["processing.guarantee"] = v;
    auto e = ParseJobConfig(Config(m), "/cfg", "/work");
    ASSERT_TRUE(e.ok()) << e.status();
    EXPECT_TRUE(e->exactly_once) << v;
  }
  auto m = Base();
  m["processing.guarantee"] = "at_least_once";
  auto a = ParseJobConfig(Config(m), "/cfg", "/work");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_FALSE(a->exactly_once);
  EXPECT_EQ(a->commit_ms, 60000);  // Samza's default, kept for at_least_once
  m["task.commit.ms"] = "250";
  a = ParseJobConfig(Config(m), "/cfg", "/work");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->commit_ms, 250);
  m["processing.guarantee"] = "exactly_once";  // an explicit interval wins over the eos default
  a = ParseJobConfig(Config(m), "/cfg", "/work");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->commit_ms, 250);
  // Under exactly_once the interval must stay below the writer's transaction timeout (60 s by
  // default), which would otherwise abort the open transaction and fence the task.
  m["task.commit.ms"] = "60000";
  ExpectErrorNaming(m, "producer.transaction.timeout.ms");
  m["systems.eddy.producer.transaction.timeout.ms"] = "120000";
  a = ParseJobConfig(Config(m), "/cfg", "/work");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->commit_ms, 60000);
  m["processing.guarantee"] = "at_least_once";  // no transactions: any interval
  m.erase("systems.eddy.producer.transaction.timeout.ms");
  a = ParseJobConfig(Config(m), "/cfg", "/work");
  ASSERT_TRUE(a.ok()) << a.status();
  m.erase("task.commit.ms");
  m["processing.guarantee"] = "exactly-once";
  ExpectErrorNaming(m, "processing.guarantee");
}

TEST(JobConfig, MissingRequiredKeysAreNamed) {
  auto m = Base();
  m.erase("task.class");
  ExpectErrorNaming(m, "task.class");
  m = Base();
  m.erase("task.inputs");
  ExpectErrorNaming(m, "task.inputs");
  m = Base();
  m.erase("job.name");
  ExpectErrorNaming(m, "job.name");
}

TEST(JobConfig, ReferencesToUndefinedThingsAreNamed) {
  auto m = Base();
  m["task.inputs"] = "nosuch.lines";
  ExpectErrorNaming(m, "nosuch");
  m = Base();
  m["task.inputs"] = "nodot";
  ExpectErrorNaming(m, "task.inputs");
  m = Base();
  m["systems.eddy.factory"] = "hdfs";
  ExpectErrorNaming(m, "systems.eddy.factory");
  m = Base();
  m["stores.counts.key.serde"] = "string";
  ExpectErrorNaming(m, "stores.counts.factory");
  m = Base();
  m["stores.counts.factory"] = "rocksdb";
  m["stores.counts.changelog"] = "other.cl";
  ExpectErrorNaming(m, "stores.counts.changelog");
}

TEST(JobConfig, MalformedValuesAreNamed) {
  auto m = Base();
  m["task.window.ms"] = "soon";
  ExpectErrorNaming(m, "task.window.ms");
  m = Base();
  m["job.container.count"] = "0";
  ExpectErrorNaming(m, "job.container.count");
  m = Base();
  m["systems.eddy.samza.offset.default"] = "newest";
  ExpectErrorNaming(m, "samza.offset.default");
  m = Base();
  m["task.drop.deserialization.errors"] = "maybe";
  ExpectErrorNaming(m, "task.drop.deserialization.errors");
  m = Base();
  m["job.systemstreampartition.grouper.factory"] = "x.Y";
  ExpectErrorNaming(m, "job.systemstreampartition.grouper.factory");
}

// Names become directories and topics (runtime/job/names.h): a name that could leave its
// directory or name another job's is refused, naming the key and the value.
TEST(JobConfig, NamesThatWouldBecomeBadPathsOrTopicsAreRefused) {
  for (const char* bad : {"../../../x", "team/wordcount", "..", ".", "a b", "x\n", "/abs"}) {
    auto m = Base();
    m["job.name"] = bad;
    ExpectErrorNaming(m, "job.name");
  }
  auto m = Base();
  m["job.name"] = std::string(201, 'a');
  ExpectErrorNaming(m, "job.name");
  m = Base();
  m["job.name"] = std::string(200, 'a');
  EXPECT_TRUE(Parse(m).ok()) << Parse(m);
  m = Base();
  m["job.name"] = "Team_1.word-count";
  EXPECT_TRUE(Parse(m).ok()) << Parse(m);
  m = Base();
  m["job.id"] = "2/../..";
  ExpectErrorNaming(m, "job.id");
  m = Base();
  m["stores.a/b.factory"] = "rocksdb";
  ExpectErrorNaming(m, "stores.a/b");
  m = Base();
  m["stores..factory"] = "rocksdb";
  ExpectErrorNaming(m, "stores.");
  m = Base();
  m["task.inputs"] = "eddy.../x";
  ExpectErrorNaming(m, "task.inputs");
  m = Base();
  m["stores.counts.factory"] = "rocksdb";
  m["stores.counts.changelog"] = "eddy.cl/../x";
  ExpectErrorNaming(m, "stores.counts.changelog");
}

TEST(JobConfig, QueueInputs) {
  auto m = Base();
  m["task.inputs"] = "eddy.lines,eddy.jobs";
  m["systems.eddy.streams.jobs.share.group"] = "workers";
  m["systems.eddy.streams.jobs.share.max.records"] = "50";
  auto j = ParseJobConfig(Config(m), "/cfg", "/work");
  ASSERT_TRUE(j.ok()) << j.status();
  ASSERT_EQ(j->inputs.size(), 2u);
  EXPECT_FALSE(j->inputs[0].queue());
  EXPECT_TRUE(j->inputs[1].queue());
  EXPECT_EQ(j->inputs[1].share_group, "workers");
  EXPECT_EQ(j->inputs[1].share_max_records, 50);
  EXPECT_TRUE(j->warnings.empty()) << j->warnings.front();
}

TEST(JobConfig, BadQueueInputsNameTheKey) {
  auto m = Base();
  m["systems.eddy.streams.lines.share.group"] = "";
  ExpectErrorNaming(m, "systems.eddy.streams.lines.share.group");
  m = Base();
  m["systems.eddy.streams.lines.share.group"] = "g";
  m["systems.eddy.streams.lines.share.max.records"] = "0";
  ExpectErrorNaming(m, "systems.eddy.streams.lines.share.max.records");
  m = Base();
  m["systems.eddy.streams.other.share.group"] = "g";  // not an input
  ExpectErrorNaming(m, "systems.eddy.streams.other.share.group");
  m = Base();
  m["systems.nosys.streams.lines.share.group"] = "g";  // an unknown system
  ExpectErrorNaming(m, "systems.nosys.streams.lines.share.group");
  m = Base();
  m["task.inputs"] = "kafka.lines";
  m["systems.kafka.factory"] = "kafka";
  m["systems.kafka.bootstrap.servers"] = "127.0.0.1:1";
  m["systems.kafka.streams.lines.share.group"] = "g";
  ExpectErrorNaming(m, "systems.kafka.streams.lines.share.group");
  // exactly_once (the default) with a logged store: refused; at_least_once: accepted.
  m = Base();
  m["systems.eddy.streams.lines.share.group"] = "g";
  m["stores.counts.factory"] = "rocksdb";
  m["stores.counts.changelog"] = "eddy.counts-changelog";
  ExpectErrorNaming(m, "systems.eddy.streams.lines.share.group");
  m["processing.guarantee"] = "at_least_once";
  EXPECT_TRUE(Parse(m).ok()) << Parse(m);
}

}  // namespace
}  // namespace eddy::runtime
