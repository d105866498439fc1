// kafka_load: a librdkafka load tool. Produces N messages of S bytes over P partitions, then
// consumes the last W messages of every partition, and prints msgs/s and MB/s for both phases,
// first against librdkafka's own mock cluster (rd_kafka_mock_cluster_new, in this process) and
// then, in the same run, against an Eddy broker's Kafka listener; finally the ratio Eddy/mock.
// The mock keeps only ~5 MiB / 100000 messages per partition, so W must fit that window
// (default 40000 x 100 B); both brokers are measured on the same window.
//   kafka_load --bootstrap 127.0.0.1:PORT [--messages 1000000] [--size 100] [--partitions 8]
//              [--window 40000] [--rounds 1] [--skip-mock] [--skip-eddy]
//              [--client-prop K=V]... [--producer-prop K=V]... [--consumer-prop K=V]...
// --rounds N repeats both measurements N times (alternating which broker goes first) and prints
// the medians; the *-prop flags set librdkafka properties for both brokers alike.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Result {
  double produce_s = 0;
  double consume_s = 0;
  double first_s = 0;  // assign() to the first consumed message
  long produced = 0;
  long consumed = 0;
};

bool CreateTopic(const std::string& bootstrap, const std::string& topic, int partitions) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), errstr, sizeof(errstr));
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  rd_kafka_NewTopic_t* nt =
      rd_kafka_NewTopic_new(topic.c_str(), partitions, -1, errstr, sizeof(errstr));
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &nt, 1, nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
  bool ok = false;
  if (ev) {
    size_t n = 0;
    auto* res = rd_kafka_event_CreateTopics_result(ev);
    auto** topics = res ? rd_kafka_CreateTopics_result_topics(res, &n) : nullptr;
    ok = n == 1 && rd_kafka_topic_result_error(topics[0]) == RD_KAFKA_RESP_ERR_NO_ERROR;
    if (!ok && n == 1)
      std::fprintf(stderr, "create topic: %s\n", rd_kafka_topic_result_error_string(topics[0]));
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_NewTopic_destroy(nt);
  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
  return ok;
}

class Counter : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& m) override { (m.err() ? failed : ok)++; }
  long ok = 0, failed = 0;
};

using Props = std::vector<std::pair<std::string, std::string>>;

void Apply(RdKafka::Conf* conf, const Props& props) {
  std::string err;
  for (const auto& [k, v] : props) {
    if (conf->set(k, v, err) != RdKafka::Conf::CONF_OK) {
      std::fprintf(stderr, "kafka_load: %s=%s: %s\n", k.c_str(), v.c_str(), err.c_str());
      std::exit(2);
    }
  }
}

