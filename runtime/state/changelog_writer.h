// ChangelogWriter: where a logged store sends each write (key, value or tombstone) so the store can
// be rebuilt from its changelog partition (stores.<s>.changelog, one partition per task).
// Defined by runtime/state; implemented by the runtime over a system producer.
#pragma once

#include <optional>
#include <string_view>

#include "absl/status/status.h"

namespace eddy::state {

class ChangelogWriter {
 public:
  virtual ~ChangelogWriter() = default;
  // Queues one changelog record for the store's changelog partition: `value` nullopt is a
  // tombstone (a delete). The bytes must be copied before returning. Delivery is asynchronous;
  // the runtime flushes the producer at commit before writing the checkpoint. A non-OK status
  // fails the write that caused it.
  virtual absl::Status Append(std::string_view key, std::optional<std::string_view> value) = 0;
};

}  // namespace eddy::state
