#include "coordinator/server/job_planner.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "log-store/client/admin_client.h"
#include "runtime/job/grouper.h"

namespace eddy::cluster {

absl::StatusOr<runtime::JobModel> PlanJob(const std::map<std::string, std::string>& config,
                                          int32_t container_count) {
  auto get = [&](const std::string& k) -> std::string {
    auto it = config.find(k);
    return it == config.end() ? "" : it->second;
  };
  runtime::JobModel model;
  model.job_name = get("job.name");
  if (model.job_name.empty()) return absl::InvalidArgumentError("missing required key job.name");
  if (!get("job.id").empty()) model.job_id = get("job.id");
  std::string inputs = get("task.inputs");
  if (inputs.empty()) return absl::InvalidArgumentError("missing required key task.inputs");
  if (container_count < 0) {
    std::string c = get("job.container.count");
    container_count = 1;
    if (!c.empty() && !absl::SimpleAtoi(c, &container_count)) {
      return absl::InvalidArgumentError(absl::StrCat("job.container.count=", c, ": not a number"));
    }
  }
  auto grouper = runtime::ParseSspGrouper(get("job.systemstreampartition.grouper.factory"));
  if (!grouper.ok()) return grouper.status();
  std::vector<runtime::Ssp> ssps, queues;
  for (absl::string_view item : absl::StrSplit(inputs, ',', absl::SkipWhitespace())) {
    std::string in(absl::StripAsciiWhitespace(item));
    auto dot = in.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == in.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("task.inputs: '", in, "' is not system.stream"));
    }
    std::string system = in.substr(0, dot), stream = in.substr(dot + 1);
    std::string factory_key = "systems." + system + ".factory";
    if (get(factory_key).empty() && !get("systems." + system + ".samza.factory").empty()) {
      factory_key = "systems." + system + ".samza.factory";  // Samza's spelling
    }
    std::string factory = get(factory_key);
    if (factory.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "task.inputs: system '", system, "' is not defined (no systems.", system, ".factory)"));
    }
    if (factory != "eddy") {
      return absl::InvalidArgumentError(
          absl::StrCat(factory_key, "=", factory,
                       ": the cluster coordinator plans only inputs on `eddy` systems"));
    }
    if (!get("systems." + system + ".streams." + stream + ".share.group").empty()) {
      // A queue input: one queue task per container, no partitions to plan (grouper.h).
      queues.push_back(runtime::Ssp{system, stream, runtime::kQueuePartition});
      continue;
    }
    std::string bootstrap = get("systems." + system + ".bootstrap.servers");
    if (bootstrap.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("missing required key systems.", system, ".bootstrap.servers"));
    }
    logstore::ClientOptions o;
    o.bootstrap = bootstrap;
    o.request_timeout = std::chrono::milliseconds(10000);
    auto admin = logstore::AdminClient::Connect(o);
    if (!admin.ok()) return admin.status();
    auto n = (*admin)->PartitionCount(stream);
    if (!n.ok()) {
      return absl::Status(n.status().code(),
                          absl::StrCat("input ", in, ": ", n.status().message()));
    }
    for (int32_t p = 0; p < *n; ++p) ssps.push_back(runtime::Ssp{system, stream, p});
  }
  auto tasks = runtime::GroupSsps(*grouper, std::move(ssps));
  auto containers = runtime::GroupTasksWithQueues(tasks, queues, container_count);
  if (!containers.ok()) return containers.status();
  model.containers = std::move(*containers);
  return model;
}

std::vector<std::string> KeepChangelogPartitions(const std::string& job,
                                                 runtime::TaskPartitions* partitions,
                                                 runtime::JobModel* model) {
  runtime::TaskPartitions next;
  auto changes = runtime::KeepChangelogPartitions(*partitions, model, &next);
  *partitions = std::move(next);
  return changes.Describe(job);
}

}  // namespace eddy::cluster
