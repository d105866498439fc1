// SystemStream / SystemStreamPartition / TaskName formatting and parsing.
#include "eddy/system_stream.h"

#include "absl/status/status.h"

namespace eddy {

std::string SystemStream::ToString() const { return system + "." + stream; }

absl::StatusOr<SystemStream> SystemStream::Parse(std::string_view text) {
  size_t dot = text.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == text.size()) {
    return absl::InvalidArgumentError("expected 'system.stream', got '" + std::string(text) + "'");
  }
  return SystemStream(std::string(text.substr(0, dot)), std::string(text.substr(dot + 1)));
}

std::string SystemStreamPartition::ToString() const {
  return system + "." + stream + "#" + std::to_string(partition);
}

std::ostream& operator<<(std::ostream& os, const SystemStream& s) { return os << s.ToString(); }
std::ostream& operator<<(std::ostream& os, const SystemStreamPartition& s) {
  return os << s.ToString();
}
std::ostream& operator<<(std::ostream& os, const TaskName& t) { return os << t.name; }

}  // namespace eddy
