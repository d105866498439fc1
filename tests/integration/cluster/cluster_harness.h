// Test harness for the cluster integration tests: a real grid (`eddy grid up` with eddy-logd,
// eddy-coordinator and eddy-node processes on 127.0.0.1) in a temp dir, helpers to run the
// `eddy` CLI, feed the wordcount job's input with the log-store producer, read job status and
// live state, and write job packages (good and malicious) with libarchive.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace eddy::test {

struct CmdResult {
  int code = -1;
  std::string out, err;
};

// Runs a shell command line; stdout and stderr captured.
CmdResult Sh(const std::string& cmd);

std::string BinDir();            // where eddy, eddy-logd, ... are (EDDY_BIN_DIR or build/bin)
std::string WordcountPackage();  // build/jobs/wordcount-lowlevel.tar.gz

class Grid {
 public:
  // Starts a grid with `nodes` nodes (heartbeat 200 ms, node lost after 1500 ms); `extra` is
  // appended to `eddy grid up`.
  explicit Grid(int nodes, const std::string& extra = "");
  ~Grid();
  bool ok() const { return ok_; }
  const std::string& dir() const { return dir_; }
  std::string bootstrap() const;
  // `eddy <args>` against this grid.
  CmdResult Eddy(const std::string& args) const;
  nlohmann::json GridJson() const;
  nlohmann::json JobStatus(const std::string& job) const;
  // Creates topic with `partitions`.
  bool CreateTopic(const std::string& topic, int partitions) const;
  // Sends one record per word (key = value = word), flushed.
  bool Produce(const std::string& topic, const std::vector<std::string>& words) const;
  // Sum over tasks of store wordcount-counts, read live with `eddy state scan`.
  std::map<std::string, int64_t> Counts(const std::string& job) const;
  // Waits (up to `seconds`) until Counts == expected; false with a message in *why otherwise,
  // immediately when a count goes above the expected one (counted twice).
  bool WaitCounts(const std::string& job, const std::map<std::string, int64_t>& expected,
                  int seconds, std::string* why) const;
  // Waits until every container of `job` is running (and the job's generation >= min_gen).
  bool WaitRunning(const std::string& job, int seconds, int64_t min_gen = 0) const;

 protected:
  // For a grid started by other means (tests/fault's NetnsGrid: daemons in network namespaces):
  // makes the temp dir only; the subclass starts the daemons and writes grid.json and token in
  // the layout `eddy grid up` uses, so every call above works unchanged.
  struct NoStart {};
  explicit Grid(NoStart);

  std::string dir_;
  bool ok_ = false;
};

struct TarEntry {
  std::string name;
  std::string data;
  char type = 'f';   // f = file, d = dir, l = symlink, h = hard link, c = char device
  std::string link;  // symlink / hard link target
};
bool WriteTarGz(const std::string& path, const std::vector<TarEntry>& entries);
// The entries of the built wordcount package's stage dir (lib/ and config/).
// The staged package of jobs/<job> (build/jobs/<job>: lib/ and config/).
std::vector<TarEntry> WordcountEntries(const std::string& job = "wordcount");

// The pid of the eddy-container process of `job` container `cid` (from job status work dir).
int ContainerPid(const std::string& work_dir);

}  // namespace eddy::test
