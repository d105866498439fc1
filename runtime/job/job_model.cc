#include "runtime/job/job_model.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace eddy::runtime {

using nlohmann::json;

const ContainerModel* JobModel::FindContainer(const std::string& id) const {
  for (const auto& c : containers) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

int32_t JobModel::TaskCount() const {
  int32_t n = 0;
  for (const auto& c : containers) {
    if (!c.standby()) n += static_cast<int32_t>(c.tasks.size());
  }
  return n;
}

int32_t JobModel::ActiveContainerCount() const {
  int32_t n = 0;
  for (const auto& c : containers) n += c.standby() ? 0 : 1;
  return n;
}

std::string JobModelToJson(const JobModel& m) {
  json j;
  j["version"] = m.version;
  j["job"] = {{"name", m.job_name}, {"id", m.job_id}};
  json cs = json::array();
  for (const auto& c : m.containers) {
    json ts = json::array();
    for (const auto& t : c.tasks) {
      json in = json::array();
      for (const auto& s : t.inputs) {
        in.push_back({{"system", s.system}, {"stream", s.stream}, {"partition", s.partition}});
      }
      ts.push_back(
          {{"name", t.name}, {"changelog_partition", t.changelog_partition}, {"inputs", in}});
    }
    json jc = {{"id", c.id}, {"tasks", ts}};
    if (c.standby()) jc["standby_of"] = c.standby_of;
    cs.push_back(std::move(jc));
  }
  j["containers"] = cs;
  return j.dump(2);
}

absl::StatusOr<JobModel> JobModelFromJson(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::InvalidArgumentError("job model: not valid JSON");
  JobModel m;
  try {
    m.version = j.at("version").get<int32_t>();
    if (m.version != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("job model: version ", m.version, " is not supported (1)"));
    }
    m.job_name = j.at("job").at("name").get<std::string>();
    m.job_id = j.at("job").at("id").get<std::string>();
    for (const auto& jc : j.at("containers")) {
      ContainerModel c;
      c.id = jc.at("id").get<std::string>();
      if (jc.contains("standby_of")) c.standby_of = jc.at("standby_of").get<std::string>();
      for (const auto& jt : jc.at("tasks")) {
        TaskModel t;
        t.name = jt.at("name").get<std::string>();
        t.changelog_partition = jt.at("changelog_partition").get<int32_t>();
        for (const auto& ji : jt.at("inputs")) {
          t.inputs.push_back({ji.at("system").get<std::string>(),
                              ji.at("stream").get<std::string>(),
                              ji.at("partition").get<int32_t>()});
        }
        c.tasks.push_back(std::move(t));
      }
      m.containers.push_back(std::move(c));
    }
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("job model: ", e.what()));
  }
  for (const auto& c : m.containers) {
    if (!c.standby()) continue;
    const ContainerModel* a = m.FindContainer(c.standby_of);
    if (a == nullptr || a->standby()) {
      return absl::InvalidArgumentError(absl::StrCat("job model: container ", c.id,
                                                     ": standby_of '", c.standby_of,
                                                     "' is not an active container"));
    }
  }
  return m;
}

}  // namespace eddy::runtime
