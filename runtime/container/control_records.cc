#include "runtime/container/control_records.h"

#include <charconv>

#include "absl/strings/str_cat.h"

namespace eddy::runtime {

std::string EncodeWatermarkValue(int32_t writers, int64_t watermark_ms, bool idle) {
  return absl::StrCat("watermark=", watermark_ms, " writers=", writers, idle ? " idle=1" : "");
}

std::optional<std::string_view> ControlKind(const std::vector<HeaderView>& headers) {
  for (const auto& h : headers) {
    if (h.key == kControlHeader) return h.value ? *h.value : std::string_view();
  }
  return std::nullopt;
}

absl::StatusOr<WatermarkControl> DecodeWatermarkControl(std::optional<std::string_view> key,
                                                        std::optional<std::string_view> value) {
  if (!key || key->empty()) {
    return absl::InvalidArgumentError("watermark control record without a writer task key");
  }
  if (!value) return absl::InvalidArgumentError("watermark control record without a value");
  WatermarkControl c;
  c.writer = std::string(*key);
  bool have_w = false, have_n = false, bad_idle = false;
  auto parse = [](std::string_view text, auto* out) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
    return ec == std::errc() && end == text.data() + text.size() && !text.empty();
  };
  std::string_view rest = *value;
  while (!rest.empty()) {
    size_t sp = rest.find(' ');
    std::string_view part = rest.substr(0, sp);
    rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
    if (part.rfind("watermark=", 0) == 0) {
      have_w = parse(part.substr(10), &c.watermark);
    } else if (part.rfind("writers=", 0) == 0) {
      have_n = parse(part.substr(8), &c.writers) && c.writers > 0;
    } else if (part.rfind("idle=", 0) == 0) {
      const std::string_view v = part.substr(5);
      c.idle = v == "1";
      bad_idle = v != "0" && v != "1";
    }
  }
  if (!have_w || !have_n || bad_idle) {
    return absl::InvalidArgumentError(
        absl::StrCat("watermark control record of ", c.writer, ": bad value '", std::string(*value),
                     "' (expected \"watermark=<ms> writers=<n>[ idle=0|1]\")"));
  }
  return c;
}

}  // namespace eddy::runtime
