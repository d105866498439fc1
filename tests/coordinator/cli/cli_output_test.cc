// `--output json` of the list, status and describe commands against a real grid (eddy-logd,
// eddy-coordinator, one eddy-node, the wordcount job in an eddy-container): each prints one
// JSON document on stdout that parses and holds the figures the grid has (topics and their
// offsets, the node, the daemons, the job and its containers, the store's entries and stats).
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/integration/cluster/cluster_harness.h"

namespace eddy::test {
namespace {
using nlohmann::json;

// `eddy <args>` on the grid; the parsed JSON document (a test failure when it is not one).
json EddyJson(const Grid& g, const std::string& args) {
  auto r = g.Eddy(args);
  EXPECT_EQ(r.code, 0) << "eddy " << args << ": " << r.err;
  json doc = json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(doc.is_discarded()) << "eddy " << args << " printed no JSON:\n" << r.out;
  EXPECT_TRUE(doc.is_object()) << "eddy " << args << ": " << r.out;
  return doc.is_discarded() ? json::object() : doc;
}

// Polls `eddy <args>` until `done(doc)` (generous deadline: the machine is shared).
json WaitJson(const Grid& g, const std::string& args, const std::function<bool(const json&)>& done,
              int seconds = 90) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  json doc;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = g.Eddy(args);
    doc = json::parse(r.out, nullptr, false);
    if (r.code == 0 && !doc.is_discarded() && done(doc)) return doc;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ADD_FAILURE() << "eddy " << args << " never got there; last:\n" << doc.dump();
  return doc;
}

TEST(CliOutput, ListStatusAndDescribeCommandsPrintJson) {
  Grid g(1);
  ASSERT_TRUE(g.ok());

  // Topics: created and fed through the CLI and the producer, read back as JSON.
  auto created = g.Eddy("topic create wordcount-lines --partitions 4");
  ASSERT_EQ(created.code, 0) << created.err;
  ASSERT_TRUE(g.CreateTopic("wordcount-counts", 4));
  std::vector<std::string> words;
  std::map<std::string, int64_t> expected;
  for (int i = 0; i < 60; ++i) {
    words.push_back("w" + std::to_string(i % 7));
    expected[words.back()]++;
  }
  ASSERT_TRUE(g.Produce("wordcount-lines", words));

  json topics = EddyJson(g, "topic list --output json");
  ASSERT_TRUE(topics["topics"].is_array()) << topics.dump();
  std::set<std::string> names(topics["topics"].begin(), topics["topics"].end());
  EXPECT_TRUE(names.count("wordcount-lines") && names.count("wordcount-counts")) << topics.dump();
  // Text stays the default.
  auto text = g.Eddy("topic list");
  EXPECT_EQ(text.code, 0);
  EXPECT_NE(text.out.find("wordcount-lines\n"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find('{'), std::string::npos) << text.out;

  json d = EddyJson(g, "topic describe wordcount-lines -o json");
  EXPECT_EQ(d["name"], "wordcount-lines");
  ASSERT_EQ(d["partitions"].size(), 4u) << d.dump();
  int64_t end_sum = 0;
  for (size_t p = 0; p < 4; ++p) {
    EXPECT_EQ(d["partitions"][p]["partition"], static_cast<int>(p));
    EXPECT_EQ(d["partitions"][p]["start_offset"], 0);
    EXPECT_GE(d["partitions"][p]["size_bytes"].get<int64_t>(), 0);
    end_sum += d["partitions"][p]["end_offset"].get<int64_t>();
  }
  EXPECT_EQ(end_sum, static_cast<int64_t>(words.size())) << d.dump();
  EXPECT_TRUE(d["config"].is_object());

  // The grid and its node.
  json gs = EddyJson(g, "grid status --output json");
  EXPECT_EQ(gs["down"], 0);
  std::map<std::string, json> daemons;
  for (const auto& x : gs["daemons"]) daemons[x["kind"].get<std::string>()] = x;
  ASSERT_EQ(daemons.size(), 3u) << gs.dump();
  for (const char* k : {"logd", "coordinator", "node"}) {
    EXPECT_EQ(daemons[k]["up"], true) << k;
    EXPECT_GT(daemons[k]["pid"].get<int>(), 0) << k;
  }
  EXPECT_EQ(daemons["logd"]["address"], g.bootstrap());
  EXPECT_FALSE(daemons["coordinator"]["http"].get<std::string>().empty()) << gs.dump();

  json nodes = WaitJson(g, "node list --output json", [](const json& j) {
    return j.contains("nodes") && j["nodes"].size() == 1 && j["nodes"][0]["alive"] == true;
  });
  EXPECT_EQ(nodes["nodes"][0]["node_id"], "node-0");
  // int64 fields are JSON strings (the protobuf JSON mapping); grid up offers 4096 MB a node.
  EXPECT_EQ(nodes["nodes"][0]["resources"]["memory_mb"], "4096") << nodes.dump();

  // A job: list, status, then its store through `eddy state`.
  auto sub = g.Eddy("job submit " + WordcountPackage() +
                    " --set cluster-manager.container.memory.mb=512 --set task.commit.ms=500");
  ASSERT_EQ(sub.code, 0) << sub.out << sub.err;
  json status = WaitJson(g, "job status wordcount --output json", [](const json& j) {
    return j.value("containers", json::array()).size() == 1 &&
           j["containers"][0]["state"] == "running";
  });
  EXPECT_EQ(status["job"], "wordcount");
  EXPECT_EQ(status["containers"][0]["node"], "node-0");
  EXPECT_EQ(status["containers"][0]["tasks"].size(), 4u) << status.dump();
  // The older --json flag is the same document.
  json legacy = EddyJson(g, "job status wordcount --json");
  EXPECT_EQ(legacy["job"], status["job"]);
  EXPECT_EQ(legacy["generation"], status["generation"]);

  json jobs = EddyJson(g, "job list --output json");
  ASSERT_EQ(jobs["jobs"].size(), 1u) << jobs.dump();
  EXPECT_EQ(jobs["jobs"][0]["job"], "wordcount");
  EXPECT_EQ(jobs["jobs"][0]["state"], status["state"]);

  json scan =
      WaitJson(g, "state scan wordcount wordcount-counts --output json", [&](const json& j) {
        std::map<std::string, int64_t> got;
        for (const auto& e : j.value("entries", json::array())) {
          got[e["key"].get<std::string>()] = std::stoll(e["value"].get<std::string>());
        }
        return got == expected;
      });
  for (const auto& e : scan["entries"]) {
    EXPECT_EQ(e["task"].get<std::string>().rfind("Partition ", 0), 0u) << e.dump();
  }
  json one = EddyJson(g, "state get wordcount wordcount-counts w3 --output json");
  ASSERT_EQ(one["entries"].size(), 1u) << one.dump();
  EXPECT_EQ(one["entries"][0]["key"], "w3");
  EXPECT_EQ(one["entries"][0]["value"], std::to_string(expected["w3"]));

  json stats = EddyJson(g, "state stats wordcount wordcount-counts --output json");
  int64_t keys = 0;
  for (const auto& s : stats["stores"]) {
    EXPECT_EQ(s["store"], "wordcount-counts");
    EXPECT_EQ(s["container"], status["containers"][0]["id"]);
    keys += s["keys"].get<int64_t>();
  }
  EXPECT_EQ(stats["stores"].size(), 4u) << stats.dump();
  EXPECT_EQ(keys, static_cast<int64_t>(expected.size())) << stats.dump();
  EXPECT_TRUE(stats["metrics"].is_object()) << stats.dump();
}

}  // namespace
}  // namespace eddy::test
