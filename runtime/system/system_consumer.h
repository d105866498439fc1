// SystemConsumer: reads many partitions of one system at once, a batch at a time, with records
// viewed in place in the fetched bytes (no copy per record). Samza's SystemConsumer shape:
// Register every partition with its start offset, Start, then Poll. Used by the container's run
// loop (task inputs), the restore path (changelogs) and the checkpoint reader.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "log-store/storage/record_batch.h"
#include "runtime/system/ssp.h"

namespace eddy::runtime {

// Where to start a partition that has no explicit offset (systems.<sys>.samza.offset.default).
enum class OffsetDefault { kOldest, kUpcoming };

// The records fetched for one partition. `records` are views into memory kept alive by `owner`
// (the fetched batches); keep the PartitionBatch alive while the records are used.
struct PartitionBatch {
  int32_t ssp_index = 0;  // index given at Register()
  std::vector<logstore::Record> records;
  int64_t high_watermark = -1;  // end offset of the partition as of this fetch, -1 = unknown
  int64_t next_offset = -1;     // the partition's position after this batch, -1 = unknown
  std::shared_ptr<const void> owner;
};

class SystemConsumer {
 public:
  virtual ~SystemConsumer() = default;

  // Registers a partition; returns its index (used in PartitionBatch::ssp_index). `offset` is
  // the next offset to read; nullopt = the system's samza.offset.default.
  virtual absl::StatusOr<int32_t> Register(const Ssp& ssp, std::optional<int64_t> offset) = 0;
  virtual absl::Status Start() = 0;
  // Waits up to `timeout` for data; returns batches for any number of partitions (maybe none).
  // A partition-level error (corrupt data) is returned as the status, naming the partition.
  virtual absl::StatusOr<std::vector<PartitionBatch>> Poll(std::chrono::milliseconds timeout) = 0;
  // The next offset the consumer will fetch for a registered partition (nullopt when the
  // system does not say). A read_committed fetch may skip a range holding only control batches
  // and aborted records without returning a batch: readers that wait for an end offset use this.
  virtual std::optional<int64_t> Position(int32_t ssp_index) const {
    (void)ssp_index;
    return std::nullopt;
  }
  // Stops fetching for a partition (e.g. a restore that reached its target).
  virtual absl::Status Pause(int32_t ssp_index) = 0;
  virtual void Stop() = 0;
};

}  // namespace eddy::runtime
