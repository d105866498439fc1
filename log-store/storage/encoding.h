// Big-endian fixed-width fields and zigzag varints of the Kafka wire format. Private to the
// storage engine (record batch reader, builder, compaction).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace eddy::logstore::enc {

inline uint16_t LoadBe16(const char* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return __builtin_bswap16(v);
}
inline uint32_t LoadBe32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}
inline uint64_t LoadBe64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return __builtin_bswap64(v);
}
inline void StoreBe16(char* p, uint16_t v) {
  v = __builtin_bswap16(v);
  std::memcpy(p, &v, 2);
}
inline void StoreBe32(char* p, uint32_t v) {
  v = __builtin_bswap32(v);
  std::memcpy(p, &v, 4);
}
inline void StoreBe64(char* p, uint64_t v) {
  v = __builtin_bswap64(v);
  std::memcpy(p, &v, 8);
}

inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

inline size_t VarintSize(int64_t v) {
  uint64_t u = ZigZag(v);
  size_t n = 1;
  while (u >= 0x80) {
    u >>= 7;
    ++n;
  }
  return n;
}

// Writes the zigzag varint of v at p; returns bytes written.
inline size_t PutVarint(char* p, int64_t v) {
  uint64_t u = ZigZag(v);
  size_t n = 0;
  while (u >= 0x80) {
    p[n++] = static_cast<char>((u & 0x7F) | 0x80);
    u >>= 7;
  }
  p[n++] = static_cast<char>(u);
  return n;
}

// Reads a zigzag varint of at most max_bytes bytes (5 for int32, 10 for int64) from the front
// of *in, advancing it. False on truncation or overlong encoding.
inline bool GetVarint(std::string_view* in, int64_t* out, int max_bytes) {
  uint64_t result = 0;
  int shift = 0;
  for (int i = 0; i < max_bytes; ++i) {
    if (in->empty()) return false;
    const auto b = static_cast<uint8_t>((*in)[0]);
    in->remove_prefix(1);
    result |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) {
      *out = UnZigZag(result);
      if (max_bytes == 5 && (*out > INT32_MAX || *out < INT32_MIN)) return false;
      return true;
    }
    shift += 7;
  }
  return false;
}

}  // namespace eddy::logstore::enc
