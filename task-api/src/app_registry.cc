// AppRegistry: application describers by name, shared by the planner and dlopen()ed libraries.
#include "eddy/app_registry.h"

#include "absl/status/status.h"
#include "absl/strings/str_join.h"

namespace eddy {

AppRegistry& AppRegistry::Global() {
  static AppRegistry* registry = new AppRegistry();  // never destroyed: used at exit too
  return *registry;
}

bool AppRegistry::Register(std::string name, AppDescriber describer) {
  std::lock_guard<std::mutex> l(mu_);
  describers_[std::move(name)] = std::move(describer);
  return true;
}

bool AppRegistry::Contains(std::string_view name) const {
  std::lock_guard<std::mutex> l(mu_);
  return describers_.find(name) != describers_.end();
}

absl::StatusOr<AppDescription> AppRegistry::Describe(std::string_view name,
                                                     const Config& config) const {
  AppDescriber describer;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = describers_.find(name);
    if (it == describers_.end()) {
      std::vector<std::string> names;
      for (const auto& [n, d] : describers_) names.push_back(n);
      return absl::NotFoundError("app.class=" + std::string(name) +
                                 ": no application of that name is registered (registered: " +
                                 (names.empty() ? "none" : absl::StrJoin(names, ", ")) + ")");
    }
    describer = it->second;
  }
  return describer(config);
}

std::vector<std::string> AppRegistry::Names() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<std::string> names;
  for (const auto& [n, d] : describers_) names.push_back(n);
  return names;
}

}  // namespace eddy
