#include "log-store/kafka/producer_state.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "log-store/storage/log_manager.h"
#include "log-store/storage/record_batch_builder.h"

namespace eddy::kafka {
namespace {

std::string TempFile(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("eddy-kafka-ps-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return (dir / "kafka_producer_ids").string();
}

TEST(ProducerState, IdsAreNeverReusedAfterRestart) {
  std::string file = TempFile("ids");
  int64_t last = -1;
  {
    auto m = ProducerStateManager::Open(file);
    ASSERT_TRUE(m.ok());
    for (int i = 0; i < 3; ++i) {
      auto id = (*m)->NextProducerId();
      ASSERT_TRUE(id.ok());
      EXPECT_GT(*id, last);
      last = *id;
    }
  }
  auto m2 = ProducerStateManager::Open(file);
  ASSERT_TRUE(m2.ok());
  auto id = (*m2)->NextProducerId();
  ASSERT_TRUE(id.ok());
  EXPECT_GT(*id, last);
}

TEST(ProducerState, CorruptStateFileIsAnError) {
  std::string file = TempFile("corrupt");
  { std::ofstream(file) << "garbage"; }
  auto m = ProducerStateManager::Open(file);
  EXPECT_FALSE(m.ok());
  EXPECT_NE(std::string(m.status().message()).find(file), std::string::npos);
}

// Sequence windows, duplicates and epochs are the storage layer's now:
// tests/log-store/storage/txn_test.cc (ProducerState*).

}  // namespace
}  // namespace eddy::kafka
