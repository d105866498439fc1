// Unit tests of the runtime's timekeeping pieces: the watermark tracker (idle and slow
// partitions, out-of-orderness, intermediate writers, monotonic restore), the timer store
// (order, dedup, limit, persistence through a real in-memory store) and the async completion
// bookkeeping (longest completed prefix, skips, double completion, failure, timeout), the new
// config keys and the reserved timer store.
#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "eddy/envelope.h"
#include "runtime/container/async_dispatcher.h"
#include "runtime/container/control_records.h"
#include "runtime/container/job_config.h"
#include "runtime/container/task_time_service.h"
#include "runtime/container/timer_store.h"
#include "runtime/container/watermark_tracker.h"
#include "runtime/job/internal_stores.h"
#include "runtime/state/inmemory_store.h"

namespace eddy::runtime {
namespace {

TEST(WatermarkTracker, MinOverPartitionsWithOutOfOrderness) {
  WatermarkTracker w({/*max_out_of_orderness_ms=*/10, /*idle_timeout_ms=*/1000});
  int a = w.AddPartition(0), b = w.AddPartition(0);
  w.OnEvent(a, 500, 1);
  EXPECT_FALSE(w.Update(1));  // b never delivered: holds at kNoWatermark
  EXPECT_EQ(w.watermark(), kNoWatermark);
  w.OnEvent(b, 300, 2);
  EXPECT_TRUE(w.Update(2));
  EXPECT_EQ(w.watermark(), 290);
  w.OnEvent(b, 200, 3);  // out of order: the max stays
  EXPECT_FALSE(w.Update(3));
  w.OnEvent(b, 900, 4);
  EXPECT_TRUE(w.Update(4));
  EXPECT_EQ(w.watermark(), 490);  // a is the slow one now
}

TEST(WatermarkTracker, IdlePartitionStopsHoldingOnlyWhenCaughtUp) {
  WatermarkTracker w({0, 1000});
  int idle = w.AddPartition(0), slow = w.AddPartition(0), fast = w.AddPartition(0);
  w.OnEvent(slow, 100, 10);
  w.OnEvent(fast, 5000, 10);
  w.Update(10);
  EXPECT_EQ(w.watermark(), kNoWatermark);
  // Past the timeout but not caught up: still holds.
  w.Update(2000);
  EXPECT_EQ(w.watermark(), kNoWatermark);
  w.SetCaughtUp(idle, true);
  w.SetCaughtUp(slow, true);
  w.SetCaughtUp(fast, true);
  w.OnEvent(slow, 150, 1990);
  w.OnEvent(fast, 5000, 1990);
  EXPECT_TRUE(w.Update(2000));  // idle (silent since 0) left out; slow (active) holds
  EXPECT_EQ(w.watermark(), 150);
  EXPECT_TRUE(w.Idle(idle, 2000));
  EXPECT_FALSE(w.Idle(slow, 2000));
  // The idle one takes part again with its next message, without moving the watermark back.
  w.OnEvent(idle, 50, 2100);
  EXPECT_FALSE(w.Update(2100));
  EXPECT_EQ(w.watermark(), 150);
  w.OnEvent(slow, 400, 2200);
  w.OnEvent(idle, 300, 2200);
  EXPECT_TRUE(w.Update(2200));
  EXPECT_EQ(w.watermark(), 300);
  // Everything idle: the largest partition watermark.
  EXPECT_TRUE(w.Update(10000));
  EXPECT_EQ(w.watermark(), 5000);
}

TEST(WatermarkTracker, IntermediatePartitionWaitsForEveryWriter) {
  WatermarkTracker w({0, 100000});
  int src = w.AddPartition(0);
  int mid = w.AddPartition(0, /*intermediate=*/true, /*writers=*/2);
  w.OnEvent(src, 1000, 1);
  w.OnWriterWatermark(mid, "Partition 0", 2, 700, 1);
  w.Update(1);
  EXPECT_EQ(w.watermark(), kNoWatermark);  // heard of 1 of 2 writers
  EXPECT_EQ(w.source_watermark(), 1000);   // what this task sends on
  w.OnWriterWatermark(mid, "Partition 1", 2, 400, 2);
  EXPECT_TRUE(w.Update(2));
  EXPECT_EQ(w.watermark(), 400);
  w.OnWriterWatermark(mid, "Partition 1", 2, 300, 3);  // older: ignored
  w.OnWriterWatermark(mid, "Partition 1", 2, 900, 3);
  EXPECT_TRUE(w.Update(3));
  EXPECT_EQ(w.watermark(), 700);
}

TEST(WatermarkTracker, IdleWritersAreLeftOutUntilActiveAgain) {
  WatermarkTracker w({0, 100000});
  int mid = w.AddPartition(0, /*intermediate=*/true, /*writers=*/3);
  w.OnWriterWatermark(mid, "Partition 0", 3, 700, 1);
  w.OnWriterWatermark(mid, "Partition 1", 3, 500, 1);
  w.Update(1);
  EXPECT_EQ(w.watermark(), kNoWatermark);  // Partition 2 not heard of yet
  // Partition 2 never had an event and its inputs are idle: it announces itself idle.
  w.OnWriterWatermark(mid, "Partition 2", 3, kNoWatermark, 2, /*idle=*/true);
  EXPECT_TRUE(w.Update(2));
  EXPECT_EQ(w.watermark(), 500);  // the minimum over the non-idle writers
  EXPECT_FALSE(w.Idle(mid, 2));
  // Partition 1 turns idle too: only Partition 0 counts.
  w.OnWriterWatermark(mid, "Partition 1", 3, 500, 3, /*idle=*/true);
  EXPECT_TRUE(w.Update(3));
  EXPECT_EQ(w.watermark(), 700);
  // Partition 2 is active again with its next non-idle record: it holds from now on (the
  // watermark never goes back).
  w.OnWriterWatermark(mid, "Partition 2", 3, 600, 4);
  w.OnWriterWatermark(mid, "Partition 0", 3, 900, 4);
  EXPECT_FALSE(w.Update(4));
  EXPECT_EQ(w.watermark(), 700);
  EXPECT_EQ(w.PartitionWatermark(mid), 600);
  w.OnWriterWatermark(mid, "Partition 2", 3, 800, 5);
  EXPECT_TRUE(w.Update(5));
  EXPECT_EQ(w.watermark(), 800);
}

TEST(WatermarkTracker, PartitionWhoseWritersAreAllIdleIsIdle) {
  WatermarkTracker w({0, 100000});
  int src = w.AddPartition(0);
  int mid = w.AddPartition(0, /*intermediate=*/true, /*writers=*/2);
  w.OnEvent(src, 2000, 1);
  w.OnWriterWatermark(mid, "Partition 0", 2, 1500, 1, /*idle=*/true);
  w.Update(1);
  EXPECT_FALSE(w.Idle(mid, 1));  // Partition 1 not heard of: not idle, holds
  EXPECT_EQ(w.watermark(), kNoWatermark);
  w.OnWriterWatermark(mid, "Partition 1", 2, kNoWatermark, 2, /*idle=*/true);
  // Every writer idle: the partition is idle long before the idle timeout and does not hold
  // the task watermark back; its own watermark is the largest of its writers'.
  EXPECT_TRUE(w.Idle(mid, 2));
  EXPECT_EQ(w.PartitionWatermark(mid), 1500);
  EXPECT_TRUE(w.Update(2));
  EXPECT_EQ(w.watermark(), 2000);
  // The source partition (caught up, silent) goes idle as well: everything idle, the largest.
  w.SetCaughtUp(src, true);
  EXPECT_FALSE(w.SourceIdle(50000));
  EXPECT_TRUE(w.SourceIdle(200000));
  // Idle records are no activity: the partition stays idle by the timeout rule too.
  w.SetCaughtUp(mid, true);
  w.OnWriterWatermark(mid, "Partition 0", 2, 1500, 190000, /*idle=*/true);
  w.OnWriterWatermark(mid, "Partition 0", 2, 1600, 190000);  // active again
  EXPECT_FALSE(w.Idle(mid, 200000));
  EXPECT_EQ(w.PartitionWatermark(mid), 1600);
}

TEST(WatermarkTracker, SourceIdleNeedsSourcePartitions) {
  WatermarkTracker w({0, 1000});
  int mid = w.AddPartition(0, /*intermediate=*/true, /*writers=*/1);
  w.SetCaughtUp(mid, true);
  EXPECT_FALSE(w.SourceIdle(5000));  // no source partition: not a writer at all
  WatermarkTracker v({0, 1000});
  int a = v.AddPartition(0), b = v.AddPartition(0);
  v.SetCaughtUp(a, true);
  v.SetCaughtUp(b, true);
  v.OnEvent(b, 10, 500);
  EXPECT_FALSE(v.SourceIdle(1200));  // b was active at 500
  EXPECT_TRUE(v.SourceIdle(1500));   // never-seen a and quiet b: both idle
}

TEST(WatermarkTracker, RestoreIsAFloor) {
  WatermarkTracker w({0, 1000});
  int a = w.AddPartition(0);
  w.Restore(5000);
  EXPECT_EQ(w.watermark(), 5000);
  w.OnEvent(a, 10, 1);
  EXPECT_FALSE(w.Update(1));
  EXPECT_EQ(w.watermark(), 5000);
  w.OnEvent(a, 6000, 2);
  EXPECT_TRUE(w.Update(2));
  EXPECT_EQ(w.watermark(), 6000);
}

TEST(TimerStore, OrderDedupLimitAndReload) {
  state::InMemoryStore kv("__eddy_timers");
  TimerStore ts(&kv, 4);
  ASSERT_TRUE(ts.Load().ok());
  EXPECT_EQ(ts.watermark(), kNoWatermark);
  ASSERT_TRUE(ts.Add(TimeDomain::kEventTime, "b", 20).ok());
  ASSERT_TRUE(ts.Add(TimeDomain::kEventTime, "a", 20).ok());
  ASSERT_TRUE(ts.Add(TimeDomain::kEventTime, "z", -5).ok());  // negative sorts first
  ASSERT_TRUE(ts.Add(TimeDomain::kEventTime, "a", 20).ok());  // again: no-op
  ASSERT_TRUE(ts.Add(TimeDomain::kProcessingTime, "p", 1).ok());
  EXPECT_EQ(ts.size(), 4u);
  auto full = ts.Add(TimeDomain::kEventTime, "c", 30);
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(std::string(full.message()).find("task.timers.max=4"), std::string::npos);
  ASSERT_TRUE(ts.Remove(TimeDomain::kEventTime, "b", 20).ok());
  ASSERT_TRUE(ts.Remove(TimeDomain::kEventTime, "nope", 1).ok());
  ASSERT_TRUE(ts.Add(TimeDomain::kEventTime, "b", 25).ok());
  ASSERT_TRUE(ts.PersistWatermark(17).ok());
  EXPECT_EQ(ts.source_watermark(), kNoWatermark);  // absent: stores written before the key
  ASSERT_TRUE(ts.PersistSourceWatermark(-40).ok());

  // A second view of the same store (what a restore rebuilds) sees the same.
  TimerStore again(&kv, 100);
  ASSERT_TRUE(again.Load().ok());
  EXPECT_EQ(again.watermark(), 17);
  EXPECT_EQ(again.source_watermark(), -40);
  EXPECT_EQ(again.size(TimeDomain::kEventTime), 3u);
  std::vector<std::pair<int64_t, std::string>> fired;
  while (true) {
    auto t = again.PopDue(TimeDomain::kEventTime, 24);
    ASSERT_TRUE(t.ok());
    if (!t->has_value()) break;
    fired.emplace_back((*t)->timestamp, (*t)->key);
  }
  EXPECT_EQ(fired, (std::vector<std::pair<int64_t, std::string>>{{-5, "z"}, {20, "a"}}));
  TimerStore third(&kv, 100);
  ASSERT_TRUE(third.Load().ok());
  EXPECT_EQ(third.size(TimeDomain::kEventTime), 1u);  // "b"@25 left; fired ones deleted
  EXPECT_EQ(third.size(TimeDomain::kProcessingTime), 1u);
}

TEST(TimerStore, MalformedEntriesAreDataLoss) {
  state::InMemoryStore kv("__eddy_timers");
  ASSERT_TRUE(kv.Put("w", "abc").ok());
  TimerStore ts(&kv, 10);
  EXPECT_EQ(ts.Load().code(), absl::StatusCode::kDataLoss);
  ASSERT_TRUE(kv.Delete("w").ok());
  ASSERT_TRUE(kv.Put("tx", "").ok());
  EXPECT_EQ(ts.Load().code(), absl::StatusCode::kDataLoss);
}

TEST(ControlRecords, RoundTripAndBadInput) {
  auto c = DecodeWatermarkControl("Partition 3", EncodeWatermarkValue(4, -12));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->writer, "Partition 3");
  EXPECT_EQ(c->writers, 4);
  EXPECT_EQ(c->watermark, -12);
  EXPECT_FALSE(c->idle);
  EXPECT_EQ(EncodeWatermarkValue(4, -12), "watermark=-12 writers=4");  // unchanged format
  // idle=1: round trip, also with kNoWatermark (a writer that never had an event).
  EXPECT_EQ(EncodeWatermarkValue(2, 5, true), "watermark=5 writers=2 idle=1");
  auto i = DecodeWatermarkControl("Partition 1", EncodeWatermarkValue(2, kNoWatermark, true));
  ASSERT_TRUE(i.ok()) << i.status();
  EXPECT_TRUE(i->idle);
  EXPECT_EQ(i->watermark, kNoWatermark);
  auto i0 = DecodeWatermarkControl("t", "watermark=5 writers=2 idle=0");
  ASSERT_TRUE(i0.ok()) << i0.status();
  EXPECT_FALSE(i0->idle);
  // Unknown parts are ignored (newer writers may add more).
  auto u = DecodeWatermarkControl("t", "watermark=5 writers=2 future=x");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->watermark, 5);
  for (const char* bad :
       {"", "watermark=1", "writers=2", "watermark=x writers=2", "watermark=1 writers=0",
        "watermark=1 writers=-3", "watermark=1 writers=1 idle=2", "watermark=1 writers=1 idle="}) {
    EXPECT_FALSE(DecodeWatermarkControl("t", std::string_view(bad)).ok()) << bad;
  }
  EXPECT_FALSE(DecodeWatermarkControl(std::nullopt, "watermark=1 writers=1").ok());
  std::vector<HeaderView> h = {{"x", std::nullopt}, {kControlHeader, kControlWatermark}};
  ASSERT_TRUE(ControlKind(h).has_value());
  EXPECT_EQ(*ControlKind(h), "watermark");
  EXPECT_FALSE(ControlKind({}).has_value());
}

