// RecordBatchBuilder: encodes records straight into one growing buffer.
#include "log-store/storage/record_batch_builder.h"

#include <algorithm>
#include <cstring>

#include "log-store/storage/compression.h"
#include "log-store/storage/encoding.h"

namespace eddy::logstore {

RecordBatchBuilder::RecordBatchBuilder(Compression compression) : compression_(compression) {
  buf_.resize(kBatchHeaderSize);
}

void RecordBatchBuilder::SetProducer(int64_t producer_id, int16_t epoch, int32_t base_sequence) {
  producer_id_ = producer_id;
  producer_epoch_ = epoch;
  base_sequence_ = base_sequence;
}

void RecordBatchBuilder::Add(std::optional<std::string_view> key,
                             std::optional<std::string_view> value, int64_t timestamp_ms,
                             std::span<const RecordHeader> headers) {
  if (count_ == 0) {
    base_timestamp_ = timestamp_ms;
    max_timestamp_ = timestamp_ms;
  } else if (timestamp_ms > max_timestamp_) {
    max_timestamp_ = timestamp_ms;
  }
  const int64_t ts_delta = timestamp_ms - base_timestamp_;
  const int64_t klen = key ? static_cast<int64_t>(key->size()) : -1;
  const int64_t vlen = value ? static_cast<int64_t>(value->size()) : -1;
  size_t body = 1 + enc::VarintSize(ts_delta) + enc::VarintSize(count_) + enc::VarintSize(klen) +
                (key ? key->size() : 0) + enc::VarintSize(vlen) + (value ? value->size() : 0) +
                enc::VarintSize(static_cast<int64_t>(headers.size()));
  for (const RecordHeader& h : headers) {
    const int64_t hv = h.value ? static_cast<int64_t>(h.value->size()) : -1;
    body += enc::VarintSize(static_cast<int64_t>(h.key.size())) + h.key.size() +
            enc::VarintSize(hv) + (h.value ? h.value->size() : 0);
  }
  const size_t start = buf_.size();
  const size_t total = enc::VarintSize(static_cast<int64_t>(body)) + body;
  if (buf_.capacity() < start + total) buf_.reserve(std::max(buf_.capacity() * 2, start + total));
  buf_.resize(start + total);
  char* p = buf_.data() + start;
  p += enc::PutVarint(p, static_cast<int64_t>(body));
  *p++ = 0;  // attributes
  p += enc::PutVarint(p, ts_delta);
  p += enc::PutVarint(p, count_);
  p += enc::PutVarint(p, klen);
  if (key) {
    if (!key->empty()) std::memcpy(p, key->data(), key->size());
    p += key->size();
  }
  p += enc::PutVarint(p, vlen);
  if (value) {
    if (!value->empty()) std::memcpy(p, value->data(), value->size());
    p += value->size();
  }
  p += enc::PutVarint(p, static_cast<int64_t>(headers.size()));
  for (const RecordHeader& h : headers) {
    p += enc::PutVarint(p, static_cast<int64_t>(h.key.size()));
    if (!h.key.empty()) std::memcpy(p, h.key.data(), h.key.size());
    p += h.key.size();
    const int64_t hv = h.value ? static_cast<int64_t>(h.value->size()) : -1;
    p += enc::PutVarint(p, hv);
    if (h.value && !h.value->empty()) std::memcpy(p, h.value->data(), h.value->size());
    if (h.value) p += h.value->size();
  }
  ++count_;
}

std::string RecordBatchBuilder::Finish() {
  std::string out;
  if (compression_ != Compression::kNone && count_ > 0) {
    auto c = Compress(compression_, std::string_view(buf_.data() + kBatchHeaderSize,
                                                     buf_.size() - kBatchHeaderSize));
    if (c.ok()) {
      out.reserve(kBatchHeaderSize + c->size());
      out.assign(buf_.data(), kBatchHeaderSize);
      out.append(*c);
    }
  }
  const bool compressed = !out.empty();
  if (!compressed) {
    // Hand the buffer over and start a fresh one of the same capacity for the next batch.
    const size_t cap = buf_.capacity();
    out = std::move(buf_);
    buf_ = std::string();
    buf_.reserve(cap);
  }
  char* p = out.data();
  enc::StoreBe64(p, 0);
  enc::StoreBe32(p + 8, static_cast<uint32_t>(out.size() - kBatchLogOverhead));
  enc::StoreBe32(p + 12, 0);
  p[16] = kMagicV2;
  const int16_t attrs =
      static_cast<int16_t>((compressed ? static_cast<int16_t>(compression_) : 0) | extra_attrs_);
  enc::StoreBe16(p + 21, static_cast<uint16_t>(attrs));
  enc::StoreBe32(p + 23, static_cast<uint32_t>(count_ > 0 ? count_ - 1 : 0));
  enc::StoreBe64(p + 27, static_cast<uint64_t>(base_timestamp_));
  enc::StoreBe64(p + 35, static_cast<uint64_t>(max_timestamp_));
  enc::StoreBe64(p + 43, static_cast<uint64_t>(producer_id_));
  enc::StoreBe16(p + 51, static_cast<uint16_t>(producer_epoch_));
  enc::StoreBe32(p + 53, static_cast<uint32_t>(base_sequence_));
  enc::StoreBe32(p + 57, static_cast<uint32_t>(count_));
  enc::StoreBe32(p + 17, BatchCrc(out));
  buf_.resize(kBatchHeaderSize);
  count_ = 0;
  base_timestamp_ = max_timestamp_ = 0;
  return out;
}

}  // namespace eddy::logstore
