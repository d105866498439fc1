// Changelog topics at container start (runtime/container/changelog_topics.h), against a real
// eddy-logd with its Kafka listener: a missing changelog is created compacted, with a partition
// per changelog partition of the job model and min.compaction.lag.ms = 4 h, on the native
// (`eddy`) and the librdkafka (`kafka`) system, broker auto-create on; a delete-policy topic, a
// short compaction lag or too few partitions (where the system cannot grow it) is an error
// naming topic, setting and config key; the kafka system grows a topic with too few partitions.
#include "runtime/container/changelog_topics.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "log-store/client/admin_client.h"
#include "runtime/standalone/child_process.h"

namespace eddy::runtime {
namespace {

class ChangelogTopicsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/eddy-cltopics-XXXXXX";
    dir_ = mkdtemp(tmpl);
    ASSERT_TRUE(logd_
                    .Start({std::string(EDDY_BIN_DIR) + "/eddy-logd", "--data-dir", dir_ + "/log",
                            "--listen", "127.0.0.1:0", "--kafka-listen", "127.0.0.1:0",
                            "--auto-create-topics", "true"},
                           true)
                    .ok());
    auto line = logd_.ReadLineContaining("eddy-logd listening on", std::chrono::seconds(30));
    ASSERT_TRUE(line.ok()) << line.status();
    native_ = line->substr(line->rfind(' ') + 1);
    auto k = logd_.ReadLineContaining("kafka listening on", std::chrono::seconds(30));
    ASSERT_TRUE(k.ok()) << k.status();
    kafka_ = k->substr(k->rfind(' ') + 1);
    logstore::ClientOptions co;
    co.bootstrap = native_;
    auto admin = logstore::AdminClient::Connect(co);
    ASSERT_TRUE(admin.ok());
    admin_ = std::move(*admin);
    // A model whose tasks use changelog partitions 0..3 (as a stored map may leave them).
    model_.job_name = "cl";
    model_.containers.resize(2);
    for (int i = 0; i < 4; ++i) {
      TaskModel t;
      t.name = "Partition " + std::to_string(i);
      t.changelog_partition = 3 - i;
      model_.containers[i % 2].tasks.push_back(t);
    }
  }
  void TearDown() override {
    logd_.Stop(std::chrono::seconds(5));
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Runs EnsureChangelogTopics for one store logged to `changelog` (system.stream).
  absl::Status Ensure(const std::string& changelog, std::vector<std::string>* notes,
                      Config::Map extra = {}) {
    Config::Map m = {{"job.name", "cl"},
                     {"task.class", "T"},
                     {"task.inputs", "eddy.in"},
                     {"systems.eddy.factory", "eddy"},
                     {"systems.eddy.bootstrap.servers", native_},
                     {"systems.kafka.factory", "kafka"},
                     {"systems.kafka.bootstrap.servers", kafka_},
                     {"stores.s.factory", "rocksdb"},
                     {"stores.s.changelog", changelog}};
    for (auto& [k, v] : extra) m[k] = v;
    auto j = ParseJobConfig(Config(m), dir_, dir_);
    if (!j.ok()) return j.status();
    SystemsHub hub(j->systems);
    return EnsureChangelogTopics(*j, model_, &hub, notes);
  }

  void ExpectCompacted(const std::string& topic, size_t partitions) {
    auto d = admin_->DescribeTopic(topic);
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_EQ(d->partitions.size(), partitions);
    EXPECT_EQ(d->config["cleanup.policy"], "compact");
    EXPECT_EQ(d->config["min.compaction.lag.ms"], "14400000");
  }

  std::string dir_, native_, kafka_;
  ChildProcess logd_;
  std::unique_ptr<logstore::AdminClient> admin_;
  JobModel model_;
};

void ExpectNames(const absl::Status& s, std::vector<std::string> parts) {
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  for (const auto& p : parts) EXPECT_NE(s.message().find(p), std::string::npos) << p << ": " << s;
}

TEST_F(ChangelogTopicsTest, MissingChangelogIsCreatedCompactedOnTheNativeSystem) {
  EXPECT_EQ(ChangelogPartitionsNeeded(model_), 4);
  std::vector<std::string> notes;
  ASSERT_TRUE(Ensure("eddy.s-changelog", &notes).ok());
  ExpectCompacted("s-changelog", 4);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("created changelog topic eddy.s-changelog of store s: 4 partitions"),
            std::string::npos)
      << notes[0];
  notes.clear();
  ASSERT_TRUE(Ensure("eddy.s-changelog", &notes).ok()) << "a second container start";
  EXPECT_TRUE(notes.empty());
}

