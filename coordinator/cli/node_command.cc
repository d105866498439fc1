// `eddy node list`: the nodes the coordinator knows, their resources, use and containers.
#include "absl/strings/str_join.h"
#include "coordinator/cli/cluster_client.h"
#include "coordinator/cli/cluster_commands.h"
#include "coordinator/cli/output.h"

namespace eddy::cli {

void AddNodeCommand(CLI::App& app, Action* action) {
  auto* node = app.add_subcommand("node", "the cluster's nodes");
  node->require_subcommand(1);
  auto flags = std::make_shared<ClusterFlags>();
  auto* c = node->add_subcommand("list", "list nodes");
  AddClusterFlags(c, flags.get());
  auto out = std::make_shared<OutputFlags>();
  AddOutputFlag(c, out.get());
  c->callback([=] {
    *action = [=]() -> int {
      auto cl = ClusterClient::Connect(*flags);
      if (!cl.ok()) return Fail("node list", cl.status());
      coordinator::v1::ListNodesResponse resp;
      auto st = cl->coordinator().ListNodes(cl->Context().get(),
                                            coordinator::v1::ListNodesRequest(), &resp);
      if (!st.ok()) return Fail("node list", FromGrpc(st, "list nodes"));
      if (out->json()) {
        PrintJson(ProtoToJson(resp));
        return kExitOk;
      }
      std::printf("%-10s %-6s %-22s %-14s %-12s %s\n", "NODE", "ALIVE", "ADDRESS", "MEMORY MB",
                  "CORES", "CONTAINERS");
      for (const auto& n : resp.nodes()) {
        std::printf("%-10s %-6s %-22s %5lld/%-8lld %4.1f/%-7.1f %s\n", n.node_id().c_str(),
                    n.alive() ? "yes" : "LOST", n.address().c_str(),
                    static_cast<long long>(n.used().memory_mb()),
                    static_cast<long long>(n.resources().memory_mb()), n.used().cpu_cores(),
                    n.resources().cpu_cores(), absl::StrJoin(n.containers(), ", ").c_str());
        if (n.times_lost() > 0 || n.stale_reports() > 0) {
          std::printf(
              "           declared lost %lld time(s); %lld reports of superseded "
              "attempts refused\n",
              static_cast<long long>(n.times_lost()), static_cast<long long>(n.stale_reports()));
        }
      }
      return kExitOk;
    };
  });
}

}  // namespace eddy::cli
