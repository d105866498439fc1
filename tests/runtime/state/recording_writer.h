// A ChangelogWriter test double that records every append (and can be told to fail).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/state/changelog_writer.h"

namespace eddy::state::testing {

class RecordingWriter : public ChangelogWriter {
 public:
  absl::Status Append(std::string_view key, std::optional<std::string_view> value) override {
    if (fail) return absl::UnavailableError("changelog down");
    records.emplace_back(std::string(key),
                         value ? std::optional<std::string>(std::string(*value)) : std::nullopt);
    return absl::OkStatus();
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> records;
  bool fail = false;
};

}  // namespace eddy::state::testing
