// What eddy-logd does not support must fail at once with a clear, non-retriable error, seen
// through real librdkafka 2.0.2 in-process: a producer that speaks the old message format
// (api.version.request=false with a 0.8/0.9 broker.version.fallback makes librdkafka send
// Produce v0/v1 with message format v0). The current format keeps working on the same broker.
// (Transactions are served now: tests/integration/kafka/transactions_test.cc.)
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "test_support.h"

namespace eddy::kafka::testing {
namespace {

struct Producer {
  explicit Producer(const std::string& bootstrap, const std::map<std::string, std::string>& extra) {
    char errstr[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    std::map<std::string, std::string> all = {{"bootstrap.servers", bootstrap}};
    for (const auto& [k, v] : extra) all[k] = v;
    for (const auto& [k, v] : all) {
      if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof(errstr)) !=
          RD_KAFKA_CONF_OK) {
        ADD_FAILURE() << k << "=" << v << ": " << errstr;
      }
    }
    rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
      auto* self = static_cast<Producer*>(opaque);
      self->errors[m->err]++;
    });
    rd_kafka_conf_set_opaque(conf, this);
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (rk == nullptr) ADD_FAILURE() << "rd_kafka_new: " << errstr;
  }
  ~Producer() {
    if (rk != nullptr) rd_kafka_destroy(rk);
  }
  void Send(const std::string& topic, int n) {
    for (int i = 0; i < n; ++i) {
      const std::string v = "m-" + std::to_string(i);
      ASSERT_EQ(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
                                  RD_KAFKA_V_VALUE(const_cast<char*>(v.data()), v.size()),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
                RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    // Every delivery report, or a 60 s bound (message.timeout.ms below is shorter).
    for (int i = 0; i < 600 && rd_kafka_outq_len(rk) > 0; ++i) rd_kafka_poll(rk, 100);
    rd_kafka_poll(rk, 0);
  }
  rd_kafka_t* rk = nullptr;
  std::map<rd_kafka_resp_err_t, int> errors;  // delivery reports by error
};

class KafkaFailFastTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    broker_ = std::make_unique<Broker>(dir_ / "data");
    ASSERT_TRUE(broker_->ok()) << "eddy-logd did not start: " << broker_->Stderr();
  }
  void TearDown() override {
    broker_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  std::unique_ptr<Broker> broker_;
};

TEST_F(KafkaFailFastTest, OldMessageFormatsAreRefusedPermanentlyAndV2StillWorks) {
  // librdkafka sends ApiVersions anyway for a fallback >= 0.10, so 0.8/0.9 are the old clients
  // it can play: Produce v0 / v1 with message format v0. (Format v1 is covered byte by byte in
  // tests/kafka/unit/server_test.cc.)
  for (const char* fallback : {"0.8.2", "0.9.0"}) {
    Producer old(broker_->bootstrap(), {{"api.version.request", "false"},
                                        {"broker.version.fallback", fallback},
                                        {"message.timeout.ms", "50000"}});
    ASSERT_NE(old.rk, nullptr);
    old.Send("legacy", 5);
    EXPECT_EQ(old.errors[RD_KAFKA_RESP_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT], 5)
        << "broker.version.fallback=" << fallback << ": "
        << (old.errors.empty() ? "no delivery reports"
                               : rd_kafka_err2name(old.errors.begin()->first));
  }
  Producer now(broker_->bootstrap(), {});
  ASSERT_NE(now.rk, nullptr);
  now.Send("legacy", 5);
  EXPECT_EQ(now.errors[RD_KAFKA_RESP_ERR_NO_ERROR], 5);
  EXPECT_EQ(now.errors.size(), 1u);
  EXPECT_NE(broker_->Stderr().find("message format v"), std::string::npos);
}

}  // namespace
}  // namespace eddy::kafka::testing
