// Consumer-group and group-admin fidelity against a real eddy-logd, with librdkafka's C API in
// this process (and kafka_client_tool as a second process where the test needs two):
// static membership (KIP-345) across a restart and with a duplicate instance id, KIP-394 member
// ids with a re-subscribe in the middle of a join, the error for an offset commit from outside
// an active group, and the admin calls DescribeConsumerGroups, ListConsumerGroups (with a state
// filter), DeleteGroups and DeleteConsumerGroupOffsets, including after a broker restart.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "test_support.h"

namespace eddy::kafka::testing {
namespace {

using Clock = std::chrono::steady_clock;

// A librdkafka KafkaConsumer whose rebalance callback records every event.
class Consumer {
 public:
  Consumer(const std::string& bootstrap, const std::string& group,
           const std::map<std::string, std::string>& extra = {}) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    std::map<std::string, std::string> settings = {
        {"bootstrap.servers", bootstrap},
        {"group.id", group},
        {"session.timeout.ms", "10000"},
        {"heartbeat.interval.ms", "200"},
        {"auto.offset.reset", "earliest"},
        {"enable.auto.commit", "false"},
        {"topic.metadata.refresh.interval.ms", "500"},
    };
    for (const auto& [k, v] : extra) settings[k] = v;
    char err[512];
    for (const auto& [k, v] : settings) {
      if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
        ADD_FAILURE() << k << "=" << v << ": " << err;
      }
    }
    rd_kafka_conf_set_opaque(conf, this);
    rd_kafka_conf_set_rebalance_cb(conf, &Consumer::OnRebalance);
    rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    if (rk_ == nullptr) {
      ADD_FAILURE() << "rd_kafka_new: " << err;
      return;
    }
    rd_kafka_poll_set_consumer(rk_);
  }
  ~Consumer() { Close(); }

  void Subscribe(const std::vector<std::string>& topics) {
    rd_kafka_topic_partition_list_t* list =
        rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()));
    for (const auto& t : topics) rd_kafka_topic_partition_list_add(list, t.c_str(), -1);
    EXPECT_EQ(rd_kafka_subscribe(rk_, list), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(list);
  }
  // Polls once; a message's value is added to `values` (when given).
  void PollOnce(int timeout_ms, std::multiset<std::string>* values = nullptr) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, timeout_ms);
    if (m == nullptr) return;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && values != nullptr) {
      values->insert(std::string(static_cast<const char*>(m->payload), m->len));
    } else if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
      fatal_ = true;
    }
    rd_kafka_message_destroy(m);
  }
  void Close() {
    if (rk_ == nullptr) return;
    rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
    rk_ = nullptr;
  }

  rd_kafka_t* handle() const { return rk_; }
  // Assigned partitions as "topic/partition".
  const std::set<std::string>& assignment() const { return assignment_; }
  bool assigned() const { return assigned_; }
  int assign_events() const { return assign_events_; }
  int revoke_events() const { return revoke_events_; }

 private:
  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* parts, void* opaque) {
    auto* self = static_cast<Consumer*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      ++self->assign_events_;
      self->assignment_.clear();
      for (int i = 0; i < parts->cnt; ++i) {
        self->assignment_.insert(std::string(parts->elems[i].topic) + "/" +
                                 std::to_string(parts->elems[i].partition));
      }
      self->assigned_ = true;
      rd_kafka_assign(rk, parts);
    } else {
      ++self->revoke_events_;
      self->assignment_.clear();
      self->assigned_ = false;
      rd_kafka_assign(rk, nullptr);
    }
  }

  rd_kafka_t* rk_ = nullptr;
  std::set<std::string> assignment_;
  bool assigned_ = false;
  bool fatal_ = false;
  int assign_events_ = 0;
  int revoke_events_ = 0;
};

// Polls every consumer until `done()` holds; false after `limit` (a hang guard, not a timing
// assertion).
bool PollUntil(const std::vector<Consumer*>& consumers, const std::function<bool()>& done,
               std::multiset<std::string>* values = nullptr,
               std::chrono::seconds limit = std::chrono::seconds(60)) {
  const auto until = Clock::now() + limit;
  while (Clock::now() < until) {
    if (done()) return true;
    for (Consumer* c : consumers) c->PollOnce(50, values);
  }
  return done();
}

