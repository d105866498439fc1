// NodeProbe: eddy-node's /metrics. A real child process (sleep) stands for a container: its RSS
// and CPU time are read from /proc at collect time; a gone process is left out; starts and
// exits are counted by reason.
#include "coordinator/node/node_probe.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "prometheus/text_serializer.h"

namespace eddy::cluster {
namespace {

std::string Text(const NodeProbe& p) { return prometheus::TextSerializer().Serialize(p.Collect()); }

TEST(NodeProbe, ReadsUsageOfLiveProcessesAndCountsExits) {
  pid_t child = ::fork();
  if (child == 0) {
    ::execl("/bin/sleep", "sleep", "60", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ASSERT_GT(child, 0);
  int64_t rss = 0;
  double cpu = -1;
  // exec has happened once /proc shows sleep's own RSS; either way the process is readable.
  ASSERT_TRUE(ReadProcessUsage(child, &rss, &cpu));
  EXPECT_GT(rss, 0);
  EXPECT_GE(cpu, 0);

  NodeProbe probe(2048, 2);
  ContainerSample live{"wc", "0", 1, "running", child, 512, 1};
  ContainerSample gone{"wc", "1", 1, "exited", 0, 512, 1};
  probe.SetContainers({live, gone});
  probe.Started();
  probe.Started();
  probe.Exited(ExitReason::kOom);
  std::string text = Text(probe);
  EXPECT_NE(text.find("eddy_node_containers{state=\"running\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("eddy_node_containers{state=\"exited\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("eddy_node_memory_offered_bytes 2147483648\n"), std::string::npos) << text;
  EXPECT_NE(text.find("eddy_node_memory_reserved_bytes 536870912\n"), std::string::npos) << text;
  EXPECT_NE(text.find("eddy_node_container_resident_memory_bytes{job=\"wc\",container=\"0\"}"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("container=\"1\""), std::string::npos) << text;
  EXPECT_NE(text.find("eddy_node_container_starts_total 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("eddy_node_container_exits_total{reason=\"oom\"} 1\n"), std::string::npos)
      << text;

  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  EXPECT_FALSE(ReadProcessUsage(child, &rss, &cpu));
  text = Text(probe);
  EXPECT_EQ(text.find("eddy_node_container_resident_memory_bytes{"), std::string::npos) << text;
}

}  // namespace
}  // namespace eddy::cluster
