// SystemProducer: sends records to streams of one system, batching underneath (the eddy system
// appends into RecordBatchBuilders; the kafka system into librdkafka's queue). Used by the
// container for task output, by the ChangelogWriter and by the checkpoint writer.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace eddy::runtime {

class SystemProducer {
 public:
  virtual ~SystemProducer() = default;

  // `partition` -1 = by key (Kafka's murmur2), or any partition for a null key.
  virtual absl::Status Send(std::string_view stream, int32_t partition,
                            std::optional<std::string_view> key,
                            std::optional<std::string_view> value, int64_t timestamp_ms) = 0;
  // Sends everything queued and waits for acknowledgement. Returns the first failed send since
  // the previous Flush, naming the stream and partition.
  virtual absl::Status Flush() = 0;
  virtual absl::StatusOr<int32_t> PartitionCount(std::string_view stream) = 0;
  virtual void Stop() = 0;
};

}  // namespace eddy::runtime
