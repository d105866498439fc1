// The OFFSET file of a local store checkpoint (store_checkpoints.h): the changelog partition the
// store mirrors and the changelog offset the checkpoint holds, so a restart on the same host
// replays only the changelog tail. Written atomically (temp file, fsync, rename, fsync of the
// directory).
//
// Format (text, one key=value per line):
//   changelog=eddy.wordcount-counts-changelog#3
//   offset=12345
// `offset` is the NEXT changelog offset: the store holds every changelog record with a smaller
// offset (Kafka's end-offset convention), so restore resumes reading at `offset`.
//
// Used by StoreCheckpoints: at commit, inside <store dir>.checkpoints/tmp-<offset>/ before that
// directory is renamed to <offset>/. The live store directory has no OFFSET file: it is never
// trusted after a restart (see runtime/STATE_FORMAT.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace eddy::state {

struct StoreOffset {
  std::string changelog;  // SystemStreamPartition::ToString() of the changelog partition
  int64_t offset = 0;     // next offset
  friend bool operator==(const StoreOffset&, const StoreOffset&) = default;
};

inline constexpr char kOffsetFileName[] = "OFFSET";

// Writes <dir>/OFFSET atomically. Errors name the path.
absl::Status WriteOffsetFile(const std::string& dir, const StoreOffset& offset);
// nullopt when there is no OFFSET file; DataLoss naming the file when it is malformed.
absl::StatusOr<std::optional<StoreOffset>> ReadOffsetFile(const std::string& dir);

// Fault hook for tests: when set, WriteOffsetFile stops after writing the temp file and before the
// rename, as a crash there would (returns an error).
void SetOffsetFileCrashBeforeRenameForTest(bool crash);

}  // namespace eddy::state
