// Fetch (key 1) v4..11: whole stored batches byte-for-byte, at least one batch for the first
// partition with data, long-poll up to MaxWaitMs via LogManager::WaitForAppend. No incremental
// fetch sessions (session id 0 = full fetch every time). Every answer carries the partition's
// last stable offset (LSO: the first offset of its oldest open transaction, else the HW). With
// isolation_level 1 (read_committed) no batch at or past the LSO is returned, and
// AbortedTransactions lists the aborted transactions (producer id, first offset) overlapping
// the returned range, from the storage layer's aborted-transaction index; the client drops
// their records and the control batches.
// Zero-copy (KafkaServerOptions::fetch_zero_copy, the default): where the stored batches are
// already CRC-checked in this process, the partition log only says where they lie in the
// segment file (PartitionLog::ReadSlice, headers read, no CRC pass) and the response references
// that file range (Writer::BytesFileRef), sent with sendfile(2) from the page cache. Otherwise
// the batches are read (and CRC-checked) into the connection's scratch buffer and the response
// references them there (Writer::BytesRef), written with sendmsg.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "log-store/kafka/kafka_apis.h"
#include "log-store/kafka/kafka_requests.h"

namespace eddy::kafka {
namespace {

struct PartitionData {
  int16_t error = error::kNone;
  int64_t high_watermark = -1;
  int64_t last_stable_offset = -1;
  int64_t log_start_offset = -1;
  std::vector<logstore::AbortedTxn> aborted;  // read_committed only
  size_t records_at = 0;  // the batches are scratch[records_at, records_at + records_len)
  size_t records_len = 0;
  logstore::FileSlice slice;  // zero-copy: the batches are this file range instead
};

int16_t ReadErrorCode(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kOutOfRange:
      return error::kOffsetOutOfRange;
    case absl::StatusCode::kNotFound:
      return error::kUnknownTopicOrPartition;
    case absl::StatusCode::kDataLoss:
      return error::kKafkaStorageError;
    default:
      return error::kUnknownServerError;
  }
}

// The length of the leading whole batches of `batches` whose base offset is below `limit`
// (batches are stored whole: base offset int64, then batch length int32 of what follows it).
size_t BatchesBelow(std::string_view batches, int64_t limit, int64_t* last_offset) {
  size_t pos = 0;
  while (pos + 12 <= batches.size()) {
    const auto* p = reinterpret_cast<const unsigned char*>(batches.data() + pos);
    int64_t base = 0;
    for (int i = 0; i < 8; ++i) base = (base << 8) | p[i];
    uint32_t len = 0;
    for (int i = 8; i < 12; ++i) len = (len << 8) | p[i];
    const size_t size = 12 + static_cast<size_t>(len);
    if (base >= limit || pos + size > batches.size()) break;
    // last_offset_delta is at byte 23 of the batch (after partition leader epoch, magic, crc,
    // attributes).
    if (size >= 27) {
      uint32_t delta = 0;
      for (int i = 23; i < 27; ++i) delta = (delta << 8) | p[i];
      *last_offset = base + static_cast<int32_t>(delta);
    } else {
      *last_offset = base;
    }
    pos += size;
  }
  return pos;
}

// One pass over every requested partition. Returns the total record bytes.
int64_t ReadAll(BrokerContext& b, const RequestContext& ctx, const FetchRequest& req,
                std::vector<std::vector<PartitionData>>* out, bool* any_error) {
  int64_t total = 0;
  int64_t budget = req.max_bytes > 0 ? req.max_bytes : 0x7fffffff;
  if (b.options.max_fetch_response_bytes > 0) {
    budget = std::min<int64_t>(budget, b.options.max_fetch_response_bytes);
  }
  std::string& scratch = *ctx.scratch;
  scratch.clear();
  out->resize(req.topics.size());
  for (auto& v : *out) v.clear();
  *any_error = false;
  for (size_t i = 0; i < req.topics.size(); ++i) {
    const auto& topic = req.topics[i];
    for (const auto& p : topic.partitions) {
      PartitionData d;
      auto log = b.logs->GetPartition(topic.name, p.index);
      if (!log.ok()) {
        d.error = error::kUnknownTopicOrPartition;
      } else if (total > 0 && budget <= 0) {
        d.high_watermark = (*log)->LogEndOffset();
        d.last_stable_offset = (*log)->LastStableOffset();
        d.log_start_offset = (*log)->LogStartOffset();
      } else {
        int32_t limit = static_cast<int32_t>(
            std::max<int64_t>(1, std::min<int64_t>(p.max_bytes > 0 ? p.max_bytes : 1, budget)));
        absl::StatusOr<logstore::ReadResult> read;
        if (b.options.fetch_zero_copy) {
          read = (*log)->ReadSlice(p.fetch_offset, limit, req.isolation_level == 1, &d.slice);
          if (read.ok() && !d.slice.valid) read = absl::UnavailableError("");  // copy instead
        }
        if (read.ok()) {
          d.high_watermark = read->high_watermark;
          d.last_stable_offset = read->last_stable_offset;
          d.log_start_offset = read->log_start_offset;
          d.records_len = static_cast<size_t>(d.slice.length);
          if (req.isolation_level == 1 && d.records_len > 0)
            d.aborted = (*log)->AbortedTransactions(p.fetch_offset, d.slice.last_offset + 1);
          total += static_cast<int64_t>(d.records_len);
          budget -= static_cast<int64_t>(d.records_len);
          if (d.error != error::kNone) *any_error = true;
          (*out)[i].push_back(std::move(d));
          continue;
        }
        d.slice = logstore::FileSlice{};
        const size_t at = scratch.size();
        read = (*log)->ReadAppend(p.fetch_offset, limit, &scratch);
        if (read.ok()) {
          d.high_watermark = read->high_watermark;
          d.last_stable_offset = read->last_stable_offset;
          d.log_start_offset = read->log_start_offset;
          d.records_at = at;
          d.records_len = scratch.size() - at;
          if (req.isolation_level == 1) {
            // Nothing at or past the LSO the read started with (a later LSO only moves up).
            int64_t last = -1;
            d.records_len =
                BatchesBelow(std::string_view(scratch).substr(at), read->last_stable_offset, &last);
            scratch.resize(at + d.records_len);
            if (d.records_len > 0)
              d.aborted = (*log)->AbortedTransactions(p.fetch_offset, last + 1);
          }
          total += static_cast<int64_t>(d.records_len);
          budget -= static_cast<int64_t>(d.records_len);
        } else {
          d.error = ReadErrorCode(read.status());
          d.high_watermark = (*log)->LogEndOffset();
          d.last_stable_offset = (*log)->LastStableOffset();
          d.log_start_offset = (*log)->LogStartOffset();
          if (d.error != error::kOffsetOutOfRange) {
            std::fprintf(stderr, "kafka: client %s: Fetch %s/%d at %lld failed: %s\n",
                         ctx.client_address.c_str(), topic.name.c_str(), p.index,
                         static_cast<long long>(p.fetch_offset),
                         std::string(read.status().message()).c_str());
          }
        }
      }
      if (d.error != error::kNone) *any_error = true;
      (*out)[i].push_back(std::move(d));
    }
  }
  return total;
}

}  // namespace