// Collects sends (the run loop's direct collector).
class VectorCollector : public MessageCollector {
 public:
  absl::Status Send(OutgoingMessageEnvelope e) override {
    sent.push_back(e.message_bytes() ? std::string(*e.message_bytes()) : "");
    return absl::OkStatus();
  }
  std::vector<std::string> sent;
};

class NoCoordinator : public TaskCoordinator {
 public:
  void Commit(RequestScope) override {}
  void Shutdown(RequestScope) override {}
};

// A writer task whose only input never had data: once the input is idle it announces itself
// idle to every partition of the intermediate stream (again every idle timeout), turns active
// with its first watermark, and a restart keeps its source watermark (timer store key "s").
TEST(TaskTimeService, IdleWriterAnnouncesItselfAndKeepsItsSourceWatermark) {
  state::InMemoryStore kv("__eddy_timers");
  MetricsRegistry metrics;
  NoCoordinator coord;
  TimeOptions opt;
  opt.watermark.idle_timeout_ms = 1000;
  opt.control_interval_ms = 100;
  const SystemStream in("kafka", "pageviews"), mid("kafka", "mid");
  const std::string idle_no_wm =
      EncodeWatermarkValue(4, kNoWatermark, /*idle=*/true);  // "watermark=-9223... idle=1"
  {
    TaskTimeService t("Partition 3", opt, &kv, nullptr, nullptr, &metrics);
    int i = t.AddInput(in, /*intermediate=*/false, 0, 0);
    // It reads the intermediate stream too, whose writers it never hears of: its task
    // watermark stays kNoWatermark, so only "s" can keep its source watermark.
    t.AddInput(mid, /*intermediate=*/true, 4, 0);
    t.AddControlOutput(mid, /*partitions=*/2, /*writers=*/4);
    ASSERT_TRUE(t.Load().ok());
    t.SetCaughtUp(i, true);
    VectorCollector out;
    ASSERT_TRUE(t.Tick(500, out, coord).ok());
    EXPECT_TRUE(out.sent.empty());  // not idle yet, no watermark: nothing to say
    ASSERT_TRUE(t.Tick(1500, out, coord).ok());
    EXPECT_EQ(out.sent, (std::vector<std::string>{idle_no_wm, idle_no_wm}));
    ASSERT_TRUE(t.Tick(1700, out, coord).ok());
    EXPECT_EQ(out.sent.size(), 2u);  // unchanged: not before the next idle timeout
    ASSERT_TRUE(t.Tick(2600, out, coord).ok());
    EXPECT_EQ(out.sent.size(), 4u);  // the repeat
    IncomingMessageEnvelope e(SystemStreamPartition(in, 3), 0, "k", "v", 5000);
    t.OnMessage(i, e, 2700);
    ASSERT_TRUE(t.Tick(2800, out, coord).ok());
    ASSERT_EQ(out.sent.size(), 6u);
    EXPECT_EQ(out.sent[4], EncodeWatermarkValue(4, 5000));  // active again
    ASSERT_TRUE(t.BeforeCommit().ok());
    EXPECT_EQ(t.CurrentWatermark(), kNoWatermark);
  }
  TaskTimeService t("Partition 3", opt, &kv, nullptr, nullptr, &metrics);
  int i = t.AddInput(in, false, 0, 0);
  t.AddInput(mid, true, 4, 0);
  t.AddControlOutput(mid, 2, 4);
  ASSERT_TRUE(t.Load().ok());
  t.SetCaughtUp(i, true);
  VectorCollector out;
  ASSERT_TRUE(t.Tick(1500, out, coord).ok());
  EXPECT_EQ(out.sent, (std::vector<std::string>{EncodeWatermarkValue(4, 5000, true),
                                                EncodeWatermarkValue(4, 5000, true)}));
}

