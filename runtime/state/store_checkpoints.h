// StoreCheckpoints: the local, commit-time checkpoints of one persistent store (Samza's
// "transactional state"), so a container restarted on the same host replays only the changelog
// tail after the task's last checkpoint instead of the whole changelog. Used by the runtime's
// TaskStores (runtime/container/task_stores.cc).
//
// Layout (see runtime/STATE_FORMAT.md): for the store directory <base>/<store>/<task>,
//   <base>/<store>/<task>.checkpoints/<offset>/      a RocksDB checkpoint (hard-linked SSTs,
//                                                    copied MANIFEST/CURRENT/OPTIONS) plus
//                                                    an OFFSET file (offset_file.h)
//   <base>/<store>/<task>.checkpoints/tmp-<offset>/  one being built (removed on the next Open)
// <offset> is the changelog's NEXT offset at the commit (decimal): the checkpoint holds exactly the
// changelog records below it. A checkpoint is built under the tmp- name, its OFFSET file written
// and fsynced, then renamed to its final name and the parent directory fsynced, so a directory
// named <offset> is always complete.
//
// Why the live directory is never trusted: the WAL is off and RocksDB flushes memtables to SST
// files on its own, so after a crash the live files may hold writes past the task checkpoint. On
// restart the live directory is replaced by a copy (hard links) of the newest checkpoint whose
// offset is <= the task's checkpointed changelog offset; checkpoints past it (a crash between the
// store checkpoint and the task checkpoint write) are deleted, never used. Commit keeps the two
// newest, so the previous one is still there for that case.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "runtime/state/offset_file.h"

namespace eddy::state {

class RocksDbStore;

class StoreCheckpoints {
 public:
  // `store_dir` is the live store directory (<base>/<store>/<task>).
  explicit StoreCheckpoints(std::string store_dir, int keep = 2);

  const std::string& root() const { return root_; }
  static std::string RootFor(const std::string& store_dir) { return store_dir + ".checkpoints"; }

  // Commit: checkpoints `store` at `offset` (its changelog's next offset), then keeps the `keep`
  // newest. A checkpoint that already exists at that offset is kept as is (no write since).
  absl::Status Create(RocksDbStore* store, const StoreOffset& offset);

  // Restart: removes unfinished (tmp-) checkpoints and every checkpoint past `max_offset`, and
  // returns the newest remaining one of `changelog` with offset in [min_offset, max_offset]
  // (nullopt when there is none).
  absl::StatusOr<std::optional<StoreOffset>> Usable(const std::string& changelog,
                                                    int64_t min_offset, int64_t max_offset);

  // Replaces the live store directory with the checkpoint at `offset`: SST files are hard links
  // (immutable), everything else is copied (RocksDB appends to the MANIFEST). Errors name files.
  absl::Status RestoreInto(int64_t offset, const std::string& store_dir) const;

  // Offsets of the complete checkpoints, ascending.
  std::vector<int64_t> List() const;
  // Removes every checkpoint (a full restore starts over).
  absl::Status RemoveAll();

 private:
  std::string Path(int64_t offset) const { return root_ + "/" + std::to_string(offset); }
  std::string root_;
  int keep_;
};

// Fault hook for tests: when set, Create() stops after building tmp-<offset> and before the
// rename, as a crash there would (returns an error).
void SetStoreCheckpointCrashBeforeRenameForTest(bool crash);

}  // namespace eddy::state
