// LogStoreService: the native gRPC API of eddy-logd (log-store/proto/log_store.proto) over a
// LogManager. Every request is validated here; a bad request (unknown topic, bad partition,
// corrupt or oversized batch) gets a status or per-partition error that names the thing, and
// never takes the broker down. The Handle* methods hold the logic without a gRPC context so the
// fuzz target (tests/fuzz/logstore_rpc) can drive them directly. Used by broker main.cc.
#pragma once

#include <chrono>
#include <cstdint>

#include "grpcpp/grpcpp.h"
#include "log-store/broker/long_poll_limiter.h"
#include "log-store/broker/service_probe.h"
#include "log-store/proto/log_store.grpc.pb.h"
#include "log-store/rpc/grpc_status.h"
#include "log-store/share/share_group_manager.h"
#include "log-store/storage/log_manager.h"
#include "log-store/txn/transaction_coordinator.h"

namespace eddy::logstore {

struct LogStoreServiceOptions {
  bool fsync = false;  // --fsync: acks=all waits for fsync
  int32_t default_partition_fetch_bytes = 4 << 20;
  int32_t max_fetch_bytes = 48 << 20;  // cap of one Fetch response
  int32_t max_wait_ms = 30000;         // cap of a long poll
  // Most Fetch/ShareFetch calls waiting at once (long_poll_limiter.h); the rest answer at once.
  // Below the server's 64 RPC threads so Produce and the rest always find one. --max-long-polls.
  int32_t max_long_polls = 32;
};

class LogStoreService final : public eddy::logstore::v1::LogStore::Service {
 public:
  // `txn` (may be null: then the transaction RPCs answer FAILED_PRECONDITION) is the broker's
  // transaction coordinator; every produce carrying a producer id is checked against it.
  // `share` (may be null: then the share-group RPCs answer FAILED_PRECONDITION) holds the
  // broker's share groups (log-store/share/share_group_manager.h).
  LogStoreService(LogManager* logs, const LogStoreServiceOptions& options,
                  TransactionCoordinator* txn = nullptr,
                  share::ShareGroupManager* share = nullptr)
      : logs_(logs), options_(options), txn_(txn), share_(share) {}

  // `cancelled` (may be null) is polled during a long-poll fetch.
  grpc::Status HandleProduce(const v1::ProduceRequest& req, v1::ProduceResponse* resp);
  grpc::Status HandleFetch(const v1::FetchRequest& req, v1::FetchResponse* resp,
                           grpc::ServerContext* ctx);
  grpc::Status HandleCreateTopic(const v1::CreateTopicRequest& req);
  grpc::Status HandleDescribeTopic(const v1::DescribeTopicRequest& req,
                                   v1::DescribeTopicResponse* resp);
  grpc::Status HandleListOffsets(const v1::ListOffsetsRequest& req, v1::ListOffsetsResponse* resp);
  grpc::Status HandleDeleteRecords(const v1::DeleteRecordsRequest& req,
                                   v1::DeleteRecordsResponse* resp);
  grpc::Status HandleCommitOffsets(const v1::CommitOffsetsRequest& req,
                                   v1::CommitOffsetsResponse* resp);
  grpc::Status HandleFetchOffsets(const v1::FetchOffsetsRequest& req,
                                  v1::FetchOffsetsResponse* resp);
  grpc::Status HandleListGroups(const v1::ListGroupsRequest& req, v1::ListGroupsResponse* resp);
  grpc::Status HandleInitProducer(const v1::InitProducerRequest& req,
                                  v1::InitProducerResponse* resp);
  grpc::Status HandleAddPartitionsToTxn(const v1::AddPartitionsToTxnRequest& req,
                                        v1::AddPartitionsToTxnResponse* resp);
  grpc::Status HandleEndTxn(const v1::EndTxnRequest& req, v1::EndTxnResponse* resp);
  grpc::Status HandleDescribeTransactions(const v1::DescribeTransactionsRequest& req,
                                          v1::DescribeTransactionsResponse* resp);
  // Share groups (log_store_share_rpcs.cc). ShareGroupHeartbeat answers group and member errors
  // in its `error` field (status OK). For the other calls a request-level error (unknown group
  // or member, wrong epoch, limits) is the call's status with Kafka's error name first in the
  // message (UNKNOWN_MEMBER_ID: ..., FENCED_MEMBER_EPOCH: ...); per-partition and per-ack
  // errors are PartitionError with `reason` set.
  grpc::Status HandleShareGroupHeartbeat(const v1::ShareGroupHeartbeatRequest& req,
                                         v1::ShareGroupHeartbeatResponse* resp);
  grpc::Status HandleShareFetch(const v1::ShareFetchRequest& req, v1::ShareFetchResponse* resp,
                                grpc::ServerContext* ctx);
  grpc::Status HandleShareAcknowledge(const v1::ShareAcknowledgeRequest& req,
                                      v1::ShareAcknowledgeResponse* resp);
  grpc::Status HandleListShareGroups(const v1::ListShareGroupsRequest& req,
                                     v1::ListShareGroupsResponse* resp);
  grpc::Status HandleDescribeShareGroup(const v1::DescribeShareGroupRequest& req,
                                        v1::DescribeShareGroupResponse* resp);
  grpc::Status HandleAlterShareGroupConfigs(const v1::AlterShareGroupConfigsRequest& req,
                                            v1::AlterShareGroupConfigsResponse* resp);
  grpc::Status HandleDeleteShareGroup(const v1::DeleteShareGroupRequest& req,
                                      v1::DeleteShareGroupResponse* resp);
  grpc::Status HandleResetShareGroupOffsets(const v1::ResetShareGroupOffsetsRequest& req,
                                            v1::ResetShareGroupOffsetsResponse* resp);

