// Bulk restore (sorted SST files ingested into RocksDB) against a real eddy-logd: the restored
// store equals what replaying the changelog in order gives (last value per key, tombstones
// honoured, nothing past the checkpointed offset), equals a restore through WriteBatches, with
// several stores restored at once, and after a restore that crashed half-way a second restore is
// exact. Progress gauges end at the checkpointed offset.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>

#include "log-store/client/admin_client.h"
#include "log-store/client/producer.h"
#include "runtime/container/changelog_replay.h"
#include "runtime/container/task_stores.h"
#include "runtime/standalone/child_process.h"

namespace eddy::runtime {
namespace {

namespace fs = std::filesystem;
using State = std::map<std::string, std::string>;

class BulkRestoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/eddy-bulk-restore-XXXXXX";
    dir_ = mkdtemp(tmpl);
    ASSERT_TRUE(logd_
                    .Start({std::string(EDDY_BIN_DIR) + "/eddy-logd", "--data-dir", dir_ + "/log",
                            "--listen", "127.0.0.1:0"},
                           true)
                    .ok());
    auto line = logd_.ReadLineContaining("listening on", std::chrono::seconds(30));
    ASSERT_TRUE(line.ok());
    addr_ = line->substr(line->rfind(' ') + 1);
  }
  void TearDown() override {
    ArmReplayFaultHook(nullptr);
    logd_.Stop(std::chrono::seconds(5));
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Writes `records` records to changelog topic `topic` (1 partition): keys drawn from `keys`
  // keys with a fixed seed, one in five a tombstone, values naming the offset; keeps the records
  // for ExpectedAt().
  void WriteChangelog(const std::string& topic, int records, int keys, uint64_t seed) {
    logstore::ClientOptions co;
    co.bootstrap = addr_;
    auto admin = logstore::AdminClient::Connect(co);
    ASSERT_TRUE(admin.ok());
    ASSERT_TRUE((*admin)->CreateTopic(topic, 1, {{"cleanup.policy", "compact"}}).ok());
    logstore::ProducerOptions po;
    po.client = co;
    auto p = logstore::Producer::Create(po);
    ASSERT_TRUE(p.ok());
    std::mt19937_64 rng(seed);
    auto& log = logs_[topic];
    for (int i = 0; i < records; ++i) {
      std::string key = "key-" + std::to_string(rng() % static_cast<uint64_t>(keys));
      std::optional<std::string> value;
      if (rng() % 5 != 0) value = topic + "-v" + std::to_string(i) + std::string(i % 7, 'x');
      log.push_back({key, value});
      ASSERT_TRUE((*p)->Send(topic, 0, key, value).ok());
    }
    ASSERT_TRUE((*p)->Close().ok());
  }
  // The state replaying offsets [0, end) of `topic` in order gives.
  State ExpectedAt(const std::string& topic, int64_t end) {
    State s;
    const auto& log = logs_[topic];
    for (int64_t i = 0; i < end && i < static_cast<int64_t>(log.size()); ++i) {
      if (log[i].second) {
        s[log[i].first] = *log[i].second;
      } else {
        s.erase(log[i].first);
      }
    }
    return s;
  }

  Config MakeConfig(const std::map<std::string, std::string>& stores,
                    const Config::Map& extra = {}) {
    Config::Map m = {{"job.name", "bulk"},
                     {"task.class", "T"},
                     {"task.inputs", "eddy.in"},
                     {"systems.eddy.factory", "eddy"},
                     {"systems.eddy.bootstrap.servers", addr_},
                     {"job.logged.store.base.dir", dir_ + "/state"}};
    for (const auto& [store, topic] : stores) {
      m["stores." + store + ".factory"] = "rocksdb";
      m["stores." + store + ".changelog"] = "eddy." + topic;
      // Small files: a restore of a few thousand records ingests many of them.
      m["stores." + store + ".restore.bulk.buffer.bytes"] = "65536";
    }
    for (const auto& [k, v] : extra) m[k] = v;
    return Config(m);
  }

  struct Restored {
    absl::Status status;
    std::map<std::string, State> stores;
    std::map<std::string, double> offset, end;
  };
  // Opens the task's stores, restores them to `targets` (store → changelog offset), reads every
  // store whole, and closes them.
  Restored Restore(const Config& config,
                   const std::map<std::string, std::pair<std::string, int64_t>>& targets) {
    Restored out;
    auto job = ParseJobConfig(config, dir_, dir_);
    EXPECT_TRUE(job.ok()) << job.status();
    SystemsHub hub(job->systems);
    MetricsRegistry metrics;
    TaskModel task;
    task.name = "Partition 0";
    task.changelog_partition = 0;
    auto ts = TaskStores::Open(*job, config, task, &hub, &metrics);
    EXPECT_TRUE(ts.ok()) << ts.status();
    if (!ts.ok()) {
      out.status = ts.status();
      return out;
    }
    Checkpoint cp;
    for (const auto& [store, t] : targets) cp.changelogs[store] = {{"eddy", t.first, 0}, t.second};
    out.status = (*ts)->Restore(&cp);
    if (out.status.ok()) {
      for (const auto& [store, t] : targets) {
        auto h = (*ts)->Handle(store);
        EXPECT_TRUE(h.ok());
        auto it = h->store->All();
        EXPECT_TRUE(it.ok());
        State& s = out.stores[store];
        for (; (*it)->Valid(); (*it)->Next()) {
          s[std::string((*it)->key())] = std::string((*it)->value());
        }
        EXPECT_TRUE((*it)->status().ok());
        (*it)->Close();
        out.offset[store] = metrics.NewGauge("store.Partition 0." + store, "restore-offset").Get();
        out.end[store] = metrics.NewGauge("store.Partition 0." + store, "restore-end-offset").Get();
      }
    }
    EXPECT_TRUE((*ts)->Close().ok());
    return out;
  }

  std::string dir_, addr_;
  ChildProcess logd_;
  std::map<std::string, std::vector<std::pair<std::string, std::optional<std::string>>>> logs_;
};

TEST_F(BulkRestoreTest, EqualsInOrderReplayWithOverwritesAndTombstones) {
  WriteChangelog("cl", 40000, 3000, 1);
  State expected = ExpectedAt("cl", 40000);
  ASSERT_GT(expected.size(), 1000u);
  ASSERT_LT(expected.size(), 3000u) << "some keys end deleted";
  Restored bulk = Restore(MakeConfig({{"s", "cl"}}), {{"s", {"cl", 40000}}});
  ASSERT_TRUE(bulk.status.ok()) << bulk.status;
  EXPECT_EQ(bulk.stores["s"], expected);
  EXPECT_EQ(bulk.offset["s"], 40000);
  EXPECT_EQ(bulk.end["s"], 40000);
}

TEST_F(BulkRestoreTest, EqualsARestoreThroughWriteBatches) {
  WriteChangelog("cl", 30000, 2000, 2);
  Restored bulk = Restore(MakeConfig({{"s", "cl"}}), {{"s", {"cl", 30000}}});
  Restored direct =
      Restore(MakeConfig({{"s", "cl"}}, {{"stores.s.restore.bulk.load", "false"},
                                         {"job.logged.store.base.dir", dir_ + "/state-direct"}}),
              {{"s", {"cl", 30000}}});
  ASSERT_TRUE(bulk.status.ok()) << bulk.status;
  ASSERT_TRUE(direct.status.ok()) << direct.status;
  EXPECT_EQ(bulk.stores["s"], direct.stores["s"]);
  EXPECT_EQ(bulk.stores["s"], ExpectedAt("cl", 30000));
}

TEST_F(BulkRestoreTest, RecordsPastTheCheckpointedOffsetStayOut) {
  WriteChangelog("cl", 30000, 2000, 3);
  Restored r = Restore(MakeConfig({{"s", "cl"}}), {{"s", {"cl", 21234}}});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.stores["s"], ExpectedAt("cl", 21234));
  EXPECT_NE(r.stores["s"], ExpectedAt("cl", 30000));
  EXPECT_EQ(r.offset["s"], 21234);
}

