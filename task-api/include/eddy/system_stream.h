// SystemStream, SystemStreamPartition and TaskName: the names of inputs, outputs and tasks.
// Used by job authors (envelopes, output streams) and by the runtime (groupers, checkpoints).
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"

namespace eddy {

// A stream on a system, e.g. {"eddy", "page-views"}; written "eddy.page-views" in config.
struct SystemStream {
  std::string system;
  std::string stream;

  SystemStream() = default;
  SystemStream(std::string system_name, std::string stream_name)
      : system(std::move(system_name)), stream(std::move(stream_name)) {}

  // "system.stream".
  std::string ToString() const;
  // Parses "system.stream"; the system is the part before the first dot, the stream may contain
  // dots. Errors name the text.
  static absl::StatusOr<SystemStream> Parse(std::string_view text);

  friend auto operator<=>(const SystemStream&, const SystemStream&) = default;
  friend bool operator==(const SystemStream&, const SystemStream&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const SystemStream& s) {
    return H::combine(std::move(h), s.system, s.stream);
  }
};

// One partition of a stream: the unit of input assignment and of checkpointed offsets.
struct SystemStreamPartition {
  std::string system;
  std::string stream;
  int32_t partition = 0;

  SystemStreamPartition() = default;
  SystemStreamPartition(std::string system_name, std::string stream_name, int32_t partition_id)
      : system(std::move(system_name)), stream(std::move(stream_name)), partition(partition_id) {}
  SystemStreamPartition(const SystemStream& ss, int32_t partition_id)
      : system(ss.system), stream(ss.stream), partition(partition_id) {}

  SystemStream system_stream() const { return SystemStream(system, stream); }
  // "system.stream#partition", e.g. "eddy.page-views#3".
  std::string ToString() const;

  friend auto operator<=>(const SystemStreamPartition&, const SystemStreamPartition&) = default;
  friend bool operator==(const SystemStreamPartition&, const SystemStreamPartition&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const SystemStreamPartition& s) {
    return H::combine(std::move(h), s.system, s.stream, s.partition);
  }
};

// The name of a task instance, e.g. "Partition 3" (GroupByPartition) or
// "SystemStreamPartition [eddy, page-views, 3]" (GroupBySystemStreamPartition). Key of checkpoints.
struct TaskName {
  std::string name;

  TaskName() = default;
  explicit TaskName(std::string task_name) : name(std::move(task_name)) {}

  const std::string& str() const { return name; }

  friend auto operator<=>(const TaskName&, const TaskName&) = default;
  friend bool operator==(const TaskName&, const TaskName&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const TaskName& t) {
    return H::combine(std::move(h), t.name);
  }
};

std::ostream& operator<<(std::ostream& os, const SystemStream& s);
std::ostream& operator<<(std::ostream& os, const SystemStreamPartition& s);
std::ostream& operator<<(std::ostream& os, const TaskName& t);

}  // namespace eddy

// std::hash so the names work as keys of std::unordered_map.
template <>
struct std::hash<eddy::SystemStream> {
  size_t operator()(const eddy::SystemStream& s) const noexcept {
    return std::hash<std::string>()(s.system) * 31 + std::hash<std::string>()(s.stream);
  }
};
template <>
struct std::hash<eddy::SystemStreamPartition> {
  size_t operator()(const eddy::SystemStreamPartition& s) const noexcept {
    return (std::hash<std::string>()(s.system) * 31 + std::hash<std::string>()(s.stream)) * 31 +
           std::hash<int32_t>()(s.partition);
  }
};
template <>
struct std::hash<eddy::TaskName> {
  size_t operator()(const eddy::TaskName& t) const noexcept {
    return std::hash<std::string>()(t.name);
  }
};
