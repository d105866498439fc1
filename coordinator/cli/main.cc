// eddy: the user's CLI. A small dispatcher: each command group (topic, later run/job/grid)
// registers its subcommands from its own file; parse errors exit with code 2.
#include <cstdio>

#include "CLI/CLI.hpp"
#include "coordinator/cli/cluster_commands.h"
#include "coordinator/cli/command.h"
#include "coordinator/cli/group_command.h"
#include "coordinator/cli/queue_command.h"
#include "coordinator/cli/run_command.h"
#include "coordinator/cli/topic_command.h"

int main(int argc, char** argv) {
  CLI::App app{"eddy: topics, jobs and grids of the Eddy stream runtime", "eddy"};
  app.require_subcommand(1);
  // A command-line error names the command it is about and where its help is:
  //   eddy topic create: --partitions: '0' is not a whole number from 1 to 100000
  app.failure_message([](const CLI::App* top, const CLI::Error& e) {
    std::string path = top->get_name();
    for (const CLI::App* c = top; !c->get_subcommands().empty();) {
      c = c->get_subcommands().front();
      path += " " + c->get_name();
    }
    return path + ": " + e.what() + "\nRun '" + path + " --help' for more information.\n";
  });
  eddy::cli::Action action;
  eddy::cli::AddTopicCommand(app, &action);
  eddy::cli::AddRunCommand(app, &action);
  eddy::cli::AddGridCommand(app, &action);
  eddy::cli::AddJobCommand(app, &action);
  eddy::cli::AddNodeCommand(app, &action);
  eddy::cli::AddStateCommand(app, &action);
  eddy::cli::AddGroupCommand(app, &action);
  eddy::cli::AddQueueCommand(app, &action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : eddy::cli::kExitUsage;
  }
  if (!action) {
    std::fprintf(stderr, "eddy: no command given; see eddy --help\n");
    return eddy::cli::kExitUsage;
  }
  return action();
}
