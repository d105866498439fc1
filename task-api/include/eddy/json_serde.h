// JsonSerde: the built-in "json" serde (nlohmann::json as UTF-8 JSON text). Separate from serde.h
// so that only code that uses JSON values pays for including nlohmann/json.hpp.
#pragma once

#include <nlohmann/json.hpp>

#include "eddy/serde.h"

namespace eddy {

class JsonSerde final : public Serde<nlohmann::json> {
 public:
  absl::Status Serialize(const nlohmann::json& value, std::string* out) const override;
  // Malformed JSON is InvalidArgument with the parser's message (position included).
  absl::StatusOr<nlohmann::json> Deserialize(std::string_view bytes) const override;
};

}  // namespace eddy
