// `eddy topic` against a real eddy-logd: 1,000,000 stdin lines into 8 partitions and back as the
// same multiset; keys; --count/--offset/--partition; describe/list/delete; exit codes.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "log-store/client/consumer.h"
#include "log-store/client/producer.h"
#include "tests/integration/logstore/process.h"

namespace eddy::testing {
namespace {

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> v;
  std::istringstream in(s);
  std::string l;
  while (std::getline(in, l)) v.push_back(l);
  return v;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ = std::make_unique<Broker>(EDDY_LOGD, dir_.path() + "/data");
    ASSERT_TRUE(broker_->Start()) << broker_->log();
  }
  RunResult Eddy(std::vector<std::string> args, const std::string& in = "",
                 const std::string& out = "") {
    args.insert(args.begin(), EDDY_CLI);
    args.push_back("--bootstrap");
    args.push_back(broker_->bootstrap());
    return RunProcess(args, in, out);
  }
  TempDir dir_;
  std::unique_ptr<Broker> broker_;
};

TEST_F(CliTest, MillionLinesThroughEightPartitionsComeBackAsTheSameMultiset) {
  ASSERT_EQ(Eddy({"topic", "create", "big", "--partitions", "8"}).exit_code, 0);
  const std::string in = dir_.path() + "/in.txt";
  {
    std::string data;
    data.reserve(40 << 20);
    for (int i = 0; i < 1000000; ++i) {
      // Some duplicate lines on purpose: a multiset, not a set.
      data += "k" + std::to_string(i % 1000) + "|message-" + std::to_string(i % 999983) + "\n";
    }
    WriteFile(in, data);
  }
  auto p = Eddy({"topic", "produce", "big", "--key-separator", "|", "--acks", "all"}, in);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  const std::string out = dir_.path() + "/out.txt";
  auto c =
      Eddy({"topic", "consume", "big", "--from-beginning", "--print-key", "--key-separator", "|"},
           "", out);
  ASSERT_EQ(c.exit_code, 0) << c.err;
  auto want = Lines(ReadFile(in));
  auto got = Lines(ReadFile(out));
  ASSERT_EQ(got.size(), want.size());
  std::sort(want.begin(), want.end());
  std::sort(got.begin(), got.end());
  EXPECT_TRUE(want == got);

  // Keys decide the partition with Kafka's murmur2: every key sits where the Java client puts it.
  auto d = Eddy({"topic", "describe", "big"});
  ASSERT_EQ(d.exit_code, 0);
  EXPECT_NE(d.out.find("PartitionCount: 8"), std::string::npos) << d.out;
  size_t total = 0;
  for (int part = 0; part < 8; ++part) {
    const std::string pout = dir_.path() + "/p" + std::to_string(part);
    auto r = Eddy({"topic", "consume", "big", "--from-beginning", "--partition",
                   std::to_string(part), "--print-key"},
                  "", pout);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const auto& l : Lines(ReadFile(pout))) {
      const std::string key = l.substr(0, l.find('\t'));
      ASSERT_EQ(logstore::PartitionForKey(key, 8), part) << key;
      ++total;
    }
  }
  EXPECT_EQ(total, 1000000u);
}