Result RunLoad(const std::string& bootstrap, const std::string& topic, long messages, int size,
               int partitions, long window, const Props& producer_props,
               const Props& consumer_props) {
  Result r;
  std::string err;
  {
    Counter dr;
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    conf->set("bootstrap.servers", bootstrap, err);
    conf->set("acks", "1", err);
    conf->set("linger.ms", "5", err);
    conf->set("batch.size", "1000000", err);
    conf->set("queue.buffering.max.messages", "1000000", err);
    conf->set("dr_cb", &dr, err);
    Apply(conf.get(), producer_props);
    std::unique_ptr<RdKafka::Producer> p(RdKafka::Producer::create(conf.get(), err));
    std::string value(static_cast<size_t>(size), 'x');
    // Warm-up: metadata and connections before the clock starts.
    p->produce(topic, 0, RdKafka::Producer::RK_MSG_COPY, value.data(), value.size(), nullptr, 0, 0,
               nullptr);
    p->flush(10000);
    dr.ok = 0;
    auto start = Clock::now();
    for (long i = 0; i < messages; ++i) {
      while (p->produce(topic, static_cast<int32_t>(i % partitions), RdKafka::Producer::RK_MSG_COPY,
                        value.data(), value.size(), nullptr, 0, 0,
                        nullptr) == RdKafka::ERR__QUEUE_FULL) {
        p->poll(1);
      }
      if ((i & 1023) == 0) p->poll(0);
    }
    p->flush(120000);
    r.produce_s = std::chrono::duration<double>(Clock::now() - start).count();
    r.produced = dr.ok;
    if (dr.failed) std::fprintf(stderr, "%ld deliveries failed\n", dr.failed);
  }
  {
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    conf->set("bootstrap.servers", bootstrap, err);
    conf->set("group.id", "kafka-load", err);
    conf->set("enable.auto.commit", "false", err);
    // librdkafka counts queued.min.messages over the consumer queue that every partition's
    // queue forwards to; past it, partitions stop being fetchable until the broker thread's
    // next 1 s timer tick, which put a ~0.8 s stall into about half the runs (against either
    // broker). A limit above the whole window takes that client artifact out of the figure.
    conf->set("queued.min.messages", "1000000", err);
    Apply(conf.get(), consumer_props);
    std::unique_ptr<RdKafka::KafkaConsumer> c(RdKafka::KafkaConsumer::create(conf.get(), err));
    // Partition 0 got one extra (warm-up) message; every partition ends at its count.
    std::vector<RdKafka::TopicPartition*> parts;
    long expected = 0;
    for (int p = 0; p < partitions; ++p) {
      long end = messages / partitions + (p < messages % partitions ? 1 : 0) + (p == 0 ? 1 : 0);
      long start = end > window ? end - window : 0;
      expected += end - start;
      parts.push_back(RdKafka::TopicPartition::create(topic, p, start));
    }
    // Warm-up: connect and fetch metadata before the clock starts, as for the producer.
    {
      RdKafka::Metadata* md = nullptr;
      if (c->metadata(true, nullptr, &md, 10000) == RdKafka::ERR_NO_ERROR) delete md;
    }
    auto start = Clock::now();
    auto last = start;
    const bool debug = std::getenv("KAFKA_LOAD_DEBUG") != nullptr;
    c->assign(parts);
    while (r.consumed < expected) {
      std::unique_ptr<RdKafka::Message> m(c->consume(100));
      if (m->err() == RdKafka::ERR_NO_ERROR) {
        if (debug) {
          const auto now = Clock::now();
          const double gap = std::chrono::duration<double>(now - last).count();
          if (gap > 0.05) {
            std::fprintf(stderr, "  gap %.3f s before message %ld (partition %d offset %lld)\n",
                         gap, r.consumed, m->partition(), static_cast<long long>(m->offset()));
          }
          last = now;
        }
        if (r.consumed++ == 0) {
          r.first_s = std::chrono::duration<double>(Clock::now() - start).count();
        }
      } else if (m->err() != RdKafka::ERR__TIMED_OUT && m->err() != RdKafka::ERR__PARTITION_EOF) {
        std::fprintf(stderr, "consume: %s\n", m->errstr().c_str());
        break;
      }
      if (std::chrono::duration<double>(Clock::now() - start).count() > 120) break;
    }
    r.consume_s = std::chrono::duration<double>(Clock::now() - start).count();
    RdKafka::TopicPartition::destroy(parts);
    c->close();
  }
  return r;
}

void Print(const char* name, const Result& r, int size) {
  std::printf(
      "%-5s produce %8ld msgs in %6.3f s = %10.0f msgs/s %7.1f MB/s | consume %8ld msgs in %6.3f s "
      "= %10.0f msgs/s %7.1f MB/s (first after %.3f s)\n",
      name, r.produced, r.produce_s, r.produced / r.produce_s,
      r.produced * size / r.produce_s / 1e6, r.consumed, r.consume_s, r.consumed / r.consume_s,
      r.consumed * size / r.consume_s / 1e6, r.first_s);
}


double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

