// SystemAdmin: metadata of one system's streams: partition counts, oldest/upcoming offsets and
// stream creation (incl. compacted changelog and checkpoint topics). Used by the job planner
// (partition counts for the groupers), the container (lag, restore bounds, changelog creation).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace eddy::runtime {

struct PartitionOffsets {
  int64_t oldest = 0;    // first offset still stored
  int64_t upcoming = 0;  // offset the next record will get (end offset / high watermark)
};

struct StreamSpec {
  std::string name;
  int32_t partitions = 1;
  bool compacted = false;
};

class SystemAdmin {
 public:
  virtual ~SystemAdmin() = default;
  virtual absl::StatusOr<int32_t> PartitionCount(const std::string& stream) = 0;
  virtual absl::StatusOr<PartitionOffsets> Offsets(const std::string& stream,
                                                   int32_t partition) = 0;
  // Creates the stream if it does not exist (existing = OK; its partition count is not changed).
  virtual absl::Status CreateStream(const StreamSpec& spec) = 0;
};

}  // namespace eddy::runtime
