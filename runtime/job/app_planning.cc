// Planning an application job: library loading, describe, merge, intermediate streams.
#include "runtime/job/app_planning.h"

#include <dlfcn.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "runtime/job/app_config.h"

namespace eddy::runtime {
namespace fs = std::filesystem;
namespace {

std::string Get(const std::map<std::string, std::string>& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? "" : it->second;
}

absl::Status LoadLibrary(const std::string& lib, const std::string& config_dir,
                         const std::string& app_class) {
  if (lib.empty()) {
    return absl::NotFoundError(absl::StrCat(
        "app.class=", app_class, ": no application of that name is registered and config key "
                                 "task.library is not set (the library that defines it)"));
  }
  fs::path p(lib);
  if (p.is_relative()) {
    fs::path a = fs::path(config_dir) / p;
    fs::path b = fs::path(config_dir) / ".." / "lib" / p.filename();
    std::error_code ec;
    p = fs::exists(a, ec) || !fs::exists(b, ec) ? a : b;
  }
  std::string path = fs::absolute(p).lexically_normal().string();
  static std::mutex mu;
  std::lock_guard<std::mutex> l(mu);
  // Kept loaded for the process's lifetime (its registrations live in the registries).
  if (dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL) == nullptr) {
    const char* err = dlerror();
    return absl::NotFoundError(absl::StrCat("config key task.library: cannot load ", path, ": ",
                                            err ? err : "unknown error"));
  }
  return absl::OkStatus();
}

std::vector<std::string> Inputs(const std::map<std::string, std::string>& config) {
  std::vector<std::string> out;
  for (absl::string_view s : absl::StrSplit(Get(config, "task.inputs"), ',')) {
    s = absl::StripAsciiWhitespace(s);
    if (!s.empty()) out.emplace_back(s);
  }
  return out;
}

}  // namespace

absl::StatusOr<AppPlan> PlanApp(const std::map<std::string, std::string>& user,
                                const std::string& config_dir) {
  AppPlan plan;
  plan.app_class = Get(user, "app.class");
  plan.config = user;
  if (plan.app_class.empty()) return plan;
  std::string task_class = Get(user, "task.class");
  if (!task_class.empty() && task_class != plan.app_class) {
    return absl::InvalidArgumentError(absl::StrCat(
        "app.class=", plan.app_class, " and task.class=", task_class,
        ": an application job runs its own task; remove task.class"));
  }
  if (!AppRegistry::Global().Contains(plan.app_class)) {
    if (absl::Status s = LoadLibrary(Get(user, "task.library"), config_dir, plan.app_class);
        !s.ok()) {
      return s;
    }
  }
  Config::Map cm(user.begin(), user.end());
  absl::StatusOr<AppDescription> d =
      AppRegistry::Global().Describe(plan.app_class, Config(std::move(cm)));
  if (!d.ok()) return d.status();
  absl::StatusOr<MergedAppConfig> merged = MergeAppConfig(user, *d);
  if (!merged.ok()) return merged.status();
  plan.config = std::move(merged->config);
  plan.notes = std::move(merged->notes);
  for (const auto& [k, v] : plan.config) {
    auto it = user.find(k);
    if (it == user.end() || it->second != v) plan.generated[k] = v;
  }
  plan.intermediate_streams = d->intermediate_streams;
  return plan;
}

absl::StatusOr<std::vector<IntermediateStream>> ResolveIntermediatePartitions(
    const AppPlan& plan, const PartitionCountFn& partition_count) {
  std::vector<IntermediateStream> out = plan.intermediate_streams;
  if (out.empty()) return out;
  std::set<std::string> intermediate;
  for (const auto& s : out) intermediate.insert(s.system + "." + s.stream);
  int32_t largest = 0;
  bool need_inputs = std::any_of(out.begin(), out.end(), [](const IntermediateStream& s) {
    return s.partitions <= 0;
  }) && plan.config.count("job.intermediate.stream.partitions") == 0;
  if (need_inputs) {
    for (const std::string& in : Inputs(plan.config)) {
      if (intermediate.count(in)) continue;
      auto dot = in.find('.');
      if (dot == std::string::npos) continue;
      absl::StatusOr<int32_t> n = partition_count(in.substr(0, dot), in.substr(dot + 1));
      if (!n.ok()) {
        return absl::Status(n.status().code(),
                            absl::StrCat("config key task.inputs: input ", in,
                                         " (sizing the intermediate streams): ",
                                         n.status().message()));
      }
      largest = std::max(largest, *n);
    }
  }
  for (auto& s : out) {
    absl::StatusOr<int32_t> n = IntermediatePartitions(s, plan.config, largest);
    if (!n.ok()) return n.status();
    s.partitions = *n;
  }
  return out;
}

absl::Status CreateIntermediateStreams(const std::vector<IntermediateStream>& streams,
                                       const PartitionCountFn& partition_count,
                                       const CreateStreamFn& create) {
  for (const auto& s : streams) {
    absl::StatusOr<int32_t> n = partition_count(s.system, s.stream);
    if (n.ok()) {
      if (*n == s.partitions) continue;
      return absl::FailedPreconditionError(absl::StrCat(
          "intermediate stream ", s.system, ".", s.stream, " exists with ", *n,
          " partitions but the job needs ", s.partitions,
          " (job.intermediate.stream.partitions, else the largest input's count): delete the "
          "stream (or reset the job) or set job.intermediate.stream.partitions=",
          *n));
    }
    if (n.status().code() != absl::StatusCode::kNotFound) {
      return absl::Status(n.status().code(), absl::StrCat("intermediate stream ", s.system, ".",
                                                          s.stream, ": ", n.status().message()));
    }
    if (absl::Status c = create(s.system, s.stream, s.partitions); !c.ok()) {
      return absl::Status(c.code(), absl::StrCat("cannot create intermediate stream ", s.system,
                                                 ".", s.stream, ": ", c.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace eddy::runtime
