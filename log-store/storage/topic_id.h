// Topic ids (Kafka's KIP-516): 16 random bytes (a version-4 UUID) given to a topic when it is
// created and kept in its metadata file (FORMAT.md section 5), so a topic deleted and created
// again under the same name gets a new id. Kafka clients learn them from Metadata v10+ and name
// topics by id in the share-group APIs. Used by LogManager and the Kafka listener.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace eddy::logstore {

inline constexpr size_t kTopicIdBytes = 16;

// A new random version-4 UUID (never Kafka's reserved all-zero or ...01 ids).
std::string NewTopicId();
// Kafka's text form: URL-safe base64 without padding (22 characters), as kafka-topics prints it.
std::string TopicIdToText(std::string_view id);
// The inverse; nullopt unless `text` is 22 characters of URL-safe base64 giving 16 bytes.
std::optional<std::string> TopicIdFromText(std::string_view text);

}  // namespace eddy::logstore