// A librdkafka admin handle (a producer instance) for the admin API calls.
class Admin {
 public:
  explicit Admin(const std::string& bootstrap) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[512];
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof(err));
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    queue_ = rd_kafka_queue_new(rk_);
  }
  ~Admin() {
    rd_kafka_queue_destroy(queue_);
    rd_kafka_destroy(rk_);
  }
  rd_kafka_t* rk() const { return rk_; }
  rd_kafka_queue_t* queue() const { return queue_; }
  // Waits for the result event of one admin call.
  rd_kafka_event_t* Wait() {
    rd_kafka_event_t* ev = rd_kafka_queue_poll(queue_, 30000);
    EXPECT_NE(ev, nullptr) << "no admin result within 30 s";
    return ev;
  }

 private:
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_queue_t* queue_ = nullptr;
};

// Group id → error name from DeleteGroups.
std::map<std::string, std::string> DeleteGroups(Admin& admin, const std::vector<std::string>& ids) {
  std::vector<rd_kafka_DeleteGroup_t*> groups;
  for (const auto& id : ids) groups.push_back(rd_kafka_DeleteGroup_new(id.c_str()));
  rd_kafka_DeleteGroups(admin.rk(), groups.data(), groups.size(), nullptr, admin.queue());
  rd_kafka_DeleteGroup_destroy_array(groups.data(), groups.size());
  std::map<std::string, std::string> out;
  rd_kafka_event_t* ev = admin.Wait();
  if (ev == nullptr) return out;
  EXPECT_EQ(rd_kafka_event_error(ev), RD_KAFKA_RESP_ERR_NO_ERROR)
      << rd_kafka_event_error_string(ev);
  const rd_kafka_DeleteGroups_result_t* res = rd_kafka_event_DeleteGroups_result(ev);
  size_t n = 0;
  const rd_kafka_group_result_t** results = rd_kafka_DeleteGroups_result_groups(res, &n);
  for (size_t i = 0; i < n; ++i) {
    const rd_kafka_error_t* e = rd_kafka_group_result_error(results[i]);
    out[rd_kafka_group_result_name(results[i])] = e ? rd_kafka_error_name(e) : "NO_ERROR";
  }
  rd_kafka_event_destroy(ev);
  return out;
}

struct GroupView {
  std::string state;
  std::map<std::string, std::string> members;  // member id → group instance id ("" = none)
  std::set<int> assigned;                      // partitions assigned over all members
};

std::optional<GroupView> DescribeGroup(Admin& admin, const std::string& group) {
  const char* ids[] = {group.c_str()};
  rd_kafka_DescribeConsumerGroups(admin.rk(), ids, 1, nullptr, admin.queue());
  rd_kafka_event_t* ev = admin.Wait();
  if (ev == nullptr) return std::nullopt;
  std::optional<GroupView> view;
  const rd_kafka_DescribeConsumerGroups_result_t* res =
      rd_kafka_event_DescribeConsumerGroups_result(ev);
  size_t n = 0;
  const rd_kafka_ConsumerGroupDescription_t** groups =
      rd_kafka_DescribeConsumerGroups_result_groups(res, &n);
  if (n == 1 && rd_kafka_ConsumerGroupDescription_error(groups[0]) == nullptr) {
    view.emplace();
    view->state =
        rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(groups[0]));
    for (size_t i = 0; i < rd_kafka_ConsumerGroupDescription_member_count(groups[0]); ++i) {
      const rd_kafka_MemberDescription_t* m =
          rd_kafka_ConsumerGroupDescription_member(groups[0], i);
      const char* instance = rd_kafka_MemberDescription_group_instance_id(m);
      view->members[rd_kafka_MemberDescription_consumer_id(m)] = instance ? instance : "";
      const rd_kafka_topic_partition_list_t* parts =
          rd_kafka_MemberAssignment_partitions(rd_kafka_MemberDescription_assignment(m));
      for (int p = 0; parts != nullptr && p < parts->cnt; ++p) {
        view->assigned.insert(parts->elems[p].partition);
      }
    }
  } else if (n == 1) {
    ADD_FAILURE() << rd_kafka_error_string(rd_kafka_ConsumerGroupDescription_error(groups[0]));
  }
  rd_kafka_event_destroy(ev);
  return view;
}

