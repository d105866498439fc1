// TaskRegistry: task classes by name, shared by the container and dlopen()ed job libraries.
#include "eddy/registry.h"

#include "absl/status/status.h"

namespace eddy {
namespace {

// "com.example.WordCount" → "WordCount", "ns::WordCount" → "WordCount", else "".
std::string LastComponent(std::string_view name) {
  size_t colon = name.rfind("::");
  size_t dot = name.rfind('.');
  size_t cut = std::string_view::npos;
  size_t skip = 0;
  if (colon != std::string_view::npos && (dot == std::string_view::npos || colon > dot)) {
    cut = colon;
    skip = 2;
  } else if (dot != std::string_view::npos) {
    cut = dot;
    skip = 1;
  }
  if (cut == std::string_view::npos || cut + skip >= name.size()) return "";
  return std::string(name.substr(cut + skip));
}

}  // namespace

TaskRegistry& TaskRegistry::Global() {
  static TaskRegistry* registry = new TaskRegistry();  // never destroyed: used at exit too
  return *registry;
}

bool TaskRegistry::Register(std::string name, TaskFactory factory) {
  std::lock_guard<std::mutex> lock(mu_);
  factories_[std::move(name)] = std::move(factory);
  return true;
}

absl::StatusOr<std::unique_ptr<StreamTask>> TaskRegistry::Create(std::string_view name) const {
  TaskFactory factory;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = factories_.find(name);
    if (it == factories_.end()) {
      std::string last = LastComponent(name);
      if (!last.empty()) it = factories_.find(last);
    }
    if (it != factories_.end()) factory = it->second;
  }
  if (!factory) {
    std::string known;
    for (const std::string& n : Names()) known += (known.empty() ? "" : ", ") + n;
    if (known.empty()) known = "(none: did task.library load, and does it use EDDY_REGISTER_TASK?)";
    return absl::NotFoundError("task class '" + std::string(name) +
                               "' is not registered; known task classes: " + known);
  }
  std::unique_ptr<StreamTask> task;
  try {
    task = factory();
  } catch (const std::exception& e) {
    return absl::InternalError("task class '" + std::string(name) +
                               "': constructor threw: " + e.what());
  } catch (...) {
    return absl::InternalError("task class '" + std::string(name) + "': constructor threw");
  }
  if (task == nullptr) {
    return absl::InternalError("task class '" + std::string(name) + "': factory returned null");
  }
  return task;
}

bool TaskRegistry::Contains(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  return factories_.find(name) != factories_.end();
}

std::vector<std::string> TaskRegistry::Names() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [n, f] : factories_) out.push_back(n);
  return out;
}

namespace internal {
bool RegisterTaskClass(std::string_view name, TaskFactory factory) {
  TaskRegistry& r = TaskRegistry::Global();
  std::string last = LastComponent(name);
  if (!last.empty()) r.Register(last, factory);
  return r.Register(std::string(name), std::move(factory));
}
}  // namespace internal

}  // namespace eddy
