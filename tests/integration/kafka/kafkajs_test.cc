// KafkaJS 2.2.4 (a Node.js client, tests/integration/kafka/kafkajs) against a real eddy-logd:
// CreateTopics with a replica assignment and compression.type, a consumer group that joins
// through MEMBER_ID_REQUIRED and leaves with LeaveGroup v3, DescribeGroups, ListGroups and
// DeleteGroups. The script prints what it saw as JSON; the assertions are here.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "test_support.h"

namespace eddy::kafka::testing {
namespace {

TEST(KafkaJs, GroupAndAdminCalls) {
  const auto dir = MakeTempDir("kafkajs");
  Broker broker(dir / "data");
  ASSERT_TRUE(broker.ok()) << broker.Stderr();
  RunResult r =
      testing::Run({NODE_PATH, KAFKAJS_DIR "/group_admin.js", broker.bootstrap()}, "", 120);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto lines = Lines(r.out);
  ASSERT_FALSE(lines.empty()) << r.err;
  const nlohmann::json out = nlohmann::json::parse(lines.back(), nullptr, false);
  ASSERT_FALSE(out.is_discarded()) << r.out;
  EXPECT_EQ(out.value("created", false), true) << r.out;
  EXPECT_EQ(out.value("partitions", 0), 3) << r.out;
  EXPECT_EQ(out.value("elsewhere", ""), "INVALID_REPLICA_ASSIGNMENT") << r.out;
  EXPECT_EQ(out.value("consumed", 0), 300) << r.out;
  EXPECT_EQ(out.value("duplicates", -1), 0) << r.out;
  EXPECT_FALSE(out.contains("bad_value")) << r.out;
  EXPECT_EQ(out.value("described_state", ""), "Stable") << r.out;
  EXPECT_EQ(out.value("described_members", 0), 1) << r.out;
  EXPECT_EQ(out.value("listed", false), true) << r.out;
  EXPECT_EQ(out.value("delete_active", ""), "NON_EMPTY_GROUP") << r.out;
  EXPECT_EQ(out.value("committed_before_delete", 0), 300) << r.out;
  EXPECT_EQ(out.value("delete_empty", -1), 0) << r.out;
  EXPECT_EQ(out["committed_after_delete"], nlohmann::json::parse("[-1,-1,-1]")) << r.out;
  EXPECT_EQ(out.value("delete_unknown", ""), "GROUP_ID_NOT_FOUND") << r.out;
  // The consumer joined the KIP-394 way: its first JoinGroup got a member id, not a held answer.
  EXPECT_EQ(broker.Stderr().find("did not rejoin in time"), std::string::npos) << broker.Stderr();
  broker.Stop();
  std::filesystem::remove_all(dir);
}

// Transactions (kafkajs/transactions.js): commit, abort and commit with sendOffsets; the
// read_committed consumer sees exactly the committed messages per partition in order, once; the
// read_uncommitted one sees the aborted ones too; a zombie with the same transactionalId is
// fenced and nothing it wrote after the fence is stored.
TEST(KafkaJs, Transactions) {
  const auto dir = MakeTempDir("kafkajs-txn");
  Broker broker(dir / "data");
  ASSERT_TRUE(broker.ok()) << broker.Stderr();
  RunResult r =
      testing::Run({NODE_PATH, KAFKAJS_DIR "/transactions.js", broker.bootstrap()}, "", 170);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err << broker.Stderr();
  const auto lines = Lines(r.out);
  ASSERT_FALSE(lines.empty()) << r.err;
  const nlohmann::json out = nlohmann::json::parse(lines.back(), nullptr, false);
  ASSERT_FALSE(out.is_discarded()) << r.out;
  EXPECT_EQ(out.value("group_offset", -2), 50) << r.out;
  ASSERT_TRUE(out.contains("expected_committed")) << r.out;
  EXPECT_EQ(out["expected_committed"].size(), 5u) << r.out;
  EXPECT_EQ(out["read_committed"], out["expected_committed"]) << r.out;
  EXPECT_EQ(out["read_uncommitted"], out["expected_uncommitted"]) << r.out;
  const std::string send = out.value("zombie_send", "");
  const std::string commit = out.value("zombie_commit", "");
  EXPECT_TRUE(send == "INVALID_PRODUCER_EPOCH" || send == "PRODUCER_FENCED") << r.out;
  EXPECT_TRUE(commit == "INVALID_PRODUCER_EPOCH" || commit == "PRODUCER_FENCED") << r.out;
  broker.Stop();
  std::filesystem::remove_all(dir);
}

// A KafkaJS transactional producer killed with SIGKILL mid-transaction (kafkajs/txn_killed.js):
// its transaction is aborted by the next producer with its id (`next_id` = the same id) or, when
// nobody re-inits it, by the broker after its transactionTimeout (`next_id` = another id). The
// read_committed reader sees only the later committed messages; read_uncommitted the dead ones too.
void KilledKafkaJsProducer(const std::string& name, const std::string& timeout_ms,
                           bool same_id) {
  const auto dir = MakeTempDir(name);
  Broker broker(dir / "data");
  ASSERT_TRUE(broker.ok()) << broker.Stderr();
  const std::string id = "kjs-" + name;
  const auto out = dir / "child.out";
  {
    Process child({NODE_PATH, KAFKAJS_DIR "/txn_killed.js", "child", broker.bootstrap(), id,
                   timeout_ms},
                  out.string(), (dir / "child.err").string());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline &&
           ReadFile(out).find("produced") == std::string::npos) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_NE(ReadFile(out).find("produced"), std::string::npos) << ReadFile(dir / "child.err");
    child.Signal(SIGKILL);
    child.Wait();
  }
  RunResult r = testing::Run({NODE_PATH, KAFKAJS_DIR "/txn_killed.js", "after",
                              broker.bootstrap(), same_id ? id : id + "-other"},
                             "", 170);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err << broker.Stderr();
  const auto lines = Lines(r.out);
  ASSERT_FALSE(lines.empty()) << r.err;
  const nlohmann::json got = nlohmann::json::parse(lines.back(), nullptr, false);
  ASSERT_FALSE(got.is_discarded()) << r.out;
  nlohmann::json committed = nlohmann::json::object();
  nlohmann::json all = nlohmann::json::object();
  for (const std::string t : {"kjs-killed-a", "kjs-killed-b"}) {
    for (int p = 0; p < 2; ++p) {
      const std::string key = t + "/" + std::to_string(p);
      const std::string suffix = t + "-" + std::to_string(p);
      committed[key] = nlohmann::json::array({"after-" + suffix});
      all[key] = nlohmann::json::array({"dead-" + suffix, "after-" + suffix});
    }
  }
  EXPECT_EQ(got["read_committed"], committed) << r.out;
  EXPECT_EQ(got["read_uncommitted"], all) << r.out;
  broker.Stop();
  std::filesystem::remove_all(dir);
}

TEST(KafkaJs, KilledTransactionalProducerIsAbortedByTheNextInit) {
  KilledKafkaJsProducer("killed-reinit", "60000", /*same_id=*/true);
}

TEST(KafkaJs, KilledTransactionalProducerIsAbortedAfterItsTimeout) {
  KilledKafkaJsProducer("killed-timeout", "3000", /*same_id=*/false);
}

}  // namespace
}  // namespace eddy::kafka::testing
