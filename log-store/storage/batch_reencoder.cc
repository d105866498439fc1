// ReencodeBatch: decompress, check, compress with the topic's codec, new length and CRC.
#include "log-store/storage/batch_reencoder.h"

#include "absl/strings/str_cat.h"
#include "log-store/storage/compression.h"
#include "log-store/storage/encoding.h"

namespace eddy::logstore {

absl::StatusOr<std::string> ReencodeBatch(std::string_view batch, Compression target) {
  auto hs = ParseBatchHeader(batch);
  if (!hs.ok()) return hs.status();
  const BatchHeader& h = *hs;
  if (h.size_bytes() != batch.size()) {
    return absl::InvalidArgumentError(absl::StrCat("record batch at base offset ", h.base_offset,
                                                   ": batchLength says ", h.size_bytes(),
                                                   " bytes, have ", batch.size()));
  }
  std::string_view records = batch.substr(kBatchHeaderSize);
  std::string decompressed;
  if (h.compression() != Compression::kNone) {
    auto d = Decompress(h.compression(), records);
    if (!d.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("record batch at base offset ", h.base_offset, ": ", d.status().message()));
    }
    decompressed = std::move(*d);
    records = decompressed;
    // An uncompressed input was checked by ValidateBatch already; these records were not.
    if (absl::Status st = ValidateRecords(h, records); !st.ok()) return st;
  }
  std::string out;
  if (target == Compression::kNone) {
    out.reserve(kBatchHeaderSize + records.size());
    out.assign(batch.data(), kBatchHeaderSize);
    out.append(records);
  } else {
    auto c = Compress(target, records);
    if (!c.ok()) {
      return absl::InternalError(absl::StrCat("record batch at base offset ", h.base_offset,
                                              ": recompressing: ", c.status().message()));
    }
    out.reserve(kBatchHeaderSize + c->size());
    out.assign(batch.data(), kBatchHeaderSize);
    out.append(*c);
  }
  char* p = out.data();
  enc::StoreBe32(p + 8, static_cast<uint32_t>(out.size() - kBatchLogOverhead));
  const auto attributes = static_cast<uint16_t>((h.attributes & ~0x7) | static_cast<int>(target));
  enc::StoreBe16(p + 21, attributes);
  enc::StoreBe32(p + 17, BatchCrc(out));
  return out;
}

}  // namespace eddy::logstore
