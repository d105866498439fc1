// eddy-share-bench: records/s accepted by share-group members over eddy-logd's native API (not run
// by ctest). Starts a real eddy-logd, produces N 100-byte records to a 1-partition topic, then C
// members (one gRPC channel and thread each) ShareFetch up to 500 records at a time and accept
// them on their next ShareFetch, until every record is accepted.
//   eddy-share-bench [records=200000] [consumers=1] [fsync=0]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "log-store/proto/log_store.grpc.pb.h"
#include "log-store/storage/record_batch_builder.h"
#include "tests/integration/logstore/process.h"

namespace v1 = eddy::logstore::v1;

int main(int argc, char** argv) {
  if (argc > 1 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
    std::printf(
        "usage: eddy-share-bench [RECORDS [CONSUMERS [FSYNC]]]\n"
        "Records/s accepted by CONSUMERS share-group members on one partition of a real\n"
        "eddy-logd (native API); FSYNC 1 runs the broker with --fsync. Defaults: 200000 1 0.\n");
    return 0;
  }
  for (int i = 1; i < argc && i <= 3; ++i) {
    if (std::atoll(argv[i]) <= 0 && !(i == 3 && std::string(argv[i]) == "0")) {
      std::fprintf(stderr,
                   "eddy-share-bench: argument %d must be a positive number, not '%s' "
                   "(see --help)\n",
                   i, argv[i]);
      return 2;
    }
  }
  const int64_t records = argc > 1 ? std::atoll(argv[1]) : 200000;
  const int consumers = argc > 2 ? std::atoi(argv[2]) : 1;
  const bool fsync = argc > 3 && std::atoi(argv[3]) != 0;
  eddy::testing::TempDir dir;
  std::vector<std::string> args;
  if (fsync) args.push_back("--fsync");
  eddy::testing::Broker broker(EDDY_LOGD, dir.path() + "/data", args);
  if (!broker.Start()) {
    std::fprintf(stderr, "cannot start eddy-logd: %s\n", broker.log().c_str());
    return 1;
  }
  auto stub = v1::LogStore::NewStub(
      grpc::CreateChannel(broker.bootstrap(), grpc::InsecureChannelCredentials()));
  {
    grpc::ClientContext c;
    v1::CreateTopicRequest req;
    req.set_name("q");
    req.set_partitions(1);
    v1::CreateTopicResponse resp;
    if (!stub->CreateTopic(&c, req, &resp).ok()) return 1;
  }
  {
    grpc::ClientContext c;
    v1::AlterShareGroupConfigsRequest req;
    req.set_group("g");
    (*req.mutable_configs())["share.auto.offset.reset"] = "earliest";
    (*req.mutable_configs())["group.share.partition.max.record.locks"] = "10000";
    v1::AlterShareGroupConfigsResponse resp;
    if (!stub->AlterShareGroupConfigs(&c, req, &resp).ok()) return 1;
  }
  const std::string value(100, 'x');
  for (int64_t i = 0; i < records; i += 50000) {
    v1::ProduceRequest req;
    req.set_acks(-1);
    auto* p = req.add_partitions();
    p->set_topic("q");
    p->set_partition(0);
    for (int64_t k = i; k < std::min(records, i + 50000); k += 500) {
      eddy::logstore::RecordBatchBuilder b;
      for (int64_t j = k; j < std::min(records, k + 500); ++j) b.Add(std::nullopt, value, 0);
      p->mutable_records()->append(b.Finish());
    }
    grpc::ClientContext c;
    v1::ProduceResponse resp;
    if (!stub->Produce(&c, req, &resp).ok()) return 1;
  }
  std::atomic<int64_t> accepted{0};
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int m = 0; m < consumers; ++m) {
    threads.emplace_back([&, m] {
      auto s = v1::LogStore::NewStub(
          grpc::CreateChannel(broker.bootstrap(), grpc::InsecureChannelCredentials()));
      const std::string id = "m" + std::to_string(m);
      int32_t epoch = 0;
      {
        grpc::ClientContext c;
        v1::ShareGroupHeartbeatRequest req;
        req.set_group("g");
        req.set_member_id(id);
        req.add_topics("q");
        v1::ShareGroupHeartbeatResponse resp;
        if (!s->ShareGroupHeartbeat(&c, req, &resp).ok()) return;
        epoch = resp.member_epoch();
      }
      std::vector<v1::AcquiredRecords> held;
      while (accepted.load() < records) {
        v1::ShareFetchRequest req;
        req.set_group("g");
        req.set_member_id(id);
        req.set_member_epoch(epoch);
        req.set_max_records(500);
        req.set_max_wait_ms(100);
        for (const auto& a : held) {
          auto* ack = req.add_acknowledgements();
          ack->set_topic("q");
          ack->set_partition(0);
          ack->set_first_offset(a.first_offset());
          ack->set_last_offset(a.last_offset());
          ack->set_type(v1::SHARE_ACK_ACCEPT);
        }
        grpc::ClientContext c;
        v1::ShareFetchResponse resp;
        if (!s->ShareFetch(&c, req, &resp).ok()) return;
        for (const auto& r : resp.ack_results()) {
          if (r.error().code() == 0) accepted += r.last_offset() - r.first_offset() + 1;
        }
        held.clear();
        for (const auto& p : resp.results())
          for (const auto& a : p.acquired()) held.push_back(a);
      }
    });
  }
  for (auto& t : threads) t.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("share consumers=%d records=%lld fsync=%d: %.0f accepted msgs/s (%.3f s)\n",
              consumers, static_cast<long long>(accepted.load()), fsync ? 1 : 0,
              static_cast<double>(accepted.load()) / secs, secs);
  broker.Stop();
  return 0;
}
