// The Kafka API handlers. Each reads the request body for its (key, version) from `r`, acts on
// the broker state and writes the response body (without the response header) to `w`.
// A non-OK status means the request was malformed: the dispatcher logs it and closes the
// connection. Decode* only parses (the fuzz target uses them). One .cc per API group.
#pragma once

#include "absl/status/status.h"
#include "log-store/kafka/broker_context.h"
#include "log-store/kafka/kafka_codec.h"

namespace eddy::kafka {

using Handler = absl::Status (*)(BrokerContext&, RequestContext&, Reader&, Writer&);

absl::Status HandleApiVersions(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleMetadata(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleProduce(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleFetch(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleListOffsets(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleFindCoordinator(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleJoinGroup(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleSyncGroup(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleHeartbeat(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleLeaveGroup(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleDescribeGroups(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleListGroups(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleOffsetCommit(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleOffsetFetch(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleCreateTopics(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleInitProducerId(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleAddPartitionsToTxn(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleAddOffsetsToTxn(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleEndTxn(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleTxnOffsetCommit(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleDeleteGroups(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleOffsetDelete(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleDeleteTopics(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleCreatePartitions(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleDeleteRecords(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleDescribeConfigs(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleAlterConfigs(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleIncrementalAlterConfigs(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleDescribeCluster(BrokerContext&, RequestContext&, Reader&, Writer&);
// Share groups (share_apis.cc).
absl::Status HandleShareGroupHeartbeat(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleDescribeShareGroupOffsets(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleDeleteShareGroupOffsets(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleShareGroupDescribe(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleShareFetch(BrokerContext&, RequestContext&, Reader&, Writer&);
absl::Status HandleShareAcknowledge(BrokerContext&, RequestContext&, Reader&, Writer&);

// The Kafka error for a LogManager CreateTopic/AlterTopic status: TOPIC_ALREADY_EXISTS,
// INVALID_TOPIC_EXCEPTION (bad name), INVALID_PARTITIONS (a partition limit), else
// UNKNOWN_SERVER_ERROR.
int16_t CreateTopicErrorCode(const absl::Status& s);

// The Kafka error code for a TransactionCoordinator status: the Kafka error name it carries
// (logstore::TxnReason), else one from the status code. OK = NONE.
int16_t TxnErrorCode(const absl::Status& s);

// Parses the body of a request of (key, version) without acting on it.
absl::Status DecodeRequestBody(int16_t key, int16_t version, Reader& r);

// Writes the ApiVersions response body in the v0 layout with `error_code` (used for the
// UNSUPPORTED_VERSION downgrade answer).
void WriteApiVersionsV0(int16_t error_code, Writer& w);

}  // namespace eddy::kafka
