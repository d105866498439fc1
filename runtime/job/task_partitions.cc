#include "runtime/job/task_partitions.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"

namespace eddy::runtime {
using json = nlohmann::json;

namespace {
std::string List(const std::vector<std::pair<std::string, int32_t>>& v) {
  return absl::StrJoin(v, ", ", [](std::string* out, const std::pair<std::string, int32_t>& p) {
    absl::StrAppend(out, "'", p.first, "' -> ", p.second);
  });
}
}  // namespace

std::vector<std::string> TaskPartitionChanges::Describe(const std::string& job) const {
  std::vector<std::string> out;
  if (first_plan) return out;
  if (!added.empty()) {
    out.push_back(absl::StrCat(
        "job ", job, ": the input set changed: ", added.size(),
        " new task(s) get new changelog partitions (", List(added),
        "); known tasks keep theirs. New tasks start with empty stores; keys the producers now "
        "send to new partitions build their state there"));
  }
  if (!vanished.empty()) {
    out.push_back(absl::StrCat(
        "job ", job, ": ", vanished.size(),
        " task(s) no longer have an input partition and do not run (", List(vanished),
        "); their state is kept in those changelog partitions, which no other task gets, and "
        "returns if their inputs do"));
  }
  return out;
}

TaskPartitionChanges KeepChangelogPartitions(const TaskPartitions& known, JobModel* model,
                                             TaskPartitions* out) {
  TaskPartitionChanges ch;
  ch.first_plan = known.empty();
  *out = known;
  if (known.empty()) {
    *out = TaskPartitionsOf(*model);
    return ch;
  }
  int32_t next = 0;
  for (const auto& [t, p] : known) next = std::max(next, p + 1);
  std::vector<std::pair<int32_t, TaskModel*>> fresh;  // grouper order, then name
  std::set<std::string> present;
  for (auto& c : model->containers) {
    for (auto& t : c.tasks) {
      present.insert(t.name);
      auto it = known.find(t.name);
      if (it != known.end()) {
        t.changelog_partition = it->second;
      } else {
        fresh.emplace_back(t.changelog_partition, &t);
      }
    }
  }
  std::sort(fresh.begin(), fresh.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second->name < b.second->name;
  });
  for (auto& [order, t] : fresh) {
    t->changelog_partition = next++;
    (*out)[t->name] = t->changelog_partition;
    ch.added.emplace_back(t->name, t->changelog_partition);
  }
  for (const auto& [t, p] : known) {
    if (!present.count(t)) ch.vanished.emplace_back(t, p);
  }
  return ch;
}

TaskPartitions TaskPartitionsOf(const JobModel& model) {
  TaskPartitions m;
  for (const auto& c : model.containers) {
    for (const auto& t : c.tasks) m[t.name] = t.changelog_partition;
  }
  return m;
}

std::string TaskPartitionsToJson(const TaskPartitions& m) {
  json o;
  o["version"] = 1;
  o["tasks"] = json::object();
  for (const auto& [t, p] : m) o["tasks"][t] = p;
  return o.dump(2);
}

absl::StatusOr<TaskPartitions> TaskPartitionsFromJson(const std::string& text) {
  TaskPartitions m;
  try {
    json o = json::parse(text);
    if (!o.is_object() || !o.contains("version") || o["version"] != 1) {
      return absl::InvalidArgumentError("task partitions: field version must be 1");
    }
    if (!o.contains("tasks") || !o["tasks"].is_object()) {
      return absl::InvalidArgumentError("task partitions: field tasks must be an object");
    }
    std::set<int32_t> used;
    for (auto it = o["tasks"].begin(); it != o["tasks"].end(); ++it) {
      if (!it.value().is_number_integer() || it.value().get<int64_t>() < 0 ||
          it.value().get<int64_t>() > INT32_MAX) {
        return absl::InvalidArgumentError(
            absl::StrCat("task partitions: tasks['", it.key(), "'] must be a partition >= 0"));
      }
      int32_t p = it.value().get<int32_t>();
      if (!used.insert(p).second) {
        return absl::InvalidArgumentError(absl::StrCat(
            "task partitions: tasks['", it.key(), "'] uses partition ", p, " of another task"));
      }
      m[it.key()] = p;
    }
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("task partitions: ", e.what()));
  }
  return m;
}

}  // namespace eddy::runtime
