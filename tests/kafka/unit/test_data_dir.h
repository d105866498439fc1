// The data dir and LogManager of a Kafka-listener unit test (server, create-topics, admin, txn,
// metadata and share-API tests): one place for what each fixture's SetUp used to spell out.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "log-store/storage/log_manager.h"

namespace eddy::kafka {

// <tmp>/<prefix>-<pid>-<test name>, removed first so every test starts empty.
inline std::filesystem::path FreshTestDataDir(const std::string& prefix) {
  auto dir = std::filesystem::temp_directory_path() /
             (prefix + "-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  return dir;
}

// A LogManager on `dir` with the background cleaner off (tests drive compaction themselves);
// `tune` may change other options first.
inline absl::StatusOr<std::unique_ptr<logstore::LogManager>> OpenTestLogManager(
    const std::filesystem::path& dir,
    const std::function<void(logstore::LogManagerOptions&)>& tune = {}) {
  logstore::LogManagerOptions lo;
  lo.data_dir = dir.string();
  lo.start_cleaner = false;
  if (tune) tune(lo);
  return logstore::LogManager::Open(lo);
}

}  // namespace eddy::kafka
