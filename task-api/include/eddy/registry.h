// TaskRegistry and EDDY_REGISTER_TASK: how `task.class=WordCount` finds the task class inside the
// job's shared library (task.library) after eddy-container dlopen()s it.
//
//   // wordcount.cc, built into libwordcount.so (links libeddy_task_api.so)
//   class WordCount : public eddy::StreamTask { ... };
//   EDDY_REGISTER_TASK(WordCount);                                   // "WordCount"
//   EDDY_REGISTER_TASK_AS("com.example.WordCount", WordCount);       // also that name
//
// The registry is a singleton inside libeddy_task_api.so, shared by the container and every job
// library it loads.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "eddy/task.h"

namespace eddy {

using TaskFactory = std::function<std::unique_ptr<StreamTask>()>;

class TaskRegistry {
 public:
  static TaskRegistry& Global();

  // Registers (or replaces) a factory under `name`. Returns true so it can initialize a static.
  bool Register(std::string name, TaskFactory factory);

  // A new instance of the class registered as `name`. When `name` is not registered but is
  // qualified ("com.example.WordCount" or "ns::WordCount"), the last component is tried too.
  // NotFound lists the registered names.
  absl::StatusOr<std::unique_ptr<StreamTask>> Create(std::string_view name) const;

  bool Contains(std::string_view name) const;
  // Registered names, sorted.
  std::vector<std::string> Names() const;

 private:
  TaskRegistry() = default;
  mutable std::mutex mu_;
  std::map<std::string, TaskFactory, std::less<>> factories_;
};

namespace internal {
// Registers `Class` under `name` and, when `name` is qualified ("a.b.C", "a::C"), under its last
// component as well.
bool RegisterTaskClass(std::string_view name, TaskFactory factory);
}  // namespace internal

}  // namespace eddy

#define EDDY_TASK_CONCAT_INNER(a, b) a##b
#define EDDY_TASK_CONCAT(a, b) EDDY_TASK_CONCAT_INNER(a, b)

// Registers task class `Class` (default-constructible, derived from eddy::StreamTask) under
// `name` and its last component. Put it in a .cc file of the job library, at namespace scope.
#define EDDY_REGISTER_TASK_AS(name, Class)                                 \
  static const bool EDDY_TASK_CONCAT(eddy_task_registered_, __COUNTER__) = \
      ::eddy::internal::RegisterTaskClass(                                 \
          name, []() -> std::unique_ptr<::eddy::StreamTask> { return std::make_unique<Class>(); })

// Registers task class `Class` under its name as written ("WordCount", or "ns::WordCount" plus
// "WordCount").
#define EDDY_REGISTER_TASK(Class) EDDY_REGISTER_TASK_AS(#Class, Class)
