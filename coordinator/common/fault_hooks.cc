// FaultHooks registry: a mutex-guarded map, skipped entirely while nothing is armed.
#include "coordinator/common/fault_hooks.h"

#include <map>
#include <mutex>

namespace eddy::cluster {
namespace {
std::mutex& Mu() {
  static std::mutex mu;
  return mu;
}
std::map<std::string, int>& Armed() {
  static std::map<std::string, int> m;
  return m;
}
}  // namespace

std::atomic<int> FaultHooks::armed_count_{0};

void FaultHooks::Arm(const std::string& name, int times) {
  std::lock_guard<std::mutex> l(Mu());
  Armed()[name] = times;
  armed_count_.store(static_cast<int>(Armed().size()), std::memory_order_release);
}

void FaultHooks::DisarmAll() {
  std::lock_guard<std::mutex> l(Mu());
  Armed().clear();
  armed_count_.store(0, std::memory_order_release);
}

bool FaultHooks::Fire(const char* name) {
  if (armed_count_.load(std::memory_order_acquire) == 0) return false;
  std::lock_guard<std::mutex> l(Mu());
  auto it = Armed().find(name);
  if (it == Armed().end()) return false;
  if (--it->second <= 0) Armed().erase(it);
  armed_count_.store(static_cast<int>(Armed().size()), std::memory_order_release);
  return true;
}

}  // namespace eddy::cluster
