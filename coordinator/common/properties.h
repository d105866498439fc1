// Writing .properties values the way task-api's ParseProperties reads them back (a backslash and
// a newline escaped). Used by eddy-coordinator (the submit-time check's config) and eddy-node
// (a container's job.properties).
#pragma once

#include <string>

namespace eddy::cluster {

inline std::string EscapePropertyValue(const std::string& v) {
  std::string o;
  for (char c : v) {
    if (c == '\\') {
      o += "\\\\";
    } else if (c == '\n') {
      o += "\\n";
    } else {
      o += c;
    }
  }
  return o;
}

}  // namespace eddy::cluster
