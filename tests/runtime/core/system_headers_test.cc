// Record headers through both systems against a real eddy-logd (native and Kafka listeners):
// what a SystemProducer sends with headers, a SystemConsumer of either system returns with the
// same headers (the container hands them to the task as IncomingMessageEnvelope::headers()),
// and kcat, a client of our own code, sees them too.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "runtime/standalone/child_process.h"
#include "runtime/system/system_factory.h"

namespace eddy::runtime {
namespace {

namespace fs = std::filesystem;
using Headers = std::vector<std::pair<std::string, std::optional<std::string>>>;

class SystemHeadersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/eddy-headers-XXXXXX";
    dir_ = mkdtemp(tmpl);
    ASSERT_TRUE(logd_
                    .Start({std::string(EDDY_BIN_DIR) + "/eddy-logd", "--data-dir", dir_ + "/log",
                            "--listen", "127.0.0.1:0", "--kafka-listen", "127.0.0.1:0"},
                           true)
                    .ok());
    auto line = logd_.ReadLineContaining("eddy-logd listening on", std::chrono::seconds(30));
    ASSERT_TRUE(line.ok()) << line.status();
    native_ = line->substr(line->rfind(' ') + 1);
    line = logd_.ReadLineContaining("kafka listening on", std::chrono::seconds(30));
    ASSERT_TRUE(line.ok()) << line.status();
    kafka_ = line->substr(line->rfind(' ') + 1);
    eddy_ = {
        "eddy",
        {{"factory", "eddy"}, {"bootstrap.servers", native_}, {"samza.offset.default", "oldest"}}};
    kafka_sys_ = {
        "kafka",
        {{"factory", "kafka"}, {"bootstrap.servers", kafka_}, {"samza.offset.default", "oldest"}}};
    auto f = MakeSystemFactory(eddy_);
    ASSERT_TRUE(f.ok());
    auto admin = (*f)->MakeAdmin(eddy_);
    ASSERT_TRUE(admin.ok()) << admin.status();
    for (const char* t : {"from-eddy", "from-kafka"}) {
      ASSERT_TRUE((*admin)->CreateStream({t, 1, false}).ok());
    }
  }
  void TearDown() override {
    logd_.Stop(std::chrono::seconds(5));
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void SendOne(const SystemConfig& sys, const std::string& topic) {
    auto f = MakeSystemFactory(sys);
    ASSERT_TRUE(f.ok());
    auto p = (*f)->MakeProducer(sys);
    ASSERT_TRUE(p.ok()) << p.status();
    std::vector<logstore::RecordHeader> hs = {{"trace-id", std::string_view("abc123")},
                                              {"null-valued", std::nullopt},
                                              {"trace-id", std::string_view("second")},
                                              {"empty", std::string_view("")}};
    ASSERT_TRUE((*p)->Send(topic, 0, std::string_view("k"), std::string_view("v"), 1000, hs).ok());
    ASSERT_TRUE(
        (*p)->Send(topic, 0, std::string_view("k2"), std::string_view("v2"), 1000, {}).ok());
    ASSERT_TRUE((*p)->Flush().ok());
    (*p)->Stop();
  }

  // The headers of the first two records of `topic`[0], read by `sys`'s consumer.
  std::vector<Headers> ReadTwo(const SystemConfig& sys, const std::string& topic) {
    std::vector<Headers> out;
    auto f = MakeSystemFactory(sys);
    EXPECT_TRUE(f.ok());
    auto c = (*f)->MakeConsumer(sys);
    EXPECT_TRUE(c.ok()) << c.status();
    if (!c.ok()) return out;
    EXPECT_TRUE((*c)->Register(Ssp{sys.name, topic, 0}, std::nullopt).ok());
    EXPECT_TRUE((*c)->Start().ok());
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (out.size() < 2 && std::chrono::steady_clock::now() < deadline) {
      auto batches = (*c)->Poll(std::chrono::milliseconds(200));
      EXPECT_TRUE(batches.ok()) << batches.status();
      if (!batches.ok()) break;
      for (const auto& b : *batches) {
        for (const auto& r : b.records) {
          Headers hs;
          logstore::RecordHeaderIterator it(r.headers_raw, r.header_count);
          logstore::RecordHeader h;
          while (it.Next(&h)) {
            hs.emplace_back(
                std::string(h.key),
                h.value ? std::optional<std::string>(std::string(*h.value)) : std::nullopt);
          }
          EXPECT_TRUE(it.status().ok()) << it.status();
          out.push_back(std::move(hs));
        }
      }
    }
    (*c)->Stop();
    return out;
  }

  std::string Kcat(const std::string& topic) {
    std::string cmd =
        "kcat -C -b " + kafka_ + " -t " + topic + " -p 0 -o beginning -c 1 -e -f '%h\\n' 2>&1";
    std::string out;
    FILE* f = popen(cmd.c_str(), "r");
    if (!f) return "popen failed";
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
    pclose(f);
    return out;
  }

  const Headers kExpected = {
      {"trace-id", "abc123"}, {"null-valued", std::nullopt}, {"trace-id", "second"}, {"empty", ""}};
  std::string dir_, native_, kafka_;
  ChildProcess logd_;
  SystemConfig eddy_, kafka_sys_;
};

TEST_F(SystemHeadersTest, EddySystemCarriesHeadersBothWays) {
  SendOne(eddy_, "from-eddy");
  EXPECT_THAT(ReadTwo(eddy_, "from-eddy"), ::testing::ElementsAre(kExpected, Headers{}));
  EXPECT_THAT(ReadTwo(kafka_sys_, "from-eddy"), ::testing::ElementsAre(kExpected, Headers{}));
  EXPECT_THAT(Kcat("from-eddy"), ::testing::HasSubstr("trace-id=abc123"));
}

TEST_F(SystemHeadersTest, KafkaSystemCarriesHeadersBothWays) {
  SendOne(kafka_sys_, "from-kafka");
  EXPECT_THAT(ReadTwo(kafka_sys_, "from-kafka"), ::testing::ElementsAre(kExpected, Headers{}));
  EXPECT_THAT(ReadTwo(eddy_, "from-kafka"), ::testing::ElementsAre(kExpected, Headers{}));
  EXPECT_THAT(Kcat("from-kafka"), ::testing::HasSubstr("trace-id=second"));
}

}  // namespace
}  // namespace eddy::runtime