// Issue 8: through the kafka system with broker auto-create on, the changelog used to be
// auto-created by a metadata request: 1 partition, cleanup.policy=delete.
TEST_F(ChangelogTopicsTest, MissingChangelogIsCreatedCompactedThroughKafkaWithAutoCreateOn) {
  std::vector<std::string> notes;
  auto s = Ensure("kafka.k-changelog", &notes);
  ASSERT_TRUE(s.ok()) << s;
  ExpectCompacted("k-changelog", 4);
  ASSERT_EQ(notes.size(), 1u);
}

TEST_F(ChangelogTopicsTest, DeletePolicyIsAnErrorNamingTopicSettingAndKey) {
  ASSERT_TRUE(admin_->CreateTopic("d-changelog", 4, {{"min.compaction.lag.ms", "14400000"}}).ok());
  ExpectNames(Ensure("eddy.d-changelog", nullptr),
              {"changelog topic eddy.d-changelog", "store s", "stores.s.changelog",
               "cleanup.policy is 'delete'", "needs 'compact'"});
  // The same through the kafka system (DescribeConfigs).
  ExpectNames(
      Ensure("kafka.d-changelog", nullptr),
      {"changelog topic kafka.d-changelog", "stores.s.changelog", "cleanup.policy is 'delete'"});
  ASSERT_TRUE(admin_
                  ->CreateTopic(
                      "cd-changelog", 4,
                      {{"cleanup.policy", "compact,delete"}, {"min.compaction.lag.ms", "14400000"}})
                  .ok());
  ExpectNames(Ensure("eddy.cd-changelog", nullptr), {"cleanup.policy is 'compact,delete'"});
}

TEST_F(ChangelogTopicsTest, ShortCompactionLagIsAnErrorUnlessTheKeyAllowsIt) {
  ASSERT_TRUE(admin_->CreateTopic("l-changelog", 4, {{"cleanup.policy", "compact"}}).ok());
  ExpectNames(Ensure("eddy.l-changelog", nullptr),
              {"changelog topic eddy.l-changelog", "min.compaction.lag.ms is 0",
               "less than the 14400000", "stores.s.changelog.min.compaction.lag.ms"});
  EXPECT_TRUE(
      Ensure("eddy.l-changelog", nullptr, {{"stores.s.changelog.min.compaction.lag.ms", "0"}})
          .ok());
}

TEST_F(ChangelogTopicsTest, TooFewPartitionsIsAnErrorWhereTheSystemCannotGrowIt) {
  ASSERT_TRUE(
      admin_
          ->CreateTopic("p-changelog", 2,
                        {{"cleanup.policy", "compact"}, {"min.compaction.lag.ms", "14400000"}})
          .ok());
  ExpectNames(Ensure("eddy.p-changelog", nullptr),
              {"changelog topic eddy.p-changelog", "stores.s.changelog", "partition count is 2",
               "needs 4", "cannot add partitions"});
  EXPECT_EQ(*admin_->PartitionCount("p-changelog"), 2);
}

TEST_F(ChangelogTopicsTest, TooFewPartitionsAreAddedThroughKafka) {
  ASSERT_TRUE(
      admin_
          ->CreateTopic("g-changelog", 2,
                        {{"cleanup.policy", "compact"}, {"min.compaction.lag.ms", "14400000"}})
          .ok());
  std::vector<std::string> notes;
  auto s = Ensure("kafka.g-changelog", &notes);
  ASSERT_TRUE(s.ok()) << s;
  ExpectCompacted("g-changelog", 4);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("grew changelog topic kafka.g-changelog of store s from 2 to 4"),
            std::string::npos)
      << notes[0];
}

}  // namespace
}  // namespace eddy::runtime
