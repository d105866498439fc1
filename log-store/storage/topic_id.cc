// Topic ids: random version-4 UUIDs and their Kafka text form.
#include "log-store/storage/topic_id.h"

#include <cstdint>
#include <random>

#include "absl/strings/escaping.h"
#include "log-store/storage/encoding.h"

namespace eddy::logstore {

std::string NewTopicId() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string id(kTopicIdBytes, '\0');
  const uint64_t hi = rng(), lo = rng();
  enc::StoreBe64(id.data(), (hi & ~0xF000ULL) | 0x4000ULL);            // version 4
  enc::StoreBe64(id.data() + 8, (lo & ~(3ULL << 62)) | (2ULL << 62));  // variant 1
  return id;
}

std::string TopicIdToText(std::string_view id) {
  return absl::WebSafeBase64Escape(absl::string_view(id.data(), id.size()));
}

std::optional<std::string> TopicIdFromText(std::string_view text) {
  if (text.size() != 22) return std::nullopt;
  std::string out;
  if (!absl::WebSafeBase64Unescape(absl::string_view(text.data(), text.size()), &out) ||
      out.size() != kTopicIdBytes) {
    return std::nullopt;
  }
  return out;
}

}  // namespace eddy::logstore
