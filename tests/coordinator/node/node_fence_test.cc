// NodeFence: a node that hears nothing from the coordinator SIGKILLs what it tracks (and only
// that); a refused connection is told apart from a link that is down or a port that answers.
#include "coordinator/node/node_fence.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "gtest/gtest.h"

namespace eddy::cluster {
namespace {
namespace fs = std::filesystem;
using std::chrono::milliseconds;

std::string TempDir(const std::string& name) {
  auto d = fs::temp_directory_path() / (name + "-" + std::to_string(getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

absl::Status StartSleep(ContainerProcess* p, const std::string& dir) {
  ProcessSpec s;
  s.binary = "/bin/sleep";
  s.args = {"600"};
  s.work_dir = dir;
  return p->Start(s);
}

bool WaitExit(ContainerProcess* p) {
  for (int i = 0; i < 3000 && !p->Poll(); ++i) std::this_thread::sleep_for(milliseconds(10));
  return p->exited();
}

TEST(NodeFence, KillsTrackedContainersWhenTheCoordinatorIsSilentAndSaysWhich) {
  std::string dir = TempDir("node-fence-test");
  ContainerProcess tracked, untracked;
  ASSERT_TRUE(StartSleep(&tracked, dir + "/a").ok());
  ASSERT_TRUE(StartSleep(&untracked, dir + "/b").ok());
  {
    NodeFence fence("node-t");
    fence.Configure(milliseconds(400), milliseconds(50));
    EXPECT_EQ(fence.window(), milliseconds(300));  // 400 - max(2 x 50, 400 / 4)
    fence.Track("job/0/1", &tracked);
    fence.Answered(NodeFence::Clock::now());  // then silence
    ASSERT_TRUE(WaitExit(&tracked));
    EXPECT_EQ(tracked.signal(), SIGKILL);  // no SIGTERM: a fenced container must not commit
    auto fenced = fence.TakeFenced();
    ASSERT_EQ(fenced.size(), 1u);
    EXPECT_EQ(fenced[0], "job/0/1");
    EXPECT_TRUE(fence.TakeFenced().empty());
  }
  EXPECT_FALSE(untracked.Poll()) << "a container the fence did not track was killed";
  untracked.Kill();
  ASSERT_TRUE(WaitExit(&untracked));
  fs::remove_all(dir);
}

TEST(NodeFence, AnOlderCoordinatorThatDoesNotSayItsTimeoutDisablesFencing) {
  NodeFence fence("node-t");
  fence.Configure(milliseconds(0), milliseconds(50));
  EXPECT_EQ(fence.window(), milliseconds(0));
}

TEST(NodeFence, ConnectionRefusedOnlyWhenNothingListens) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(listen(fd, 4), 0);
  socklen_t len = sizeof a;
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  std::string addr = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  EXPECT_FALSE(ConnectionRefused(addr, milliseconds(500))) << addr << " listens";
  close(fd);
  EXPECT_TRUE(ConnectionRefused(addr, milliseconds(500))) << addr << " is closed";
  EXPECT_FALSE(ConnectionRefused("no-port", milliseconds(100)));
}

}  // namespace
}  // namespace eddy::cluster
