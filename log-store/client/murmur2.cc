// Kafka's murmur2 partitioner (org.apache.kafka.common.utils.Utils.murmur2), seed 0x9747b28c.
#include <cstdint>
#include <string_view>

#include "log-store/client/producer.h"

namespace eddy::logstore {

int32_t Murmur2(std::string_view data) {
  const uint32_t length = static_cast<uint32_t>(data.size());
  const uint32_t seed = 0x9747b28c;
  const uint32_t m = 0x5bd1e995;
  const int r = 24;
  uint32_t h = seed ^ length;
  const uint32_t length4 = length / 4;
  const auto* d = reinterpret_cast<const unsigned char*>(data.data());
  for (uint32_t i = 0; i < length4; i++) {
    const uint32_t i4 = i * 4;
    uint32_t k = static_cast<uint32_t>(d[i4 + 0]) | (static_cast<uint32_t>(d[i4 + 1]) << 8) |
                 (static_cast<uint32_t>(d[i4 + 2]) << 16) |
                 (static_cast<uint32_t>(d[i4 + 3]) << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  switch (length % 4) {
    case 3:
      h ^= static_cast<uint32_t>(d[(length & ~3u) + 2]) << 16;
      [[fallthrough]];
    case 2:
      h ^= static_cast<uint32_t>(d[(length & ~3u) + 1]) << 8;
      [[fallthrough]];
    case 1:
      h ^= static_cast<uint32_t>(d[length & ~3u]);
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

int32_t PartitionForKey(std::string_view key, int32_t partitions) {
  if (partitions <= 0) return 0;
  return static_cast<int32_t>((static_cast<uint32_t>(Murmur2(key)) & 0x7fffffffu) %
                              static_cast<uint32_t>(partitions));
}

}  // namespace eddy::logstore
