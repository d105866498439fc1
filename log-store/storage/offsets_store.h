// OffsetsStore: consumer group offsets, durable. An append-only file of CRC-framed records
// (`<data>/consumer-offsets.log`, layout in FORMAT.md), fsynced on every commit and read back
// at open; rewritten with only the live entries when it grows past 4x of them. Owned by
// LogManager (CommitOffset / FetchOffset).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace eddy::logstore {

class OffsetsStore {
 public:
  struct Entry {
    int64_t offset = 0;
    std::string metadata;
  };

  // Loads `path` (creating it); a torn or corrupt tail is cut off and noted in *report.
  static absl::StatusOr<std::unique_ptr<OffsetsStore>> Open(const std::string& path,
                                                            std::string* report);
  ~OffsetsStore();

  absl::Status Commit(const std::string& group, const std::string& topic, int32_t partition,
                      int64_t offset, const std::string& metadata);
  std::optional<Entry> Fetch(const std::string& group, const std::string& topic,
                             int32_t partition) const;
  std::vector<std::string> Groups() const;
  // Every committed (topic, partition) of `group`, sorted.
  std::vector<std::pair<std::pair<std::string, int32_t>, Entry>> OffsetsOf(
      const std::string& group) const;
  // Writes a tombstone for each committed (topic, partition) of `group` that is listed (all of
  // them with nullopt), with one write and one fsync.
  absl::Status Delete(
      const std::string& group,
      const std::optional<std::vector<std::pair<std::string, int32_t>>>& partitions);
  // Tombstones for every group's committed offsets of `topic` (after the topic is deleted).
  absl::Status DeleteTopic(const std::string& topic);

 private:
  using Key = std::tuple<std::string, std::string, int32_t>;
  OffsetsStore(std::string path) : path_(std::move(path)) {}
  static std::string Encode(const Key& k, const Entry& e);
  static std::string EncodeTombstone(const Key& k);
  static std::string Frame(const std::string& payload);
  // Appends `records` and fsyncs; on failure the file is cut back to where it was.
  absl::Status AppendLocked(const std::string& records);
  absl::Status RewriteLocked();
  absl::Status DeleteKeysLocked(const std::vector<Key>& keys);

  const std::string path_;
  mutable std::mutex mu_;
  int fd_ = -1;
  uint64_t size_ = 0;
  uint64_t live_bytes_ = 0;
  std::map<Key, Entry> entries_;
};

}  // namespace eddy::logstore
