// eddy-standby-bench: node loss with and without a standby (issue 13), on real grids (eddy-logd,
// eddy-coordinator, three eddy-node processes on 127.0.0.1, heartbeat 200 ms, node lost after
// 1500 ms without one). wordcount with KEYS distinct words of KEY_BYTES bytes each in one
// container (4 tasks; both its stores in RocksDB, stores.wordcount-pending.factory=rocksdb); the
// active's node is killed (kill -9 of eddy-node, its containers die
// with it) while 32 marker words are produced right after. Two runs, each on a fresh grid:
//  - standby: job.standbytasks.replication.factor=2; the active comes back on the standby's node
//    from the standby's local checkpoint (changelog tail only);
//  - no standby: factor 1; the active comes back on another node with a full changelog restore.
// Figure: from the loss being detected (the coordinator's end time of the lost attempt, "node
// lost", wall clock) to the task processing again (every marker counted in the live state, seen
// by polling `eddy state scan` every 20 ms). Also kill -> processing again and the restore lines.
//   eddy-standby-bench [KEYS [KEY_BYTES]]   (defaults 1000000, 16)
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "tests/integration/cluster/cluster_harness.h"

using namespace eddy::test;

namespace {
int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Word(int i, int bytes) {
  std::string w = "k" + std::to_string(i);
  if (static_cast<int>(w.size()) < bytes) w += std::string(bytes - w.size(), 'x');
  return w;
}

const nlohmann::json* Find(const nlohmann::json& s, const std::string& id) {
  if (!s.contains("containers")) return nullptr;
  for (auto& c : s["containers"]) {
    if (c.value("id", "") == id) return &c;
  }
  return nullptr;
}

void PrintRestoreLines(const Grid& g) {
  auto logs = g.Eddy("job logs wordcount --container 0");
  for (size_t at = logs.out.find("restored from"); at != std::string::npos;
       at = logs.out.find("restored from", at + 1)) {
    size_t b = logs.out.rfind('\n', at), e = logs.out.find('\n', at);
    b = b == std::string::npos ? 0 : b + 1;
    std::printf("  log: %s\n", logs.out.substr(b, e == std::string::npos ? e : e - b).c_str());
  }
}

// One run; returns false on a failure (printed).
bool Run(int keys, int key_bytes, bool standby) {
  const char* name = standby ? "standby" : "no standby";
  Grid g(3);
  if (!g.ok()) return false;
  g.CreateTopic("wordcount-lines", 4);
  g.CreateTopic("wordcount-counts", 4);
  auto r = g.Eddy(std::string("job submit ") + WordcountPackage() +
                  " --set job.container.count=1 --set job.host-affinity.enabled=true"
                  " --set job.standbytasks.replication.factor=" + (standby ? "2" : "1") +
                  " --set cluster-manager.container.memory.mb=1024 --set task.commit.ms=1000"
                  // Both stores in RocksDB: a standby keeps no copy of an in-memory store, and
                  // wordcount's pending store (its changelog about twice the counts') would be
                  // restored in full either way.
                  " --set stores.wordcount-pending.factory=rocksdb"
                  " --wait");
  if (r.code != 0) {
    std::fprintf(stderr, "%s: submit: %s%s\n", name, r.out.c_str(), r.err.c_str());
    return false;
  }
  std::map<std::string, int64_t> expected;
  std::vector<std::string> words;
  for (int i = 0; i < keys; ++i) {
    words.push_back(Word(i, key_bytes));
    if (words.size() == 100000 || i + 1 == keys) {
      if (!g.Produce("wordcount-lines", words)) return false;
      for (auto& w : words) expected[w] = 1;
      words.clear();
    }
  }
  std::string why;
  if (!g.WaitCounts("wordcount", expected, 1800, &why)) {
    std::fprintf(stderr, "%s: %s\n", name, why.c_str());
    return false;
  }
  auto s = g.JobStatus("wordcount");
  if (standby) {  // the standby caught up to the last checkpoint
    for (int i = 0; i < 6000; ++i) {
      s = g.JobStatus("wordcount");
      int64_t lag = -1;
      if (s.contains("standby_lag") && s["standby_lag"].contains("0-standby-1")) {
        lag = 0;
        int n = 0;
        for (auto& [t, stores] : s["standby_lag"]["0-standby-1"].items()) {
          lag += stores.value("wordcount-counts", int64_t{1} << 40);
          ++n;
        }
        if (n < 4) lag = -1;
      }
      if (lag >= 0 && lag <= 8) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  const nlohmann::json* a = Find(s, "0");
  if (!a) return false;
  std::string lost = a->value("node", ""), standby_node;
  if (const nlohmann::json* sb = Find(s, "0-standby-1")) standby_node = sb->value("node", "");
  const std::string attempt = a->value("attempt", "0");
  auto grid = g.GridJson();
  int npid = -1;
  for (auto& n : grid["nodes"]) {
    if (n["id"] == lost) npid = n["pid"];
  }
  if (npid < 0) return false;
  const int64_t killed_ms = WallMs();
  kill(npid, SIGKILL);
  std::vector<std::string> markers;
  for (int i = 0; i < 32; ++i) markers.push_back("zmark-" + std::to_string(i));
  g.Produce("wordcount-lines", markers);
  int64_t processing_ms = 0;
  while (true) {
    auto sc = g.Eddy("state scan wordcount wordcount-counts --prefix zmark- --limit 100");
    if (sc.code == 0) {
      int lines = 0;
      for (char c : sc.out) lines += c == '\n';
      if (lines >= 32) {
        processing_ms = WallMs();
        break;
      }
    }
    if (WallMs() - killed_ms > 600000) {
      std::fprintf(stderr, "%s: markers not counted after 600 s\n", name);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  s = g.JobStatus("wordcount");
  a = Find(s, "0");
  int64_t detected_ms = 0;
  for (auto& at : (*a)["attempts"]) {
    if (at.value("attempt", "") == attempt) detected_ms = std::atoll(at.value("ended_ms", "0").c_str());
  }
  std::printf("%s: %d keys x %d B: node %s killed; active back on %s%s; loss detected %.2f s "
              "after the kill; detected -> processing again: %.2f s (kill -> processing %.2f s)\n",
              name, keys, key_bytes, lost.c_str(), a->value("node", "").c_str(),
              standby ? (a->value("node", "") == standby_node ? " (the standby's node)"
                                                             : " (NOT the standby's node)")
                      : "",
              (detected_ms - killed_ms) / 1000.0, (processing_ms - detected_ms) / 1000.0,
              (processing_ms - killed_ms) / 1000.0);
  for (const char* store : {"wordcount-counts", "wordcount-pending"}) {
    auto stats = g.Eddy(std::string("state stats wordcount ") + store);
    std::printf("%s", stats.out.c_str());
  }
  PrintRestoreLines(g);
  for (auto& m : markers) expected[m] = 1;
  if (!g.WaitCounts("wordcount", expected, 600, &why)) {
    std::fprintf(stderr, "%s: after failover: %s\n", name, why.c_str());
    return false;
  }
  std::printf("%s: counts exact after the failover\n", name);
  return true;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc > 3 ||
      (argc == 2 && (std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "--help") == 0))) {
    std::fprintf(argc == 2 ? stdout : stderr,
                 "usage: eddy-standby-bench [KEYS [KEY_BYTES]]\n"
                 "Node loss with a standby and without one (full restore), each on a fresh grid "
                 "of three nodes; wordcount over KEYS distinct words (default 1000000) of "
                 "KEY_BYTES bytes (default 16).\n");
    return argc == 2 ? 0 : 2;
  }
  int keys = argc > 1 ? std::atoi(argv[1]) : 1000000;
  int key_bytes = argc > 2 ? std::atoi(argv[2]) : 16;
  if (keys <= 0 || key_bytes <= 0 || key_bytes > 10000) {
    std::fprintf(stderr, "eddy-standby-bench: KEYS must be > 0 and KEY_BYTES in 1..10000\n");
    return 2;
  }
  bool ok = Run(keys, key_bytes, true);
  ok = Run(keys, key_bytes, false) && ok;
  return ok ? 0 : 1;
}
