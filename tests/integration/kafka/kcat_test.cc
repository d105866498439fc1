// The real kcat (Debian's kcat 1.7.1 on librdkafka 2.0.2) against eddy-logd's Kafka listener:
// metadata, produce with every acks setting and codec, consume from every kind of start offset,
// and group consumption whose committed offsets survive a restart of kcat and the broker.
// Each test compares the bytes consumed with the bytes produced.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "test_support.h"

namespace eddy::kafka::testing {
namespace {

std::string Payload(const std::string& prefix, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += prefix + std::to_string(i) + "\n";
  return s;
}

class KcatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kcat_ = KcatPath();
    ASSERT_FALSE(kcat_.empty());
    dir_ = MakeTempDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    broker_ = std::make_unique<Broker>(dir_ / "data", std::vector<std::string>{}, Partitions());
    ASSERT_TRUE(broker_->ok()) << "eddy-logd did not start: " << broker_->Stderr();
  }
  void TearDown() override {
    broker_.reset();
    std::filesystem::remove_all(dir_);
  }
  virtual int Partitions() const { return 1; }

  RunResult Kcat(std::vector<std::string> args, const std::string& in = "") {
    args.insert(args.begin(), {kcat_, "-b", broker_->bootstrap()});
    return testing::Run(args, in, 60);
  }
  void Produce(const std::string& topic, const std::string& payload,
               std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"-P", "-t", topic};
    args.insert(args.end(), extra.begin(), extra.end());
    RunResult r = Kcat(args, payload);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::string ConsumeFrom(const std::string& topic, const std::string& offset) {
    RunResult r = Kcat({"-C", "-t", topic, "-o", offset, "-e", "-q"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  std::string kcat_;
  std::filesystem::path dir_;
  std::unique_ptr<Broker> broker_;
};

TEST_F(KcatTest, MetadataListsBrokerAndAutoCreatedTopic) {
  RunResult r = Kcat({"-L", "-t", "meta-topic"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("broker 0 at " + broker_->bootstrap()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("topic \"meta-topic\" with 1 partitions"), std::string::npos) << r.out;
  r = Kcat({"-L"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("topic \"meta-topic\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("partition 0, leader 0, replicas: 0, isrs: 0"), std::string::npos) << r.out;
}

class KcatAcksTest : public KcatTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(KcatAcksTest, ProduceThenConsumeSameBytes) {
  const std::string topic = "acks-" + GetParam();
  const std::string payload = Payload("acks-" + GetParam() + "-message-", 500);
  Produce(topic, payload, {"-X", "acks=" + GetParam()});
  EXPECT_EQ(ConsumeFrom(topic, "beginning"), payload);
}

INSTANTIATE_TEST_SUITE_P(Acks, KcatAcksTest, ::testing::Values("0", "1", "all"));

class KcatCodecTest : public KcatTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(KcatCodecTest, CompressedBatchesStoredAsTheyCameAndServedBack) {
  const std::string topic = "codec-" + GetParam();
  const std::string marker = "compress-check-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-";
  const std::string payload = Payload(marker, 400);
  Produce(topic, payload, {"-z", GetParam()});
  EXPECT_EQ(ConsumeFrom(topic, "beginning"), payload);
  // The segment holds compressed batches: most records are not there in plain text.
  std::string stored;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir_ / "data")) {
    if (e.path().extension() == ".log") stored += ReadFile(e.path());
  }
  ASSERT_FALSE(stored.empty());
  size_t plain = 0;
  for (size_t at = stored.find(marker); at != std::string::npos; at = stored.find(marker, at + 1)) {
    ++plain;
  }
  EXPECT_LT(plain, 400u / 2) << "batches look uncompressed on disk";
}

INSTANTIATE_TEST_SUITE_P(Codecs, KcatCodecTest, ::testing::Values("gzip", "snappy", "lz4", "zstd"));

TEST_F(KcatTest, ConsumeFromBeginningEndOffsetAndTimestamp) {
  const std::string first = Payload("early-", 10);
  const std::string second = Payload("late-", 10);
  Produce("offs", first);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  const int64_t mid = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  Produce("offs", second);

  EXPECT_EQ(ConsumeFrom("offs", "beginning"), first + second);
  EXPECT_EQ(ConsumeFrom("offs", "end"), "");
  EXPECT_EQ(ConsumeFrom("offs", "5"), "early-5\nearly-6\nearly-7\nearly-8\nearly-9\n" + second);
  EXPECT_EQ(ConsumeFrom("offs", "s@" + std::to_string(mid)), second);
  EXPECT_EQ(ConsumeFrom("offs", "-3"), "late-7\nlate-8\nlate-9\n");
}

class KcatGroupTest : public KcatTest {
 protected:
  int Partitions() const override { return 3; }
  std::vector<std::string> GroupConsume() {
    RunResult r = Kcat(
        {"-G", "kcat-group", "grp", "-e", "-q", "-X", "auto.offset.reset=earliest", "-f", "%s\\n"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto lines = Lines(r.out);
    std::sort(lines.begin(), lines.end());
    return lines;
  }
};

TEST_F(KcatGroupTest, CommittedOffsetsResumeAfterRestartOfKcatAndBroker) {
  std::string keyed;
  for (int i = 0; i < 30; ++i)
    keyed += "k" + std::to_string(i) + ":first-" + std::to_string(i) + "\n";
  Produce("grp", keyed, {"-K:"});
  std::vector<std::string> expected1;
  for (int i = 0; i < 30; ++i) expected1.push_back("first-" + std::to_string(i));
  std::sort(expected1.begin(), expected1.end());
  EXPECT_EQ(GroupConsume(), expected1);

  std::string more;
  for (int i = 0; i < 20; ++i)
    more += "k" + std::to_string(i) + ":second-" + std::to_string(i) + "\n";
  Produce("grp", more, {"-K:"});
  ASSERT_EQ(broker_->Stop(), 0);
  broker_ = std::make_unique<Broker>(dir_ / "data", std::vector<std::string>{}, 3);
  ASSERT_TRUE(broker_->ok()) << broker_->Stderr();

  std::vector<std::string> expected2;
  for (int i = 0; i < 20; ++i) expected2.push_back("second-" + std::to_string(i));
  std::sort(expected2.begin(), expected2.end());
  EXPECT_EQ(GroupConsume(), expected2);
}

}  // namespace
}  // namespace eddy::kafka::testing

namespace eddy::kafka::testing {
namespace {

// --kafka-fetch-response-max-bytes (env EDDY_KAFKA_FETCH_RESPONSE_MAX_BYTES when not given):
// bad values stop eddy-logd at start-up with the option named; a cap below one batch still
// serves everything, one batch per Fetch.
TEST(FetchResponseCapTest, BadValuesAreRejectedNamingTheOption) {
  const auto dir = MakeTempDir("fetch-cap-bad");
  const std::vector<std::string> base = {EDDY_LOGD_PATH, "--data-dir", (dir / "data").string(),
                                         "--listen", "127.0.0.1:0"};
  for (const char* bad : {"-5", "lots", "99999999999"}) {
    std::vector<std::string> argv = base;
    argv.insert(argv.end(), {"--kafka-fetch-response-max-bytes", bad});
    RunResult r = testing::Run(argv, "", 30);
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.err;
    EXPECT_NE(r.err.find("--kafka-fetch-response-max-bytes"), std::string::npos) << r.err;
  }
  RunResult r = testing::Run(base, "", 30, {"EDDY_KAFKA_FETCH_RESPONSE_MAX_BYTES=lots"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--kafka-fetch-response-max-bytes"), std::string::npos) << r.err;
  std::filesystem::remove_all(dir);
}

TEST(FetchResponseCapTest, CapBelowOneBatchStillServesEveryBatch) {
  const std::string kcat = KcatPath();
  ASSERT_FALSE(kcat.empty());
  const auto dir = MakeTempDir("fetch-cap-small");
  {
    Broker broker(dir / "data", {"EDDY_KAFKA_FETCH_RESPONSE_MAX_BYTES=1"});
    ASSERT_TRUE(broker.ok()) << "eddy-logd did not start: " << broker.Stderr();
    std::string want;
    for (int batch = 0; batch < 3; ++batch) {  // one kcat run = one batch
      const std::string payload = Payload("b" + std::to_string(batch) + "-", 5);
      RunResult p =
          testing::Run({kcat, "-b", broker.bootstrap(), "-P", "-t", "capped"}, payload, 60);
      ASSERT_EQ(p.exit_code, 0) << p.err;
      want += payload;
    }
    RunResult c = testing::Run(
        {kcat, "-b", broker.bootstrap(), "-C", "-t", "capped", "-o", "beginning", "-e", "-q"}, "",
        60);
    ASSERT_EQ(c.exit_code, 0) << c.err;
    EXPECT_EQ(c.out, want);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace eddy::kafka::testing
