// `eddy queue consume --exec`'s runner: a real /bin/sh per record; the exit code decides the
// acknowledgement (0 accept, 75 release, other reject); the value arrives on stdin and the
// record's coordinates in the environment.
#include "coordinator/cli/record_exec.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/integration/logstore/process.h"

namespace eddy::cli {
namespace {

logstore::ShareRecord Rec(std::string value) {
  logstore::ShareRecord r;
  r.topic = "orders";
  r.partition = 3;
  r.offset = 42;
  r.delivery_count = 2;
  r.key = "k1";
  r.value = std::move(value);
  return r;
}

TEST(RecordExec, ExitCodesMapToAcknowledgements) {
  EXPECT_EQ(AckForExitCode(0), logstore::ShareAck::kAccept);
  EXPECT_EQ(AckForExitCode(75), logstore::ShareAck::kRelease);
  EXPECT_EQ(AckForExitCode(1), logstore::ShareAck::kReject);
  EXPECT_EQ(AckForExitCode(128 + 9), logstore::ShareAck::kReject);
  EXPECT_EQ(*RunForRecord("exit 0", Rec("x")), 0);
  EXPECT_EQ(*RunForRecord("exit 75", Rec("x")), 75);
  EXPECT_EQ(*RunForRecord("exit 3", Rec("x")), 3);
  EXPECT_EQ(*RunForRecord("kill -9 $$", Rec("x")), 128 + 9);
}

TEST(RecordExec, CommandSeesValueOnStdinAndRecordInEnvironment) {
  testing::TempDir dir;
  const std::string out = dir.path() + "/seen";
  auto rc = RunForRecord("cat > " + out +
                             "; echo \" $EDDY_TOPIC $EDDY_PARTITION $EDDY_OFFSET "
                             "$EDDY_DELIVERY_COUNT $EDDY_KEY\" >> " +
                             out,
                         Rec("hello world"));
  ASSERT_TRUE(rc.ok()) << rc.status();
  EXPECT_EQ(*rc, 0);
  EXPECT_EQ(testing::ReadFile(out), "hello world orders 3 42 2 k1\n");
  // A large value to a command that does not read it: no hang, no SIGPIPE death.
  EXPECT_EQ(*RunForRecord("exit 0", Rec(std::string(4 << 20, 'v'))), 0);
  // A value larger than a pipe buffer is read whole.
  const std::string big(1 << 20, 'b');
  ASSERT_EQ(*RunForRecord("wc -c > " + out, Rec(big)), 0);
  EXPECT_EQ(std::stoll(testing::ReadFile(out)), static_cast<long long>(big.size()));
}

}  // namespace
}  // namespace eddy::cli