TEST(AsyncDispatcher, CheckpointIsTheLongestCompletedPrefix) {
  MetricsRegistry metrics;
  VectorCollector direct;
  AsyncDispatcher d("Partition 0", {3, 60000}, &direct, &metrics);
  int64_t next = 100;
  int p = d.AddPartition("eddy.in partition 0", &next);
  IncomingMessageEnvelope env;
  std::vector<std::shared_ptr<TaskCallback>> cb;
  for (int64_t off = 100; off < 103; ++off) cb.push_back(d.Start(p, off, env, nullptr).callback);
  EXPECT_TRUE(d.Full());
  cb[2]->Complete();
  cb[1]->Complete();
  ASSERT_TRUE(d.Drain().ok());
  EXPECT_EQ(next, 100);  // 100 still pending: nothing passes it
  EXPECT_FALSE(d.Full());
  d.Skip(p, 103);  // e.g. a control record, behind the pending one
  cb[0]->Complete();
  cb[0]->Complete();  // twice: ignored, counted
  cb[0]->Failure(absl::InternalError("late"));
  ASSERT_TRUE(d.Drain().ok());
  EXPECT_EQ(next, 104);
  EXPECT_EQ(d.in_flight(), 0);
  EXPECT_EQ(metrics.NewCounter("task.Partition 0", "callbacks-completed-twice").Get(), 2);
  d.Skip(p, 104);  // nothing pending: at once
  EXPECT_EQ(next, 105);
}

