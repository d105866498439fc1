// ApiVersions (key 18) v0..3. v3 is the one flexible message Eddy speaks: compact array with a
// tagged-field block per entry, but the response header stays v0 (no tagged fields).
#include "log-store/kafka/kafka_apis.h"

namespace eddy::kafka {

void WriteApiVersionsV0(int16_t error_code, Writer& w) {
  w.Int16(error_code);
  w.ArrayCount(static_cast<int32_t>(std::size(kSupportedApis)));
  for (const ApiRange& a : kSupportedApis) {
    w.Int16(a.key);
    w.Int16(a.min);
    w.Int16(a.max);
  }
}

absl::Status HandleApiVersions(BrokerContext&, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  if (v >= 3) {
    r.CompactString();  // client_software_name
    r.CompactString();  // client_software_version
    r.SkipTaggedFields();
    if (!r.ok()) return r.status("ApiVersions v3 request");
    w.Int16(error::kNone);
    w.CompactArrayCount(static_cast<int32_t>(std::size(kSupportedApis)));
    for (const ApiRange& a : kSupportedApis) {
      w.Int16(a.key);
      w.Int16(a.min);
      w.Int16(a.max);
      w.EmptyTaggedFields();
    }
    w.Int32(0);  // throttle_time_ms
    w.EmptyTaggedFields();
    return absl::OkStatus();
  }
  WriteApiVersionsV0(error::kNone, w);
  if (v >= 1) w.Int32(0);  // throttle_time_ms
  return absl::OkStatus();
}

}  // namespace eddy::kafka
