// RunForRecord: runs a shell command for one queue record, with the record's value on its stdin,
// for `eddy queue consume --exec`. The command's stdout goes to the CLI's stderr (the CLI's
// stdout stays the record stream); it sees the record in EDDY_TOPIC, EDDY_PARTITION,
// EDDY_OFFSET, EDDY_DELIVERY_COUNT and EDDY_KEY (unset when the key is null).
#pragma once

#include "absl/status/statusor.h"
#include "log-store/client/share_consumer.h"

namespace eddy::cli {

// Exit code of a command that asks for the record to be delivered again (EX_TEMPFAIL).
inline constexpr int kExitTempFail = 75;

// Runs `/bin/sh -c command` and waits for it. Returns its exit code (128 + N when killed by
// signal N); an error when it cannot be started.
absl::StatusOr<int> RunForRecord(const std::string& command, const logstore::ShareRecord& r);

// The acknowledgement for an exit code: 0 = accept, 75 = release, anything else = reject.
logstore::ShareAck AckForExitCode(int code);

}  // namespace eddy::cli