TEST_F(BulkRestoreTest, SeveralStoresRestoredAtOnceAreEachExact) {
  WriteChangelog("cl-a", 25000, 1500, 4);
  WriteChangelog("cl-b", 20000, 5000, 5);
  WriteChangelog("cl-c", 500, 50, 6);  // small: stays on WriteBatches
  Restored r = Restore(MakeConfig({{"a", "cl-a"}, {"b", "cl-b"}, {"c", "cl-c"}},
                                  {{"task.store.restore.threads", "3"}}),
                       {{"a", {"cl-a", 25000}}, {"b", {"cl-b", 19000}}, {"c", {"cl-c", 500}}});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.stores["a"], ExpectedAt("cl-a", 25000));
  EXPECT_EQ(r.stores["b"], ExpectedAt("cl-b", 19000));
  EXPECT_EQ(r.stores["c"], ExpectedAt("cl-c", 500));
}

TEST_F(BulkRestoreTest, CrashHalfWayThenASecondRestoreIsExact) {
  WriteChangelog("cl-a", 30000, 2000, 7);
  WriteChangelog("cl-b", 30000, 2000, 8);
  Config config = MakeConfig({{"a", "cl-a"}, {"b", "cl-b"}});
  // Store b "crashes" once more than half its records are applied (some SST files ingested,
  // one being built, more buffered).
  std::atomic<int> crashes{0};
  ArmReplayFaultHook([&](const std::string& store, int64_t applied) {
    if (store == "b" && applied > 15000) {
      ++crashes;
      return absl::AbortedError("crash injected by the test");
    }
    return absl::OkStatus();
  });
  Restored first = Restore(config, {{"a", {"cl-a", 30000}}, {"b", {"cl-b", 30000}}});
  EXPECT_FALSE(first.status.ok());
  EXPECT_NE(first.status.message().find("crash injected"), std::string::npos) << first.status;
  EXPECT_EQ(crashes.load(), 1);
  ArmReplayFaultHook(nullptr);
  // The store directory holds a partial store; the second restore must not build on it.
  Restored second = Restore(config, {{"a", {"cl-a", 30000}}, {"b", {"cl-b", 30000}}});
  ASSERT_TRUE(second.status.ok()) << second.status;
  EXPECT_EQ(second.stores["a"], ExpectedAt("cl-a", 30000));
  EXPECT_EQ(second.stores["b"], ExpectedAt("cl-b", 30000));
  for (const auto& e : fs::recursive_directory_iterator(dir_ + "/state")) {
    EXPECT_EQ(e.path().filename().string().rfind("restore-", 0), std::string::npos)
        << "leftover restore file " << e.path();
  }
}

TEST_F(BulkRestoreTest, BadRestoreSettingsAreErrorsNamingTheKey) {
  WriteChangelog("cl", 10, 5, 9);
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"stores.s.restore.bulk.buffer.bytes", "100"},
           {"stores.s.restore.bulk.buffer.bytes", "lots"},
           {"stores.s.restore.bulk.load", "maybe"},
           {"task.store.restore.threads", "0"}}) {
    auto job = ParseJobConfig(MakeConfig({{"s", "cl"}}, {{key, value}}), dir_, dir_);
    Config config = MakeConfig({{"s", "cl"}}, {{key, value}});
    absl::Status st = job.status();
    if (st.ok()) {
      SystemsHub hub(job->systems);
      MetricsRegistry metrics;
      TaskModel task;
      task.name = "Partition 0";
      st = TaskStores::Open(*job, config, task, &hub, &metrics).status();
    }
    EXPECT_FALSE(st.ok()) << key << "=" << value;
    EXPECT_NE(st.message().find(key), std::string::npos) << st;
  }
}

}  // namespace
}  // namespace eddy::runtime
