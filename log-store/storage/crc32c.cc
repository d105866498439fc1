// CRC-32C: SSE4.2 crc32 instructions on x86_64 (three-way would be faster; one stream already
// gives several GB/s), a slicing table elsewhere.
#include "log-store/storage/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__) && defined(__SSE4_2__)
#include <nmmintrin.h>
#define EDDY_CRC32C_HW 1
#endif

namespace eddy::logstore {
namespace {

constexpr uint32_t kPoly = 0x82F63B78u;  // reflected Castagnoli

constexpr std::array<uint32_t, 256> MakeTable() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr std::array<uint32_t, 256> kTable = MakeTable();

[[maybe_unused]] uint32_t SoftwareExtend(uint32_t c, const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i) c = kTable[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return c;
}

}  // namespace

uint32_t Crc32c(uint32_t crc, const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint32_t c = ~crc;
#ifdef EDDY_CRC32C_HW
  // Three independent streams hide the 3-cycle latency of crc32q; combined by shifting
  // through the table-free method is complex, so keep a simple single stream with unrolling.
  uint64_t c64 = c;
  while (n >= 32) {
    uint64_t a, b, d, e;
    std::memcpy(&a, p, 8);
    std::memcpy(&b, p + 8, 8);
    std::memcpy(&d, p + 16, 8);
    std::memcpy(&e, p + 24, 8);
    c64 = _mm_crc32_u64(c64, a);
    c64 = _mm_crc32_u64(c64, b);
    c64 = _mm_crc32_u64(c64, d);
    c64 = _mm_crc32_u64(c64, e);
    p += 32;
    n -= 32;
  }
  while (n >= 8) {
    uint64_t a;
    std::memcpy(&a, p, 8);
    c64 = _mm_crc32_u64(c64, a);
    p += 8;
    n -= 8;
  }
  c = static_cast<uint32_t>(c64);
  while (n > 0) {
    c = _mm_crc32_u8(c, *p++);
    --n;
  }
#else
  c = SoftwareExtend(c, p, n);
#endif
  return ~c;
}

}  // namespace eddy::logstore
