#include "coordinator/server/app_submit.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "log-store/client/admin_client.h"
#include "runtime/job/app_config.h"

namespace eddy::cluster {
namespace {

std::string Get(const std::map<std::string, std::string>& c, const std::string& k) {
  auto it = c.find(k);
  return it == c.end() ? "" : it->second;
}

absl::StatusOr<std::unique_ptr<logstore::AdminClient>> AdminFor(
    const std::map<std::string, std::string>& config, const std::string& system,
    const std::string& what) {
  std::string factory = Get(config, "systems." + system + ".factory");
  if (factory.empty()) factory = Get(config, "systems." + system + ".samza.factory");
  if (factory.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": system '", system, "' is not defined (no systems.", system, ".factory)"));
  }
  if (factory != "eddy") {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": systems.", system, ".factory=", factory,
        ": the cluster coordinator creates intermediate streams only on `eddy` systems"));
  }
  std::string bootstrap = Get(config, "systems." + system + ".bootstrap.servers");
  if (bootstrap.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": missing required key systems.", system, ".bootstrap.servers"));
  }
  logstore::ClientOptions o;
  o.bootstrap = bootstrap;
  o.request_timeout = std::chrono::milliseconds(10000);
  return logstore::AdminClient::Connect(o);
}

}  // namespace

absl::StatusOr<SubmittedApp> PlanSubmittedApp(const std::map<std::string, std::string>& config,
                                              const AppDescription& description) {
  auto merged = runtime::MergeAppConfig(config, description);
  if (!merged.ok()) return merged.status();
  SubmittedApp out;
  out.config = std::move(merged->config);
  out.warnings = std::move(merged->notes);
  // The inputs that are not intermediate streams size the intermediate ones (Samza's default).
  std::set<std::pair<std::string, std::string>> intermediate;
  for (const auto& s : description.intermediate_streams) intermediate.insert({s.system, s.stream});
  std::string first_system;
  int32_t largest = 0;
  for (absl::string_view item :
       absl::StrSplit(Get(out.config, "task.inputs"), ',', absl::SkipWhitespace())) {
    std::string in(absl::StripAsciiWhitespace(item));
    auto dot = in.find('.');
    if (dot == std::string::npos) continue;  // PlanJob names it
    std::string system = in.substr(0, dot), stream = in.substr(dot + 1);
    if (first_system.empty()) first_system = system;
    if (intermediate.count({system, stream}) || intermediate.count({"", stream})) continue;
    if (!Get(out.config, "systems." + system + ".streams." + stream + ".share.group").empty()) {
      continue;  // a queue input has no partitions to size from
    }
    auto admin = AdminFor(out.config, system, "task.inputs " + in);
    if (!admin.ok()) return admin.status();
    auto n = (*admin)->PartitionCount(stream);
    if (!n.ok()) {
      return absl::Status(n.status().code(),
                          absl::StrCat("input ", in, ": ", n.status().message()));
    }
    largest = std::max(largest, *n);
  }
  for (IntermediateStream s : description.intermediate_streams) {
    if (s.system.empty()) s.system = first_system;
    const std::string name = absl::StrCat(s.system, ".", s.stream);
    if (s.system.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("intermediate stream ", s.stream,
                                                     ": no system (the application names none and "
                                                     "task.inputs has none)"));
    }
    auto n = runtime::IntermediatePartitions(s, out.config, largest);
    if (!n.ok()) return n.status();
    auto admin = AdminFor(out.config, s.system, "intermediate stream " + name);
    if (!admin.ok()) return admin.status();
    absl::Status st = (*admin)->CreateTopic(s.stream, *n);
    if (st.ok()) {
      out.created.push_back(absl::StrCat(name, " (", *n, " partitions)"));
      continue;
    }
    if (st.code() != absl::StatusCode::kAlreadyExists) {
      return absl::Status(st.code(),
                          absl::StrCat("intermediate stream ", name, ": ", st.message()));
    }
    auto have = (*admin)->PartitionCount(s.stream);
    if (!have.ok()) {
      return absl::Status(have.status().code(), absl::StrCat("intermediate stream ", name, ": ",
                                                             have.status().message()));
    }
    if (*have != *n) {
      return absl::FailedPreconditionError(absl::StrCat(
          "intermediate stream ", name, " exists with ", *have, " partitions but the job needs ",
          *n,
          " (job.intermediate.stream.partitions or the largest input); delete the topic "
          "(`eddy topic delete ",
          s.stream, "`) or set job.intermediate.stream.partitions=", *have));
    }
  }
  return out;
}

absl::Status ApplySubmittedApp(const std::optional<AppDescription>& app, bool has_app_class,
                               std::map<std::string, std::string>* config,
                               std::vector<std::string>* warnings) {
  if (!app.has_value()) {
    if (!has_app_class) return absl::OkStatus();
    return absl::FailedPreconditionError(
        absl::StrCat("app.class=", Get(*config, "app.class"),
                     ": this coordinator runs no package check (--package-check), which describes "
                     "applications; submit a task.class job or configure eddy-package-check"));
  }
  auto planned = PlanSubmittedApp(*config, *app);
  if (!planned.ok()) return planned.status();
  *config = std::move(planned->config);
  for (auto& w : planned->warnings) warnings->push_back(std::move(w));
  for (const auto& c : planned->created) {
    std::fprintf(stderr, "eddy-coordinator: job %s: created intermediate stream %s\n",
                 Get(*config, "job.name").c_str(), c.c_str());
  }
  return absl::OkStatus();
}

void KeepResetEpoch(const std::map<std::string, std::string>& old_config,
                    std::map<std::string, std::string>* config) {
  auto it = old_config.find("job.reset.epoch");
  if (it != old_config.end() && !config->count("job.reset.epoch")) {
    (*config)["job.reset.epoch"] = it->second;
  }
}

}  // namespace eddy::cluster
