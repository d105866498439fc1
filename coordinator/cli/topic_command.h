// `eddy topic ...`: create, list, describe, delete, produce (stdin lines) and consume topics of
// an eddy-logd broker, the way a kafka-topics / kcat user expects. Registered by cli/main.cc.
#pragma once

#include "CLI/CLI.hpp"
#include "coordinator/cli/command.h"

namespace eddy::cli {

// Adds the `topic` group to `app`; the chosen subcommand stores its action in `*action`.
void AddTopicCommand(CLI::App& app, Action* action);

}  // namespace eddy::cli
