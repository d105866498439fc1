// The table of known config keys (runtime/job/config_keys.h) as ParseJobConfig and the system
// factories apply it: malformed values are errors naming key and value, unknown keys warnings,
// Samza's spellings accepted.
#include "runtime/job/config_keys.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "runtime/container/job_config.h"
#include "runtime/system/system_factory.h"

namespace eddy::runtime {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Config::Map Base() {
  return {{"job.name", "wc"},
          {"task.class", "WordCount"},
          {"task.inputs", "eddy.lines"},
          {"systems.eddy.factory", "eddy"},
          {"systems.eddy.bootstrap.servers", "127.0.0.1:1"}};
}

absl::StatusOr<JobConfig> Parse(Config::Map m) {
  return ParseJobConfig(Config(std::move(m), "job.properties"), "/tmp", "/tmp");
}

std::string ErrorOf(Config::Map m) {
  auto j = Parse(std::move(m));
  return j.ok() ? "<no error>" : std::string(j.status().message());
}

TEST(ConfigKeys, MalformedNumbersAreErrorsNamingKeyAndValue) {
  auto m = Base();
  m["systems.eddy.consumer.fetch.max.bytes"] = "abc";
  EXPECT_THAT(ErrorOf(m), AllOf(HasSubstr("systems.eddy.consumer.fetch.max.bytes"),
                                HasSubstr("'abc'"), HasSubstr("integer")));
  m["systems.eddy.consumer.fetch.max.bytes"] = "-5";
  EXPECT_THAT(ErrorOf(m), AllOf(HasSubstr("systems.eddy.consumer.fetch.max.bytes"),
                                HasSubstr("-5 must be >= 1")));
  m = Base();
  m["cluster-manager.container.memory.mb"] = "1g";
  EXPECT_THAT(ErrorOf(m),
              AllOf(HasSubstr("cluster-manager.container.memory.mb"), HasSubstr("'1g'")));
  m = Base();
  m["cluster-manager.container.cpu.cores"] = "two";
  EXPECT_THAT(ErrorOf(m),
              AllOf(HasSubstr("cluster-manager.container.cpu.cores"), HasSubstr("'two'")));
  m = Base();
  m["stores.s.factory"] = "rocksdb";
  m["stores.s.object.cache.size"] = "-1";
  EXPECT_THAT(ErrorOf(m), HasSubstr("stores.s.object.cache.size: -1 must be >= 0"));
}

TEST(ConfigKeys, NegativeShutdownIsRefused) {
  auto m = Base();
  m["task.shutdown.ms"] = "-1";
  EXPECT_THAT(ErrorOf(m), AllOf(HasSubstr("task.shutdown.ms"), HasSubstr("must be >= 0")));
  m["task.shutdown.ms"] = "0";
  EXPECT_TRUE(Parse(m).ok());
}

TEST(ConfigKeys, BooleansAreTrueOrFalseOnly) {
  auto m = Base();
  m["task.drop.deserialization.errors"] = "TRUE";
  auto j = Parse(m);
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_TRUE(j->drop_deserialization_errors);
  for (const char* bad : {"yes", "1", "on", ""}) {
    m["task.drop.deserialization.errors"] = bad;
    EXPECT_THAT(ErrorOf(m), HasSubstr("task.drop.deserialization.errors")) << bad;
  }
  m = Base();
  m["job.host-affinity.enabled"] = "maybe";
  EXPECT_THAT(ErrorOf(m), AllOf(HasSubstr("job.host-affinity.enabled"), HasSubstr("'maybe'")));
}

TEST(ConfigKeys, SystemFactoriesRefuseMalformedNumbers) {
  SystemConfig eddy{"in", {{"factory", "eddy"}, {"bootstrap.servers", "127.0.0.1:1"}}};
  auto f = MakeSystemFactory(eddy);
  ASSERT_TRUE(f.ok()) << f.status();
  eddy.props["consumer.fetch.max.bytes"] = "abc";
  auto c = (*f)->MakeConsumer(eddy);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(),
              AllOf(HasSubstr("systems.in.consumer.fetch.max.bytes"), HasSubstr("'abc'")));
  eddy.props.erase("consumer.fetch.max.bytes");
  eddy.props["producer.batch.size"] = "-1";
  auto p = (*f)->MakeProducer(eddy);
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.status().message(),
              AllOf(HasSubstr("systems.in.producer.batch.size"), HasSubstr("-1 must be >= 1")));

  SystemConfig kafka{"k",
                     {{"factory", "kafka"},
                      {"bootstrap.servers", "127.0.0.1:1"},
                      {"replication.factor", "three"}}};
  auto kf = MakeSystemFactory(kafka);
  ASSERT_TRUE(kf.ok()) << kf.status();
  auto a = (*kf)->MakeAdmin(kafka);
  ASSERT_FALSE(a.ok());
  EXPECT_THAT(a.status().message(),
              AllOf(HasSubstr("systems.k.replication.factor"), HasSubstr("'three'")));
}

