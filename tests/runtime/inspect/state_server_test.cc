// The container's state service when the run loop does not answer in time (issue 8): a read
// the run loop has not begun is dropped at the timeout and never runs later (it would write
// into the freed gRPC response); a read the run loop has begun is waited for. Real
// StateServer, real gRPC on 127.0.0.1; the test is the run loop. Build it with
// -DEDDY_SANITIZE=address to have ASan check the freed-response case.
#include "runtime/inspect/state_server.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "runtime/proto/container_state.grpc.pb.h"
#include "runtime/state/inmemory_store.h"

namespace eddy::runtime {
namespace {

namespace pb = ::eddy::runtime::v1;

struct Fixture {
  state::InMemoryStore store{"counts"};
  std::atomic<int> reads{0};     // how often a read reached the task's store
  std::atomic<int> block_ms{0};  // how long a read blocks the run loop once it runs
  std::unique_ptr<StateServer> server;
  std::unique_ptr<pb::ContainerState::Stub> stub;

  explicit Fixture(std::chrono::milliseconds timeout) {
    EXPECT_TRUE(store.Put("apple", "3").ok());
    EXPECT_TRUE(store.Put("pear", "5").ok());
    auto s = StateServer::Start("", "");
    EXPECT_TRUE(s.ok()) << s.status();
    server = std::move(*s);
    server->set_loop_timeout(timeout);
    InspectTask t;
    t.name = "Partition 0";
    t.partitions = {0};
    t.store = [this](std::string_view name) -> absl::StatusOr<StoreHandle> {
      ++reads;
      if (int ms = block_ms.load(); ms > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(ms));
      }
      if (name != "counts") return absl::NotFoundError("no store " + std::string(name));
      StoreHandle h;
      h.store = &store;
      return h;
    };
    std::vector<InspectTask> tasks;
    tasks.push_back(std::move(t));
    server->OnStarted(std::move(tasks), {"counts"}, nullptr);
    stub = pb::ContainerState::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(server->port()), grpc::InsecureChannelCredentials()));
  }

  grpc::Status Scan(pb::StateScanResponse* out) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    pb::StateScanRequest r;
    r.set_store("counts");
    return stub->Scan(&ctx, r, out);
  }
};

// The run loop: turns until `stop`, like the container's (every turn calls OnLoop).
class RunLoop {
 public:
  explicit RunLoop(StateServer* s)
      : t_([this, s] {
          while (!stop_) {
            s->OnLoop();
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
          }
        }) {}
  ~RunLoop() {
    stop_ = true;
    t_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread t_;
};

TEST(StateServer, AReadTheBlockedRunLoopNeverBeganIsDroppedAtTheTimeout) {
  Fixture f(std::chrono::milliseconds(300));
  // The run loop is blocked (no OnLoop) for longer than the timeout: the call fails with the
  // service's own deadline, not the client's.
  pb::StateScanResponse first;
  grpc::Status s = f.Scan(&first);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << s.error_message();
  EXPECT_NE(s.error_message().find("did not answer within 300 ms"), std::string::npos)
      << s.error_message();
  EXPECT_EQ(first.entries_size(), 0);
  // The run loop resumes: the abandoned read must not run (its response is gone).
  for (int i = 0; i < 20; ++i) f.server->OnLoop();
  EXPECT_EQ(f.reads.load(), 0) << "a read the service gave up on ran on the resumed run loop";
  // And the service still answers.
  RunLoop loop(f.server.get());
  pb::StateScanResponse second;
  s = f.Scan(&second);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(second.entries_size(), 2);
  EXPECT_EQ(second.entries(0).key(), "apple");
  EXPECT_EQ(second.entries(0).value(), "3");
  EXPECT_EQ(second.entries(1).key(), "pear");
  EXPECT_EQ(f.reads.load(), 1);
}

TEST(StateServer, AReadTheRunLoopBeganIsWaitedForPastTheTimeout) {
  Fixture f(std::chrono::milliseconds(2000));
  f.block_ms = 3000;  // once running, the read holds the run loop longer than the timeout
  RunLoop loop(f.server.get());
  pb::StateScanResponse out;
  grpc::Status s = f.Scan(&out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.entries_size(), 2);
  EXPECT_EQ(f.reads.load(), 1);
}

TEST(StateServer, ManyCallsAbandonedWhileTheRunLoopIsPausedThenResumed) {
  Fixture f(std::chrono::milliseconds(200));
  std::vector<std::thread> clients;
  std::atomic<int> deadline{0};
  for (int i = 0; i < 8; ++i) {
    clients.emplace_back([&] {
      pb::StateScanResponse out;
      if (f.Scan(&out).error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) ++deadline;
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(deadline.load(), 8);
  f.server->OnLoop();
  f.server->OnStopping();  // the final turn before the container's last commit
  EXPECT_EQ(f.reads.load(), 0);
}

}  // namespace
}  // namespace eddy::runtime
