// The cluster command groups of the `eddy` CLI: `eddy grid` (grid_command.cc), `eddy job`
// (job_command.cc), `eddy node` (node_command.cc) and `eddy state` (state_command.cc).
// Each adds its subcommands to the app and sets the action to run after parsing.
#pragma once

#include "CLI/CLI.hpp"
#include "coordinator/cli/command.h"

namespace eddy::cli {

struct ClusterFlags;  // cluster_client.h

// --coordinator, --token-file and --dir on a cluster subcommand (defined in job_command.cc).
void AddClusterFlags(CLI::App* c, ClusterFlags* f);

void AddGridCommand(CLI::App& app, Action* action);
void AddJobCommand(CLI::App& app, Action* action);
// `eddy job reset` (job_reset_command.cc), added under `job` by AddJobCommand.
void AddJobResetCommand(CLI::App* job, ClusterFlags* flags, Action* action);
void AddNodeCommand(CLI::App& app, Action* action);
void AddStateCommand(CLI::App& app, Action* action);

}  // namespace eddy::cli
