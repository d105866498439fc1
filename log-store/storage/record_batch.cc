// RecordBatch v2 decoding: header, validation, record/header/batch iterators.
#include "log-store/storage/record_batch.h"

#include "absl/strings/str_cat.h"
#include "log-store/storage/compression.h"
#include "log-store/storage/crc32c.h"
#include "log-store/storage/encoding.h"

namespace eddy::logstore {
namespace {

constexpr size_t kCrcStart = 21;  // CRC covers attributes .. end
constexpr int32_t kMinBatchLength = static_cast<int32_t>(kBatchHeaderSize - kBatchLogOverhead);

// Parses one record body (after its length varint) from `body`, which must be consumed exactly.
bool ParseRecordBody(std::string_view body, const BatchHeader& h, Record* out, std::string* why) {
  if (body.empty()) {
    *why = "empty record";
    return false;
  }
  body.remove_prefix(1);  // attributes, unused
  int64_t ts_delta, off_delta, klen, vlen, hcount;
  if (!enc::GetVarint(&body, &ts_delta, 10)) {
    *why = "bad timestampDelta";
    return false;
  }
  if (!enc::GetVarint(&body, &off_delta, 5)) {
    *why = "bad offsetDelta";
    return false;
  }
  if (!enc::GetVarint(&body, &klen, 5) || klen < -1 || klen > static_cast<int64_t>(body.size())) {
    *why = "bad key length";
    return false;
  }
  if (klen >= 0) {
    out->key = body.substr(0, static_cast<size_t>(klen));
    body.remove_prefix(static_cast<size_t>(klen));
  } else {
    out->key.reset();
  }
  if (!enc::GetVarint(&body, &vlen, 5) || vlen < -1 || vlen > static_cast<int64_t>(body.size())) {
    *why = "bad value length";
    return false;
  }
  if (vlen >= 0) {
    out->value = body.substr(0, static_cast<size_t>(vlen));
    body.remove_prefix(static_cast<size_t>(vlen));
  } else {
    out->value.reset();
  }
  if (!enc::GetVarint(&body, &hcount, 5) || hcount < 0 ||
      hcount > static_cast<int64_t>(body.size())) {
    *why = "bad header count";
    return false;
  }
  // Headers must parse and fill the rest exactly.
  if (hcount == 0 && !body.empty()) {
    *why = "bytes after the record's fields";
    return false;
  }
  RecordHeaderIterator hit(body, static_cast<int32_t>(hcount));
  RecordHeader rh;
  int64_t seen = 0;
  while (hit.Next(&rh)) ++seen;
  if (!hit.status().ok()) {
    *why = std::string(hit.status().message());
    return false;
  }
  if (seen != hcount) {
    *why = "header count mismatch";
    return false;
  }
  out->header_count = static_cast<int32_t>(hcount);
  out->headers_raw = body;
  out->offset = h.base_offset + off_delta;
  out->timestamp = h.log_append_time() ? h.max_timestamp : h.base_timestamp + ts_delta;
  if (off_delta < 0 || off_delta > h.last_offset_delta) {
    *why = absl::StrCat("offsetDelta ", off_delta, " outside 0..", h.last_offset_delta);
    return false;
  }
  return true;
}

// Reads one length-prefixed record from the front of *rest.
bool NextRecord(std::string_view* rest, const BatchHeader& h, Record* out, std::string* why) {
  int64_t len;
  if (!enc::GetVarint(rest, &len, 5) || len < 0 || len > static_cast<int64_t>(rest->size())) {
    *why = "bad record length";
    return false;
  }
  std::string_view body = rest->substr(0, static_cast<size_t>(len));
  rest->remove_prefix(static_cast<size_t>(len));
  return ParseRecordBody(body, h, out, why);
}

// Fast varint read for validation: one-byte values inline.
inline bool Varint32(std::string_view* in, int64_t* out) {
  if (!in->empty() && static_cast<uint8_t>((*in)[0]) < 0x80) {
    const auto b = static_cast<uint8_t>((*in)[0]);
    in->remove_prefix(1);
    *out = static_cast<int64_t>(b >> 1) ^ -static_cast<int64_t>(b & 1);
    return true;
  }
  return enc::GetVarint(in, out, 5);
}

// Checks the structure of one length-prefixed record without building a Record; returns its
// offset delta. Same rules as NextRecord.
bool SkipRecord(std::string_view* rest, int64_t* off_delta, const char** why) {
  int64_t len;
  if (!Varint32(rest, &len) || len < 1 || len > static_cast<int64_t>(rest->size())) {
    *why = "bad record length";
    return false;
  }
  std::string_view body = rest->substr(1, static_cast<size_t>(len) - 1);  // skip attributes
  rest->remove_prefix(static_cast<size_t>(len));
  int64_t ts_delta, klen, vlen, hcount;
  if (!enc::GetVarint(&body, &ts_delta, 10)) {
    *why = "bad timestampDelta";
    return false;
  }
  if (!Varint32(&body, off_delta)) {
    *why = "bad offsetDelta";
    return false;
  }
  if (!Varint32(&body, &klen) || klen < -1 || klen > static_cast<int64_t>(body.size())) {
    *why = "bad key length";
    return false;
  }
  if (klen > 0) body.remove_prefix(static_cast<size_t>(klen));
  if (!Varint32(&body, &vlen) || vlen < -1 || vlen > static_cast<int64_t>(body.size())) {
    *why = "bad value length";
    return false;
  }
  if (vlen > 0) body.remove_prefix(static_cast<size_t>(vlen));
  if (!Varint32(&body, &hcount) || hcount < 0 || hcount > static_cast<int64_t>(body.size())) {
    *why = "bad header count";
    return false;
  }
  for (int64_t i = 0; i < hcount; ++i) {
    int64_t hk, hv;
    if (!Varint32(&body, &hk) || hk < 0 || hk > static_cast<int64_t>(body.size())) {
      *why = "record header: bad key length";
      return false;
    }
    body.remove_prefix(static_cast<size_t>(hk));
    if (!Varint32(&body, &hv) || hv < -1 || hv > static_cast<int64_t>(body.size())) {
      *why = "record header: bad value length";
      return false;
    }
    if (hv > 0) body.remove_prefix(static_cast<size_t>(hv));
  }
  if (!body.empty()) {
    *why = "bytes after the record's fields";
    return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<BatchHeader> ParseBatchHeader(std::string_view data) {
  if (data.size() < kBatchHeaderSize) {
    return absl::InvalidArgumentError(absl::StrCat("record batch header truncated: ", data.size(),
                                                   " of ", kBatchHeaderSize, " bytes"));
  }
  const char* p = data.data();
  BatchHeader h;
  h.base_offset = static_cast<int64_t>(enc::LoadBe64(p));
  h.batch_length = static_cast<int32_t>(enc::LoadBe32(p + 8));
  h.partition_leader_epoch = static_cast<int32_t>(enc::LoadBe32(p + 12));
  h.magic = static_cast<int8_t>(p[16]);
  h.crc = enc::LoadBe32(p + 17);
  h.attributes = static_cast<int16_t>(enc::LoadBe16(p + 21));
  h.last_offset_delta = static_cast<int32_t>(enc::LoadBe32(p + 23));
  h.base_timestamp = static_cast<int64_t>(enc::LoadBe64(p + 27));
  h.max_timestamp = static_cast<int64_t>(enc::LoadBe64(p + 35));
  h.producer_id = static_cast<int64_t>(enc::LoadBe64(p + 43));
  h.producer_epoch = static_cast<int16_t>(enc::LoadBe16(p + 51));
  h.base_sequence = static_cast<int32_t>(enc::LoadBe32(p + 53));
  h.records_count = static_cast<int32_t>(enc::LoadBe32(p + 57));
  if (h.magic != kMagicV2) {
    return absl::InvalidArgumentError(absl::StrCat("record batch at base offset ", h.base_offset,
                                                   ": magic ", h.magic,
                                                   ", only magic 2 is supported"));
  }
  if (h.batch_length < kMinBatchLength) {
    return absl::InvalidArgumentError(absl::StrCat("record batch at base offset ", h.base_offset,
                                                   ": batchLength ", h.batch_length, " < ",
                                                   kMinBatchLength));
  }
  if (h.records_count < 0 || h.last_offset_delta < 0) {
    return absl::InvalidArgumentError(absl::StrCat("record batch at base offset ", h.base_offset,
                                                   ": negative recordsCount or lastOffsetDelta"));
  }
  if ((h.attributes & 0x7) > 4) {
    return absl::InvalidArgumentError(absl::StrCat("record batch at base offset ", h.base_offset,
                                                   ": unknown compression codec ",
                                                   h.attributes & 0x7));
  }
  return h;
}

uint32_t BatchCrc(std::string_view batch) {
  return Crc32c(0, batch.data() + kCrcStart, batch.size() - kCrcStart);
}

absl::Status ValidateBatch(std::string_view batch) {
  auto hs = ParseBatchHeader(batch);
  if (!hs.ok()) return hs.status();
  const BatchHeader& h = *hs;
  if (h.size_bytes() != batch.size()) {
    return absl::InvalidArgumentError(absl::StrCat("record batch at base offset ", h.base_offset,
                                                   ": batchLength says ", h.size_bytes(),
                                                   " bytes, have ", batch.size()));
  }
  const uint32_t crc = BatchCrc(batch);
  if (crc != h.crc) {
    return absl::InvalidArgumentError(absl::StrCat("record batch at base offset ", h.base_offset,
                                                   ": CRC-32C mismatch (stored ", h.crc,
                                                   ", computed ", crc, ")"));
  }
  if (h.compression() != Compression::kNone) return absl::OkStatus();
  return ValidateRecords(h, batch.substr(kBatchHeaderSize));
}

absl::Status ValidateRecords(const BatchHeader& h, std::string_view records) {
  if (h.records_count > h.last_offset_delta + 1) {
    return absl::InvalidArgumentError(absl::StrCat("record batch at base offset ", h.base_offset,
                                                   ": recordsCount ", h.records_count,
                                                   " > lastOffsetDelta + 1"));
  }
  std::string_view rest = records;
  int64_t prev = -1;
  const char* why = "";
  for (int32_t i = 0; i < h.records_count; ++i) {
    int64_t delta;
    if (!SkipRecord(&rest, &delta, &why)) {
      return absl::InvalidArgumentError(
          absl::StrCat("record batch at base offset ", h.base_offset, ": record ", i, ": ", why));
    }
    if (delta <= prev || delta > h.last_offset_delta) {
      return absl::InvalidArgumentError(absl::StrCat(
          "record batch at base offset ", h.base_offset, ": record ", i, ": offsetDelta ", delta,
          " not increasing or outside 0..", h.last_offset_delta));
    }
    prev = delta;
  }
  if (!rest.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("record batch at base offset ", h.base_offset,
                                                   ": ", rest.size(),
                                                   " bytes after the last record"));
  }
  return absl::OkStatus();
}

void SetBaseOffset(char* batch, int64_t base_offset) {
  enc::StoreBe64(batch, static_cast<uint64_t>(base_offset));
}

RecordHeaderIterator::RecordHeaderIterator(std::string_view headers_raw, int32_t count)
    : rest_(headers_raw), remaining_(count) {}

bool RecordHeaderIterator::Next(RecordHeader* out) {
  if (remaining_ <= 0 || !status_.ok()) return false;
  int64_t klen, vlen;
  if (!enc::GetVarint(&rest_, &klen, 5) || klen < 0 || klen > static_cast<int64_t>(rest_.size())) {
    status_ = absl::InvalidArgumentError("record header: bad key length");
    return false;
  }
  out->key = rest_.substr(0, static_cast<size_t>(klen));
  rest_.remove_prefix(static_cast<size_t>(klen));
  if (!enc::GetVarint(&rest_, &vlen, 5) || vlen < -1 || vlen > static_cast<int64_t>(rest_.size())) {
    status_ = absl::InvalidArgumentError("record header: bad value length");
    return false;
  }
  if (vlen >= 0) {
    out->value = rest_.substr(0, static_cast<size_t>(vlen));
    rest_.remove_prefix(static_cast<size_t>(vlen));
  } else {
    out->value.reset();
  }
  --remaining_;
  if (remaining_ == 0 && !rest_.empty()) {
    status_ = absl::InvalidArgumentError("record header: bytes after the last header");
    return false;
  }
  return true;
}

RecordIterator::RecordIterator(std::string_view batch) {
  auto hs = ParseBatchHeader(batch);
  if (!hs.ok()) {
    status_ = hs.status();
    return;
  }
  header_ = *hs;
  if (header_.size_bytes() > batch.size()) {
    status_ = absl::InvalidArgumentError(
        absl::StrCat("record batch at base offset ", header_.base_offset, ": truncated (",
                     batch.size(), " of ", header_.size_bytes(), " bytes)"));
    return;
  }
  std::string_view records =
      batch.substr(kBatchHeaderSize, header_.size_bytes() - kBatchHeaderSize);
  if (header_.compression() != Compression::kNone) {
    auto d = Decompress(header_.compression(), records);
    if (!d.ok()) {
      status_ = absl::InvalidArgumentError(absl::StrCat(
          "record batch at base offset ", header_.base_offset, ": ", d.status().message()));
      return;
    }
    decompressed_ = std::move(*d);
    records = decompressed_;
  }
  rest_ = records;
  remaining_ = header_.records_count;
}

bool RecordIterator::Next(Record* out) {
  if (remaining_ <= 0 || !status_.ok()) return false;
  std::string why;
  if (!NextRecord(&rest_, header_, out, &why)) {
    status_ = absl::InvalidArgumentError(
        absl::StrCat("record batch at base offset ", header_.base_offset, ": record ",
                     header_.records_count - remaining_, ": ", why));
    return false;
  }
  --remaining_;
  return true;
}

bool BatchIterator::Next(std::string_view* batch, BatchHeader* header) {
  if (!status_.ok() || rest_.size() < kBatchLogOverhead) return false;
  const int32_t len = static_cast<int32_t>(enc::LoadBe32(rest_.data() + 8));
  if (len < kMinBatchLength) {
    status_ = absl::InvalidArgumentError(absl::StrCat(
        "record batch at byte ", consumed_, ": batchLength ", len, " < ", kMinBatchLength));
    return false;
  }
  const size_t total = static_cast<size_t>(len) + kBatchLogOverhead;
  if (rest_.size() < total) return false;  // partial trailing batch
  auto hs = ParseBatchHeader(rest_);
  if (!hs.ok()) {
    status_ = absl::InvalidArgumentError(
        absl::StrCat("record batch at byte ", consumed_, ": ", hs.status().message()));
    return false;
  }
  *header = *hs;
  *batch = rest_.substr(0, total);
  rest_.remove_prefix(total);
  consumed_ += total;
  return true;
}

}  // namespace eddy::logstore