  // The batches of `*records` a fetch may return, filtered in place: batches at or past
  // `limit` (the HW, or the LSO for read_committed) and a trailing partial batch are cut,
  // control batches are removed, and so are the transactional batches of `aborted`
  // transactions (when not null). Returns the offset after the last batch looked at
  // (`fetch_offset` when none), where the next fetch starts.
  static int64_t FilterFetched(std::string* records, int64_t fetch_offset, int64_t limit,
                               const std::vector<AbortedTxn>* aborted);

  grpc::Status CreateTopic(grpc::ServerContext*, const v1::CreateTopicRequest* req,
                           v1::CreateTopicResponse*) override {
    return HandleCreateTopic(*req);
  }
  grpc::Status DeleteTopic(grpc::ServerContext*, const v1::DeleteTopicRequest* req,
                           v1::DeleteTopicResponse*) override;
  grpc::Status ListTopics(grpc::ServerContext*, const v1::ListTopicsRequest*,
                          v1::ListTopicsResponse* resp) override;
  grpc::Status DescribeTopic(grpc::ServerContext*, const v1::DescribeTopicRequest* req,
                             v1::DescribeTopicResponse* resp) override {
    return HandleDescribeTopic(*req, resp);
  }
  grpc::Status Produce(grpc::ServerContext*, const v1::ProduceRequest* req,
                       v1::ProduceResponse* resp) override;
  grpc::Status Fetch(grpc::ServerContext* ctx, const v1::FetchRequest* req,
                     v1::FetchResponse* resp) override;

