#include "log-store/storage/state_record_file.h"

#include "absl/strings/str_cat.h"
#include "log-store/storage/crc32c.h"

namespace eddy::logstore {

std::string FrameStateRecord(std::string_view payload) {
  char h[8];
  enc::StoreBe32(h, static_cast<uint32_t>(payload.size()));
  enc::StoreBe32(h + 4, Crc32c(0, payload.data(), payload.size()));
  std::string out(h, 8);
  out.append(payload);
  return out;
}

absl::StatusOr<size_t> ReadStateRecords(std::string_view data, std::string_view what,
                                        const std::string& path,
                                        absl::FunctionRef<bool(std::string_view payload)> apply) {
  size_t pos = 0;
  while (pos + 8 <= data.size()) {
    const uint32_t len = enc::LoadBe32(data.data() + pos);
    const uint32_t crc = enc::LoadBe32(data.data() + pos + 4);
    if (pos + 8 + len > data.size()) break;  // torn tail
    std::string_view payload = data.substr(pos + 8, len);
    if (Crc32c(0, payload.data(), payload.size()) != crc) {
      if (pos + 8 + len == data.size()) break;  // a torn last record
      return absl::DataLossError(absl::StrCat(std::string(what), " file ", path,
                                              ": bad CRC in the record at byte ", pos,
                                              " (not the last one)"));
    }
    if (!apply(payload)) {
      return absl::DataLossError(
          absl::StrCat(std::string(what), " file ", path, ": malformed record at byte ", pos));
    }
    pos += 8 + len;
  }
  return pos;
}

}  // namespace eddy::logstore
