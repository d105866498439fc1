// The framing and field encoding of the broker's small state files: the transaction
// coordinator's `__transaction_state/txn-state.log` and the share groups'
// `__share_group_state/share-state.log` (FORMAT.md §10 and §11). Each file is a sequence of
// records `[u32 payload length][u32 CRC-32C of the payload][payload]`, big-endian; a payload is
// fixed-width big-endian fields and length-prefixed strings. The owners keep their own file
// handle, locking and snapshot policy; this is only the byte format and its reader.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "log-store/storage/encoding.h"

namespace eddy::logstore {

// Appends big-endian fields to `out`. Strings carry a length prefix of kLenBytes (2 or 4).
template <int kLenBytes>
struct FieldWriter {
  static_assert(kLenBytes == 2 || kLenBytes == 4);
  std::string out;
  void U8(uint8_t v) { out.push_back(static_cast<char>(v)); }
  void U16(uint16_t v) {
    char b[2];
    enc::StoreBe16(b, v);
    out.append(b, 2);
  }
  void U32(uint32_t v) {
    char b[4];
    enc::StoreBe32(b, v);
    out.append(b, 4);
  }
  void U64(uint64_t v) {
    char b[8];
    enc::StoreBe64(b, v);
    out.append(b, 8);
  }
  void Str(std::string_view s) {
    if constexpr (kLenBytes == 2) {
      U16(static_cast<uint16_t>(s.size()));
    } else {
      U32(static_cast<uint32_t>(s.size()));
    }
    out.append(s);
  }
};

// Reads what FieldWriter wrote. A read past the end returns zero/empty and clears `ok`, so a
// decoder reads every field and checks `ok` (and that `in` is empty) once at the end.
template <int kLenBytes>
struct FieldReader {
  static_assert(kLenBytes == 2 || kLenBytes == 4);
  std::string_view in;
  bool ok = true;
  bool Need(size_t n) {
    if (in.size() < n) ok = false;
    return ok;
  }
  uint8_t U8() {
    if (!Need(1)) return 0;
    uint8_t v = static_cast<uint8_t>(in[0]);
    in.remove_prefix(1);
    return v;
  }
  uint16_t U16() {
    if (!Need(2)) return 0;
    uint16_t v = enc::LoadBe16(in.data());
    in.remove_prefix(2);
    return v;
  }
  uint32_t U32() {
    if (!Need(4)) return 0;
    uint32_t v = enc::LoadBe32(in.data());
    in.remove_prefix(4);
    return v;
  }
  uint64_t U64() {
    if (!Need(8)) return 0;
    uint64_t v = enc::LoadBe64(in.data());
    in.remove_prefix(8);
    return v;
  }
  std::string Str() {
    const uint32_t n = kLenBytes == 2 ? U16() : U32();
    if (!Need(n)) return {};
    std::string s(in.substr(0, n));
    in.remove_prefix(n);
    return s;
  }
};

// `payload` framed as one record: length, CRC-32C, payload.
std::string FrameStateRecord(std::string_view payload);

// Calls `apply` on the payload of every whole record of `data` (the contents of the state file
// `path`), in order. Returns how many bytes of `data` those records span: a short or CRC-bad LAST
// record is a torn tail (not counted; the owner truncates the file there). A CRC-bad record
// before the last one, or a payload `apply` refuses, is DataLoss naming `what`, `path` and the
// byte position.
absl::StatusOr<size_t> ReadStateRecords(std::string_view data, std::string_view what,
                                        const std::string& path,
                                        absl::FunctionRef<bool(std::string_view payload)> apply);

}  // namespace eddy::logstore
