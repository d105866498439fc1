// eddy-cluster-bench: failover and submit figures on a real grid (2 nodes on 127.0.0.1):
//  - submit-to-running: `eddy job submit` until every container reports running;
//  - wordcount with KEYS distinct words of state (default 1,000,000) in 2 containers;
//  - kill -9 of a container → running again on the same node (local store reused);
//  - kill -9 of a node (eddy-node + its containers) → running again on the other node
//    (stores restored from the changelog).
// "Running again" = the container reported running by the coordinator, which happens once its
// tasks are restored and its run loop has started (the state service is up).
//   eddy-cluster-bench [KEYS]
#include <signal.h>

#include <chrono>
#include <cstdio>
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
}  // namespace

int main(int argc, char** argv) {
  int keys = argc > 1 ? std::atoi(argv[1]) : 1000000;
  Grid g(2);
  if (!g.ok()) return 1;
  g.CreateTopic("wordcount-lines", 4);
  g.CreateTopic("wordcount-counts", 4);
  auto t0 = Clock::now();
  auto r = g.Eddy("job submit " + WordcountPackage() +
                  " --set job.container.count=2 --set job.host-affinity.enabled=true"
                  " --set cluster-manager.container.memory.mb=1024 --set task.commit.ms=1000"
                  " --set task.window.ms=86400000 --wait");
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
  std::this_thread::sleep_for(std::chrono::seconds(3));  // a commit after the last write

  auto s = g.JobStatus("wordcount");
  auto c0 = s["containers"][0];
  std::string node_before = c0["node"];
  int pid = ContainerPid(c0["work_dir"]);
  auto k0 = Clock::now();
  kill(pid, SIGKILL);
  std::string node_after;
  auto k1 = WaitBack(g, 0, c0.value("restarts", "0"), &node_after);
  std::printf("container kill -9 -> running again (%s -> %s, same node): %.2f s\n",
              node_before.c_str(), node_after.c_str(), Secs(k0, k1));
  auto stats = g.Eddy("state stats wordcount wordcount-counts");
  std::printf("%s", stats.out.c_str());

  std::this_thread::sleep_for(std::chrono::seconds(3));
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
  auto n1 = WaitBack(g, 0, c0.value("restarts", "0"), &node_after);
  std::printf("node kill -9 -> running again (%s -> %s, other node; includes 1.5 s node-lost "
              "detection): %.2f s\n", node_before.c_str(), node_after.c_str(), Secs(n0, n1));
  stats = g.Eddy("state stats wordcount wordcount-counts");
  std::printf("%s", stats.out.c_str());
  if (!g.WaitCounts("wordcount", expected, 600, &why)) {
    std::fprintf(stderr, "after failover: %s\n", why.c_str());
    return 1;
  }
  std::printf("counts exact after both failovers\n");
  return 0;
}
