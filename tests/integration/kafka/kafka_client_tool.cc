// kafka_client_tool: a librdkafka (C++ API, plus the C admin API) program the Kafka integration
// tests run as separate processes against eddy-logd's Kafka listener.
//   produce   --bootstrap B --topic T --count N [--partitions P] [--idempotent] [--prefix S]
//   consume   --bootstrap B --topic T --group G --out FILE [--instance-id I]
//             (until SIGTERM, then a clean close; exit 4 after a fatal error such as
//             FENCED_INSTANCE_ID, printed as "fatal: NAME: reason" on stderr)
//   committed --bootstrap B --topic T --group G --partitions P
//   create-topic --bootstrap B --topic T --partitions P
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

std::map<std::string, std::string> ParseArgs(int argc, char** argv) {
  std::map<std::string, std::string> args;
  for (int i = 2; i < argc; ++i) {
    std::string k = argv[i];
    if (k.rfind("--", 0) != 0) continue;
    if (i + 1 < argc && std::strncmp(argv[i + 1], "--", 2) != 0) {
      args[k.substr(2)] = argv[++i];
    } else {
      args[k.substr(2)] = "true";
    }
  }
  return args;
}

bool Set(RdKafka::Conf* conf, const std::string& k, const std::string& v) {
  std::string err;
  if (conf->set(k, v, err) != RdKafka::Conf::CONF_OK) {
    std::fprintf(stderr, "config %s=%s: %s\n", k.c_str(), v.c_str(), err.c_str());
    return false;
  }
  return true;
}

class DeliveryCounter : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& m) override {
    if (m.err() == RdKafka::ERR_NO_ERROR) {
      ++ok;
    } else {
      ++failed;
      std::fprintf(stderr, "delivery failed: %s\n", m.errstr().c_str());
    }
  }
  std::atomic<int> ok{0}, failed{0};
};

int Produce(std::map<std::string, std::string>& a) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  DeliveryCounter dr;
  std::string err;
  Set(conf.get(), "bootstrap.servers", a["bootstrap"]);
  Set(conf.get(), "linger.ms", "5");
  Set(conf.get(), "batch.num.messages", "50");
  Set(conf.get(), "message.timeout.ms", "60000");
  Set(conf.get(), "reconnect.backoff.max.ms", "500");
  if (a.count("idempotent")) Set(conf.get(), "enable.idempotence", "true");
  conf->set("dr_cb", &dr, err);
  std::unique_ptr<RdKafka::Producer> p(RdKafka::Producer::create(conf.get(), err));
  if (!p) {
    std::fprintf(stderr, "producer: %s\n", err.c_str());
    return 1;
  }
  const int count = std::stoi(a["count"]);
  const int parts = a.count("partitions") ? std::stoi(a["partitions"]) : 0;
  const std::string prefix = a.count("prefix") ? a["prefix"] : "m";
  for (int i = 0; i < count; ++i) {
    std::string v = prefix + std::to_string(i);
    int32_t partition = parts > 0 ? i % parts : RdKafka::Topic::PARTITION_UA;
    while (true) {
      auto e = p->produce(a["topic"], partition, RdKafka::Producer::RK_MSG_COPY, v.data(), v.size(),
                          nullptr, 0, 0, nullptr);
      if (e == RdKafka::ERR__QUEUE_FULL) {
        p->poll(10);
        continue;
      }
      if (e != RdKafka::ERR_NO_ERROR) {
        std::fprintf(stderr, "produce: %s\n", RdKafka::err2str(e).c_str());
        return 1;
      }
      break;
    }
    p->poll(0);
  }
  p->flush(60000);
  std::printf("delivered %d failed %d\n", dr.ok.load(), dr.failed.load());
  return dr.ok == count && dr.failed == 0 ? 0 : 1;
}