TEST_F(CliTest, OffsetCountAndPartitionSelectWhatIsPrinted) {
  ASSERT_EQ(Eddy({"topic", "create", "small", "--partitions", "1"}).exit_code, 0);
  const std::string in = dir_.path() + "/in.txt";
  WriteFile(in, "a\nb\nc\nd\ne\n");
  ASSERT_EQ(Eddy({"topic", "produce", "small"}, in).exit_code, 0);
  auto r = Eddy({"topic", "consume", "small", "--offset", "2", "--count", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "c\nd\n");
  r = Eddy({"topic", "consume", "small", "--from-beginning", "--partition", "0"});
  EXPECT_EQ(r.out, "a\nb\nc\nd\ne\n");
  // Without --from-beginning and without --follow nothing new arrives: nothing printed.
  r = Eddy({"topic", "consume", "small"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  // Consumer group offsets: the second run starts where the first committed.
  r = Eddy({"topic", "consume", "small", "--group", "g1", "--count", "3", "--from-beginning"});
  EXPECT_EQ(r.out, "a\nb\nc\n");
  r = Eddy({"topic", "consume", "small", "--group", "g1"});
  EXPECT_EQ(r.out, "d\ne\n");
}

TEST_F(CliTest, TopicAdminCommands) {
  auto r = Eddy({"topic", "create", "t1", "--partitions", "3", "--config", "retention.ms=1000"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Eddy({"topic", "create", "t1", "--partitions", "3"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("t1"), std::string::npos) << r.err;
  r = Eddy({"topic", "list"});
  EXPECT_NE(r.out.find("t1\n"), std::string::npos) << r.out;
  r = Eddy({"topic", "describe", "t1"});
  EXPECT_NE(r.out.find("retention.ms=1000"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Partition: 2"), std::string::npos) << r.out;
  r = Eddy({"topic", "create", "t2", "--partitions", "1", "--config", "no.such.key=1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no.such.key"), std::string::npos) << r.err;
  EXPECT_EQ(Eddy({"topic", "delete", "t1"}).exit_code, 0);
  r = Eddy({"topic", "describe", "t1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("t1"), std::string::npos);
  r = Eddy({"topic", "produce", "missing"}, "");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("missing"), std::string::npos) << r.err;
}

// compression.type through the CLI: set at create, shown by describe, honoured by a native
// produce (the CLI sends uncompressed batches; they are stored as zstd), a bad value refused.
TEST_F(CliTest, CompressionTypeIsSetShownAndHonoured) {
  auto r =
      Eddy({"topic", "create", "packed", "--partitions", "1", "--config", "compression.type=zstd"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Eddy({"topic", "describe", "packed"});
  EXPECT_NE(r.out.find("compression.type=zstd"), std::string::npos) << r.out;
  r = Eddy({"topic", "create", "plain", "--partitions", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Eddy({"topic", "describe", "plain"});
  EXPECT_NE(r.out.find("compression.type=producer"), std::string::npos) << r.out;
  r = Eddy({"topic", "create", "bad", "--partitions", "1", "--config", "compression.type=bogus"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("compression.type=\"bogus\""), std::string::npos) << r.err;

  const std::string in = dir_.path() + "/in.txt";
  std::string data;
  for (int i = 0; i < 1000; ++i)
    data += "k" + std::to_string(i) + "|line " + std::to_string(i) + "\n";
  WriteFile(in, data);
  ASSERT_EQ(Eddy({"topic", "produce", "packed", "--key-separator", "|"}, in).exit_code, 0);
  const std::string out = dir_.path() + "/out.txt";
  auto c = Eddy(
      {"topic", "consume", "packed", "--from-beginning", "--print-key", "--key-separator", "|"}, "",
      out);
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(ReadFile(out), data);

  logstore::ConsumerOptions co;
  co.client.bootstrap = broker_->bootstrap();
  auto consumer = logstore::Consumer::Create(co);
  ASSERT_TRUE(consumer.ok()) << consumer.status();
  ASSERT_TRUE((*consumer)->Assign({{"packed", 0}}).ok());
  int64_t next = 0;
  int batches = 0;
  for (int polls = 0; polls < 100 && next < 1000; ++polls) {
    auto got = (*consumer)->Poll(std::chrono::milliseconds(200));
    ASSERT_TRUE(got.ok()) << got.status();
    for (const auto& fp : *got) {
      ASSERT_TRUE(fp.error.ok()) << fp.error;
      auto it = fp.Batches();
      std::string_view batch;
      logstore::BatchHeader h;
      while (it.Next(&batch, &h)) {
        ++batches;
        EXPECT_EQ(h.compression(), logstore::Compression::kZstd) << "batch at " << h.base_offset;
      }
      next = fp.next_offset;
    }
  }
  EXPECT_EQ(next, 1000);
  EXPECT_GT(batches, 0);
}

TEST_F(CliTest, BadArgumentsExitWithCodeTwoAndAMessage) {
  const std::vector<std::vector<std::string>> bad = {
      {"topic", "create", "x"},  // --partitions missing
      {"topic", "create", "x", "--partitions", "0"},
      {"topic", "create", "x", "--partitions", "abc"},
      {"topic", "create", "x", "--partitions", "1", "--config", "nokey"},
      {"topic", "create"},
      {"topic", "consume", "x", "--offset", "-5"},
      {"topic", "consume", "x", "--offset", "1", "--from-beginning"},
      {"topic", "produce", "x", "--acks", "2"},
      {"topic", "frobnicate"},
      {"topic"},
      {"nosuchgroup"},
  };
  for (const auto& args : bad) {
    auto r = Eddy(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.exit_code, 2) << joined << "\n" << r.err;
    EXPECT_FALSE(r.err.empty()) << joined;
  }
  auto r = RunProcess({EDDY_CLI, "topic", "list", "--bootstrap", "not-an-address"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("not-an-address"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace eddy::testing
