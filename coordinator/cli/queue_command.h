// `eddy queue ...`: a topic read as a queue through a share group (log-store/SHARE_GROUPS.md):
// consume (print, acknowledge one mode for all, or run a command per record), list, describe,
// config, delete and reset share groups. Registered by cli/main.cc; `eddy group describe` uses
// PrintShareGroupDescription for share groups.
#pragma once

#include <cstdio>

#include "CLI/CLI.hpp"
#include "coordinator/cli/command.h"
#include "log-store/client/share_group_admin.h"
#include "nlohmann/json.hpp"

namespace eddy::cli {

// Adds the `queue` group to `app`; the chosen subcommand stores its action in `*action`.
void AddQueueCommand(CLI::App& app, Action* action);

// A share group's description as JSON (the shape of `eddy queue describe --output json`).
nlohmann::json ShareGroupToJson(const logstore::ShareGroupDescription& d);

// Prints a share group's description: members, then per partition the window (start/end
// offset, high watermark), in-flight, acquired, available and the lifetime counters (accepted,
// released, rejected, redelivered, lock-expired, archived, dead-lettered). `json` prints
// ShareGroupToJson instead of the table.
void PrintShareGroupDescription(const logstore::ShareGroupDescription& d, bool json,
                                std::FILE* out = stdout);

}  // namespace eddy::cli
