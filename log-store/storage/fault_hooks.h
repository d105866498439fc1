// FaultHooks: named failure points that tests arm to break the storage engine on purpose (a full
// disk, a torn write as if the process died mid-write). Production code asks Fire(name) at the
// point of failure; nothing is armed outside tests. Used by segment.cc and the storage tests, and
// by the control plane through coordinator/common/fault_hooks.h (its hooks are listed there).
//
// Hooks:
//   "segment.write.enospc"  the next log write fails with ENOSPC before writing anything.
//   "segment.write.torn"    the next log write stores only the first half of its bytes and then
//                           behaves like a crash: the partition refuses further appends until it
//                           is reopened (recovery must cut the torn tail).
//   "segment.sync.eio"      the next fdatasync fails with EIO.
//   "partition.append.before_publish"  the next append waits 300 ms after writing its batches
//                           and before publishing the new end offset (a slow append that reads
//                           race with).
//   "partition.txn_marker.before_append"  the next WriteTxnMarker fails (Unavailable) before
//                           writing, so the coordinator's retry of a decided transaction runs.
//   "txn.end.after_prepare" the transaction coordinator exits the process (code 9, as if killed)
//                           right after PrepareCommit/PrepareAbort is durable, before any marker.
//   "txn.markers.between"   the coordinator exits the process after the first marker of a
//                           transaction with several partitions, before the next one.
//   eddy-logd arms hooks named in EDDY_LOGD_FAULT_HOOKS (comma-separated) at start.
//   "log_manager.create.last_partition"  CreateTopic fails to open the topic's last partition
//                           (after the others were made), so the rollback can be checked.
#pragma once

#include <atomic>
#include <string>

namespace eddy::logstore {

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

}  // namespace eddy::logstore
