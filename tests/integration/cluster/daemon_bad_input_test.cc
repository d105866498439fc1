// Bad input at the daemons' edges: an eddy-node given start commands whose job or container
// names are not one path component (as a buggy or older coordinator could send) refuses them,
// creates and removes nothing outside its data dir, and keeps serving; eddy-coordinator and
// eddy-node refuse to start without a token unless --insecure is given (and then warn).
// The node is the real eddy-node; the coordinator side of the first test is a stand-in gRPC
// service in this process, because the real coordinator refuses such names at submit.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "coordinator/common/auth.h"
#include "coordinator/common/sha256.h"
#include "coordinator/proto/coordinator.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/integration/cluster/cluster_harness.h"

namespace eddy::test {
namespace {
namespace fs = std::filesystem;
namespace v1 = ::eddy::coordinator::v1;

std::string ReadAll(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Hands the node whatever commands the test queues and records what the node reports.
class StandInCoordinator final : public v1::Coordinator::Service {
 public:
  explicit StandInCoordinator(std::string package) : package_(std::move(package)) {}
  grpc::Status Register(grpc::ServerContext*, const v1::RegisterRequest*,
                        v1::RegisterResponse* out) override {
    out->set_heartbeat_ms(100);
    return grpc::Status::OK;
  }
  grpc::Status Heartbeat(grpc::ServerContext*, const v1::HeartbeatRequest* r,
                         v1::HeartbeatResponse* out) override {
    std::lock_guard<std::mutex> l(mu_);
    ++heartbeats_;
    for (const auto& c : r->containers()) reports_[c.job() + "|" + c.container_id()] = c;
    for (auto& c : queued_) *out->add_commands() = std::move(c);
    queued_.clear();
    return grpc::Status::OK;
  }
  grpc::Status GetPackage(grpc::ServerContext*, const v1::GetPackageRequest*,
                          grpc::ServerWriter<v1::GetPackageResponse>* w) override {
    v1::GetPackageResponse c;
    c.set_data(package_);
    c.set_size(static_cast<int64_t>(package_.size()));
    w->Write(c);
    return grpc::Status::OK;
  }
  void Queue(v1::NodeCommand c) {
    std::lock_guard<std::mutex> l(mu_);
    queued_.push_back(std::move(c));
  }
  int heartbeats() {
    std::lock_guard<std::mutex> l(mu_);
    return heartbeats_;
  }
  std::map<std::string, v1::ContainerReport> reports() {
    std::lock_guard<std::mutex> l(mu_);
    return reports_;
  }

 private:
  std::string package_;
  std::mutex mu_;
  int heartbeats_ = 0;
  std::vector<v1::NodeCommand> queued_;
  std::map<std::string, v1::ContainerReport> reports_;
};

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/eddy-daemon-bad-input-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Starts `cmd` in the background with its output in `log`; returns its pid and the address
// after "listening on " (empty when it did not get there).
std::pair<int, std::string> StartDaemon(const std::string& cmd, const std::string& log) {
  auto r = Sh("(" + cmd + " > " + log + " 2>&1 & echo $!)");
  int pid = std::atoi(r.out.c_str());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string text = ReadAll(log);
    auto at = text.find("listening on ");
    if (at != std::string::npos) {
      auto end = text.find_first_of(" \n", at + 13);
      if (end != std::string::npos) return {pid, text.substr(at + 13, end - at - 13)};
    }
    if (::kill(pid, 0) != 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return {pid, ""};
}

v1::NodeCommand Start(const std::string& job, const std::string& cid, const std::string& digest) {
  v1::NodeCommand cmd;
  auto* s = cmd.mutable_start();
  s->set_job(job);
  s->set_container_id(cid);
  s->set_generation(1);
  s->set_attempt(1);
  s->set_package_digest(digest);
  (*s->mutable_config())["job.name"] = job;
  (*s->mutable_config())["task.library"] = "libwordcount.so";
  s->set_job_model_json("{}");
  s->mutable_resources()->set_memory_mb(256);
  s->mutable_resources()->set_cpu_cores(1);
  return cmd;
}

TEST(NodeBadInput, JobAndContainerNamesThatAreNotOnePathComponentAreRefused) {
  TempDir t;
  // The node's data dir is three levels down: "../../../x" from its containers/ or stores/
  // dir would land in <t>/a/x.
  std::string data = t.path() + "/a/b/node";
  fs::create_directories(data);
  std::string package = ReadAll(WordcountPackage());
  ASSERT_FALSE(package.empty());
  std::string digest = cluster::Sha256Hex(package);
  StandInCoordinator coord(package);
  grpc::ServerBuilder b;
  int port = 0;
  b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  b.RegisterService(&coord);
  auto server = b.BuildAndStart();
  ASSERT_TRUE(server && port > 0);
  ASSERT_TRUE(cluster::CreateTokenFile(t.path() + "/token").ok());
  auto [pid, node_addr] = StartDaemon(
      BinDir() + "/eddy-node --coordinator 127.0.0.1:" + std::to_string(port) + " --data-dir " +
          data + " --node-id n0 --token-file " + t.path() + "/token --memory-mb 4096",
      t.path() + "/node.log");
  ASSERT_FALSE(node_addr.empty()) << ReadAll(t.path() + "/node.log");
  struct Killer {
    int pid;
    ~Killer() { ::kill(pid, SIGKILL); }
  } killer{pid};

  coord.Queue(Start("../../../x", "0", digest));
  coord.Queue(Start("team/wordcount", "0", digest));
  coord.Queue(Start("wordcount", "../../../y", digest));
  const std::vector<std::string> keys = {"../../../x|0", "team/wordcount|0",
                                         "wordcount|../../../y"};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::map<std::string, v1::ContainerReport> reports;
  auto all_reported = [&] {
    reports = coord.reports();
    for (const auto& k : keys) {
      if (!reports.count(k)) return false;
    }
    return true;
  };
  while (!all_reported() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(all_reported()) << ReadAll(t.path() + "/node.log");
  for (const auto& k : keys) {
    const auto& r = reports[k];
    EXPECT_EQ(r.state(), v1::ContainerReport::EXITED) << k;
    EXPECT_NE(r.error().find("is not a valid name"), std::string::npos) << k << ": " << r.error();
  }
  EXPECT_NE(reports["../../../x|0"].error().find("job name '../../../x'"), std::string::npos)
      << reports["../../../x|0"].error();
  EXPECT_NE(reports["wordcount|../../../y"].error().find("container id '../../../y'"),
            std::string::npos)
      << reports["wordcount|../../../y"].error();
  // Nothing made outside the data dir, nothing named after the bad jobs inside it.
  EXPECT_FALSE(fs::exists(t.path() + "/a/x"));
  EXPECT_FALSE(fs::exists(t.path() + "/a/b/y-a1"));
  EXPECT_FALSE(fs::exists(data + "/containers/team"));
  EXPECT_FALSE(fs::exists(data + "/stores/team"));
  EXPECT_FALSE(fs::exists(data + "/containers/wordcount"));

  // Still serving: heartbeats go on and the log service answers, refusing a bad name by name.
  int hb = coord.heartbeats();
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (coord.heartbeats() < hb + 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_GE(coord.heartbeats(), hb + 3);
  auto token = cluster::ReadTokenFile(t.path() + "/token");
  ASSERT_TRUE(token.ok());
  auto stub = v1::Node::NewStub(grpc::CreateChannel(node_addr, grpc::InsecureChannelCredentials()));
  for (const auto& [job, cid] : std::vector<std::pair<std::string, std::string>>{
           {"../../../x", "0"}, {"team/wordcount", "0"}, {"wordcount", "../0"}}) {
    grpc::ClientContext ctx;
    cluster::AddToken(&ctx, *token);
    v1::ReadLogRequest req;
    req.set_job(job);
    req.set_container_id(cid);
    v1::ReadLogResponse resp;
    auto s = stub->ReadLog(&ctx, req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << job << "/" << cid;
    EXPECT_NE(s.error_message().find("is not a valid name"), std::string::npos)
        << s.error_message();
  }
  EXPECT_EQ(::kill(pid, 0), 0) << "eddy-node died";
  server->Shutdown();
}

TEST(DaemonTokens, CoordinatorAndNodeRefuseToStartWithoutATokenUnlessInsecure) {
  TempDir t;
  auto r = Sh(BinDir() + "/eddy-coordinator --data-dir " + t.path() + "/c1");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--token-file"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--insecure"), std::string::npos) << r.err;
  r = Sh(BinDir() + "/eddy-node --coordinator 127.0.0.1:1 --data-dir " + t.path() + "/n1");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--insecure"), std::string::npos) << r.err;

  // --insecure: it starts, says so in its log, and a call without a token is served.
  auto [pid, addr] =
      StartDaemon(BinDir() + "/eddy-coordinator --data-dir " + t.path() + "/c2 --insecure",
                  t.path() + "/c2.log");
  struct Killer {
    int pid;
    ~Killer() { ::kill(pid, SIGKILL); }
  } killer{pid};
  ASSERT_FALSE(addr.empty()) << ReadAll(t.path() + "/c2.log");
  EXPECT_NE(ReadAll(t.path() + "/c2.log").find("WARNING: --insecure"), std::string::npos);
  auto list = Sh("EDDY_TOKEN_FILE= " + BinDir() + "/eddy job list --coordinator " + addr +
                 " --dir " + t.path() + "/no-grid");
  EXPECT_EQ(list.code, 0) << list.err;
}

}  // namespace
}  // namespace eddy::test
