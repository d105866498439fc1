// `eddy run`: runs every task of a job on this machine (standalone mode). The work is done by
// `eddy-container run` (runtime/standalone/), found next to the `eddy` binary; this command
// only hands it the arguments, so `eddy run --help` and `eddy-container run` are the same.
#pragma once

#include "CLI/CLI.hpp"
#include "coordinator/cli/command.h"

namespace eddy::cli {

void AddRunCommand(CLI::App& app, Action* action);

}  // namespace eddy::cli
