// FaultHooks: named failure points in the control plane that tests arm to break the
// coordinator on purpose. Production code asks Fire(name) at the point of failure; nothing is
// armed outside tests. (The storage engine has its own, log-store/storage/fault_hooks.h.)
// Used by the coordinator's metadata store and the tests in tests/coordinator/.
//
// Hooks:
//   "metadata.write"    the next write of coordinator metadata (a job record put or delete)
//                       fails with an I/O error before touching RocksDB.
//   "package.write"     the next write of a package file into the coordinator's package store
//                       fails with an I/O error (nothing of the package is kept).
#pragma once

#include <atomic>
#include <string>

namespace eddy::cluster {

class FaultHooks {
 public:
  // Arms `name` to fire on its next `times` checks.
  static void Arm(const std::string& name, int times = 1);
  static void DisarmAll();
  // True (and consumes one shot) when `name` is armed. Lock-free when nothing is armed.
  static bool Fire(const char* name);

 private:
  static std::atomic<int> armed_count_;
};

}  // namespace eddy::cluster
