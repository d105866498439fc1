// Shared plumbing of the `eddy` CLI's command groups (topic_command.cc, later run/job/grid):
// exit codes, the broker address (--bootstrap or EDDY_BOOTSTRAP) and error printing.
// Each group adds its subcommands to the CLI11 app and stores the action to run after parsing.
#pragma once

#include <functional>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"

namespace eddy::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the operation failed (broker error, data error)
inline constexpr int kExitUsage = 2;    // bad command line

// What a parsed command runs; returns the process exit code.
using Action = std::function<int()>;

// A command-line error found after parsing (bad value): thrown inside CLI11 callbacks so it is
// reported like a parse error with exit code 2.
inline void UsageError(const std::string& what) { throw CLI::ValidationError(what); }

// --bootstrap value, else $EDDY_BOOTSTRAP, else the default 127.0.0.1:9093.
std::string ResolveBootstrap(const std::string& flag);

// Prints "eddy <cmd>: <status message>" to stderr and returns kExitFailure.
int Fail(const std::string& cmd, const absl::Status& status);

}  // namespace eddy::cli