absl::Status HandleFetch(BrokerContext& b, RequestContext& ctx, Reader& r, Writer& w) {
  const int16_t v = ctx.header.api_version;
  auto req = ParseFetch(r, v);
  if (!req.ok()) return req.status();

  const int32_t wait_ms = std::clamp(req->max_wait_ms, 0, b.options.max_fetch_wait_ms);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  std::vector<std::vector<PartitionData>> data;
  // Answer as soon as min_bytes is there (no wait at all when it already is); a min_bytes above
  // what one response may carry counts as satisfied at that cap, else it would always time out.
  int64_t want_bytes = std::max(1, req->min_bytes);
  if (b.options.max_fetch_response_bytes > 0) {
    want_bytes = std::min<int64_t>(want_bytes, b.options.max_fetch_response_bytes);
  }
  while (true) {
    const uint64_t seen = b.logs->AppendSequence();
    bool any_error = false;
    int64_t total = ReadAll(b, ctx, *req, &data, &any_error);
    const auto now = std::chrono::steady_clock::now();
    if (total >= want_bytes || any_error || now >= deadline || b.stopping.load() ||
        req->topics.empty()) {
      break;
    }
    // Wake at least every 200 ms so Stop() is never held up by a long poll.
    b.logs->WaitForAppend(seen, std::min(deadline, now + std::chrono::milliseconds(200)));
  }

  w.Int32(0);  // throttle_time_ms
  if (v >= 7) w.Int16(error::kNone);
  if (v >= 7) w.Int32(0);  // session_id: no incremental sessions
  w.ArrayCount(static_cast<int32_t>(req->topics.size()));
  for (size_t i = 0; i < req->topics.size(); ++i) {
    w.String(req->topics[i].name);
    w.ArrayCount(static_cast<int32_t>(data[i].size()));
    for (size_t j = 0; j < data[i].size(); ++j) {
      const PartitionData& d = data[i][j];
      w.Int32(req->topics[i].partitions[j].index);
      w.Int16(d.error);
      w.Int64(d.high_watermark);
      w.Int64(d.last_stable_offset);
      if (v >= 5) w.Int64(d.log_start_offset);
      w.ArrayCount(static_cast<int32_t>(d.aborted.size()));  // never null
      for (const logstore::AbortedTxn& a : d.aborted) {
        w.Int64(a.producer_id);
        w.Int64(a.first_offset);
      }
      if (v >= 11) w.Int32(-1);  // preferred_read_replica
      // Never null; referenced, not copied (the scratch buffer is complete by now).
      if (d.slice.valid) {
        w.BytesFileRef(d.slice.fd, d.slice.position, d.records_len, d.slice.owner);
      } else {
        w.BytesRef(std::string_view(ctx.scratch->data() + d.records_at, d.records_len));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace eddy::kafka
