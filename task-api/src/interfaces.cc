// Out-of-line destructors of the task-api interfaces: they anchor each interface's vtable and
// typeinfo in libeddy_task_api.so, so dynamic_cast between them works across dlopen()ed job
// libraries.
#include "eddy/collector.h"
#include "eddy/coordinator.h"
#include "eddy/task.h"

namespace eddy {

MessageCollector::~MessageCollector() = default;
TaskCoordinator::~TaskCoordinator() = default;
StreamTask::~StreamTask() = default;
InitableTask::~InitableTask() = default;
WindowableTask::~WindowableTask() = default;
ClosableTask::~ClosableTask() = default;
EndOfStreamListenerTask::~EndOfStreamListenerTask() = default;

}  // namespace eddy
