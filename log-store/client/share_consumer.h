// ShareConsumer: reads topics of eddy-logd as a queue, as a member of a share group (KIP-932
// semantics, log-store/SHARE_GROUPS.md). Every member of the group may read every partition;
// the broker hands each record to one member at a time for the group's lock duration, and the
// member acknowledges it one by one: accept (done), release (deliver again now, to anyone) or
// reject (never again; to the group's dead-letter topic if it has one). A record that is not
// acknowledged before its lock expires, or whose member leaves or dies, is delivered again; after
// the group's delivery count limit it is archived. So delivery is at-least-once and there is no
// order per key: use a classic Consumer where order matters.
//
// Used by `eddy queue consume`, the runtime's queue inputs (systems.<s>.streams.<t>.share.group,
// runtime/container/container.cc) and the queue benchmark. Poll/Acknowledge/Commit/Close are
// called from one thread; the consumer owns a heartbeat thread that keeps the membership alive
// and is joined by Close() (or the destructor).
//
// Typical loop:
//   auto c = ShareConsumer::Create(opts);           // joins the group
//   for (;;) {
//     auto recs = (*c)->Poll(std::chrono::seconds(1));  // also sends acks made since the last call
//     for (const ShareRecord& r : *recs) (*c)->Acknowledge(r, Work(r) ? kAccept : kRelease);
//   }
//   (*c)->Close();                                  // sends acks, releases the rest, leaves
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "log-store/client/client_options.h"

namespace eddy::logstore {

struct ShareConsumerOptions {
  ClientOptions client;
  std::string group;                // share group id (group.id); required
  std::vector<std::string> topics;  // subscription; required, at least one
  // Member id sent on join (KIP-932: chosen by the client). Empty = a fresh random UUID.
  std::string member_id;
  int32_t max_records = 500;  // most records acquired per Poll over all partitions (1..100000)
  int32_t max_bytes = 0;      // per ShareFetch; 0 = the broker's default
  // Heartbeat period when the broker does not say (it does in every heartbeat answer).
  std::chrono::milliseconds heartbeat_interval{1000};
};

// One acquired record, owned (a queue consumer keeps records past the next Poll).
struct ShareRecord {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
  int32_t delivery_count = 1;  // 1 on the first delivery, 2 on the first redelivery, ...
};

enum class ShareAck {
  kAccept,   // processed; never delivered again
  kRelease,  // give it back now: available to the next fetch of any member (counts a delivery)
  kReject,   // unprocessable: archived at once (to the dead-letter topic if the group has one)
};
// "accept" | "release" | "reject".
const char* ShareAckName(ShareAck a);

// An acknowledgement the broker did not apply (the record was not held by this member any more:
// its lock expired, or the member was removed). The record will be, or was, delivered again.
struct ShareAckFailure {
  TopicPartition tp;
  int64_t first_offset = 0;
  int64_t last_offset = 0;  // inclusive
  ShareAck type = ShareAck::kAccept;
  absl::Status status;  // names topic, partition and offsets; reason e.g. INVALID_RECORD_STATE
};

// Acknowledgements sent by one Commit(): how many records the broker applied, and the failures.
struct ShareCommitResult {
  int64_t applied = 0;
  std::vector<ShareAckFailure> failures;
};

class ShareConsumer {
 public:
  // Joins the group (ShareGroupHeartbeat with epoch 0) and starts the heartbeat thread.
  // InvalidArgument for a missing group/topic or a bad option; the broker's error otherwise
  // (e.g. Unavailable naming the address).
  static absl::StatusOr<std::unique_ptr<ShareConsumer>> Create(const ShareConsumerOptions& o);
  virtual ~ShareConsumer() = default;  // Close()s when still open

  // Acquires records (waiting up to `max_wait` when none is available) and, in the same
  // ShareFetch, sends the acknowledgements made since the last Poll/Commit. The outcome of those
  // is in TakeAckFailures() (and counted in the next Commit's result). An RPC failure is the
  // returned status; the acknowledgements are then kept for the next call.
  virtual absl::StatusOr<std::vector<ShareRecord>> Poll(std::chrono::milliseconds max_wait) = 0;

  // Records an acknowledgement of a record this member holds; it is sent with the next Poll or
  // Commit. FailedPrecondition when the record is not held (never acquired, or already acked).
  virtual absl::Status Acknowledge(const ShareRecord& r, ShareAck type) = 0;
  virtual absl::Status Acknowledge(const TopicPartition& tp, int64_t offset, ShareAck type) = 0;

  // Sends the pending acknowledgements now (ShareAcknowledge) and returns what the broker did
  // with them. Use it where the caller must know that an accept took effect before moving on.
  virtual absl::StatusOr<ShareCommitResult> Commit() = 0;

  // Failures of acknowledgements that went with a Poll, since the last call (then cleared).
  virtual std::vector<ShareAckFailure> TakeAckFailures() = 0;

  // Records acquired by Poll and not yet acknowledged.
  virtual int64_t HeldCount() const = 0;

  // Sends the pending acknowledgements, releases every record still held (so others get them at
  // once), leaves the group (epoch -1) and joins the heartbeat thread. Idempotent. The first
  // error is returned, but the consumer is closed in any case.
  virtual absl::Status Close() = 0;

  virtual const std::string& member_id() const = 0;
  // The latest epoch the broker gave (0 before the join is answered, -1 after Close).
  virtual int32_t member_epoch() const = 0;
  // The broker's record lock duration from the last ShareFetch (0 before the first).
  virtual std::chrono::milliseconds record_lock_duration() const = 0;
};

// A random version-4 UUID, as KIP-932 members use for their ids.
std::string NewShareMemberId();

}  // namespace eddy::logstore
