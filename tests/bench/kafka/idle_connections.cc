// idle_connections: opens N connections to eddy-logd's Kafka listener, sends one ApiVersions on
// each (so every connection thread has read a request), then prints the broker's VmRSS from
// /proc/<pid>/status before and after (docs/benchmarks/kafka.md, "Idle connections").
//   idle_connections --port PORT --pid PID [--connections 2000]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

long RssKiB(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0, pid = 0, n = 2000;
  if (argc == 2 && (std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "--help") == 0)) {
    std::printf(
        "usage: idle_connections --port PORT --pid PID [--connections N]\n"
        "Opens N (default 2000) connections to eddy-logd's Kafka listener on 127.0.0.1:PORT and\n"
        "prints the broker's (PID) VmRSS before and after.\n");
    return 0;
  }
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--port") port = std::stoi(argv[i + 1]);
    if (flag == "--pid") pid = std::stoi(argv[i + 1]);
    if (flag == "--connections") n = std::stoi(argv[i + 1]);
  }
  if (port <= 0 || pid <= 0) {
    std::fprintf(stderr, "usage: idle_connections --port PORT --pid PID [--connections N]\n");
    return 2;
  }
  rlimit nofile{};
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
    nofile.rlim_cur = nofile.rlim_max;
    setrlimit(RLIMIT_NOFILE, &nofile);
  }
  const long before = RssKiB(pid);
  // ApiVersions v0, correlation id 1, client id "idle".
  const unsigned char req[] = {0, 0, 0, 14, 0, 18, 0, 0, 0, 0, 0, 1, 0, 4, 'i', 'd', 'l', 'e'};
  std::vector<int> fds;
  for (int i = 0; i < n; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    char buf[4096];
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::send(fd, req, sizeof(req), 0) != sizeof(req) || ::recv(fd, buf, sizeof(buf), 0) <= 0) {
      std::fprintf(stderr, "connection %d failed: %s\n", i, std::strerror(errno));
      return 1;
    }
    fds.push_back(fd);
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const long after = RssKiB(pid);
  std::printf(
      "connections %d: broker VmRSS before %ld KiB, after %ld KiB (%.1f MiB), %.1f KiB per "
      "connection\n",
      n, before, after, after / 1024.0, static_cast<double>(after - before) / n);
  for (int fd : fds) ::close(fd);
  return 0;
}
