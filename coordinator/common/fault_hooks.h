// FaultHooks for the control plane: the same named-failure registry as the storage engine
// (log-store/storage/fault_hooks.h), under the cluster namespace. Production code asks
// Fire(name) at the point of failure; nothing is armed outside tests.
// Used by the coordinator's metadata and package stores and the tests in tests/coordinator/.
//
// Control-plane hooks:
//   "metadata.write"    the next write of coordinator metadata (a job record put or delete)
//                       fails with an I/O error before touching RocksDB.
//   "package.write"     the next write of a package file into the coordinator's package store
//                       fails with an I/O error (nothing of the package is kept).
#pragma once

#include "log-store/storage/fault_hooks.h"

namespace eddy::cluster {

using FaultHooks = logstore::FaultHooks;

}  // namespace eddy::cluster
