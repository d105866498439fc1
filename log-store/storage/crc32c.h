// CRC-32C (Castagnoli), the checksum of RecordBatch v2. Hardware (SSE4.2) on x86_64,
// a table fallback elsewhere.
#pragma once

#include <cstddef>
#include <cstdint>

namespace eddy::logstore {

// Extends `crc` (0 to start) over data[0, n).
uint32_t Crc32c(uint32_t crc, const void* data, size_t n);
// The table implementation, always available (tests compare the two).
uint32_t Crc32cPortable(uint32_t crc, const void* data, size_t n);

}  // namespace eddy::logstore
