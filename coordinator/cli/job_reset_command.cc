// `eddy job reset JOB --to-earliest | --to-timestamp T [--restart] [--output json]`: the
// coordinator's ResetJob (coordinator.proto; README "Replaying a job (Kappa)"). Registered by
// AddJobCommand (job_command.cc). The standalone runner's equivalent is `eddy run
// --reset-to-earliest | --reset-to-timestamp T`.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "coordinator/cli/cluster_client.h"
#include "coordinator/cli/cluster_commands.h"
#include "coordinator/cli/output.h"
#include "runtime/job/job_reset.h"

namespace eddy::cli {
namespace cv1 = coordinator::v1;

void AddJobResetCommand(CLI::App* job, ClusterFlags* flags, Action* action) {
  auto* c = job->add_subcommand(
      "reset",
      "wipe a stopped job's state and rewind its inputs so it recomputes its results from the "
      "log (checkpoints, changelogs, intermediate streams, nodes' local stores)");
  AddClusterFlags(c, flags);
  auto name = std::make_shared<std::string>();
  auto earliest = std::make_shared<bool>(false);
  auto ts = std::make_shared<std::string>();
  auto restart = std::make_shared<bool>(false);
  auto out = std::make_shared<OutputFlags>();
  c->add_option("job", *name, "job name")->required();
  c->add_flag("--to-earliest", *earliest, "rewind every input partition to its earliest offset");
  c->add_option("--to-timestamp", *ts,
                "rewind every input partition to the first record with a timestamp >= T "
                "(milliseconds since the epoch, or RFC 3339 such as 2026-12-01T20:00:00Z)");
  c->add_flag("--restart", *restart,
              "a running job: stop it, reset it and start it again (else it is refused)");
  AddOutputFlag(c, out.get());
  c->callback([=] {
    *action = [=]() -> int {
      auto spec = runtime::ParseResetSpec(*earliest, *ts);
      if (!spec.ok()) return Fail("job reset", spec.status());
      auto cl = ClusterClient::Connect(*flags);
      if (!cl.ok()) return Fail("job reset", cl.status());
      cv1::ResetJobRequest r;
      r.set_job(*name);
      r.set_to_earliest(spec->to_earliest);
      r.set_to_timestamp_ms(spec->to_earliest ? 0 : spec->timestamp_ms);
      r.set_restart(*restart);
      cv1::ResetJobResponse resp;
      // Stopping the containers takes up to task.shutdown.ms; the log-store work is quick.
      auto st = cl->coordinator().ResetJob(cl->Context(300).get(), r, &resp);
      if (!st.ok()) return Fail("job reset", FromGrpc(st, "job " + *name));
      if (out->json()) {
        PrintJson(ProtoToJson(resp));
        return kExitOk;
      }
      for (const auto& line : resp.lines()) std::printf("  %s\n", line.c_str());
      std::printf("job %s reset (epoch %lld)%s\n", name->c_str(),
                  static_cast<long long>(resp.reset_epoch()),
                  resp.restarted()
                      ? absl::StrCat(", restarted (generation ", resp.generation(), ")").c_str()
                      : "; it stays stopped: submit it again or use --restart");
      return kExitOk;
    };
  });
}

}  // namespace eddy::cli
