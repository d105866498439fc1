// Control records: what tasks write into intermediate streams (streams.<s>.samza.intermediate=
// true) beside their data, for the runtime of the reading tasks (Samza's WatermarkMessage).
// A control record is a record with the header eddy.control; the runtime consumes it and never
// hands it to Process(). Format (runtime/STATE_FORMAT.md "Control records"):
//   header  eddy.control = "watermark"
//   key     the writing task's name
//   value   "watermark=<ms> writers=<n>"  (ASCII decimal; <n>: how many tasks write watermarks
//           into the stream, so a reader knows when it has heard of all of them)
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
};

// The value of a watermark control record.
std::string EncodeWatermarkValue(int32_t writers, int64_t watermark_ms);

// The eddy.control header value of `headers`, nullopt when there is none.
std::optional<std::string_view> ControlKind(const std::vector<HeaderView>& headers);

// Parses a watermark control record; InvalidArgument naming what is wrong.
absl::StatusOr<WatermarkControl> DecodeWatermarkControl(std::optional<std::string_view> key,
                                                        std::optional<std::string_view> value);

}  // namespace eddy::runtime