TEST(AsyncDispatcher, SendsFromOtherThreadsPrecedeTheirCompletion) {
  MetricsRegistry metrics;
  VectorCollector direct;
  AsyncDispatcher d("t", {8, 60000}, &direct, &metrics);
  int64_t next = 0;
  int p = d.AddPartition("eddy.in partition 0", &next);
  IncomingMessageEnvelope env;
  std::vector<std::thread> threads;
  std::mt19937 rng(7);
  for (int64_t off = 0; off < 8; ++off) {
    auto cb = d.Start(p, off, env, nullptr).callback;
    int delay = static_cast<int>(rng() % 20);
    threads.emplace_back([&d, cb, off, delay] {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay));
      ASSERT_TRUE(
          d.collector().Send(OutgoingMessageEnvelope({"s", "o"}, std::to_string(off))).ok());
      cb->Complete();
    });
  }
  ASSERT_TRUE(d.DrainAll().ok());
  for (auto& t : threads) t.join();
  EXPECT_EQ(next, 8);
  std::sort(direct.sent.begin(), direct.sent.end());
  EXPECT_EQ(direct.sent, (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7"}));
}

TEST(AsyncDispatcher, FailureAndTimeoutNameTaskPartitionAndOffset) {
  MetricsRegistry metrics;
  VectorCollector direct;
  {
    AsyncDispatcher d("Partition 2", {2, 60000}, &direct, &metrics);
    int64_t next = 5;
    int p = d.AddPartition("eddy.in partition 2", &next);
    IncomingMessageEnvelope env;
    d.Start(p, 5, env, nullptr).callback->Failure(absl::UnavailableError("remote down"));
    auto s = d.Drain();
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
    EXPECT_NE(std::string(s.message()).find("'Partition 2'"), std::string::npos) << s;
    EXPECT_NE(std::string(s.message()).find("eddy.in partition 2 offset 5"), std::string::npos);
    EXPECT_EQ(next, 5);
  }
  AsyncDispatcher d("Partition 1", {2, 50}, &direct, &metrics);
  int64_t next = 0;
  int p = d.AddPartition("eddy.in partition 1", &next);
  IncomingMessageEnvelope env;
  auto keep = d.Start(p, 0, env, nullptr).callback;  // never completed
  auto s = d.DrainAll();
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_NE(std::string(s.message()).find("offset 0"), std::string::npos) << s;
  EXPECT_NE(std::string(s.message()).find("task.callback.timeout.ms=50"), std::string::npos);
  keep->Complete();  // after the dispatcher gave up: harmless
}

}  // namespace
}  // namespace eddy::runtime