// Group id → state name, listing only groups in `states` (all when empty).
std::map<std::string, std::string> ListGroups(
    Admin& admin, const std::vector<rd_kafka_consumer_group_state_t>& states) {
  rd_kafka_AdminOptions_t* opts =
      rd_kafka_AdminOptions_new(admin.rk(), RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS);
  if (!states.empty()) {
    rd_kafka_error_t* e =
        rd_kafka_AdminOptions_set_match_consumer_group_states(opts, states.data(), states.size());
    EXPECT_EQ(e, nullptr);
  }
  rd_kafka_ListConsumerGroups(admin.rk(), opts, admin.queue());
  rd_kafka_AdminOptions_destroy(opts);
  std::map<std::string, std::string> out;
  rd_kafka_event_t* ev = admin.Wait();
  if (ev == nullptr) return out;
  const rd_kafka_ListConsumerGroups_result_t* res = rd_kafka_event_ListConsumerGroups_result(ev);
  size_t errors = 0;
  const rd_kafka_error_t** errs = rd_kafka_ListConsumerGroups_result_errors(res, &errors);
  for (size_t i = 0; i < errors; ++i) ADD_FAILURE() << rd_kafka_error_string(errs[i]);
  size_t n = 0;
  const rd_kafka_ConsumerGroupListing_t** groups =
      rd_kafka_ListConsumerGroups_result_valid(res, &n);
  for (size_t i = 0; i < n; ++i) {
    out[rd_kafka_ConsumerGroupListing_group_id(groups[i])] =
        rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(groups[i]));
  }
  rd_kafka_event_destroy(ev);
  return out;
}

class GroupFidelityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    broker_ = std::make_unique<Broker>(dir_ / "data", std::vector<std::string>{}, 4);
    ASSERT_TRUE(broker_->ok()) << broker_->Stderr();
  }
  void TearDown() override {
    broker_.reset();
    std::filesystem::remove_all(dir_);
  }
  RunResult Tool(std::vector<std::string> args, int timeout_s = 90) {
    args.insert(args.begin(), KAFKA_CLIENT_TOOL_PATH);
    return testing::Run(args, "", timeout_s);
  }
  void CreateTopic(const std::string& topic, int partitions) {
    RunResult r = Tool({"create-topic", "--bootstrap", broker_->bootstrap(), "--topic", topic,
                        "--partitions", std::to_string(partitions)});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  void Produce(const std::string& topic, int count, const std::string& prefix, int partitions) {
    RunResult r = Tool({"produce", "--bootstrap", broker_->bootstrap(), "--topic", topic, "--count",
                        std::to_string(count), "--partitions", std::to_string(partitions),
                        "--prefix", prefix});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  std::filesystem::path dir_;
  std::unique_ptr<Broker> broker_;
};

TEST_F(GroupFidelityTest, RestartedStaticMemberGetsItsPartitionsBackWithoutRebalancingOthers) {
  CreateTopic("static-topic", 4);
  Consumer c1(broker_->bootstrap(), "static-group", {{"group.instance.id", "consumer-1"}});
  auto c2 = std::make_unique<Consumer>(
      broker_->bootstrap(), "static-group",
      std::map<std::string, std::string>{{"group.instance.id", "consumer-2"}});
  c1.Subscribe({"static-topic"});
  c2->Subscribe({"static-topic"});
  auto split = [&] {
    std::set<std::string> all = c1.assignment();
    all.insert(c2->assignment().begin(), c2->assignment().end());
    return c1.assigned() && c2->assigned() && !c1.assignment().empty() &&
           !c2->assignment().empty() && all.size() == 4 &&
           c1.assignment().size() + c2->assignment().size() == 4;
  };
  ASSERT_TRUE(PollUntil({&c1, c2.get()}, split))
      << "the two static members never split 4 partitions";
  const std::set<std::string> c2_before = c2->assignment();
  const int c1_assigns = c1.assign_events();
  const int c1_revokes = c1.revoke_events();

  // Restart c2 within its session timeout (10 s): a static member's close sends no LeaveGroup.
  c2->Close();
  c2 = std::make_unique<Consumer>(
      broker_->bootstrap(), "static-group",
      std::map<std::string, std::string>{{"group.instance.id", "consumer-2"}});
  c2->Subscribe({"static-topic"});
  ASSERT_TRUE(PollUntil({&c1, c2.get()}, [&] { return c2->assigned(); }))
      << "the restarted static member never got an assignment";
  EXPECT_EQ(c2->assignment(), c2_before) << "the restarted member must get its partitions back";
  EXPECT_EQ(c1.assign_events(), c1_assigns) << "the other member was rebalanced";
  EXPECT_EQ(c1.revoke_events(), c1_revokes) << "the other member was rebalanced";

  // The broker lists exactly the two instances (no leftover of c2's first incarnation), and
  // the data flows: every message produced now is consumed once.
  Admin admin(broker_->bootstrap());
  auto view = DescribeGroup(admin, "static-group");
  ASSERT_TRUE(view.has_value());
  std::set<std::string> instances;
  for (const auto& [id, instance] : view->members) instances.insert(instance);
  EXPECT_EQ(instances, (std::set<std::string>{"consumer-1", "consumer-2"}));
  EXPECT_EQ(view->members.size(), 2u);
  EXPECT_EQ(view->state, "Stable");
  EXPECT_EQ(view->assigned, (std::set<int>{0, 1, 2, 3}));

  Produce("static-topic", 400, "s-", 4);
  std::multiset<std::string> values;
  ASSERT_TRUE(PollUntil(
      {&c1, c2.get()}, [&] { return values.size() >= 400; }, &values))
      << values.size() << " of 400 consumed";
  for (int i = 0; i < 400; ++i) EXPECT_EQ(values.count("s-" + std::to_string(i)), 1u) << i;
  EXPECT_EQ(c1.assign_events(), c1_assigns);
}

TEST_F(GroupFidelityTest, SecondProcessWithTheSameInstanceIdFencesTheFirst) {
  CreateTopic("dup-topic", 2);
  Produce("dup-topic", 100, "d-", 2);
  const auto first_out = dir_ / "first.out";
  const auto second_out = dir_ / "second.out";
  auto consumer = [&](const std::filesystem::path& out, const std::string& name) {
    return std::make_unique<Process>(
        std::vector<std::string>{KAFKA_CLIENT_TOOL_PATH, "consume", "--bootstrap",
                                 broker_->bootstrap(), "--topic", "dup-topic", "--group",
                                 "dup-group", "--instance-id", "same-instance", "--out",
                                 out.string()},
        (dir_ / (name + ".log")).string(), (dir_ / (name + ".err")).string());
  };
  auto lines_in = [](const std::filesystem::path& p) { return Lines(ReadFile(p)).size(); };
  auto first = consumer(first_out, "first");
  for (int i = 0; i < 600 && lines_in(first_out) < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(lines_in(first_out), 100u) << ReadFile(dir_ / "first.err");

  auto second = consumer(second_out, "second");
  // The first process learns from its next heartbeat that its instance id moved on, and stops
  // with librdkafka's fatal error. (A watchdog kills it if it never does, failing the check.)
  std::atomic<bool> exited{false};
  std::thread watchdog([&] {
    for (int i = 0; i < 600 && !exited; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!exited) first->Signal(SIGKILL);
  });
  const int first_exit = first->Wait();
  exited = true;
  watchdog.join();
  EXPECT_EQ(first_exit, 4) << ReadFile(dir_ / "first.err");
  EXPECT_NE(ReadFile(dir_ / "first.err").find("fatal-code: 82"), std::string::npos)
      << "expected FENCED_INSTANCE_ID (82): " << ReadFile(dir_ / "first.err");
  // The second one owns the instance and keeps consuming.
  Produce("dup-topic", 50, "e-", 2);
  std::set<std::string> seen;
  for (int i = 0; i < 600 && seen.size() < 50; ++i) {
    seen.clear();
    for (const auto& line : Lines(ReadFile(second_out))) {
      auto pos = line.rfind(' ');
      if (pos != std::string::npos && line.compare(pos + 1, 2, "e-") == 0) {
        seen.insert(line.substr(pos + 1));
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(seen.size(), 50u) << ReadFile(dir_ / "second.err");
  second->Signal(SIGTERM);
  EXPECT_EQ(second->Wait(), 0);
  Admin admin(broker_->bootstrap());
  auto view = DescribeGroup(admin, "dup-group");
  ASSERT_TRUE(view.has_value());
  // A closed static member stays until its session timeout: exactly one member, the second.
  EXPECT_EQ(view->members.size(), 1u);
}

TEST_F(GroupFidelityTest, ResubscribeDuringAJoinLeavesNoStaleMember) {
  CreateTopic("sub-a", 2);
  CreateTopic("sub-b", 2);
  Consumer stable(broker_->bootstrap(), "sub-group");
  stable.Subscribe({"sub-a"});
  ASSERT_TRUE(PollUntil({&stable}, [&] { return stable.assigned(); }));
  // A second member subscribes and changes its subscription while its first join is in
  // flight; the group must end with exactly these two members.
  Consumer changer(broker_->bootstrap(), "sub-group");
  changer.Subscribe({"sub-a"});
  for (int i = 0; i < 3; ++i) changer.PollOnce(50);
  const auto resubscribed = Clock::now();
  changer.Subscribe({"sub-a", "sub-b"});
  auto settled = [&] {
    return stable.assigned() && changer.assigned() &&
           stable.assignment().size() + changer.assignment().size() == 4;
  };
  ASSERT_TRUE(PollUntil({&stable, &changer}, settled));
  std::fprintf(stderr, "rebalance after the re-subscribe took %.2f s\n",
               std::chrono::duration<double>(Clock::now() - resubscribed).count());
  Admin admin(broker_->bootstrap());
  auto view = DescribeGroup(admin, "sub-group");
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->members.size(), 2u) << "a stale member was left behind";

  // A later rebalance (a third member) is not held up by a stale member's session timeout;
  // its duration is in the log, not asserted.
  Consumer third(broker_->bootstrap(), "sub-group");
  third.Subscribe({"sub-a", "sub-b"});
  const auto joined = Clock::now();
  ASSERT_TRUE(PollUntil({&stable, &changer, &third}, [&] {
    return stable.assigned() && changer.assigned() && third.assigned() &&
           stable.assignment().size() + changer.assignment().size() + third.assignment().size() ==
               4;
  }));
  std::fprintf(stderr, "rebalance with a third member took %.2f s\n",
               std::chrono::duration<double>(Clock::now() - joined).count());
  view = DescribeGroup(admin, "sub-group");
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->members.size(), 3u);
}

TEST_F(GroupFidelityTest, CommitFromOutsideAnActiveGroupIsUnknownMember) {
  CreateTopic("commit-topic", 1);
  Consumer member(broker_->bootstrap(), "commit-group");
  member.Subscribe({"commit-topic"});
  ASSERT_TRUE(PollUntil({&member}, [&] { return member.assigned(); }));

  // Another client with the same group.id but manual assignment commits with generation -1
  // and no member id while the group has a member: Kafka answers UNKNOWN_MEMBER_ID.
  Consumer outsider(broker_->bootstrap(), "commit-group");
  rd_kafka_topic_partition_list_t* offsets = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(offsets, "commit-topic", 0)->offset = 1;
  rd_kafka_resp_err_t err = rd_kafka_commit(outsider.handle(), offsets, 0 /*sync*/);
  EXPECT_EQ(err, RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID) << rd_kafka_err2name(err);
  if (offsets->elems[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    EXPECT_EQ(offsets->elems[0].err, RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID);
  }
  rd_kafka_topic_partition_list_destroy(offsets);

  // Once the group is empty, the same commit is accepted.
  member.Close();
  offsets = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(offsets, "commit-topic", 0)->offset = 1;
  err = rd_kafka_commit(outsider.handle(), offsets, 0);
  EXPECT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2name(err);
  rd_kafka_topic_partition_list_destroy(offsets);
}

TEST_F(GroupFidelityTest, DeleteGroupsAndOffsetsSurviveARestart) {
  CreateTopic("del-topic", 2);
  Produce("del-topic", 20, "x-", 2);
  // Group "idle" gets committed offsets and no members; group "busy" stays active.
  {
    Consumer idle(broker_->bootstrap(), "idle");
    rd_kafka_topic_partition_list_t* offsets = rd_kafka_topic_partition_list_new(2);
    rd_kafka_topic_partition_list_add(offsets, "del-topic", 0)->offset = 5;
    rd_kafka_topic_partition_list_add(offsets, "del-topic", 1)->offset = 7;
    ASSERT_EQ(rd_kafka_commit(idle.handle(), offsets, 0), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(offsets);
  }
  {
    Consumer partial(broker_->bootstrap(), "partial");
    rd_kafka_topic_partition_list_t* offsets = rd_kafka_topic_partition_list_new(2);
    rd_kafka_topic_partition_list_add(offsets, "del-topic", 0)->offset = 3;
    rd_kafka_topic_partition_list_add(offsets, "del-topic", 1)->offset = 4;
    ASSERT_EQ(rd_kafka_commit(partial.handle(), offsets, 0), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(offsets);
  }
  Consumer busy(broker_->bootstrap(), "busy");
  busy.Subscribe({"del-topic"});
  ASSERT_TRUE(PollUntil({&busy}, [&] { return busy.assigned(); }));

  Admin admin(broker_->bootstrap());
  auto listed = ListGroups(admin, {});
  EXPECT_EQ(listed["idle"], "Empty");
  EXPECT_EQ(listed["busy"], "Stable");
  auto stable_only = ListGroups(admin, {RD_KAFKA_CONSUMER_GROUP_STATE_STABLE});
  EXPECT_EQ(stable_only.count("busy"), 1u);
  EXPECT_EQ(stable_only.count("idle"), 0u) << "the state filter was ignored";

  auto deleted = DeleteGroups(admin, {"idle", "busy", "never-existed"});
  EXPECT_EQ(deleted["idle"], "NO_ERROR");
  EXPECT_EQ(deleted["busy"], "NON_EMPTY_GROUP");
  EXPECT_EQ(deleted["never-existed"], "GROUP_ID_NOT_FOUND");

  // OffsetDelete of one partition of "partial".
  {
    rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(parts, "del-topic", 1);
    rd_kafka_DeleteConsumerGroupOffsets_t* del =
        rd_kafka_DeleteConsumerGroupOffsets_new("partial", parts);
    rd_kafka_topic_partition_list_destroy(parts);
    rd_kafka_DeleteConsumerGroupOffsets(admin.rk(), &del, 1, nullptr, admin.queue());
    rd_kafka_DeleteConsumerGroupOffsets_destroy(del);
    rd_kafka_event_t* ev = admin.Wait();
    ASSERT_NE(ev, nullptr);
    EXPECT_EQ(rd_kafka_event_error(ev), RD_KAFKA_RESP_ERR_NO_ERROR)
        << rd_kafka_event_error_string(ev);
    size_t n = 0;
    const rd_kafka_group_result_t** res = rd_kafka_DeleteConsumerGroupOffsets_result_groups(
        rd_kafka_event_DeleteConsumerGroupOffsets_result(ev), &n);
    ASSERT_EQ(n, 1u);
    EXPECT_EQ(rd_kafka_group_result_error(res[0]), nullptr);
    const rd_kafka_topic_partition_list_t* out = rd_kafka_group_result_partitions(res[0]);
    ASSERT_EQ(out->cnt, 1);
    EXPECT_EQ(out->elems[0].err, RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_event_destroy(ev);
  }
  // OffsetDelete of a topic the active group subscribes to is refused per partition.
  {
    rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(parts, "del-topic", 0);
    rd_kafka_DeleteConsumerGroupOffsets_t* del =
        rd_kafka_DeleteConsumerGroupOffsets_new("busy", parts);
    rd_kafka_topic_partition_list_destroy(parts);
    rd_kafka_DeleteConsumerGroupOffsets(admin.rk(), &del, 1, nullptr, admin.queue());
    rd_kafka_DeleteConsumerGroupOffsets_destroy(del);
    rd_kafka_event_t* ev = admin.Wait();
    ASSERT_NE(ev, nullptr);
    size_t n = 0;
    const rd_kafka_group_result_t** res = rd_kafka_DeleteConsumerGroupOffsets_result_groups(
        rd_kafka_event_DeleteConsumerGroupOffsets_result(ev), &n);
    ASSERT_EQ(n, 1u);
    const rd_kafka_topic_partition_list_t* out = rd_kafka_group_result_partitions(res[0]);
    ASSERT_NE(out, nullptr);
    ASSERT_EQ(out->cnt, 1);
    EXPECT_EQ(out->elems[0].err, RD_KAFKA_RESP_ERR_GROUP_SUBSCRIBED_TO_TOPIC)
        << rd_kafka_err2name(out->elems[0].err);
    rd_kafka_event_destroy(ev);
  }
  busy.Close();

  // What is committed now, before and after a restart of the broker.
  auto committed = [&](const std::string& group) {
    RunResult r = Tool({"committed", "--bootstrap", broker_->bootstrap(), "--topic", "del-topic",
                        "--group", group, "--partitions", "2"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  };
  EXPECT_EQ(committed("idle"), "0 -1001\n1 -1001\n");
  EXPECT_EQ(committed("partial"), "0 3\n1 -1001\n");
  broker_->Stop();
  broker_ = std::make_unique<Broker>(dir_ / "data", std::vector<std::string>{}, 4);
  ASSERT_TRUE(broker_->ok()) << broker_->Stderr();
  EXPECT_EQ(committed("idle"), "0 -1001\n1 -1001\n");
  EXPECT_EQ(committed("partial"), "0 3\n1 -1001\n");
  Admin admin2(broker_->bootstrap());
  auto after = ListGroups(admin2, {});
  EXPECT_EQ(after.count("idle"), 0u);
  EXPECT_EQ(after["partial"], "Empty");
}

}  // namespace
}  // namespace eddy::kafka::testing
