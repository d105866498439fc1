// eddy-cluster-bench: failover and submit figures on a real grid (2 nodes on 127.0.0.1):
//  - submit-to-running: `eddy job submit --wait` until every container reports running;
//  - wordcount with KEYS distinct words of state (default 1,000,000) in 2 containers;
//  - kill -9 of a container while input flows → back on the same node (its stores restored from
//    their newest local checkpoint, only the changelog tail replayed);
//  - kill -9 of a node (eddy-node + its containers) while input flows → back on the other node
//    (stores restored from the changelog start: that node has no local checkpoint).
// Two figures per failover, both from the kill:
//  - "running again": the coordinator reports the container running with its restart counted
//    (its tasks are restored and its run loop has started);
//  - "processing again": markers produced right after the kill (32 new keys, so the killed
//    container's partitions get some) are all visible in the live state (`eddy state scan`):
//    the restarted tasks have processed new input.
//   eddy-cluster-bench [KEYS]
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "tests/integration/cluster/cluster_harness.h"

using namespace eddy::test;
using Clock = std::chrono::steady_clock;

namespace {
double Secs(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Waits until container `idx` is running with restarts > `restarts`; returns the time.
Clock::time_point WaitBack(const Grid& g, size_t idx, const std::string& restarts_before,
                           std::string* node) {
  while (true) {
    auto s = g.JobStatus("wordcount");
    if (s.contains("containers") && s["containers"].size() > idx) {
      auto c = s["containers"][idx];
      if (c.value("state", "") == "running" && c.value("restarts", "0") != restarts_before) {
        *node = c.value("node", "");
        return Clock::now();
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// The "restored from" lines of container 0's log (the running instance's).
void PrintRestoreLines(const Grid& g) {
  auto logs = g.Eddy("job logs wordcount --container 0");
  for (size_t at = logs.out.find("restored from"); at != std::string::npos;
       at = logs.out.find("restored from", at + 1)) {
    size_t b = logs.out.rfind('\n', at), e = logs.out.find('\n', at);
    b = b == std::string::npos ? 0 : b + 1;
    std::printf("  log: %s\n", logs.out.substr(b, e == std::string::npos ? e : e - b).c_str());
  }
}

std::vector<std::string> Markers(const std::string& tag) {
  std::vector<std::string> m;
  for (int i = 0; i < 32; ++i) m.push_back("zmark-" + tag + "-" + std::to_string(i));
  return m;
}

// Waits until every marker of `tag` is counted in the live state; returns the time.
Clock::time_point WaitMarkers(const Grid& g, const std::string& tag) {
  while (true) {
    auto r =
        g.Eddy("state scan wordcount wordcount-counts --prefix zmark-" + tag + "- --limit 100");
    if (r.code == 0) {
      int lines = 0;
      for (char c : r.out) lines += c == '\n';
      if (lines >= 32) return Clock::now();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Background input during a kill: existing keys, 1,000 records every 20 ms, counted into
// `expected`. Stop with stop = true and join.
struct Flow {
  std::atomic<bool> stop{false};
  std::thread t;
  void Start(const Grid& g, int keys, std::map<std::string, int64_t>* expected) {
    t = std::thread([this, &g, keys, expected] {
      int next = 0;
      while (!stop) {
        std::vector<std::string> w;
        for (int i = 0; i < 1000; ++i) w.push_back("k" + std::to_string((next++) % keys));
        if (g.Produce("wordcount-lines", w)) {
          for (auto& x : w) (*expected)[x]++;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
  }
  void Stop() {
    stop = true;
    t.join();
  }
};
}  // namespace

int main(int argc, char** argv) {
  if (argc > 2 ||
      (argc == 2 && (std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "--help") == 0))) {
    std::fprintf(argc == 2 ? stdout : stderr,
                 "usage: eddy-cluster-bench [KEYS]\n"
                 "Starts a grid (log store, coordinator, two nodes), runs wordcount over KEYS "
                 "distinct words (default 1000000) and measures submit and failover times.\n");
    return argc == 2 ? 0 : 2;
  }
  int keys = argc > 1 ? std::atoi(argv[1]) : 1000000;
  if (keys <= 0) {
    std::fprintf(stderr, "eddy-cluster-bench: KEYS must be a positive number, not '%s'\n", argv[1]);
    return 2;
  }
  Grid g(2);
  if (!g.ok()) return 1;
  g.CreateTopic("wordcount-lines", 4);
  g.CreateTopic("wordcount-counts", 4);
  auto t0 = Clock::now();
  auto r =
      g.Eddy("job submit " + WordcountPackage() +
             " --set job.container.count=2 --set job.host-affinity.enabled=true"
             " --set cluster-manager.container.memory.mb=1024 --set task.commit.ms=1000 --wait");
  auto t1 = Clock::now();
  if (r.code != 0) {
    std::fprintf(stderr, "%s%s\n", r.out.c_str(), r.err.c_str());
    return 1;
  }
  std::printf("submit-to-running (2 containers): %.2f s\n", Secs(t0, t1));
  std::vector<std::string> words;
  words.reserve(keys);
  for (int i = 0; i < keys; ++i) words.push_back("k" + std::to_string(i));
  auto p0 = Clock::now();
  g.Produce("wordcount-lines", words);
  std::map<std::string, int64_t> expected;
  for (auto& w : words) expected[w] = 1;
  std::string why;
  if (!g.WaitCounts("wordcount", expected, 600, &why)) {
    std::fprintf(stderr, "%s\n", why.c_str());
    return 1;
  }
  std::printf("%d keys produced and counted: %.2f s\n", keys, Secs(p0, Clock::now()));
  // The same-node kill: input flowing (started 1.5 s before: at least one commit with it).
  Flow flow1;
  flow1.Start(g, keys, &expected);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  auto s = g.JobStatus("wordcount");
  auto c0 = s["containers"][0];
  std::string node_before = c0["node"];
  int pid = ContainerPid(c0["work_dir"]);
  auto k0 = Clock::now();
  kill(pid, SIGKILL);
  auto m1 = Markers("a");
  g.Produce("wordcount-lines", m1);
  std::string node_after;
  auto k1 = WaitBack(g, 0, c0.value("restarts", "0"), &node_after);
  auto k2 = WaitMarkers(g, "a");
  flow1.Stop();
  for (auto& w : m1) expected[w] = 1;  // after Stop: the flow thread writes it
  std::printf("container kill -9 (input flowing) -> running again (%s -> %s, same node): %.2f s\n",
              node_before.c_str(), node_after.c_str(), Secs(k0, k1));
  std::printf("container kill -9 (input flowing) -> processing again (markers in state): %.2f s\n",
              Secs(k0, k2));
  auto stats = g.Eddy("state stats wordcount wordcount-counts");
  std::printf("%s", stats.out.c_str());
  PrintRestoreLines(g);

  // The node kill, input flowing again.
  Flow flow2;
  flow2.Start(g, keys, &expected);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  s = g.JobStatus("wordcount");
  c0 = s["containers"][0];
  node_before = c0["node"];
  auto grid = g.GridJson();
  int npid = -1;
  for (auto& n : grid["nodes"]) {
    if (n["id"] == node_before) npid = n["pid"];
  }
  auto n0 = Clock::now();
  kill(npid, SIGKILL);
  auto m2 = Markers("b");
  g.Produce("wordcount-lines", m2);
  auto n1 = WaitBack(g, 0, c0.value("restarts", "0"), &node_after);
  auto n2 = WaitMarkers(g, "b");
  flow2.Stop();
  for (auto& w : m2) expected[w] = 1;  // after Stop: the flow thread writes it
  std::printf(
      "node kill -9 (input flowing) -> running again (%s -> %s, other node; includes 1.5 s "
      "node-lost detection): %.2f s\n",
      node_before.c_str(), node_after.c_str(), Secs(n0, n1));
  std::printf("node kill -9 (input flowing) -> processing again (markers in state): %.2f s\n",
              Secs(n0, n2));
  stats = g.Eddy("state stats wordcount wordcount-counts");
  std::printf("%s", stats.out.c_str());
  PrintRestoreLines(g);
  if (!g.WaitCounts("wordcount", expected, 600, &why)) {
    std::fprintf(stderr, "after failover: %s\n", why.c_str());
    return 1;
  }
  std::printf("counts exact after both failovers\n");
  return 0;
}