namespace eddy::runtime {
namespace {

Config::Map TimeBase() {
  return {{"job.name", "tk"},
          {"job.id", "2"},
          {"task.class", "TimerProbe"},
          {"task.inputs", "eddy.in"},
          {"systems.eddy.factory", "eddy"},
          {"systems.eddy.bootstrap.servers", "127.0.0.1:1"}};
}

TEST(TimekeepingConfig, KeysParseWithDefaultsAndBadValuesAreNamed) {
  auto j = ParseJobConfig(Config(TimeBase()), "/cfg", "/work");
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_EQ(j->watermark_max_out_of_orderness_ms, 0);
  EXPECT_EQ(j->watermark_idle_timeout_ms, 30000);
  EXPECT_EQ(j->timer_check_ms, 100);
  EXPECT_EQ(j->timers_max, 10'000'000);
  EXPECT_EQ(j->max_concurrency, 1);
  EXPECT_EQ(j->callback_timeout_ms, 60000);
  auto m = TimeBase();
  m["task.watermark.max.out.of.orderness.ms"] = "5s";
  m["task.max.concurrency"] = "8";
  j = ParseJobConfig(Config(m), "/cfg", "/work");
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_EQ(j->watermark_max_out_of_orderness_ms, 5000);
  EXPECT_EQ(j->max_concurrency, 8);
  for (const auto& [key, bad] : std::vector<std::pair<std::string, std::string>>{
           {"task.max.concurrency", "0"},
           {"task.max.concurrency", "many"},
           {"task.callback.timeout.ms", "0"},
           {"task.watermark.idle.timeout.ms", "-5"},
           {"task.watermark.max.out.of.orderness.ms", "soon"},
           {"task.timer.check.ms", "0"},
           {"task.timers.max", "0"},
           {"streams.in.samza.intermediate", "perhaps"}}) {
    auto b = TimeBase();
    b[key] = bad;
    auto r = ParseJobConfig(Config(b), "/cfg", "/work");
    ASSERT_FALSE(r.ok()) << key << "=" << bad;
    EXPECT_NE(std::string(r.status().message()).find(key), std::string::npos) << r.status();
  }
}

TEST(TimekeepingConfig, TimerStoreNameIsReservedAndListedWithItsTopic) {
  auto m = TimeBase();
  m["stores.__eddy_timers.factory"] = "inmemory";
  auto r = ParseJobConfig(Config(m), "/cfg", "/work");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(std::string(r.status().message()).find("reserved"), std::string::npos) << r.status();

  auto stores = InternalStores(Config(TimeBase()));
  ASSERT_EQ(stores.size(), 1u);
  EXPECT_EQ(stores[0].name, "__eddy_timers");
  EXPECT_EQ(stores[0].system, "eddy");
  EXPECT_EQ(stores[0].changelog_topic, "__eddy_timers_tk_2");
  EXPECT_EQ(stores[0].config.at("stores.__eddy_timers.changelog"), "eddy.__eddy_timers_tk_2");
  EXPECT_EQ(TimerStoreChangelogTopic("tk", "1"), "__eddy_timers_tk");
  m = TimeBase();
  m["task.checkpoint.system"] = "other";
  EXPECT_EQ(InternalStores(Config(m))[0].system, "other");
}

}  // namespace
}  // namespace eddy::runtime
