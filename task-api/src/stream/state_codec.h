// Byte encodings of the stream API's operator state (window and join stores); the layouts are
// written down in task-api/STREAM_API.md ("State"). Private to src/stream/.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace eddy::stream::internal {

// Big-endian with the sign bit flipped: byte order = numeric order, for store keys.
inline void PutOrderedI64(std::string* out, int64_t v) {
  uint64_t u = static_cast<uint64_t>(v) ^ (uint64_t{1} << 63);
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((u >> (i * 8)) & 0xff));
}
inline int64_t GetOrderedI64(std::string_view in) {
  uint64_t u = 0;
  for (int i = 0; i < 8; ++i) u = (u << 8) | static_cast<uint8_t>(in[i]);
  return static_cast<int64_t>(u ^ (uint64_t{1} << 63));
}
inline void PutU32(std::string* out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>((v >> (i * 8)) & 0xff));
}
inline uint32_t GetU32(std::string_view in) {
  uint32_t u = 0;
  for (int i = 0; i < 4; ++i) u = (u << 8) | static_cast<uint8_t>(in[i]);
  return u;
}

// A forward reader over a value; ok() turns false on a short read.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  int64_t I64() {
    if (in_.size() < 8) return Fail();
    int64_t v = GetOrderedI64(in_);
    in_.remove_prefix(8);
    return v;
  }
  uint32_t U32() {
    if (in_.size() < 4) return static_cast<uint32_t>(Fail());
    uint32_t v = GetU32(in_);
    in_.remove_prefix(4);
    return v;
  }
  uint8_t U8() {
    if (in_.empty()) return static_cast<uint8_t>(Fail());
    uint8_t v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return v;
  }
  std::string_view Bytes(size_t n) {
    if (in_.size() < n) {
      Fail();
      return {};
    }
    std::string_view v = in_.substr(0, n);
    in_.remove_prefix(n);
    return v;
  }
  std::string_view Rest() {
    std::string_view v = in_;
    in_ = {};
    return v;
  }
  bool ok() const { return ok_; }
  bool done() const { return in_.empty(); }

 private:
  int64_t Fail() {
    ok_ = false;
    in_ = {};
    return 0;
  }
  std::string_view in_;
  bool ok_ = true;
};

}  // namespace eddy::stream::internal