Result RunMock(const std::string& topic, long messages, int size, int partitions, long window,
               const Props& pp, const Props& cp) {
  char errstr[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_t* host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  rd_kafka_mock_cluster_t* mc = rd_kafka_mock_cluster_new(host, 1);
  rd_kafka_mock_topic_create(mc, topic.c_str(), partitions, 1);
  Result r = RunLoad(rd_kafka_mock_cluster_bootstraps(mc), topic, messages, size, partitions,
                     window, pp, cp);
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(host);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> a;
  Props producer_props, consumer_props;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (k == "-h" || k == "--help") {
      std::fputs(
          "usage: kafka_load --bootstrap 127.0.0.1:PORT [--messages 1000000] [--size 100]\n"
          "                  [--partitions 8] [--window 40000] [--rounds 1] [--skip-mock]\n"
          "                  [--skip-eddy] [--client-prop K=V]... [--producer-prop K=V]...\n"
          "                  [--consumer-prop K=V]...\n"
          "Produces and consumes with librdkafka against its mock cluster and an Eddy broker's\n"
          "Kafka listener (--bootstrap) in the same run and prints msgs/s, MB/s and the ratio.\n",
          stdout);
      return 0;
    }
    if (k.rfind("--", 0) != 0) continue;
    std::string v =
        (i + 1 < argc && std::strncmp(argv[i + 1], "--", 2) != 0) ? argv[++i] : std::string("1");
    if (k == "--producer-prop" || k == "--consumer-prop" || k == "--client-prop") {
      const size_t eq = v.find('=');
      if (eq == std::string::npos) {
        std::fprintf(stderr, "%s wants KEY=VALUE, got '%s'\n", k.c_str(), v.c_str());
        return 2;
      }
      std::pair<std::string, std::string> kv{v.substr(0, eq), v.substr(eq + 1)};
      if (k != "--consumer-prop") producer_props.push_back(kv);
      if (k != "--producer-prop") consumer_props.push_back(kv);
      continue;
    }
    a[k.substr(2)] = v;
  }
  const long messages = a.count("messages") ? std::stol(a["messages"]) : 1000000;
  const int size = a.count("size") ? std::stoi(a["size"]) : 100;
  const int partitions = a.count("partitions") ? std::stoi(a["partitions"]) : 8;
  const long window = a.count("window") ? std::stol(a["window"]) : 40000;
  const int rounds = a.count("rounds") ? std::stoi(a["rounds"]) : 1;
  const bool run_mock = !a.count("skip-mock");
  const bool run_eddy = !a.count("skip-eddy");
  if (run_eddy && !a.count("bootstrap")) {
    std::fprintf(stderr, "--bootstrap HOST:PORT of eddy-logd's Kafka listener is required\n");
    return 2;
  }
  std::printf(
      "kafka_load: %ld x %d B over %d partitions, consume window %ld per partition, "
      "%d round(s)\n",
      messages, size, partitions, window, rounds);
  for (const auto& [k, v] : producer_props) std::printf("  producer %s=%s\n", k.c_str(), v.c_str());
  for (const auto& [k, v] : consumer_props) std::printf("  consumer %s=%s\n", k.c_str(), v.c_str());

  std::vector<double> mp, mc, ep, ec, rp, rc;
  for (int round = 0; round < rounds; ++round) {
    const std::string topic =
        "load-" + std::to_string(::time(nullptr)) + "-" + std::to_string(round);
    Result mock, eddy;
    auto do_mock = [&] {
      if (!run_mock) return;
      mock = RunMock(topic, messages, size, partitions, window, producer_props, consumer_props);
      Print("mock", mock, size);
    };
    auto do_eddy = [&] {
      if (!run_eddy) return true;
      if (!CreateTopic(a["bootstrap"], topic, partitions)) return false;
      eddy = RunLoad(a["bootstrap"], topic, messages, size, partitions, window, producer_props,
                     consumer_props);
      Print("eddy", eddy, size);
      return true;
    };
    // Alternate which broker goes first, so neither always gets the warmer (or quieter) slot.
    if (round % 2 == 0) {
      do_mock();
      if (!do_eddy()) return 1;
    } else {
      if (!do_eddy()) return 1;
      do_mock();
    }
    if (mock.produced > 0) {
      mp.push_back(mock.produced / mock.produce_s);
      mc.push_back(mock.consumed / mock.consume_s);
    }
    if (eddy.produced > 0) {
      ep.push_back(eddy.produced / eddy.produce_s);
      ec.push_back(eddy.consumed / eddy.consume_s);
    }
    if (mock.produced > 0 && eddy.produced > 0) {
      rp.push_back(ep.back() / mp.back());
      rc.push_back(ec.back() / mc.back());
      std::printf("ratio eddy/mock: produce %.2f, consume %.2f\n", rp.back(), rc.back());
    }
  }
  if (rounds > 1) {
    std::printf(
        "median over %d rounds: mock produce %.0f msgs/s, consume %.0f msgs/s | eddy "
        "produce %.0f msgs/s, consume %.0f msgs/s\n",
        rounds, Median(mp), Median(mc), Median(ep), Median(ec));
    if (!rp.empty()) {
      std::printf("median ratio eddy/mock: produce %.2f, consume %.2f\n", Median(rp), Median(rc));
    }
  }
  return 0;
}
