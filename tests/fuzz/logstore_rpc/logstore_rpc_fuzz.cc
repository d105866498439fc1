// Fuzz target for eddy-logd's request handling: arbitrary bytes are parsed as a native-API
// request (first byte picks Produce/Fetch/ListOffsets/CommitOffsets/FetchOffsets/Describe, or
// raw batch bytes inside a well-formed Produce) and handed to LogStoreService's handlers over a
// real LogManager in a temp dir. Any crash, hang or sanitizer report is a bug; errors are fine.
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "google/protobuf/stubs/logging.h"
#include "log-store/broker/log_store_service.h"
#include "log-store/storage/log_manager.h"

namespace {

using namespace eddy::logstore;

struct Env {
  std::string dir;
  std::unique_ptr<LogManager> logs;
  std::unique_ptr<share::ShareGroupManager> shares;  // before service: it outlives it
  std::unique_ptr<LogStoreService> service;
  Env() {
    // tmpfs when there is one: committed group offsets are fsynced, and fsync is slow on disk.
    const std::filesystem::path root = std::filesystem::is_directory("/dev/shm")
                                           ? std::filesystem::path("/dev/shm")
                                           : std::filesystem::temp_directory_path();
    std::string tmpl = (root / "eddy-fuzz-XXXXXX").string();
    google::protobuf::SetLogHandler(nullptr);  // invalid UTF-8 in string fields is expected
    dir = mkdtemp(tmpl.data()) ? tmpl : "/tmp/eddy-fuzz-fallback";
    LogManagerOptions o;
    o.data_dir = dir;
    o.start_cleaner = false;
    logs = *LogManager::Open(o);
    TopicConfig c;
    c.partitions = 2;
    c.max_message_bytes = 64 * 1024;
    logs->CreateTopic("t", c).IgnoreError();
    share::ShareGroupManagerOptions sho;
    sho.data_dir = dir;
    sho.start_timer = false;
    sho.max_wait_ms = 0;  // share fetches never wait
    shares = *share::ShareGroupManager::Open(logs.get(), sho);
    LogStoreServiceOptions so;
    so.max_wait_ms = 0;  // fetches never wait
    service = std::make_unique<LogStoreService>(logs.get(), so, nullptr, shares.get());
  }
  ~Env() {
    service.reset();
    shares.reset();
    logs.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

Env& GetEnv() {
  static Env env;
  return env;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Env& env = GetEnv();
  const char* body = reinterpret_cast<const char*>(data + 1);
  const int len = static_cast<int>(size - 1);
  if (data[0] >= 0xF0) {  // share-group RPCs
    switch (data[0] & 3) {
      case 0: {
        v1::ShareGroupHeartbeatRequest req;
        if (!req.ParseFromArray(body, len)) return 0;
        v1::ShareGroupHeartbeatResponse resp;
        env.service->HandleShareGroupHeartbeat(req, &resp);
        break;
      }
      case 1: {
        v1::ShareFetchRequest req;
        if (!req.ParseFromArray(body, len)) return 0;
        v1::ShareFetchResponse resp;
        env.service->HandleShareFetch(req, &resp, nullptr);
        break;
      }
      case 2: {
        v1::ShareAcknowledgeRequest req;
        if (!req.ParseFromArray(body, len)) return 0;
        v1::ShareAcknowledgeResponse resp;
        env.service->HandleShareAcknowledge(req, &resp);
        break;
      }
      default: {
        v1::ResetShareGroupOffsetsRequest req;
        if (!req.ParseFromArray(body, len)) return 0;
        v1::ResetShareGroupOffsetsResponse resp;
        env.service->HandleResetShareGroupOffsets(req, &resp);
        v1::AlterShareGroupConfigsRequest alter;
        alter.set_group(req.group());
        (*alter.mutable_configs())[req.topic()] = std::to_string(req.offset());
        v1::AlterShareGroupConfigsResponse aresp;
        env.service->HandleAlterShareGroupConfigs(alter, &aresp);
      }
    }
    return 0;
  }
  switch (data[0] % 7) {
    case 0: {
      v1::ProduceRequest req;
      if (!req.ParseFromArray(body, len)) return 0;
      v1::ProduceResponse resp;
      env.service->HandleProduce(req, &resp);
      break;
    }
    case 1: {
      v1::FetchRequest req;
      if (!req.ParseFromArray(body, len)) return 0;
      v1::FetchResponse resp;
      env.service->HandleFetch(req, &resp, nullptr);
      break;
    }
    case 2: {
      v1::ListOffsetsRequest req;
      if (!req.ParseFromArray(body, len)) return 0;
      v1::ListOffsetsResponse resp;
      env.service->HandleListOffsets(req, &resp);
      break;
    }
    case 3: {
      v1::CommitOffsetsRequest req;
      if (!req.ParseFromArray(body, len)) return 0;
      v1::CommitOffsetsResponse resp;
      env.service->HandleCommitOffsets(req, &resp);
      break;
    }
    case 4: {
      v1::FetchOffsetsRequest req;
      if (!req.ParseFromArray(body, len)) return 0;
      v1::FetchOffsetsResponse resp;
      env.service->HandleFetchOffsets(req, &resp);
      break;
    }
    case 5: {
      v1::DescribeTopicRequest req;
      if (!req.ParseFromArray(body, len)) return 0;
      v1::DescribeTopicResponse resp;
      env.service->HandleDescribeTopic(req, &resp);
      break;
    }
    default: {  // raw bytes as the record batches of a well-formed produce
      v1::ProduceRequest req;
      req.set_acks(1);
      auto* p = req.add_partitions();
      p->set_topic("t");
      p->set_partition(data[0] & 1);
      p->set_records(std::string(body, static_cast<size_t>(len)));
      v1::ProduceResponse resp;
      env.service->HandleProduce(req, &resp);
      // Whatever was accepted must read back as valid batches.
      v1::FetchRequest f;
      auto* fp = f.add_partitions();
      fp->set_topic("t");
      fp->set_partition(data[0] & 1);
      fp->set_offset(resp.results(0).base_offset() >= 0 ? resp.results(0).base_offset() : 0);
      v1::FetchResponse fr;
      env.service->HandleFetch(f, &fr, nullptr);
      if (resp.results(0).error().code() == 0 && fr.results(0).records().empty()) abort();
    }
  }
  return 0;
}
