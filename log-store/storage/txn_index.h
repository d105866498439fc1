// TxnIndex: the aborted-transaction index of one partition, one `<base>.txnindex` file per
// segment (next to `<base>.log`; layout in FORMAT.md "Transactions", Kafka's: 34-byte entries
// int16 version 0, int64 producer id, int64 first offset, int64 last offset, int64 last stable
// offset). An entry goes into the file of the segment holding its abort marker. read_committed
// reads ask it which transactional batches to drop. Owned by PartitionLogImpl; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "log-store/storage/partition_log.h"

namespace eddy::logstore {

class TxnIndex {
 public:
  explicit TxnIndex(std::string dir) : dir_(std::move(dir)) {}
  static constexpr size_t kEntrySize = 34;

  // Loads the file of segment `base` (a missing file is empty). A partial last entry is cut
  // off, as are entries whose marker is at or past `log_end` (a log tail cut at recovery).
  // Notes go to *report.
  absl::Status LoadSegment(int64_t base, int64_t log_end, std::string* report);
  // Appends `e` to the file of segment `base` and fsyncs it. Idempotent: an entry already there
  // (same pid and last offset) is not written twice.
  absl::Status Append(int64_t base, const AbortedTxn& e);
  // Entries overlapping [from, to), by first offset.
  std::vector<AbortedTxn> Overlapping(int64_t from, int64_t to) const;
  // Forgets the entries of segments below `first_base` (their files went with the segments).
  void DropBelow(int64_t first_base);
  // Entries held (tests).
  size_t EntryCount() const;

 private:
  std::string Path(int64_t base) const;
  const std::string dir_;
  mutable std::mutex mu_;
  std::map<int64_t, std::vector<AbortedTxn>> by_segment_;
};

}  // namespace eddy::logstore
