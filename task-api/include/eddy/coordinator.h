// TaskCoordinator: how a task asks the framework to commit or to shut down (Samza semantics).
// The runtime implements it; tasks call it from Process/Window/OnEndOfStream.
#pragma once

namespace eddy {

enum class RequestScope {
  // Only the calling task.
  CURRENT_TASK,
  // Every task in this container.
  ALL_TASKS_IN_CONTAINER,
};

class TaskCoordinator {
 public:
  virtual ~TaskCoordinator();
  // Requests a commit (flush outputs and store changelogs, then checkpoint) after the current
  // call returns.
  virtual void Commit(RequestScope scope) = 0;
  // Requests shutdown. CURRENT_TASK: the container stops once every task in it has asked.
  // ALL_TASKS_IN_CONTAINER: the container stops after the current message.
  virtual void Shutdown(RequestScope scope) = 0;
};

}  // namespace eddy
