// Kafka transactions through real librdkafka 2.0.2 (C API, in this process) against a real
// eddy-logd: a transactional producer (init, begin, produce to several partitions of two topics,
// send_offsets_to_transaction for a consumer group, commit; then an abort; then a commit), a
// read_committed consumer that sees exactly the committed messages in order per partition and
// none of the aborted ones, the group's committed offsets, a read_uncommitted consumer for
// contrast; a zombie producer fenced by a second one with the same transactional.id; and a
// producer killed (kill -9, a child process: this binary re-run with --txn-child) mid-transaction,
// whose transaction is aborted by the next init with its id, or after transaction.timeout.ms when
// nobody re-inits. Every assertion is on the data read back.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "test_support.h"

namespace eddy::kafka::testing {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kPartitions = 3;
const std::vector<std::string> kTopics = {"txn-a", "txn-b"};

rd_kafka_conf_t* MakeConf(const std::map<std::string, std::string>& settings) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [k, v] : settings) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
      ADD_FAILURE() << k << "=" << v << ": " << err;
    }
  }
  return conf;
}

// "msg" of an rd_kafka_error_t (and destroys it); "" for success.
std::string Consume(rd_kafka_error_t* e) {
  if (e == nullptr) return "";
  std::string s = std::string(rd_kafka_error_name(e)) + ": " + rd_kafka_error_string(e);
  rd_kafka_error_destroy(e);
  return s;
}

// A transactional librdkafka producer; delivery reports are counted by error.
class TxnProducer {
 public:
  TxnProducer(const std::string& bootstrap, const std::string& txn_id,
              const std::map<std::string, std::string>& extra = {}) {
    std::map<std::string, std::string> settings = {
        {"bootstrap.servers", bootstrap},
        {"transactional.id", txn_id},
        {"linger.ms", "5"},
        {"topic.metadata.refresh.interval.ms", "500"},
    };
    for (const auto& [k, v] : extra) settings[k] = v;
    rd_kafka_conf_t* conf = MakeConf(settings);
    rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
      static_cast<TxnProducer*>(opaque)->delivered[m->err]++;
    });
    rd_kafka_conf_set_opaque(conf, this);
    char err[512];
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (rk == nullptr) ADD_FAILURE() << "rd_kafka_new: " << err;
  }
  ~TxnProducer() {
    if (rk != nullptr) rd_kafka_destroy(rk);
  }
  rd_kafka_resp_err_t Produce(const std::string& topic, int32_t partition,
                              const std::string& value) {
    return rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
                             RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  }
  // Produces `prefix-<topic>-<partition>-<i>` for i < n to every partition of kTopics and
  // returns the values by "topic/partition".
  std::map<std::string, std::vector<std::string>> ProduceAll(const std::string& prefix, int n) {
    std::map<std::string, std::vector<std::string>> sent;
    for (const auto& t : kTopics) {
      for (int32_t p = 0; p < kPartitions; ++p) {
        for (int i = 0; i < n; ++i) {
          std::string v = prefix + "-" + t + "-" + std::to_string(p) + "-" + std::to_string(i);
          EXPECT_EQ(Produce(t, p, v), RD_KAFKA_RESP_ERR_NO_ERROR) << v;
          sent[t + "/" + std::to_string(p)].push_back(v);
        }
      }
    }
    return sent;
  }
  std::string SendOffsets(const std::string& group, const std::string& topic, int32_t partition,
                          int64_t offset) {
    rd_kafka_topic_partition_list_t* offsets = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(offsets, topic.c_str(), partition)->offset = offset;
    rd_kafka_consumer_group_metadata_t* md = rd_kafka_consumer_group_metadata_new(group.c_str());
    std::string res = Consume(rd_kafka_send_offsets_to_transaction(rk, offsets, md, 30000));
    rd_kafka_consumer_group_metadata_destroy(md);
    rd_kafka_topic_partition_list_destroy(offsets);
    return res;
  }
  rd_kafka_t* rk = nullptr;
  std::map<rd_kafka_resp_err_t, int> delivered;
};

