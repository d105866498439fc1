// ShareStateStore: the durable state of every share group of a broker, in
// `<data-dir>/__share_group_state/share-state.log` — an append-only file of CRC'd records (group
// configs, group deletions, share-partition deltas), replayed on open with a torn tail cut, and
// rewritten as one snapshot of the live state when it grows past a bound. The layout is in
// log-store/FORMAT.md "Share groups". It keeps the replayed state in memory (the "mirror") so a
// snapshot needs no lock of anyone else. Used by ShareGroupManager; SharePartition writes to it
// through ShareStateSink.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "log-store/share/share_partition.h"

namespace eddy::logstore::share {

struct ShareStateStoreOptions {
  std::string data_dir;  // the broker's --data-dir
  bool fsync = false;    // fdatasync every record before the call returns (eddy-logd --fsync)
  int64_t snapshot_bytes = 16 << 20;  // rewrite the file as a snapshot once it is this large
};

// One share partition as the store holds it.
struct StoredPartition {
  int64_t start_offset = 0;
  std::vector<StateRun> runs;  // ascending, every run at or after start_offset
};
struct StoredGroup {
  std::map<std::string, std::string> configs;  // the group's own settings (not the defaults)
  std::map<std::pair<std::string, int32_t>, StoredPartition> partitions;
};

class ShareStateStore final : public ShareStateSink {
 public:
  // Opens (creating) the file and replays it. A torn or bad-CRC last record is cut (and said in
  // *report); a bad record before the last is DataLoss naming the file and byte.
  static absl::StatusOr<std::unique_ptr<ShareStateStore>> Open(const ShareStateStoreOptions& o,
                                                               std::string* report);
  ~ShareStateStore() override;

  // The durable state now.
  std::map<std::string, StoredGroup> Load() const;

  // Each writes one record (fdatasync'd with options.fsync) before returning; Unavailable names
  // the file when the write fails.
  absl::Status PersistPartition(const std::string& group, const std::string& topic,
                                int32_t partition, const PartitionDelta& delta) override;
  absl::Status PersistGroup(const std::string& group,
                            const std::map<std::string, std::string>& configs);
  absl::Status PersistGroupDelete(const std::string& group);
  // Forgets one share partition of a group (DeleteShareGroupOffsets).
  absl::Status PersistPartitionDelete(const std::string& group, const std::string& topic,
                                      int32_t partition);

  int64_t file_bytes() const;
  int64_t snapshots_written() const;

 private:
  struct MirrorPartition {
    int64_t start = 0;
    std::map<int64_t, std::pair<RecordState, int32_t>> entries;
  };
  struct MirrorGroup {
    std::map<std::string, std::string> configs;
    std::map<std::pair<std::string, int32_t>, MirrorPartition> partitions;
  };
  explicit ShareStateStore(ShareStateStoreOptions o) : options_(std::move(o)) {}
  absl::Status Replay(std::string* report);
  bool Apply(std::string_view payload);  // false: malformed
  absl::Status AppendLocked(std::string payload);
  void SnapshotLocked();

  const ShareStateStoreOptions options_;
  std::string path_;
  mutable std::mutex mu_;
  int fd_ = -1;
  int64_t file_bytes_ = 0;
  int64_t last_snapshot_bytes_ = 0;
  int64_t snapshots_ = 0;
  std::map<std::string, MirrorGroup> groups_;
};

}  // namespace eddy::logstore::share