TEST(ConfigKeys, UnknownKeysAreWarnedOnceByName) {
  auto m = Base();
  m["task.windw.ms"] = "100";                       // a typo
  m["systems.eddy.consumer.fetch.max.byte"] = "1";  // a typo under an eddy system
  m["app.greeting"] = "hello";                      // the job's own key
  m["systems.k.factory"] = "kafka";
  m["systems.k.bootstrap.servers"] = "127.0.0.1:1";
  m["systems.k.consumer.queued.min.messages"] = "10";  // passed to librdkafka
  m["stores.s.factory"] = "rocksdb";
  m["stores.s.rocksdb.compression"] = "lz4";
  auto j = Parse(m);
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_THAT(j->warnings,
              ElementsAre(HasSubstr("unknown config key systems.eddy.consumer.fetch.max.byte"),
                          HasSubstr("unknown config key task.windw.ms")));
}

TEST(ConfigKeys, AValidConfigHasNoWarnings) {
  auto m = Base();
  m["task.window.ms"] = "10s";
  m["streams.my.topic.samza.system"] = "eddy";  // a stream name with dots
  m["streams.my.topic.partitions"] = "4";
  m["serializers.registry.str.class"] = "org.apache.samza.serializers.StringSerdeFactory";
  auto j = Parse(m);
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_THAT(j->warnings, IsEmpty());
}

TEST(ConfigKeys, SamzaSpellingsAreAccepted) {
  Config::Map m = {
      {"job.name", "wc"},
      {"task.class", "WordCount"},
      {"task.inputs", "kafka.lines"},
      {"systems.kafka.samza.factory", "org.apache.samza.system.kafka.KafkaSystemFactory"},
      {"systems.kafka.producer.bootstrap.servers", "127.0.0.1:9092"},
      {"stores.s.factory", "org.apache.samza.storage.kv.RocksDbKeyValueStorageEngineFactory"}};
  auto j = Parse(m);
  ASSERT_TRUE(j.ok()) << j.status();
  auto factory = MakeSystemFactory(j->systems.at("kafka"));
  EXPECT_TRUE(factory.ok()) << factory.status();
  EXPECT_EQ(j->systems.at("kafka").Get("bootstrap.servers"), "127.0.0.1:9092");
  EXPECT_THAT(j->warnings, IsEmpty());
  // consumer.bootstrap.servers too; Eddy's own key wins when both are set.
  m.erase("systems.kafka.producer.bootstrap.servers");
  m["systems.kafka.consumer.bootstrap.servers"] = "127.0.0.1:9093";
  EXPECT_EQ(Parse(m)->systems.at("kafka").Get("bootstrap.servers"), "127.0.0.1:9093");
  m["systems.kafka.bootstrap.servers"] = "127.0.0.1:9094";
  EXPECT_EQ(Parse(m)->systems.at("kafka").Get("bootstrap.servers"), "127.0.0.1:9094");
  // An unknown factory class is named by the Samza key the user wrote.
  m["systems.kafka.samza.factory"] = "org.example.MySystemFactory";
  EXPECT_THAT(ErrorOf(m), AllOf(HasSubstr("systems.kafka.samza.factory"),
                                HasSubstr("org.example.MySystemFactory")));
}

TEST(ConfigKeys, SamzaKeysEddyIgnoresSayWhatEddyDoes) {
  auto m = Base();
  m["yarn.package.path"] = "hdfs://x/job.tgz";
  m["job.factory.class"] = "org.apache.samza.job.yarn.YarnJobFactory";
  m["task.checkpoint.factory"] = "org.apache.samza.checkpoint.kafka.KafkaCheckpointManagerFactory";
  m["job.coordinator.system"] = "kafka";
  auto j = Parse(m);
  ASSERT_TRUE(j.ok()) << j.status();
  ASSERT_EQ(j->warnings.size(), 4u);
  EXPECT_THAT(j->warnings,
              ElementsAre(HasSubstr("job.coordinator.system is ignored: eddy-coordinator"),
                          HasSubstr("job.factory.class is ignored: Eddy runs jobs with `eddy run`"),
                          HasSubstr("task.checkpoint.factory is ignored"),
                          HasSubstr("yarn.package.path is ignored: Eddy packages are submitted "
                                    "with `eddy job submit PACKAGE`")));
}

TEST(ConfigKeys, TableDocumentsEveryKeyAndDocsConfigMdIsCurrent) {
  for (const ConfigKey& k : KnownConfigKeys()) {
    EXPECT_FALSE(k.doc.empty()) << k.pattern;
  }
  const std::string table = ConfigKeysMarkdown();
  EXPECT_THAT(table, HasSubstr("| `task.shutdown.ms` | ms | `30000` |"));
  std::ifstream f(std::string(EDDY_SOURCE_DIR) + "/docs/CONFIG.md");
  std::stringstream doc;
  doc << f.rdbuf();
  EXPECT_THAT(doc.str(), HasSubstr(table))
      << "docs/CONFIG.md is out of date; paste this table into it:\n"
      << table;
}

}  // namespace
}  // namespace eddy::runtime
