// eddy-logd: the log-store broker. Serves the native gRPC API (log_store.proto) over one data
// directory until SIGTERM/SIGINT, then stops cleanly (in-flight calls finish, logs flushed).
//   eddy-logd --data-dir DIR --listen 127.0.0.1:PORT [--fsync] [--http-address 127.0.0.1:0]
// Port 0 picks a free port; the bound address is printed as "eddy-logd listening on HOST:PORT".
// Before it, "eddy-logd http on HOST:PORT" names the HTTP endpoint serving /metrics
// (docs/METRICS.md); --http-address "" turns it off.
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/resource_quota.h"
#include "log-store/broker/log_store_service.h"
#include "log-store/broker/logd_metrics.h"
#include "log-store/http/http_server.h"
#include "log-store/http/metrics_endpoint.h"
#include "log-store/kafka/kafka_server.h"
#include "log-store/share/share_group_manager.h"
#include "log-store/storage/fault_hooks.h"
#include "log-store/storage/log_manager.h"
#include "log-store/txn/transaction_coordinator.h"

namespace {

// A whole number >= `min`. CLI11's PositiveNumber/NonNegativeNumber name a range up to
// 1.8e308 in their errors; this says "--max-partitions: '0' is not a whole number >= 1".
CLI::Validator AtLeast(int64_t min) {
  const std::string want = "a whole number >= " + std::to_string(min);
  return CLI::Validator(
      [min, want](std::string& s) -> std::string {
        int64_t v = 0;
        if (absl::SimpleAtoi(s, &v) && v >= min) return "";
        return "'" + s + "' is not " + want;
      },
      want);
}

}  // namespace

