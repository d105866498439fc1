// ListOffsets (key 2) v0..3: -1 = latest (the high watermark; under isolation_level 1,
// read_committed, v2+, the last stable offset), -2 = log start (earliest), otherwise the earliest
// offset whose record timestamp is >= the given time, answered with that record's timestamp
// (offset and timestamp -1 when there is none), as Kafka does.
#include "log-store/kafka/kafka_apis.h"
#include "log-store/kafka/kafka_requests.h"

namespace eddy::kafka {

absl::Status HandleListOffsets(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  auto req = ParseListOffsets(r, v);
  if (!req.ok()) return req.status();
  if (v >= 2) w.Int32(0);  // throttle_time_ms
  w.ArrayCount(static_cast<int32_t>(req->topics.size()));
  for (const auto& t : req->topics) {
    w.String(t.name);
    w.ArrayCount(static_cast<int32_t>(t.partitions.size()));
    for (const auto& p : t.partitions) {
      int16_t err = error::kNone;
      int64_t offset = -1;
      int64_t timestamp = -1;
      auto log = b.logs->GetPartition(t.name, p.index);
      if (!log.ok()) {
        err = error::kUnknownTopicOrPartition;
      } else if (p.timestamp == -1) {
        offset = req->isolation_level == 1 ? (*log)->LastStableOffset() : (*log)->LogEndOffset();
      } else if (p.timestamp == -2) {
        offset = (*log)->LogStartOffset();
      } else {
        auto found = (*log)->FindTimestamp(p.timestamp);
        if (found.ok()) {
          offset = found->offset;
          timestamp = found->timestamp;
        } else {
          err = error::kUnknownServerError;
        }
      }
      w.Int32(p.index);
      w.Int16(err);
      if (v == 0) {
        if (err == error::kNone && offset >= 0) {
          w.ArrayCount(1);
          w.Int64(offset);
        } else {
          w.ArrayCount(0);
        }
      } else {
        w.Int64(timestamp);
        w.Int64(offset);
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace eddy::kafka