int Consume(std::map<std::string, std::string>& a) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  Set(conf.get(), "bootstrap.servers", a["bootstrap"]);
  Set(conf.get(), "group.id", a["group"]);
  Set(conf.get(), "session.timeout.ms", "6000");
  Set(conf.get(), "heartbeat.interval.ms", "500");
  Set(conf.get(), "auto.commit.interval.ms", "300");
  Set(conf.get(), "auto.offset.reset", "earliest");
  if (a.count("instance-id")) Set(conf.get(), "group.instance.id", a["instance-id"]);
  std::unique_ptr<RdKafka::KafkaConsumer> c(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!c) {
    std::fprintf(stderr, "consumer: %s\n", err.c_str());
    return 1;
  }
  FILE* out = std::fopen(a["out"].c_str(), "a");
  if (!out) return 1;
  c->subscribe({a["topic"]});
  while (!g_stop) {
    std::unique_ptr<RdKafka::Message> m(c->consume(100));
    if (m->err() == RdKafka::ERR__FATAL) {
      std::string reason;
      RdKafka::ErrorCode fatal = c->fatal_error(reason);
      std::fprintf(stderr, "fatal: %s: %s\n", RdKafka::err2str(fatal).c_str(), reason.c_str());
      std::fprintf(stderr, "fatal-code: %d\n", static_cast<int>(fatal));
      std::fclose(out);
      c->close();
      return 4;
    }
    if (m->err() == RdKafka::ERR_NO_ERROR) {
      std::fprintf(out, "%d %lld %.*s\n", m->partition(), static_cast<long long>(m->offset()),
                   static_cast<int>(m->len()), static_cast<const char*>(m->payload()));
      std::fflush(out);
    }
  }
  c->close();
  std::fclose(out);
  return 0;
}

int Committed(std::map<std::string, std::string>& a) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  Set(conf.get(), "bootstrap.servers", a["bootstrap"]);
  Set(conf.get(), "group.id", a["group"]);
  std::unique_ptr<RdKafka::KafkaConsumer> c(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!c) return 1;
  std::vector<RdKafka::TopicPartition*> parts;
  for (int i = 0; i < std::stoi(a["partitions"]); ++i) {
    parts.push_back(RdKafka::TopicPartition::create(a["topic"], i));
  }
  auto e = c->committed(parts, 10000);
  int rc = 0;
  if (e != RdKafka::ERR_NO_ERROR) {
    std::fprintf(stderr, "committed: %s\n", RdKafka::err2str(e).c_str());
    rc = 1;
  } else {
    for (auto* p : parts)
      std::printf("%d %lld\n", p->partition(), static_cast<long long>(p->offset()));
  }
  RdKafka::TopicPartition::destroy(parts);
  c->close();
  return rc;
}

int CreateTopic(std::map<std::string, std::string>& a) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", a["bootstrap"].c_str(), errstr, sizeof(errstr));
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!rk) return 1;
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(a["topic"].c_str(), std::stoi(a["partitions"]),
                                                  -1, errstr, sizeof(errstr));
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &nt, 1, nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
  int rc = 1;
  if (ev) {
    const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
    size_t n = 0;
    const rd_kafka_topic_result_t** topics =
        res ? rd_kafka_CreateTopics_result_topics(res, &n) : nullptr;
    if (rd_kafka_event_error(ev)) {
      std::printf("request error %s\n", rd_kafka_event_error_string(ev));
    } else if (n == 1) {
      rd_kafka_resp_err_t e = rd_kafka_topic_result_error(topics[0]);
      std::printf("%s %s\n", rd_kafka_topic_result_name(topics[0]), rd_kafka_err2name(e));
      rc = e == RD_KAFKA_RESP_ERR_NO_ERROR ? 0
                                           : (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS ? 3 : 1);
    }
    rd_kafka_event_destroy(ev);
  } else {
    std::printf("timeout\n");
  }
  rd_kafka_NewTopic_destroy(nt);
  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: kafka_client_tool produce|consume|committed|create-topic ...\n");
    return 2;
  }
  signal(SIGTERM, OnSignal);
  signal(SIGINT, OnSignal);
  auto args = ParseArgs(argc, argv);
  std::string mode = argv[1];
  if (mode == "produce") return Produce(args);
  if (mode == "consume") return Consume(args);
  if (mode == "committed") return Committed(args);
  if (mode == "create-topic") return CreateTopic(args);
  std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
  return 2;
}
