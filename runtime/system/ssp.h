// Ssp: a system/stream/partition triple, the unit of input the runtime assigns to tasks.
// Used by the systems (consumer registration), the groupers, the job model and checkpoints.
// The runtime keeps its own type so that runtime/system does not depend on task-api.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace eddy::runtime {

struct Ssp {
  std::string system;
  std::string stream;
  int32_t partition = 0;
  bool operator==(const Ssp&) const = default;
  auto operator<=>(const Ssp&) const = default;
  // "eddy.lines[3]": used in error messages and metric names.
  std::string ToString() const {
    return system + "." + stream + "[" + std::to_string(partition) + "]";
  }
};

}  // namespace eddy::runtime
