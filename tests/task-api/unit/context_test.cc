// Context::GetStore<K, V>: serde/type checks with errors naming store and serde; one typed object
// per store.
#include "eddy/context.h"

#include <gtest/gtest.h>

#include "runtime/state/inmemory_store.h"

namespace eddy {
namespace {

class FakeContext : public Context {
 public:
  FakeContext() : config_(Config::Map{{"job.name", "wc"}}), task_("Partition 0") {
    ssps_.emplace_back("eddy", "lines", 0);
  }
  const Config& config() const override { return config_; }
  const TaskName& task_name() const override { return task_; }
  const std::vector<SystemStreamPartition>& system_stream_partitions() const override {
    return ssps_;
  }
  MetricsRegistry& metrics() override { return metrics_; }
  absl::StatusOr<StoreHandle> GetStoreHandle(std::string_view name) override {
    if (name == "counts") return StoreHandle{&counts_, &strings_, &longs_, "string", "long"};
    if (name == "raw") return StoreHandle{&raw_, nullptr, nullptr, "", ""};
    return absl::NotFoundError("no store " + std::string(name) + "; defined: counts, raw");
  }

  Config config_;
  TaskName task_;
  std::vector<SystemStreamPartition> ssps_;
  MetricsRegistry metrics_;
  StringSerde strings_;
  Int64Serde longs_;
  state::InMemoryStore counts_{"counts"};
  state::InMemoryStore raw_{"raw"};
};

TEST(Context, GetStoreWithMatchingTypes) {
  FakeContext ctx;
  auto store = ctx.GetStore<std::string, int64_t>("counts");
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->Put("w", 5).ok());
  EXPECT_EQ(*(*store)->Get("w").value(), 5);
  auto again = ctx.GetStore<std::string, int64_t>("counts");
  EXPECT_EQ(*again, *store) << "one typed object per store";
  EXPECT_EQ(ctx.task_name().str(), "Partition 0");
  EXPECT_EQ(ctx.system_stream_partitions().size(), 1u);
}

TEST(Context, WrongValueTypeNamesStoreSerdeAndTypes) {
  FakeContext ctx;
  auto store = ctx.GetStore<std::string, int32_t>("counts");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string msg(store.status().message());
  EXPECT_NE(msg.find("store counts"), std::string::npos) << msg;
  EXPECT_NE(msg.find("stores.counts.msg.serde is 'long'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("int64_t"), std::string::npos) << msg;
  EXPECT_NE(msg.find("int32_t"), std::string::npos) << msg;
}

TEST(Context, StoreWithoutSerdesIsBytesOnly) {
  FakeContext ctx;
  auto raw = ctx.GetStore<std::string, std::string>("raw");
  ASSERT_TRUE(raw.ok()) << raw.status();
  ASSERT_TRUE((*raw)->Put("k", "v").ok());
  auto typed = ctx.GetStore<std::string, int64_t>("raw");
  ASSERT_FALSE(typed.ok());
  EXPECT_NE(typed.status().message().find("stores.raw.msg.serde is not set"), std::string::npos)
      << typed.status();
}

TEST(Context, UnknownStore) {
  FakeContext ctx;
  auto s = ctx.GetStore<std::string, std::string>("nope");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("nope"), std::string::npos);
}

}  // namespace
}  // namespace eddy
