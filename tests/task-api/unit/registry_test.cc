// TaskRegistry: register/create, qualified names, unknown class errors, and a real dlopen() of a
// job library whose static registrations land in the shared registry.
#include "eddy/registry.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include "eddy/serde.h"

namespace eddy {
namespace {

class CountingTask : public StreamTask, public WindowableTask {
 public:
  absl::Status Process(const IncomingMessageEnvelope&, MessageCollector&,
                       TaskCoordinator&) override {
    ++processed;
    return absl::OkStatus();
  }
  absl::Status Window(MessageCollector&, TaskCoordinator&) override { return absl::OkStatus(); }
  int processed = 0;
};
EDDY_REGISTER_TASK(CountingTask);

namespace inner {
class NamespacedTask : public StreamTask {
 public:
  absl::Status Process(const IncomingMessageEnvelope&, MessageCollector&,
                       TaskCoordinator&) override {
    return absl::InternalError("boom");
  }
};
}  // namespace inner
EDDY_REGISTER_TASK(inner::NamespacedTask);

class ThrowingTask : public StreamTask {
 public:
  ThrowingTask() { throw std::runtime_error("bad constructor"); }
  absl::Status Process(const IncomingMessageEnvelope&, MessageCollector&,
                       TaskCoordinator&) override {
    return absl::OkStatus();
  }
};
EDDY_REGISTER_TASK(ThrowingTask);

class NullCoordinator : public TaskCoordinator {
 public:
  void Commit(RequestScope) override {}
  void Shutdown(RequestScope) override {}
};
class VectorCollector : public MessageCollector {
 public:
  absl::Status Send(OutgoingMessageEnvelope e) override {
    sent.push_back(std::move(e));
    return absl::OkStatus();
  }
  std::vector<OutgoingMessageEnvelope> sent;
};

TEST(TaskRegistry, RegisterAndCreate) {
  auto task = TaskRegistry::Global().Create("CountingTask");
  ASSERT_TRUE(task.ok()) << task.status();
  IncomingMessageEnvelope env(SystemStreamPartition("eddy", "in", 0), 0, std::nullopt, "m");
  VectorCollector collector;
  NullCoordinator coordinator;
  ASSERT_TRUE((*task)->Process(env, collector, coordinator).ok());
  auto* counting = dynamic_cast<CountingTask*>(task->get());
  ASSERT_NE(counting, nullptr);
  EXPECT_EQ(counting->processed, 1);
  EXPECT_NE(dynamic_cast<WindowableTask*>(task->get()), nullptr);
  EXPECT_EQ(dynamic_cast<InitableTask*>(task->get()), nullptr);
  // Two instances are independent.
  auto other = TaskRegistry::Global().Create("CountingTask");
  EXPECT_NE(other->get(), task->get());
}

TEST(TaskRegistry, QualifiedNames) {
  EXPECT_TRUE(TaskRegistry::Global().Contains("inner::NamespacedTask"));
  EXPECT_TRUE(TaskRegistry::Global().Contains("NamespacedTask"));
  // A Java-style qualified name falls back to its last component.
  auto t = TaskRegistry::Global().Create("com.example.CountingTask");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_NE(dynamic_cast<CountingTask*>(t->get()), nullptr);
}

TEST(TaskRegistry, UnknownClassListsKnown) {
  auto t = TaskRegistry::Global().Create("WordCount");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(t.status().message().find("'WordCount'"), std::string::npos);
  EXPECT_NE(t.status().message().find("CountingTask"), std::string::npos);
  EXPECT_NE(t.status().message().find("inner::NamespacedTask"), std::string::npos);
}

TEST(TaskRegistry, ThrowingConstructorIsAnError) {
  auto t = TaskRegistry::Global().Create("ThrowingTask");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("bad constructor"), std::string::npos);
}

TEST(TaskRegistry, DlopenedJobLibraryRegistersIntoSharedRegistry) {
  EXPECT_FALSE(TaskRegistry::Global().Contains("com.example.DlopenTask"));
  void* handle = dlopen(TEST_JOB_LIBRARY, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr) << dlerror();
  EXPECT_TRUE(TaskRegistry::Global().Contains("com.example.DlopenTask"));
  EXPECT_TRUE(TaskRegistry::Global().Contains("DlopenTask"));
  auto task = TaskRegistry::Global().Create("com.example.DlopenTask");
  ASSERT_TRUE(task.ok()) << task.status();
  // The interfaces' typeinfo lives in libeddy_task_api.so, so dynamic_cast works across the
  // library boundary.
  EXPECT_NE(dynamic_cast<InitableTask*>(task->get()), nullptr);
  VectorCollector collector;
  NullCoordinator coordinator;
  IncomingMessageEnvelope env(SystemStreamPartition("eddy", "in", 1), 5, std::nullopt, "hi");
  ASSERT_TRUE((*task)->Process(env, collector, coordinator).ok());
  ASSERT_EQ(collector.sent.size(), 1u);
  EXPECT_EQ(*collector.sent[0].message(), "seen:hi");
  // The library's serde is registered too.
  auto serde = SerdeRegistry::Global().CreateByClass("com.example.UpperSerde");
  ASSERT_TRUE(serde.ok()) << serde.status();
  std::string out;
  ASSERT_TRUE((*serde)->SerializeErased(ErasedValue::Of<std::string>("abc"), &out).ok());
  EXPECT_EQ(out, "ABC");
  task->reset();
  // Never dlclose: registered factories point into the library.
}

}  // namespace
}  // namespace eddy
