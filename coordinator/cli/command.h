// Shared plumbing of the `eddy` CLI's command groups (topic, run, grid, job, node, state):
// exit codes, the broker address (--bootstrap or EDDY_BOOTSTRAP), number checks of flag values
// and error printing. --output text|json is in output.h.
// Each group adds its subcommands to the CLI11 app and stores the action to run after parsing.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
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

// A whole number from `min` to `max`. CLI11's own Range/PositiveNumber errors print bounds such
// as "0.000000 to 1797693134862315708...": this one says "--partitions: '0' is not a whole
// number >= 1" (CLI11 puts the flag's name in front).
CLI::Validator WholeNumber(int64_t min, int64_t max = std::numeric_limits<int64_t>::max());

// A number (fractions allowed) greater than zero, e.g. --node-cores.
CLI::Validator PositiveDecimal();

// --bootstrap value, else $EDDY_BOOTSTRAP, else the default 127.0.0.1:9093.
std::string ResolveBootstrap(const std::string& flag);

// The same, but before the default: the log store of the grid that is up in the grid dir
// (`grid_dir_flag`, else $EDDY_GRID_DIR, else ~/.eddy/grid; its grid.json), so `eddy topic`
// finds a grid's broker the way `eddy job` finds its coordinator.
std::string ResolveBootstrap(const std::string& flag, const std::string& grid_dir_flag);

// Prints "eddy <cmd>: <status message>" to stderr and returns kExitFailure.
int Fail(const std::string& cmd, const absl::Status& status);

}  // namespace eddy::cli