  // Produce/Fetch traffic and answers by code (eddy-logd's /metrics reads it).
  const ServiceProbe& probe() const { return probe_; }
  // The long-poll bound (waiting now, refused so far), for /metrics.
  const LongPollLimiter& long_polls() const { return long_polls_; }
  grpc::Status ListOffsets(grpc::ServerContext*, const v1::ListOffsetsRequest* req,
                           v1::ListOffsetsResponse* resp) override {
    return HandleListOffsets(*req, resp);
  }
  grpc::Status DeleteRecords(grpc::ServerContext*, const v1::DeleteRecordsRequest* req,
                             v1::DeleteRecordsResponse* resp) override {
    return HandleDeleteRecords(*req, resp);
  }
  grpc::Status CommitOffsets(grpc::ServerContext*, const v1::CommitOffsetsRequest* req,
                             v1::CommitOffsetsResponse* resp) override {
    return HandleCommitOffsets(*req, resp);
  }
  grpc::Status FetchOffsets(grpc::ServerContext*, const v1::FetchOffsetsRequest* req,
                            v1::FetchOffsetsResponse* resp) override {
    return HandleFetchOffsets(*req, resp);
  }
  grpc::Status ListGroups(grpc::ServerContext*, const v1::ListGroupsRequest* req,
                          v1::ListGroupsResponse* resp) override {
    return HandleListGroups(*req, resp);
  }
  grpc::Status InitProducer(grpc::ServerContext*, const v1::InitProducerRequest* req,
                            v1::InitProducerResponse* resp) override {
    return HandleInitProducer(*req, resp);
  }
  grpc::Status AddPartitionsToTxn(grpc::ServerContext*, const v1::AddPartitionsToTxnRequest* req,
                                  v1::AddPartitionsToTxnResponse* resp) override {
    return HandleAddPartitionsToTxn(*req, resp);
  }
  grpc::Status EndTxn(grpc::ServerContext*, const v1::EndTxnRequest* req,
                      v1::EndTxnResponse* resp) override {
    return HandleEndTxn(*req, resp);
  }
  grpc::Status DescribeTransactions(grpc::ServerContext*,
                                    const v1::DescribeTransactionsRequest* req,
                                    v1::DescribeTransactionsResponse* resp) override {
    return HandleDescribeTransactions(*req, resp);
  }
  grpc::Status ShareGroupHeartbeat(grpc::ServerContext*, const v1::ShareGroupHeartbeatRequest* req,
                                   v1::ShareGroupHeartbeatResponse* resp) override {
    return HandleShareGroupHeartbeat(*req, resp);
  }
  grpc::Status ShareFetch(grpc::ServerContext* ctx, const v1::ShareFetchRequest* req,
                          v1::ShareFetchResponse* resp) override {
    return HandleShareFetch(*req, resp, ctx);
  }
  grpc::Status ShareAcknowledge(grpc::ServerContext*, const v1::ShareAcknowledgeRequest* req,
                                v1::ShareAcknowledgeResponse* resp) override {
    return HandleShareAcknowledge(*req, resp);
  }
  grpc::Status ListShareGroups(grpc::ServerContext*, const v1::ListShareGroupsRequest* req,
                               v1::ListShareGroupsResponse* resp) override {
    return HandleListShareGroups(*req, resp);
  }
  grpc::Status DescribeShareGroup(grpc::ServerContext*, const v1::DescribeShareGroupRequest* req,
                                  v1::DescribeShareGroupResponse* resp) override {
    return HandleDescribeShareGroup(*req, resp);
  }
  grpc::Status AlterShareGroupConfigs(grpc::ServerContext*,
                                      const v1::AlterShareGroupConfigsRequest* req,
                                      v1::AlterShareGroupConfigsResponse* resp) override {
    return HandleAlterShareGroupConfigs(*req, resp);
  }
  grpc::Status DeleteShareGroup(grpc::ServerContext*, const v1::DeleteShareGroupRequest* req,
                                v1::DeleteShareGroupResponse* resp) override {
    return HandleDeleteShareGroup(*req, resp);
  }
  grpc::Status ResetShareGroupOffsets(grpc::ServerContext*,
                                      const v1::ResetShareGroupOffsetsRequest* req,
                                      v1::ResetShareGroupOffsetsResponse* resp) override {
    return HandleResetShareGroupOffsets(*req, resp);
  }

 private:
  // Producer-id checks of one partition's batches (coordinator fencing); on OK, *holds keep
  // the checked transactional producers' state until the append is done.
  absl::Status CheckProducers(const std::string& topic, int32_t partition, std::string_view records,
                              std::vector<TransactionCoordinator::ProduceHold>* holds);

  LogManager* logs_;
  LogStoreServiceOptions options_;
  TransactionCoordinator* txn_ = nullptr;
  ServiceProbe probe_;
  LongPollLimiter long_polls_{options_.max_long_polls};
  share::ShareGroupManager* share_ = nullptr;
};

using rpc::ToGrpc;  // log-store/rpc/grpc_status.h

}  // namespace eddy::logstore