int main(int argc, char** argv) {
  std::string data_dir;
  std::string listen = "127.0.0.1:9093";
  bool fsync = false;
  CLI::App app{"eddy-logd: Eddy's log-store broker", "eddy-logd"};
  app.add_option("--data-dir", data_dir, "directory holding topics and partitions")->required();
  app.add_option("--listen", listen, "HOST:PORT of the native gRPC API (port 0 = any)");
  app.add_flag("--fsync", fsync,
               "fsync every append before acknowledging it (acks=all survives kill -9)");
  std::string http_address = "127.0.0.1:0";
  app.add_option("--http-address", http_address,
                 "HOST:PORT of the HTTP endpoint serving /metrics (port 0 = any, \"\" = off)");
  std::string kafka_listen;
  eddy::kafka::KafkaServerOptions kafka_options;
  app.add_option("--kafka-listen", kafka_listen,
                 "HOST:PORT of the Kafka wire protocol (off when empty)");
  app.add_option("--kafka-advertised-host", kafka_options.advertised_host,
                 "host given to Kafka clients");
  app.add_option("--auto-create-topics", kafka_options.auto_create_topics,
                 "create unknown topics on Kafka Metadata requests (true|false)");
  app.add_option("--default-partitions", kafka_options.default_partitions,
                 "partitions of auto-created topics");
  app.add_option("--kafka-fetch-response-max-bytes", kafka_options.max_fetch_response_bytes,
                 "upper bound on the record bytes of one Kafka Fetch response, 0 = the client's "
                 "fetch.max.bytes only (default 524288)")
      ->check(AtLeast(0))
      ->envname("EDDY_KAFKA_FETCH_RESPONSE_MAX_BYTES");
  app.add_option("--kafka-fetch-zero-copy", kafka_options.fetch_zero_copy,
                 "send fetched Kafka batches with sendfile from the segment files once they are "
                 "CRC-checked (true|false; default true)")
      ->envname("EDDY_KAFKA_FETCH_ZERO_COPY");
  app.add_option("--kafka-max-connections", kafka_options.max_connections,
                 "most Kafka connections at once; more are accepted and closed at once "
                 "(max.connections; default 1000, keep it below ulimit -n)")
      ->check(AtLeast(1));
  app.add_option("--kafka-max-connections-per-ip", kafka_options.max_connections_per_ip,
                 "most Kafka connections from one client address (max.connections.per.ip; "
                 "default 200)")
      ->check(AtLeast(1));
  app.add_option("--kafka-connections-max-idle-ms", kafka_options.connections_max_idle_ms,
                 "close a Kafka connection with no request for this long, 0 = never "
                 "(connections.max.idle.ms; default 600000)")
      ->check(AtLeast(0));
  eddy::logstore::LogManagerOptions lm_options;
  app.add_option("--max-partitions-per-topic", lm_options.max_partitions_per_topic,
                 "most partitions one topic may have, for CreateTopics, CreatePartitions and the "
                 "native API (default 10000)")
      ->check(AtLeast(1));
  app.add_option("--max-partitions", lm_options.max_partitions,
                 "most partitions the broker holds over all topics (default 100000)")
      ->check(AtLeast(1));
  int32_t max_long_polls = eddy::logstore::LogStoreServiceOptions{}.max_long_polls;
  app.add_option("--max-long-polls", max_long_polls,
                 "most native Fetch/ShareFetch calls that wait for data at once; the rest answer "
                 "at once (the gRPC API has 64 threads; default 32)")
      ->check(CLI::Range(0, 56));
  app.add_option("--producer-id-expiration-ms", lm_options.producer_id_expiration_ms,
                 "forget an idempotent producer id's sequence state after it wrote nothing to a "
                 "partition for this long (producer.id.expiration.ms; default 86400000)")
      ->check(AtLeast(1));
  eddy::logstore::TransactionCoordinatorOptions txn_options;
  app.add_option("--max-transaction-timeout-ms", txn_options.max_transaction_timeout_ms,
                 "longest transaction timeout a producer may ask for "
                 "(transaction.max.timeout.ms; default 900000)")
      ->check(AtLeast(1));
  app.add_option("--max-transactional-ids", txn_options.max_transactional_ids,
                 "most transactional ids the coordinator holds (default 100000)")
      ->check(AtLeast(1));
  app.add_option("--max-partitions-per-transaction", txn_options.max_partitions_per_txn,
                 "most partitions one transaction may add (default 10000)")
      ->check(AtLeast(1));
  int64_t txn_check_ms = 100;
  app.add_option("--transaction-timeout-check-ms", txn_check_ms,
                 "how often transactions past their timeout are looked for and aborted "
                 "(default 100)")
      ->check(AtLeast(1));
  eddy::logstore::share::ShareGroupManagerOptions share_options;
  auto& share_defaults = share_options.limits.defaults;
  app.add_option("--share-record-lock-duration-ms", share_defaults.record_lock_duration_ms,
                 "default group.share.record.lock.duration.ms of share groups (default 30000)")
      ->check(AtLeast(1));
  app.add_option("--share-delivery-count-limit", share_defaults.delivery_count_limit,
                 "default group.share.delivery.count.limit (default 5)")
      ->check(CLI::Range(2, 10));
  app.add_option("--share-session-timeout-ms", share_defaults.session_timeout_ms,
                 "default group.share.session.timeout.ms (default 45000)")
      ->check(AtLeast(1));
  std::string share_reset = "latest";
  app.add_option("--share-auto-offset-reset", share_reset,
                 "default share.auto.offset.reset: latest | earliest (default latest)")
      ->check(CLI::IsMember({"latest", "earliest"}));
  app.add_option("--share-partition-max-record-locks", share_defaults.max_record_locks,
                 "default group.share.partition.max.record.locks: in-flight records per share "
                 "partition (default 2000)")
      ->check(AtLeast(1));
  app.add_option("--share-max-record-locks", share_options.limits.max_max_record_locks,
                 "largest group.share.partition.max.record.locks a group may set (default 10000)")
      ->check(AtLeast(1));
  app.add_option("--share-max-groups", share_options.max_groups,
                 "most share groups the broker holds (default 1000)")
      ->check(AtLeast(1));
  app.add_option("--share-max-members-per-group", share_options.max_members_per_group,
                 "most members of one share group (group.share.max.size; default 200)")
      ->check(AtLeast(1));
  app.add_option("--share-max-records-per-fetch", share_options.max_records_per_fetch,
                 "most records one ShareFetch acquires (default 10000)")
      ->check(AtLeast(1));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  // Batches are 0.1-8 MiB buffers: keep them on the heap instead of a fresh mmap (and page
  // faults) for every request.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);

  // Block the stop signals in every thread; main waits for them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // Every partition segment keeps 3 descriptors open: use the whole hard limit, as Kafka's
  // service files do by raising LimitNOFILE.
  rlimit nofile{};
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &nofile);
  }

  // Tests arm fault hooks of a real broker (log-store/storage/fault_hooks.h) with
  // EDDY_LOGD_FAULT_HOOKS=name[,name...]; nothing is armed otherwise.
  if (const char* hooks = std::getenv("EDDY_LOGD_FAULT_HOOKS"); hooks != nullptr && *hooks) {
    std::string all(hooks);
    size_t start = 0;
    while (start <= all.size()) {
      size_t end = all.find(',', start);
      if (end == std::string::npos) end = all.size();
      if (end > start) {
        const std::string name = all.substr(start, end - start);
        eddy::logstore::FaultHooks::Arm(name);
        std::fprintf(stderr, "eddy-logd: fault hook %s armed\n", name.c_str());
      }
      start = end + 1;
    }
  }

  lm_options.data_dir = data_dir;
  lm_options.fsync_every_append = fsync;
  auto logs = eddy::logstore::LogManager::Open(lm_options);
  if (!logs.ok()) {
    std::fprintf(stderr, "eddy-logd: cannot open data dir %s: %s\n", data_dir.c_str(),
                 logs.status().ToString().c_str());
    return 1;
  }

  // The coordinator completes transactions a crash left decided (their markers) before serving.
  txn_options.data_dir = data_dir;
  txn_options.timeout_check_interval = std::chrono::milliseconds(txn_check_ms);
  auto txn = eddy::logstore::TransactionCoordinator::Open(logs->get(), txn_options);
  if (!txn.ok()) {
    std::fprintf(stderr, "eddy-logd: cannot open the transaction coordinator in %s: %s\n",
                 data_dir.c_str(), txn.status().ToString().c_str());
    return 1;
  }

  // Share groups: durable state replayed before serving; acknowledgements are written (and with
  // --fsync fdatasync'd) before they are answered.
  share_options.data_dir = data_dir;
  share_options.fsync = fsync;
  share_defaults.auto_offset_reset_earliest = share_reset == "earliest";
  if (share_defaults.max_record_locks > share_options.limits.max_max_record_locks) {
    std::fprintf(stderr, "eddy-logd: --share-partition-max-record-locks %d is above "
                 "--share-max-record-locks %d\n", share_defaults.max_record_locks,
                 share_options.limits.max_max_record_locks);
    return 2;
  }
  std::string share_report;
  auto shares =
      eddy::logstore::share::ShareGroupManager::Open(logs->get(), share_options, &share_report);
  if (!shares.ok()) {
    std::fprintf(stderr, "eddy-logd: cannot open the share group state in %s: %s\n",
                 data_dir.c_str(), shares.status().ToString().c_str());
    return 1;
  }
  if (!share_report.empty()) std::fprintf(stderr, "eddy-logd: %s", share_report.c_str());

  eddy::logstore::LogStoreServiceOptions svc_options;
  svc_options.fsync = fsync;
  svc_options.max_long_polls = max_long_polls;
  eddy::logstore::LogStoreService service(logs->get(), svc_options, txn->get(), shares->get());

  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  builder.SetMaxReceiveMessageSize(64 << 20);
  builder.SetMaxSendMessageSize(64 << 20);
  grpc::ResourceQuota quota("eddy-logd");
  quota.SetMaxThreads(64);
  builder.SetResourceQuota(quota);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 2);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 8);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::fprintf(stderr, "eddy-logd: cannot listen on %s\n", listen.c_str());
    return 1;
  }
  // /metrics: read at scrape time from the log manager and the probes.
  eddy::http::HttpServer http;
  if (!http_address.empty()) {
    eddy::http::ServeMetrics(http, {std::make_shared<eddy::logstore::LogdMetrics>(
                                       logs->get(), txn->get(), &service.probe(),
                                       &service.long_polls())});
    auto bound = http.Start(http_address);
    if (!bound.ok()) {
      std::fprintf(stderr, "eddy-logd: --http-address: %s\n",
                   std::string(bound.status().message()).c_str());
      return 1;
    }
    std::printf("eddy-logd http on %s\n", bound->c_str());
  }
  std::string host = listen.substr(0, listen.rfind(':'));
  std::printf("eddy-logd listening on %s:%d\n", host.c_str(), port);
  std::unique_ptr<eddy::kafka::KafkaServer> kafka;
  if (!kafka_listen.empty()) {
    kafka_options.listen = kafka_listen;
    kafka_options.txn = txn->get();
    kafka_options.share = shares->get();
    auto started = eddy::kafka::KafkaServer::Start(logs->get(), kafka_options);
    if (!started.ok()) {
      std::fprintf(stderr, "eddy-logd: %s\n", started.status().ToString().c_str());
      return 1;
    }
    kafka = std::move(*started);
    std::printf("eddy-logd kafka listening on %s:%d\n",
                kafka_listen.substr(0, kafka_listen.rfind(':')).c_str(), kafka->port());
  }
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::fprintf(stderr, "eddy-logd: signal %d, stopping\n", sig);
  if (kafka) kafka->Stop();
  http.Stop();
  const auto t0 = std::chrono::steady_clock::now();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
  const auto t1 = std::chrono::steady_clock::now();
  server->Wait();
  server.reset();
  const auto t2 = std::chrono::steady_clock::now();
  shares->reset();  // joins the lock expiry / session timer
  txn->reset();   // joins the timeout timer
  logs->reset();  // flushes and joins the cleaner
  const auto t3 = std::chrono::steady_clock::now();
  auto ms = [](auto d) {
    return static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
  };
  std::fprintf(stderr, "eddy-logd: stopped (rpc shutdown %lld ms, drain %lld ms, logs %lld ms)\n",
               ms(t1 - t0), ms(t2 - t1), ms(t3 - t2));
  // Logs are closed and flushed; skip gRPC's global teardown, which idles ~2 s at exit.
  std::fflush(nullptr);
  _exit(0);
}
