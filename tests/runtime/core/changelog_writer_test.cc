#include <gtest/gtest.h>

#include <vector>

#include "runtime/container/producer_changelog_writer.h"

namespace eddy::runtime {
namespace {

struct Sent {
  std::string stream;
  int32_t partition;
  std::optional<std::string> key, value;
};

class RecordingProducer : public SystemProducer {
 public:
  absl::Status Send(std::string_view stream, int32_t partition, std::optional<std::string_view> key,
                    std::optional<std::string_view> value, int64_t,
                    std::span<const logstore::RecordHeader>) override {
    if (fail) return absl::UnavailableError("broker down");
    Sent s{std::string(stream), partition, std::nullopt, std::nullopt};
    if (key) s.key = std::string(*key);
    if (value) s.value = std::string(*value);
    sent.push_back(s);
    return absl::OkStatus();
  }
  absl::Status Flush() override { return absl::OkStatus(); }
  absl::StatusOr<int32_t> PartitionCount(std::string_view) override { return 8; }
  void Stop() override {}
  std::vector<Sent> sent;
  bool fail = false;
};

TEST(ProducerChangelogWriter, WritesToTheTasksPartitionWithTombstones) {
  RecordingProducer p;
  ProducerChangelogWriter w(&p, "counts-changelog", 5);
  std::string key = "apple";
  ASSERT_TRUE(w.Append(key, std::string_view("\x00\x01", 2)).ok());
  key = "clobbered";  // the writer must not keep views into the caller's buffers
  ASSERT_TRUE(w.Append("pear", std::nullopt).ok());
  ASSERT_EQ(p.sent.size(), 2u);
  EXPECT_EQ(p.sent[0].stream, "counts-changelog");
  EXPECT_EQ(p.sent[0].partition, 5);
  EXPECT_EQ(p.sent[0].key, "apple");
  EXPECT_EQ(p.sent[0].value, std::string("\x00\x01", 2));
  EXPECT_EQ(p.sent[1].partition, 5);
  EXPECT_EQ(p.sent[1].key, "pear");
  EXPECT_FALSE(p.sent[1].value.has_value()) << "a delete is a tombstone";
}

TEST(ProducerChangelogWriter, SendErrorsFailTheWrite) {
  RecordingProducer p;
  p.fail = true;
  ProducerChangelogWriter w(&p, "cl", 0);
  EXPECT_FALSE(w.Append("k", "v").ok());
}

}  // namespace
}  // namespace eddy::runtime
