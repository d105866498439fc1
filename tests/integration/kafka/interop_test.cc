// Interop through real processes: a message produced with kcat to eddy-logd's Kafka listener is
// consumed with the native CLI (`eddy topic consume` over gRPC) with the same keys, values and
// offsets, and a message produced with `eddy topic produce` is consumed with kcat -C.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_support.h"

namespace eddy::kafka::testing {
namespace {

class InteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kcat_ = KcatPath();
    ASSERT_FALSE(kcat_.empty());
    dir_ = MakeTempDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    broker_ = std::make_unique<Broker>(dir_ / "data");
    ASSERT_TRUE(broker_->ok()) << "eddy-logd did not start: " << broker_->Stderr();
  }
  void TearDown() override {
    broker_.reset();
    std::filesystem::remove_all(dir_);
  }
  RunResult Kcat(std::vector<std::string> args, const std::string& in = "") {
    args.insert(args.begin(), {kcat_, "-b", broker_->bootstrap()});
    return testing::Run(args, in, 60);
  }
  RunResult Eddy(std::vector<std::string> args, const std::string& in = "") {
    args.insert(args.begin(), EDDY_CLI_PATH);
    args.push_back("--bootstrap");
    args.push_back(broker_->grpc_address());
    return testing::Run(args, in, 60);
  }
  static std::string Key(int i) { return "key-" + std::to_string(i); }
  static std::string Value(int i) { return "value " + std::to_string(i) + " \xc3\xa9"; }

  std::string kcat_;
  std::filesystem::path dir_;
  std::unique_ptr<Broker> broker_;
};

TEST_F(InteropTest, KcatProducesAndTheNativeCliConsumesSameKeysValuesAndOffsets) {
  const int n = 50;
  std::string in, expected;
  for (int i = 0; i < n; ++i) {
    in += Key(i) + "\t" + Value(i) + "\n";
    expected += Key(i) + "\t" + Value(i) + "\n";
  }
  RunResult p = Kcat({"-P", "-t", "interop", "-p", "0", "-K", "\t", "-X", "acks=all"}, in);
  ASSERT_EQ(p.exit_code, 0) << p.err;

  RunResult c = Eddy({"topic", "consume", "interop", "--from-beginning", "--count",
                      std::to_string(n), "--print-key"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(c.out, expected);

  // Same offsets: what kcat says is at offset i is what the native API reads at offset i.
  RunResult k =
      Kcat({"-C", "-t", "interop", "-p", "0", "-o", "beginning", "-e", "-q", "-f", "%o\t%k\t%s\n"});
  ASSERT_EQ(k.exit_code, 0) << k.err;
  auto lines = Lines(k.out);
  ASSERT_EQ(lines.size(), static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(lines[i], std::to_string(i) + "\t" + Key(i) + "\t" + Value(i));
  }
  for (int i : {0, 17, n - 1}) {
    RunResult one = Eddy({"topic", "consume", "interop", "--partition", "0", "--offset",
                          std::to_string(i), "--count", "1", "--print-key"});
    ASSERT_EQ(one.exit_code, 0) << one.err;
    EXPECT_EQ(one.out, Key(i) + "\t" + Value(i) + "\n") << "offset " << i;
  }
}

TEST_F(InteropTest, NativeCliProducesAndKcatConsumesSameKeysValuesAndOffsets) {
  const int n = 50;
  RunResult t = Eddy({"topic", "create", "native", "--partitions", "2"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  std::string in;
  for (int i = 0; i < n; ++i) in += Key(i) + "=" + Value(i) + "\n";
  RunResult p =
      Eddy({"topic", "produce", "native", "--partition", "1", "--key-separator", "="}, in);
  ASSERT_EQ(p.exit_code, 0) << p.err;

  RunResult k = Kcat(
      {"-C", "-t", "native", "-p", "1", "-o", "beginning", "-e", "-q", "-f", "%p\t%o\t%k\t%s\n"});
  ASSERT_EQ(k.exit_code, 0) << k.err;
  auto lines = Lines(k.out);
  ASSERT_EQ(lines.size(), static_cast<size_t>(n)) << k.out;
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(lines[i], "1\t" + std::to_string(i) + "\t" + Key(i) + "\t" + Value(i));
  }
  // Partition 0 got nothing; kcat starting at an offset in the middle sees the same record.
  RunResult empty = Kcat({"-C", "-t", "native", "-p", "0", "-o", "beginning", "-e", "-q"});
  ASSERT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_EQ(empty.out, "");
  RunResult mid =
      Kcat({"-C", "-t", "native", "-p", "1", "-o", "23", "-c", "1", "-e", "-q", "-f", "%o %k"});
  ASSERT_EQ(mid.exit_code, 0) << mid.err;
  EXPECT_EQ(mid.out, "23 " + Key(23));
}

}  // namespace
}  // namespace eddy::kafka::testing
