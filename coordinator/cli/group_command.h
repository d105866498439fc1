// `eddy group list|describe`: consumer groups of an eddy-logd broker with their committed
// offsets, high watermarks and lag per partition. Two kinds: consumer groups that commit offsets
// on the broker (Kafka clients through the Kafka listener, native consumers; the native
// ListGroups call), and Eddy jobs, whose "committed offsets" are their tasks' checkpoints in
// `__eddy_checkpoint_<job>` (runtime/checkpoint/checkpoint.h). Registered by cli/main.cc.
#pragma once

#include "CLI/CLI.hpp"
#include "coordinator/cli/command.h"

namespace eddy::cli {

void AddGroupCommand(CLI::App& app, Action* action);

}  // namespace eddy::cli