using PartitionData = std::map<std::string, std::vector<std::string>>;  // "topic/p" -> values

void Append(PartitionData& to, const PartitionData& from) {
  for (const auto& [k, v] : from) to[k].insert(to[k].end(), v.begin(), v.end());
}

// Reads every partition of `topics` from the beginning with `isolation` (no group), until each
// partition reported its end (partition EOF) and `done` holds for what was read, or 60 s
// (a bound for a broken broker, not a timing assumption). Returns the values per partition.
PartitionData ReadAll(const std::string& bootstrap, const std::string& isolation,
                      const std::vector<std::string>& topics,
                      const std::function<bool(const PartitionData&)>& done = nullptr) {
  rd_kafka_conf_t* conf = MakeConf({{"bootstrap.servers", bootstrap},
                                    {"group.id", "reader-unused"},
                                    {"isolation.level", isolation},
                                    {"enable.partition.eof", "true"},
                                    {"enable.auto.commit", "false"},
                                    {"fetch.wait.max.ms", "100"}});
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  PartitionData data;
  if (rk == nullptr) {
    ADD_FAILURE() << "rd_kafka_new: " << err;
    return data;
  }
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(8);
  for (const auto& t : topics) {
    for (int32_t p = 0; p < kPartitions; ++p) {
      rd_kafka_topic_partition_list_add(list, t.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
  }
  EXPECT_EQ(rd_kafka_assign(rk, list), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(list);
  std::map<std::string, bool> at_end;
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
    if (m != nullptr) {
      const std::string key =
          std::string(rd_kafka_topic_name(m->rkt)) + "/" + std::to_string(m->partition);
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        data[key].emplace_back(static_cast<const char*>(m->payload), m->len);
        at_end[key] = false;
      } else if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        at_end[key] = true;
      } else {
        ADD_FAILURE() << "consumer: " << rd_kafka_message_errstr(m);
      }
      rd_kafka_message_destroy(m);
    }
    size_t ended = 0;
    for (const auto& [k, e] : at_end) ended += e ? 1 : 0;
    if (ended == topics.size() * kPartitions && (!done || done(data))) break;
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return data;
}

// The group's committed offset of topic/partition (-1001 = none), through a consumer of it.
int64_t Committed(const std::string& bootstrap, const std::string& group, const std::string& topic,
                  int32_t partition) {
  rd_kafka_conf_t* conf = MakeConf({{"bootstrap.servers", bootstrap}, {"group.id", group}});
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  if (rk == nullptr) {
    ADD_FAILURE() << err;
    return -2;
  }
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic.c_str(), partition);
  EXPECT_EQ(rd_kafka_committed(rk, list, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
  int64_t off = list->elems[0].offset;
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_destroy(rk);
  return off;
}

// A plain (non-transactional) producer writes `n` messages to topic/partition 0.
void ProducePlain(const std::string& bootstrap, const std::string& topic, int n) {
  rd_kafka_conf_t* conf = MakeConf({{"bootstrap.servers", bootstrap}, {"linger.ms", "5"}});
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  ASSERT_NE(rk, nullptr) << err;
  for (int i = 0; i < n; ++i) {
    const std::string v = "in-" + std::to_string(i);
    ASSERT_EQ(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
                                RD_KAFKA_V_VALUE(const_cast<char*>(v.data()), v.size()),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
              RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  EXPECT_EQ(rd_kafka_flush(rk, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(rk);
}

std::string SelfExe() { return std::filesystem::read_symlink("/proc/self/exe").string(); }

class KafkaTransactionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    broker_ = std::make_unique<Broker>(dir_ / "data", std::vector<std::string>{}, kPartitions);
    ASSERT_TRUE(broker_->ok()) << "eddy-logd did not start: " << broker_->Stderr();
  }
  void TearDown() override {
    if (HasFailure()) std::fprintf(stderr, "broker stderr:\n%s\n", broker_->Stderr().c_str());
    broker_.reset();
    std::filesystem::remove_all(dir_);
  }
  // Starts a child (this binary, --txn-child) that opens a transaction as `txn_id`, produces
  // "<prefix>-<topic>-<p>" to every partition, waits for the deliveries and prints "produced";
  // returns once it did, with the child still alive (holding the open transaction).
  std::unique_ptr<Process> StartChild(const std::string& txn_id, const std::string& prefix,
                                      const std::string& timeout_ms) {
    const auto out = dir_ / (txn_id + ".child.out");
    auto child = std::make_unique<Process>(
        std::vector<std::string>{SelfExe(), "--txn-child", broker_->bootstrap(), txn_id, prefix,
                                 timeout_ms},
        out.string(), (dir_ / (txn_id + ".child.err")).string());
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (Clock::now() < deadline && ReadFile(out).find("produced") == std::string::npos) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_NE(ReadFile(out).find("produced"), std::string::npos)
        << "child did not produce: " << ReadFile(dir_ / (txn_id + ".child.err"));
    return child;
  }
  std::filesystem::path dir_;
  std::unique_ptr<Broker> broker_;
};

TEST_F(KafkaTransactionsTest, CommitAbortCommitReadCommittedSeesExactlyTheCommitted) {
  ProducePlain(broker_->bootstrap(), "txn-input", 60);
  TxnProducer p(broker_->bootstrap(), "txn-app");
  ASSERT_EQ(Consume(rd_kafka_init_transactions(p.rk, 30000)), "");

  ASSERT_EQ(Consume(rd_kafka_begin_transaction(p.rk)), "");
  PartitionData committed = p.ProduceAll("c1", 10);
  ASSERT_EQ(p.SendOffsets("txn-group", "txn-input", 0, 50), "");
  ASSERT_EQ(Consume(rd_kafka_commit_transaction(p.rk, 30000)), "");
  EXPECT_EQ(Committed(broker_->bootstrap(), "txn-group", "txn-input", 0), 50);

  ASSERT_EQ(Consume(rd_kafka_begin_transaction(p.rk)), "");
  PartitionData aborted = p.ProduceAll("a1", 5);
  ASSERT_EQ(p.SendOffsets("txn-group", "txn-input", 0, 60), "");
  ASSERT_EQ(rd_kafka_flush(p.rk, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);  // on the broker
  ASSERT_EQ(Consume(rd_kafka_abort_transaction(p.rk, 30000)), "");

  ASSERT_EQ(Consume(rd_kafka_begin_transaction(p.rk)), "");
  Append(committed, p.ProduceAll("c2", 3));
  ASSERT_EQ(Consume(rd_kafka_commit_transaction(p.rk, 30000)), "");
  EXPECT_EQ(p.delivered[RD_KAFKA_RESP_ERR_NO_ERROR], 2 * kPartitions * (10 + 5 + 3));

  // read_committed: exactly c1 then c2 per partition, in order, once; none of a1.
  PartitionData rc = ReadAll(broker_->bootstrap(), "read_committed", kTopics);
  EXPECT_EQ(rc, committed);
  // The aborted transaction's offsets stayed pending and were dropped.
  EXPECT_EQ(Committed(broker_->bootstrap(), "txn-group", "txn-input", 0), 50);

  // read_uncommitted: everything that was written, the aborted batch included, in order.
  PartitionData all;
  for (const auto& [k, v] : committed) {
    all[k].assign(v.begin(), v.begin() + 10);
    all[k].insert(all[k].end(), aborted[k].begin(), aborted[k].end());
    all[k].insert(all[k].end(), v.begin() + 10, v.end());
  }
  PartitionData ru = ReadAll(broker_->bootstrap(), "read_uncommitted", kTopics);
  EXPECT_EQ(ru, all);
}

TEST_F(KafkaTransactionsTest, ZombieWithTheSameTransactionalIdIsFenced) {
  TxnProducer zombie(broker_->bootstrap(), "txn-zombie");
  ASSERT_EQ(Consume(rd_kafka_init_transactions(zombie.rk, 30000)), "");
  ASSERT_EQ(Consume(rd_kafka_begin_transaction(zombie.rk)), "");
  zombie.ProduceAll("before", 2);
  ASSERT_EQ(rd_kafka_flush(zombie.rk, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);

  // The new instance: its init aborts the zombie's open transaction and bumps the epoch.
  TxnProducer fresh(broker_->bootstrap(), "txn-zombie");
  ASSERT_EQ(Consume(rd_kafka_init_transactions(fresh.rk, 30000)), "");

  // The zombie's next write and its commit fail with a fatal fenced error.
  zombie.ProduceAll("after", 2);
  rd_kafka_flush(zombie.rk, 30000);
  rd_kafka_error_t* commit = rd_kafka_commit_transaction(zombie.rk, 30000);
  ASSERT_NE(commit, nullptr) << "the zombie's commit succeeded";
  EXPECT_TRUE(rd_kafka_error_is_fatal(commit)) << rd_kafka_error_string(commit);
  EXPECT_EQ(rd_kafka_error_code(commit), RD_KAFKA_RESP_ERR__FENCED)
      << rd_kafka_error_name(commit) << ": " << rd_kafka_error_string(commit);
  rd_kafka_error_destroy(commit);
  char reason[512];
  EXPECT_EQ(rd_kafka_fatal_error(zombie.rk, reason, sizeof(reason)), RD_KAFKA_RESP_ERR__FENCED)
      << reason;
  EXPECT_EQ(zombie.delivered[RD_KAFKA_RESP_ERR_NO_ERROR], 2 * kPartitions * 2)
      << "only the messages before the fence may be acknowledged";

  ASSERT_EQ(Consume(rd_kafka_begin_transaction(fresh.rk)), "");
  PartitionData expected = fresh.ProduceAll("fresh", 3);
  ASSERT_EQ(Consume(rd_kafka_commit_transaction(fresh.rk, 30000)), "");

  // Nothing the zombie wrote is readable committed: "before" was aborted, "after" refused.
  EXPECT_EQ(ReadAll(broker_->bootstrap(), "read_committed", kTopics), expected);
  PartitionData ru = ReadAll(broker_->bootstrap(), "read_uncommitted", kTopics);
  for (const auto& [k, v] : ru) {
    for (const auto& value : v) {
      EXPECT_NE(value.rfind("after-", 0), 0u) << k << ": a fenced write was stored: " << value;
    }
  }
}

TEST_F(KafkaTransactionsTest, KilledProducerIsAbortedByTheNextInit) {
  std::unique_ptr<Process> child = StartChild("txn-killed", "dead", "60000");
  child->Signal(SIGKILL);
  child->Wait();

  TxnProducer next(broker_->bootstrap(), "txn-killed");
  ASSERT_EQ(Consume(rd_kafka_init_transactions(next.rk, 30000)), "");
  ASSERT_EQ(Consume(rd_kafka_begin_transaction(next.rk)), "");
  PartitionData expected = next.ProduceAll("alive", 2);
  ASSERT_EQ(Consume(rd_kafka_commit_transaction(next.rk, 30000)), "");

  EXPECT_EQ(ReadAll(broker_->bootstrap(), "read_committed", kTopics), expected);
  PartitionData ru = ReadAll(broker_->bootstrap(), "read_uncommitted", kTopics);
  for (const auto& t : kTopics) {
    for (int32_t p = 0; p < kPartitions; ++p) {
      const std::string k = t + "/" + std::to_string(p);
      std::vector<std::string> want = {"dead-" + t + "-" + std::to_string(p)};
      want.insert(want.end(), expected[k].begin(), expected[k].end());
      EXPECT_EQ(ru[k], want) << k;
    }
  }
}

TEST_F(KafkaTransactionsTest, KilledProducerIsAbortedAfterItsTransactionTimeout) {
  std::unique_ptr<Process> child = StartChild("txn-timeout", "dead", "3000");
  child->Signal(SIGKILL);
  child->Wait();

  // Nobody re-inits "txn-timeout". Another transactional id commits after the dead one's data;
  // a read_committed reader can see it only once the broker aborted the dead transaction.
  TxnProducer other(broker_->bootstrap(), "txn-other");
  ASSERT_EQ(Consume(rd_kafka_init_transactions(other.rk, 30000)), "");
  ASSERT_EQ(Consume(rd_kafka_begin_transaction(other.rk)), "");
  PartitionData expected = other.ProduceAll("after", 1);
  ASSERT_EQ(Consume(rd_kafka_commit_transaction(other.rk, 30000)), "");

  PartitionData rc = ReadAll(broker_->bootstrap(), "read_committed", kTopics,
                             [&](const PartitionData& d) { return d == expected; });
  EXPECT_EQ(rc, expected) << "the dead producer's transaction was not aborted (LSO held)";
}

// Consume-transform-produce, the way Kafka Streams-style applications use transactions: a
// group member's position and group metadata (generation, member id: TxnOffsetCommit v3) go
// into the producer's transaction; the group's committed offset moves only with the commit.
TEST_F(KafkaTransactionsTest, ConsumeTransformProduceCommitsTheMembersOffsets) {
  ProducePlain(broker_->bootstrap(), "ctp-input", 20);
  rd_kafka_conf_t* conf = MakeConf({{"bootstrap.servers", broker_->bootstrap()},
                                    {"group.id", "ctp-group"},
                                    {"auto.offset.reset", "earliest"},
                                    {"enable.auto.commit", "false"},
                                    {"session.timeout.ms", "10000"},
                                    {"heartbeat.interval.ms", "200"}});
  char err[512];
  rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  ASSERT_NE(consumer, nullptr) << err;
  rd_kafka_poll_set_consumer(consumer);
  rd_kafka_topic_partition_list_t* sub = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(sub, "ctp-input", RD_KAFKA_PARTITION_UA);
  ASSERT_EQ(rd_kafka_subscribe(consumer, sub), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(sub);

  TxnProducer p(broker_->bootstrap(), "txn-ctp");
  ASSERT_EQ(Consume(rd_kafka_init_transactions(p.rk, 30000)), "");
  ASSERT_EQ(Consume(rd_kafka_begin_transaction(p.rk)), "");
  std::vector<std::string> out;
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (out.size() < 20 && Clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 200);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::string v = "out-" + std::string(static_cast<const char*>(m->payload), m->len);
      EXPECT_EQ(p.Produce("txn-a", 0, v), RD_KAFKA_RESP_ERR_NO_ERROR);
      out.push_back(v);
    }
    rd_kafka_message_destroy(m);
  }
  ASSERT_EQ(out.size(), 20u);
  rd_kafka_topic_partition_list_t* assigned = nullptr;
  ASSERT_EQ(rd_kafka_assignment(consumer, &assigned), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(rd_kafka_position(consumer, assigned), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_consumer_group_metadata_t* md = rd_kafka_consumer_group_metadata(consumer);
  ASSERT_EQ(Consume(rd_kafka_send_offsets_to_transaction(p.rk, assigned, md, 30000)), "");
  rd_kafka_consumer_group_metadata_destroy(md);
  rd_kafka_topic_partition_list_destroy(assigned);
  EXPECT_EQ(Committed(broker_->bootstrap(), "ctp-group", "ctp-input", 0), RD_KAFKA_OFFSET_INVALID)
      << "the offsets were visible before the commit";
  ASSERT_EQ(Consume(rd_kafka_commit_transaction(p.rk, 30000)), "");
  EXPECT_EQ(Committed(broker_->bootstrap(), "ctp-group", "ctp-input", 0), 20);
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  PartitionData rc = ReadAll(broker_->bootstrap(), "read_committed", {"txn-a"});
  EXPECT_EQ(rc["txn-a/0"], out);
}

// The coordinator's state and the committed offsets survive a kill -9 of the broker: after a
// restart, the next init with the id aborts the transaction that was open at the crash, and
// read_committed still sees exactly the committed transaction.
TEST_F(KafkaTransactionsTest, StateSurvivesABrokerKill9) {
  ProducePlain(broker_->bootstrap(), "txn-input", 10);
  PartitionData committed;
  {
    TxnProducer p(broker_->bootstrap(), "txn-restart");
    ASSERT_EQ(Consume(rd_kafka_init_transactions(p.rk, 30000)), "");
    ASSERT_EQ(Consume(rd_kafka_begin_transaction(p.rk)), "");
    committed = p.ProduceAll("c", 3);
    ASSERT_EQ(p.SendOffsets("txn-group", "txn-input", 0, 7), "");
    ASSERT_EQ(Consume(rd_kafka_commit_transaction(p.rk, 30000)), "");
    ASSERT_EQ(Consume(rd_kafka_begin_transaction(p.rk)), "");
    p.ProduceAll("open", 2);
    ASSERT_EQ(rd_kafka_flush(p.rk, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    broker_->Kill();
  }
  broker_ = std::make_unique<Broker>(dir_ / "data", std::vector<std::string>{}, kPartitions);
  ASSERT_TRUE(broker_->ok()) << "eddy-logd did not restart: " << broker_->Stderr();
  EXPECT_EQ(Committed(broker_->bootstrap(), "txn-group", "txn-input", 0), 7);

  TxnProducer next(broker_->bootstrap(), "txn-restart");
  ASSERT_EQ(Consume(rd_kafka_init_transactions(next.rk, 30000)), "");
  ASSERT_EQ(Consume(rd_kafka_begin_transaction(next.rk)), "");
  Append(committed, next.ProduceAll("after", 1));
  ASSERT_EQ(Consume(rd_kafka_commit_transaction(next.rk, 30000)), "");
  EXPECT_EQ(ReadAll(broker_->bootstrap(), "read_committed", kTopics), committed);
}

}  // namespace
}  // namespace eddy::kafka::testing

// The killed-producer child: opens a transaction, produces one message per partition, waits
// for the deliveries, says "produced" and sleeps until it is killed.
int TxnChild(const std::string& bootstrap, const std::string& txn_id, const std::string& prefix,
             const std::string& timeout_ms) {
  using eddy::kafka::testing::TxnProducer;
  TxnProducer p(bootstrap, txn_id, {{"transaction.timeout.ms", timeout_ms}});
  rd_kafka_error_t* e = rd_kafka_init_transactions(p.rk, 30000);
  if (e == nullptr) e = rd_kafka_begin_transaction(p.rk);
  if (e != nullptr) {
    std::fprintf(stderr, "child: %s\n", rd_kafka_error_string(e));
    return 1;
  }
  for (const auto& t : eddy::kafka::testing::kTopics) {
    for (int32_t part = 0; part < eddy::kafka::testing::kPartitions; ++part) {
      p.Produce(t, part, prefix + "-" + t + "-" + std::to_string(part));
    }
  }
  if (rd_kafka_flush(p.rk, 30000) != RD_KAFKA_RESP_ERR_NO_ERROR ||
      p.delivered[RD_KAFKA_RESP_ERR_NO_ERROR] != 2 * eddy::kafka::testing::kPartitions) {
    std::fprintf(stderr, "child: deliveries failed\n");
    return 1;
  }
  std::printf("produced\n");
  std::fflush(stdout);
  for (;;) pause();
}

int main(int argc, char** argv) {
  if (argc == 6 && std::strcmp(argv[1], "--txn-child") == 0) {
    return TxnChild(argv[2], argv[3], argv[4], argv[5]);
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
