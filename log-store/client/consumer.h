// Consumer: fetches whole record batches from eddy-logd for assigned partitions (no groups or
// rebalancing; the runtime assigns partitions itself). Records are read in place from the
// fetched buffers: no copy per record. Used by the `eddy topic consume` CLI, the runtime's
// `eddy` system consumer and eddy-bench. Not thread-safe: one thread polls.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "log-store/client/client_options.h"
#include "log-store/storage/record_batch.h"

namespace eddy::logstore {

struct ConsumerOptions {
  ClientOptions client;
  std::string group;                              // for CommitOffsets/FetchCommitted; may be empty
  int32_t max_partition_fetch_bytes = 4 << 20;    // max.partition.fetch.bytes
  int32_t fetch_max_bytes = 32 << 20;             // fetch.max.bytes
  int32_t fetch_min_bytes = 1;                    // fetch.min.bytes
  std::chrono::milliseconds fetch_max_wait{500};  // fetch.max.wait.ms
  bool prefetch = true;  // keep one fetch in flight while the caller works on the last one
  // isolation.level: read_committed (the default, as in librdkafka) returns only records below
  // the last stable offset and never a record of an aborted transaction; read_uncommitted
  // returns everything up to the high watermark. Control batches are never returned.
  bool read_committed = true;
};

// Fetched data of one partition: whole batches, owned. `error` not OK means nothing was served
// for this partition (e.g. DataLoss naming topic/partition/segment/position); the consumer's
// position does not move past it.
class FetchedPartition {
 public:
  TopicPartition tp;
  int64_t high_watermark = 0;
  int64_t log_start_offset = 0;
  int64_t fetch_offset = 0;  // records below it (in the first batch) are skipped by Records()
  absl::Status error;
  std::string data;         // concatenated RecordBatch v2, as stored on the broker
  int64_t next_offset = 0;  // offset after the last record in `data` (the new position)

  // Walks every record with offset >= fetch_offset, in place. Usage:
  //   auto it = fp.Records(); Record r; while (it.Next(&r)) {...}  if (!it.status().ok()) ...
  class RecordCursor {
   public:
    RecordCursor(std::string_view data, int64_t min_offset);
    bool Next(Record* out);
    const absl::Status& status() const { return status_; }

   private:
    BatchIterator batches_;
    std::unique_ptr<RecordIterator> records_;
    int64_t min_offset_;
    absl::Status status_;
  };
  RecordCursor Records() const { return RecordCursor(data, fetch_offset); }
  // The raw batches (header + records), for callers that walk them themselves.
  BatchIterator Batches() const { return BatchIterator(data); }
};

class Consumer {
 public:
  static absl::StatusOr<std::unique_ptr<Consumer>> Create(const ConsumerOptions& options);
  virtual ~Consumer() = default;

  // Replaces the assignment. New partitions start at their committed offset for the group if
  // any, else at the log start (like auto.offset.reset=earliest); Seek to change it.
  virtual absl::Status Assign(const std::vector<TopicPartition>& partitions) = 0;
  virtual std::vector<TopicPartition> Assignment() const = 0;

  virtual absl::Status Seek(const TopicPartition& tp, int64_t offset) = 0;
  virtual absl::Status SeekToBeginning(const std::vector<TopicPartition>& partitions) = 0;
  virtual absl::Status SeekToEnd(const std::vector<TopicPartition>& partitions) = 0;
  // Next offset to be returned for the partition.
  virtual absl::StatusOr<int64_t> Position(const TopicPartition& tp) const = 0;

  // One fetch over every assigned partition: waits up to `timeout` for data. Returns the
  // partitions that have data or an error (possibly none). Positions advance past what is
  // returned. An RPC failure (broker down) is the returned status.
  virtual absl::StatusOr<std::vector<FetchedPartition>> Poll(std::chrono::milliseconds timeout) = 0;

  // Group offsets (ConsumerOptions::group must be set).
  virtual absl::Status CommitOffsets(const std::map<TopicPartition, int64_t>& offsets) = 0;
  // Commits the current positions of every assigned partition.
  virtual absl::Status CommitPositions() = 0;
  virtual absl::StatusOr<std::map<TopicPartition, int64_t>> FetchCommitted(
      const std::vector<TopicPartition>& partitions) = 0;
};

}  // namespace eddy::logstore
