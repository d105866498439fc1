// ProducerChangelogWriter: the runtime's implementation of runtime/state's ChangelogWriter: every
// write a logged store flushes goes to the changelog stream through the changelog system's
// (shared, batching) producer, into the partition of the task (task N → partition N). Used by
// TaskStores; durable once the container flushes the producer at commit.
#pragma once

#include <string>

#include "runtime/state/changelog_writer.h"
#include "runtime/system/system_producer.h"

namespace eddy::runtime {

class ProducerChangelogWriter : public state::ChangelogWriter {
 public:
  ProducerChangelogWriter(SystemProducer* producer, std::string stream, int32_t partition)
      : producer_(producer), stream_(std::move(stream)), partition_(partition) {}

  absl::Status Append(std::string_view key, std::optional<std::string_view> value) override {
    return producer_->Send(stream_, partition_, key, value, -1, {});
  }

 private:
  SystemProducer* producer_;
  std::string stream_;
  int32_t partition_;
};

}  // namespace eddy::runtime
