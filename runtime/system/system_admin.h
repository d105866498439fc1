// SystemAdmin: metadata of one system's streams: partition counts, oldest/upcoming offsets and
// stream creation (incl. compacted changelog and checkpoint topics), a stream's settings and
// adding partitions. Used by the job planner (partition counts for the groupers), the container
// (lag, restore bounds, changelog checks and creation: container/changelog_topics.h).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace eddy::runtime {

struct PartitionOffsets {
  int64_t oldest = 0;    // first offset still stored
  int64_t upcoming = 0;  // offset the next record will get (end offset / high watermark)
};

struct StreamSpec {
  StreamSpec(std::string n = "", int32_t p = 1, bool c = false,
             std::map<std::string, std::string> cfg = {})
      : name(std::move(n)), partitions(p), compacted(c), config(std::move(cfg)) {}
  std::string name;
  int32_t partitions = 1;
  bool compacted = false;
  std::map<std::string, std::string> config;  // more topic settings (Kafka names)
};

struct StreamDescription {
  int32_t partitions = 0;
  // Topic settings by their Kafka names ("cleanup.policy", "min.compaction.lag.ms", ...), as the
  // broker reports them (defaults included where it reports them).
  std::map<std::string, std::string> config;
};

class SystemAdmin {
 public:
  virtual ~SystemAdmin() = default;
  virtual absl::StatusOr<int32_t> PartitionCount(const std::string& stream) = 0;
  virtual absl::StatusOr<PartitionOffsets> Offsets(const std::string& stream,
                                                   int32_t partition) = 0;
  // Creates the stream if it does not exist (existing = OK; its partition count is not changed).
  virtual absl::Status CreateStream(const StreamSpec& spec) = 0;
  // Partition count and settings; NotFound when the stream does not exist (asking never
  // creates it, whatever the broker's auto-create setting).
  virtual absl::StatusOr<StreamDescription> DescribeStream(const std::string& stream) = 0;
  // Grows the stream to `partitions` (never shrinks). Unimplemented where the system cannot.
  virtual absl::Status AddPartitions(const std::string& stream, int32_t partitions) = 0;
};

}  // namespace eddy::runtime
