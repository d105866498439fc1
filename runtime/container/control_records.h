// Control records: what tasks write into intermediate streams (streams.<s>.samza.intermediate=
// true) beside their data, for the runtime of the reading tasks (Samza's WatermarkMessage).
// A control record is a record with the header eddy.control; the runtime consumes it and never
// hands it to Process(). Format (runtime/STATE_FORMAT.md "Control records"):
//   header  eddy.control = "watermark"
//   key     the writing task's name
//   value   "watermark=<ms> writers=<n>[ idle=1]"  (ASCII decimal; <n>: how many tasks write
//           watermarks into the stream, so a reader knows when it has heard of all of them;
//           idle=1: the writer's inputs are all idle, so readers leave it out of their minimum
//           until its next record without idle=1; <ms> may then be kNoWatermark)
// Unknown name=value parts of the value are ignored (an older reader ignores idle=1 and treats
// the record as a plain watermark, which holds its watermark back but is never wrong).
// A record with an eddy.control header of another value is ignored (skipped, counted), so newer
// kinds can be added. Used by TaskTimeService (writing) and the container's input path
// (reading).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "eddy/envelope.h"

namespace eddy::runtime {

inline constexpr char kControlHeader[] = "eddy.control";
inline constexpr char kControlWatermark[] = "watermark";

struct WatermarkControl {
  std::string writer;   // task name
  int32_t writers = 0;  // writer count of the stream
  int64_t watermark = 0;
  bool idle = false;  // idle=1: leave this writer out of the minimum until it is active again
};

// The value of a watermark control record (" idle=1" appended when `idle`).
std::string EncodeWatermarkValue(int32_t writers, int64_t watermark_ms, bool idle = false);

// The eddy.control header value of `headers`, nullopt when there is none.
std::optional<std::string_view> ControlKind(const std::vector<HeaderView>& headers);

// Parses a watermark control record; InvalidArgument naming what is wrong.
absl::StatusOr<WatermarkControl> DecodeWatermarkControl(std::optional<std::string_view> key,
                                                        std::optional<std::string_view> value);

}  // namespace eddy::runtime
