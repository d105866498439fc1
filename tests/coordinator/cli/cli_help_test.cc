// --help and -h on every binary and every `eddy` subcommand print that command's usage on
// stdout and exit 0 (without doing the work: eddy-bench --help must not run the benchmark);
// bad flag values exit 2 with a message that names the flag and the value.
// The binaries are the add_executable() targets of log-store/, runtime/, coordinator/ and
// tests/bench/ (read from their CMakeLists.txt, so a new tool is checked without editing this
// file); the subcommands are read from `eddy --help`, recursively.
#include <gtest/gtest.h>

#include "absl/strings/match.h"

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "tests/integration/cluster/cluster_harness.h"

namespace eddy::test {
namespace {
namespace fs = std::filesystem;

std::string Bin(const std::string& name) { return std::string(EDDY_BIN_DIR) + "/" + name; }

// add_executable(NAME ...) of every CMakeLists.txt under the folders that hold the shipped
// binaries and the benchmark tools, without EXCLUDE_FROM_ALL ones.
std::set<std::string> Binaries() {
  std::set<std::string> out;
  const std::regex add(R"(add_executable\(\s*([A-Za-z0-9_\-]+)([^)]*))");
  for (const char* dir : {"log-store", "runtime", "coordinator", "tests/bench"}) {
    for (const auto& e : fs::recursive_directory_iterator(fs::path(EDDY_SOURCE_DIR) / dir)) {
      if (e.path().filename() != "CMakeLists.txt") continue;
      std::ifstream f(e.path());
      std::stringstream ss;
      ss << f.rdbuf();
      const std::string text = ss.str();
      for (std::sregex_iterator it(text.begin(), text.end(), add), end; it != end; ++it) {
        if ((*it)[2].str().find("EXCLUDE_FROM_ALL") != std::string::npos) continue;
        const std::string name = (*it)[1].str();
        // GoogleTest binaries beside the tools (a benchmark's smoke test) are not tools.
        if (absl::EndsWith(name, "_test") || absl::EndsWith(name, "_tests")) continue;
        out.insert(name);
      }
    }
  }
  return out;
}

// The subcommand names listed under "Subcommands:" in a CLI11 help text.
std::vector<std::string> Subcommands(const std::string& help) {
  std::vector<std::string> out;
  std::istringstream in(help);
  std::string line;
  bool in_list = false;
  while (std::getline(in, line)) {
    if (line.rfind("Subcommands:", 0) == 0) {
      in_list = true;
      continue;
    }
    if (!in_list) continue;
    if (line.empty() || line[0] != ' ') {
      in_list = false;
      continue;
    }
    std::istringstream words(line);
    std::string name;
    if (words >> name) out.push_back(name);
  }
  return out;
}

bool NamesItself(const std::string& out, const std::string& command) {
  return absl::AsciiStrToLower(out).find("usage: " + command) != std::string::npos;
}

TEST(CliHelp, EveryBinaryAnswersHelpWithItsOwnUsage) {
  const auto binaries = Binaries();
  // The shipped daemons and the CLI must be among them (the regex found the CMake files).
  for (const char* b : {"eddy", "eddy-logd", "eddy-coordinator", "eddy-node", "eddy-container",
                        "eddy-package-check", "eddy-bench", "eddy-job-bench"}) {
    EXPECT_TRUE(binaries.count(b)) << b << " not found in the CMake files";
  }
  for (const auto& b : binaries) {
    for (const char* flag : {"--help", "-h"}) {
      auto r = Sh(Bin(b) + " " + flag + " </dev/null");
      EXPECT_EQ(r.code, 0) << b << " " << flag << ": " << r.out << r.err;
      EXPECT_TRUE(NamesItself(r.out, b)) << b << " " << flag << " printed:\n" << r.out;
    }
  }
}

TEST(CliHelp, EveryEddySubcommandAnswersHelpWithItsOwnUsage) {
  std::vector<std::string> todo = {""};
  std::set<std::string> seen;
  while (!todo.empty()) {
    const std::string path = todo.back();
    todo.pop_back();
    const std::string command = path.empty() ? "eddy" : "eddy " + path;
    for (const char* flag : {"--help", "-h"}) {
      auto r = Sh(Bin("eddy") + (path.empty() ? "" : " " + path) + " " + flag + " </dev/null");
      EXPECT_EQ(r.code, 0) << command << " " << flag << ": " << r.out << r.err;
      EXPECT_TRUE(NamesItself(r.out, command)) << command << " " << flag << ":\n" << r.out;
      if (std::string(flag) != "--help") continue;
      seen.insert(command);
      for (const auto& sub : Subcommands(r.out)) {
        todo.push_back(path.empty() ? sub : path + " " + sub);
      }
    }
  }
  // Every group was found and walked into.
  for (const char* c :
       {"eddy topic create", "eddy topic describe", "eddy run", "eddy grid up", "eddy grid status",
        "eddy job status", "eddy job logs", "eddy node list", "eddy state stats"}) {
    EXPECT_TRUE(seen.count(c)) << c << " was not listed by its group's --help";
  }
}

struct BadValue {
  std::string args;   // after the bin dir: binary and flags
  std::string flag;   // must be named in the error
  std::string value;  // must be named in the error
};

TEST(CliErrors, BadFlagValuesExitTwoNamingTheFlagAndTheValue) {
  const std::string tmp =
      fs::temp_directory_path() / ("eddy-cli-errors-" + std::to_string(getpid()));
  const std::vector<BadValue> cases = {
      {"eddy topic create t --partitions 0", "--partitions", "'0'"},
      {"eddy topic create t --partitions 1000001", "--partitions", "'1000001'"},
      {"eddy topic create t --partitions 1 --config retention.ms", "--config", "'retention.ms'"},
      {"eddy topic produce t --acks 2", "--acks", "2 not in {0,1,-1,all}"},
      {"eddy topic consume t --offset -3", "--offset", "'-3'"},
      {"eddy topic consume t --count lots", "--count", "'lots'"},
      {"eddy topic list --output yaml", "--output", "'yaml'"},
      {"eddy topic describe t -o xml", "--output", "'xml'"},
      {"eddy job list --output table", "--output", "'table'"},
      {"eddy job status j --output csv", "--output", "'csv'"},
      {"eddy job scale j --containers many", "--containers", "'many'"},
      {"eddy job scale j --containers 0", "--containers", "'0'"},
      {"eddy grid up --dir " + tmp + " --nodes 100", "--nodes", "'100'"},
      {"eddy grid up --dir " + tmp + " --node-cores none", "--node-cores", "'none'"},
      {"eddy grid up --dir " + tmp + " --heartbeat-ms -1", "--heartbeat-ms", "'-1'"},
      {"eddy grid status --dir " + tmp + " --output yaml", "--output", "'yaml'"},
      {"eddy node list --output yaml", "--output", "'yaml'"},
      {"eddy state scan j s --limit 0", "--limit", "'0'"},
      {"eddy-logd --data-dir " + tmp + " --max-partitions 0", "--max-partitions", "'0'"},
      {"eddy-logd --data-dir " + tmp + " --kafka-connections-max-idle-ms -5",
       "--kafka-connections-max-idle-ms", "'-5'"},
      {"eddy-coordinator --data-dir " + tmp + " --heartbeat-ms soon", "--heartbeat-ms", "'soon'"},
      {"eddy-coordinator --data-dir " + tmp + " --bogus 1", "--bogus", "unknown option"},
      {"eddy-node --coordinator 127.0.0.1:1 --data-dir " + tmp + " --cores lots", "--cores",
       "'lots'"},
      {"eddy-node --coordinator 127.0.0.1:1 --data-dir " + tmp + " --bogus 1", "--bogus",
       "unknown option"},
      {"eddy run --config x.properties --input-partitions many", "--input-partitions", "'many'"},
  };
  for (const auto& c : cases) {
    auto r = Sh(std::string(EDDY_BIN_DIR) + "/" + c.args + " </dev/null");
    EXPECT_EQ(r.code, 2) << c.args << ": " << r.out << r.err;
    EXPECT_NE(r.err.find(c.flag), std::string::npos) << c.args << ": " << r.err;
    EXPECT_NE(r.err.find(c.value), std::string::npos) << c.args << ": " << r.err;
    // CLI11's own range text ("0.000000 to 179769313486231570814527...") is not shown.
    EXPECT_EQ(r.err.find("17976931348623"), std::string::npos) << c.args << ": " << r.err;
  }
  // The error names the command it is about.
  auto r = Sh(Bin("eddy") + " topic create t --partitions 0 </dev/null");
  EXPECT_EQ(r.err.rfind("eddy topic create: --partitions: '0'", 0), 0u) << r.err;
  // Values at the edges of what is allowed pass the checks (they fail later, for want of a
  // grid, with exit code 1, not 2).
  for (const std::string args :
       {"state scan j s --limit 10000000", "job scale j --containers 1", "node list -o text"}) {
    auto ok = Sh(Bin("eddy") + " " + args + " --dir " + tmp + " </dev/null");
    EXPECT_EQ(ok.code, 1) << args << ": " << ok.err;
  }
  // Nothing was started or created by a refused command line.
  EXPECT_FALSE(fs::exists(tmp)) << tmp;
  std::error_code ec;
  fs::remove_all(tmp, ec);
}

}  // namespace
}  // namespace eddy::test
