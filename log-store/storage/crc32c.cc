// CRC-32C: SSE4.2 crc32 instructions on x86_64 over three interleaved streams (the instruction
// has a 3-cycle latency and 1-cycle throughput), combined with precomputed "shift by N zero
// bytes" tables (the method of Mark Adler's crc32c.c); a byte table elsewhere.
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

uint32_t SoftwareExtend(uint32_t c, const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i) c = kTable[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return c;
}

#ifdef EDDY_CRC32C_HW
// GF(2) matrix helpers to build the operator that appends `len` zero bytes to a CRC state.
uint32_t MatrixTimes(const uint32_t* mat, uint32_t vec) {
  uint32_t sum = 0;
  while (vec) {
    if (vec & 1) sum ^= *mat;
    vec >>= 1;
    ++mat;
  }
  return sum;
}
void MatrixSquare(uint32_t* square, const uint32_t* mat) {
  for (int n = 0; n < 32; ++n) square[n] = MatrixTimes(mat, mat[n]);
}
void ZerosOp(uint32_t* even, size_t len) {
  uint32_t odd[32];
  odd[0] = kPoly;
  uint32_t row = 1;
  for (int n = 1; n < 32; ++n) {
    odd[n] = row;
    row <<= 1;
  }
  MatrixSquare(even, odd);  // 2 zero bits
  MatrixSquare(odd, even);  // 4 zero bits
  // Each squaring doubles the zero bits: 8 bits = 1 byte after the next, then len's bits.
  do {
    MatrixSquare(even, odd);
    len >>= 1;
    if (len == 0) return;
    MatrixSquare(odd, even);
    len >>= 1;
  } while (len);
  for (int n = 0; n < 32; ++n) even[n] = odd[n];
}

struct ShiftTable {
  uint32_t t[4][256];
  explicit ShiftTable(size_t len) {
    uint32_t op[32];
    ZerosOp(op, len);
    for (uint32_t n = 0; n < 256; ++n) {
      t[0][n] = MatrixTimes(op, n);
      t[1][n] = MatrixTimes(op, n << 8);
      t[2][n] = MatrixTimes(op, n << 16);
      t[3][n] = MatrixTimes(op, n << 24);
    }
  }
  uint32_t Shift(uint32_t crc) const {
    return t[0][crc & 0xff] ^ t[1][(crc >> 8) & 0xff] ^ t[2][(crc >> 16) & 0xff] ^ t[3][crc >> 24];
  }
};

constexpr size_t kLong = 8192;
constexpr size_t kShort = 256;

inline uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// Three streams of `block` bytes each, then combined: state after 3*block bytes.
inline uint64_t ThreeWay(uint64_t crc0, const uint8_t* p, size_t block, const ShiftTable& shift) {
  uint64_t crc1 = 0, crc2 = 0;
  const uint8_t* end = p + block;
  while (p < end) {
    crc0 = _mm_crc32_u64(crc0, Load64(p));
    crc1 = _mm_crc32_u64(crc1, Load64(p + block));
    crc2 = _mm_crc32_u64(crc2, Load64(p + 2 * block));
    p += 8;
  }
  uint32_t c = shift.Shift(static_cast<uint32_t>(crc0)) ^ static_cast<uint32_t>(crc1);
  c = shift.Shift(c) ^ static_cast<uint32_t>(crc2);
  return c;
}
#endif

}  // namespace

uint32_t Crc32cPortable(uint32_t crc, const void* data, size_t n) {
  return ~SoftwareExtend(~crc, static_cast<const uint8_t*>(data), n);
}

uint32_t Crc32c(uint32_t crc, const void* data, size_t n) {
#ifdef EDDY_CRC32C_HW
  static const ShiftTable kLongShift(kLong);
  static const ShiftTable kShortShift(kShort);
  const auto* p = static_cast<const uint8_t*>(data);
  uint64_t c = static_cast<uint32_t>(~crc);
  while (n > 0 && (reinterpret_cast<uintptr_t>(p) & 7) != 0) {
    c = _mm_crc32_u8(static_cast<uint32_t>(c), *p++);
    --n;
  }
  while (n >= 3 * kLong) {
    c = ThreeWay(c, p, kLong, kLongShift);
    p += 3 * kLong;
    n -= 3 * kLong;
  }
  while (n >= 3 * kShort) {
    c = ThreeWay(c, p, kShort, kShortShift);
    p += 3 * kShort;
    n -= 3 * kShort;
  }
  while (n >= 8) {
    c = _mm_crc32_u64(c, Load64(p));
    p += 8;
    n -= 8;
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  while (n > 0) {
    c32 = _mm_crc32_u8(c32, *p++);
    --n;
  }
  return ~c32;
#else
  return Crc32cPortable(crc, data, n);
#endif
}

}  // namespace eddy::logstore
