// A test harness for stream applications (eddy/stream/): runs one application task in-process
// with map-backed stores, a collecting MessageCollector and a TimerService whose watermark the
// test sets. Messages the task sends to one of its own inputs (a PartitionBy's intermediate
// stream) are fed back to it, in send order, after the call that sent them, as the runtime
// would deliver them. Stores can be copied (a "changelog restore") into a fresh harness to test
// that a restarted task continues exactly.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "eddy/stream/app.h"

namespace eddy::stream::testing {

// A byte store over std::map (ordered like RocksDB: bytewise).
class MapStore final : public KeyValueStoreBytes {
 public:
  explicit MapStore(std::string name) : name_(std::move(name)) {}
  const std::string& name() const override { return name_; }
  absl::StatusOr<std::optional<std::string>> Get(std::string_view key) override;
  absl::Status Put(std::string_view key, std::string_view value) override;
  absl::Status Delete(std::string_view key) override;
  absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> Range(std::string_view from,
                                                               std::string_view to) override;
  absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> All() override;
  absl::StatusOr<std::unique_ptr<KeyValueIteratorBytes>> PrefixScan(
      std::string_view prefix) override;
  absl::Status Flush() override { return absl::OkStatus(); }

  std::map<std::string, std::string, std::less<>> data;

 private:
  std::string name_;
};

// Store contents by store name: what a changelog restore would give a new task.
using StoreContents = std::map<std::string, std::map<std::string, std::string, std::less<>>>;

struct SentMessage {
  SystemStream stream;
  std::optional<std::string> key;
  std::optional<std::string> message;
  int64_t timestamp = -1;
};

class StreamHarness {
 public:
  // `name` / `factory`: the application; `user` the job config without the generated keys.
  StreamHarness(std::string name, AppFactory factory, std::map<std::string, std::string> user,
                StoreContents restored = {});
  ~StreamHarness();

  // Describes the application, merges the generated config (the user's values win) and inits
  // the task. The generated config is in config() afterwards.
  absl::Status Start();
  // Delivers one message of `stream` ("system.stream") partition `partition`.
  absl::Status Send(const std::string& stream, std::optional<std::string> key,
                    std::optional<std::string> message, int64_t timestamp, int32_t partition = 0);
  // Sets the watermark (must not go back) and calls OnWatermark.
  absl::Status AdvanceWatermark(int64_t watermark);

  // Everything sent to `stream` so far (intermediate streams too).
  std::vector<SentMessage> Sent(const std::string& stream) const;
  // key → last message of `stream`.
  std::map<std::string, std::string> LastByKey(const std::string& stream) const;
  int64_t CounterValue(const std::string& group, const std::string& name) const;
  StoreContents Stores() const;
  const Config& config() const;
  const AppDescription& description() const { return description_; }

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  AppDescription description_;
};

}  // namespace eddy::stream::testing
