// ContainerProbe: the dashboard's calls to the processes the coordinator only knows by address:
// a running container's state service (runtime/inspect: ContainerState.Stats, whose
// metrics_json carries the task and store figures) and a node's log service (Node.ReadLog).
// Every call carries the cluster token and a deadline, so a container that hangs costs the
// dashboard at most that long. Thread-safe (no state besides the token). Used by JobSampler and
// the log route of dashboard.cc.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace eddy::dashboard {

// One task of a container, from its metrics ("task.<name>" group).
struct TaskFigures {
  std::string task;
  std::vector<std::string> partitions;  // input SSPs with a lag gauge ("eddy.lines.0")
  int64_t processed = 0;                // messages-processed since the container started
  double lag = 0;                       // sum of the task's lag.* gauges (messages)
  bool has_lag = false;
};

// One store of one task: sizes from the state service, restore figures from the metrics
// ("store.<task>.<store>" group; -1 where the container did not report it).
struct StoreFigures {
  std::string task, store;
  int64_t keys = 0, bytes = 0;
  double restore_records = -1, restore_ms = -1, cache_hit_rate = -1;
  double restored_from_checkpoint = -1;  // 1 = a local checkpoint, 0 = the changelog
  double restore_start_offset = -1, restore_end_offset = -1;
};

struct ContainerFigures {
  std::vector<TaskFigures> tasks;
  std::vector<StoreFigures> stores;
};

// Parses a container's metrics snapshot (MetricsRegistry::SnapshotJson) and the store sizes it
// answered with into figures. Malformed JSON gives empty metrics, not an error: the sizes stay.
ContainerFigures ParseContainerFigures(const std::string& metrics_json,
                                       std::vector<StoreFigures> sizes);

struct LogChunk {
  std::string data;
  int64_t next_offset = 0;
  std::string path;
};

class ContainerProbe {
 public:
  ContainerProbe(std::string token, std::chrono::milliseconds deadline)
      : token_(std::move(token)), deadline_(deadline) {}

  // Stats of the container whose state service is at `inspect_address`. Errors name the
  // container and the address.
  absl::StatusOr<ContainerFigures> Stats(const std::string& container,
                                         const std::string& inspect_address) const;

  // Bytes of a container's `file` (stdout | stderr) from `offset` (-1 = the last 64 KiB), read
  // from the node at `node_address`; at most `max_bytes` of them. Errors name the container.
  absl::StatusOr<LogChunk> ReadLog(const std::string& node_address, const std::string& job,
                                   const std::string& container, const std::string& file,
                                   int64_t offset, size_t max_bytes) const;

 private:
  std::string token_;
  std::chrono::milliseconds deadline_;
};

}  // namespace eddy::dashboard
