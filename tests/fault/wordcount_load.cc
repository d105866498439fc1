#include "tests/fault/wordcount_load.h"

#include <chrono>
#include <cstdio>
#include <random>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "log-store/client/admin_client.h"
#include "log-store/client/consumer.h"
#include "log-store/client/producer.h"
#include "log-store/proto/log_store.grpc.pb.h"

namespace eddy::test {
namespace {

using Clock = std::chrono::steady_clock;

void CountLine(std::string_view line, std::unordered_map<std::string, int64_t>* out) {
  size_t a = 0;
  while (a < line.size()) {
    size_t b = line.find(' ', a);
    if (b == std::string_view::npos) b = line.size();
    if (b > a) (*out)[std::string(line.substr(a, b - a))]++;
    a = b + 1;
  }
}

}  // namespace

Corpus::Corpus(const CorpusOptions& o) : options(o) {
  std::mt19937_64 rng(o.seed);
  std::uniform_int_distribution<int> nwords(1, 5), word(0, o.vocabulary - 1), hot(0, 63),
      pick(0, 4);
  lines.reserve(static_cast<size_t>(o.lines));
  expected.assign(o.partitions, {});
  std::vector<char> seen(static_cast<size_t>(o.vocabulary), 0);
  for (int64_t i = 0; i < o.lines; ++i) {
    std::string line;
    int n = nwords(rng);
    for (int k = 0; k < n; ++k) {
      int id = pick(rng) == 0 ? hot(rng) : word(rng);
      distinct += !seen[id];
      seen[id] = 1;
      if (!line.empty()) line += ' ';
      line += "w" + std::to_string(id);
      ++words;
    }
    CountLine(line, &expected[i % o.partitions]);
    lines.push_back(std::move(line));
  }
}

Feeder::Feeder(const Corpus& corpus, std::string bootstrap, std::string topic, int lines_per_second)
    : corpus_(corpus),
      bootstrap_(std::move(bootstrap)),
      topic_(std::move(topic)),
      rate_(lines_per_second) {}

Feeder::~Feeder() {
  stop_ = true;  // a test that failed early does not wait for the rest of the input
  if (thread_.joinable()) thread_.join();
}

void Feeder::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Feeder::Run() {
  constexpr int64_t kBatch = 1000;
  const int64_t n = static_cast<int64_t>(corpus_.lines.size());
  const int partitions = corpus_.options.partitions;
  std::unique_ptr<logstore::Producer> producer;
  auto start = Clock::now();
  for (int64_t i = 0; i < n && !stop_.load(); i += kBatch) {
    int64_t end = std::min(n, i + kBatch);
    auto give_up = Clock::now() + std::chrono::seconds(120);
    absl::Status last;
    bool sent = false;
    for (int attempt = 0; !sent && !stop_.load() && Clock::now() < give_up; ++attempt) {
      if (attempt > 0) {
        resent_++;
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
      }
      if (!producer) {
        logstore::ProducerOptions o;
        o.client.bootstrap = bootstrap_;
        o.client.request_timeout = std::chrono::milliseconds(5000);
        auto p = logstore::Producer::Create(o);
        if (!p.ok()) {
          last = p.status();
          continue;
        }
        producer = std::move(*p);
      }
      absl::Status s;
      for (int64_t l = i; l < end && s.ok(); ++l) {
        std::string key = "l" + std::to_string(l);
        s = producer->Send(topic_, static_cast<int32_t>(l % partitions), key,
                           corpus_.lines[static_cast<size_t>(l)]);
      }
      if (s.ok()) s = producer->Flush();
      if (s.ok()) {
        sent = true;
      } else {
        last = s;
        producer.reset();  // a new one after the broker is back: nothing half-sent is kept
      }
    }
    if (!sent && stop_.load()) break;
    if (!sent) {
      error_ =
          absl::UnavailableError(absl::StrCat("feeder: lines ", i, "..", end - 1, " of ", topic_,
                                              " not sent for 120 s: ", last.message()));
      break;
    }
    sent_ = end;
    auto due = start + std::chrono::microseconds(end * 1000000 / std::max(1, rate_));
    while (Clock::now() < due && !stop_.load()) {
      std::this_thread::sleep_for(
          std::min<Clock::duration>(due - Clock::now(), std::chrono::milliseconds(100)));
    }
  }
  if (producer) (void)producer->Close();
  done_ = true;
}

void Feeder::WaitFraction(double fraction) const {
  auto want = static_cast<int64_t>(fraction * static_cast<double>(corpus_.lines.size()));
  while (sent_.load() < want && !done_.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

absl::Status Feeder::Finish() {
  if (thread_.joinable()) thread_.join();
  return error_;
}

// Reads every partition of `topic` from its start to its end offset (read_committed), calling
// `fn(partition, record)`.
template <typename Fn>
absl::Status ReadTopic(const std::string& bootstrap, const std::string& topic, int partitions,
                       Fn fn) {
  logstore::ClientOptions co;
  co.bootstrap = bootstrap;
  auto admin = logstore::AdminClient::Connect(co);
  if (!admin.ok()) return admin.status();
  logstore::ConsumerOptions o;
  o.client = co;
  o.read_committed = true;
  o.fetch_max_wait = std::chrono::milliseconds(50);
  for (int32_t p = 0; p < partitions; ++p) {
    logstore::TopicPartition tp{topic, p};
    auto end = (*admin)->ListOffset(tp, logstore::kLatestOffset);
    if (!end.ok()) return end.status();
    auto c = logstore::Consumer::Create(o);
    if (!c.ok()) return c.status();
    if (auto s = (*c)->Assign({tp}); !s.ok()) return s;
    if (auto s = (*c)->SeekToBeginning({tp}); !s.ok()) return s;
    int64_t next = 0;
    // read_committed stops at the last stable offset: an open transaction at the end holds the
    // read there until it ends; give up after 5 s without progress (the caller polls again).
    auto idle_since = Clock::now();
    while (next < *end && Clock::now() - idle_since < std::chrono::seconds(5)) {
      auto f = (*c)->Poll(std::chrono::milliseconds(100));
      if (!f.ok()) return f.status();
      for (const auto& fp : *f) {
        if (!fp.error.ok()) return fp.error;
        auto cur = fp.Records();
        logstore::Record r;
        while (cur.Next(&r)) {
          next = r.offset + 1;
          fn(p, r);
        }
        if (!cur.status().ok()) return cur.status();
        if (fp.next_offset > next) {
          next = fp.next_offset;
          idle_since = Clock::now();
        }
      }
    }
    if (next < *end) {
      return absl::DeadlineExceededError(
          absl::StrCat(topic, "/", p, ": read_committed read stopped at ", next,
                       ", the end offset is ", *end, " (a transaction left open?)"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<InputContents> ReadInput(const std::string& bootstrap, const std::string& topic,
                                        const Corpus& corpus) {
  InputContents in;
  in.counts.assign(corpus.options.partitions, {});
  std::vector<uint8_t> seen(corpus.lines.size(), 0);
  absl::Status bad;
  auto s =
      ReadTopic(bootstrap, topic, corpus.options.partitions, [&](int p, const logstore::Record& r) {
        ++in.lines;
        if (!r.key || !r.value || r.key->size() < 2) return;
        int64_t id = std::atoll(std::string(r.key->substr(1)).c_str());
        if (id >= 0 && id < static_cast<int64_t>(seen.size())) {
          if (seen[id] < 255) seen[id]++;
        }
        CountLine(*r.value, &in.counts[p]);
      });
  if (!s.ok()) return s;
  for (uint8_t n : seen) {
    in.missing_lines += n == 0;
    in.duplicate_lines += n > 1 ? n - 1 : 0;
  }
  return in;
}

std::string CountDiff::Summary() const {
  return absl::StrCat(words_checked, " words: ", exact, " exact, ", over, " over-counted (by ",
                      over_by, "), ", under, " under-counted (by ", under_by, "; ", missing,
                      " missing), ", extra, " not in the input", example.empty() ? "" : "; e.g. ",
                      example);
}

CountDiff Compare(const PartitionCounts& want, const PartitionCounts& got) {
  CountDiff d;
  int shown = 0;
  auto note = [&](int p, const std::string& w, int64_t a, int64_t b) {
    if (shown++ < 5) absl::StrAppend(&d.example, "p", p, " '", w, "' ", b, " for ", a, "; ");
  };
  for (size_t p = 0; p < want.size(); ++p) {
    static const std::unordered_map<std::string, int64_t> kEmpty;
    const auto& g = p < got.size() ? got[p] : kEmpty;
    for (const auto& [w, n] : want[p]) {
      ++d.words_checked;
      auto it = g.find(w);
      int64_t m = it == g.end() ? 0 : it->second;
      if (m == n) {
        ++d.exact;
      } else if (m > n) {
        ++d.over;
        d.over_by += m - n;
        note(static_cast<int>(p), w, n, m);
      } else {
        ++d.under;
        d.under_by += n - m;
        d.missing += it == g.end();
        note(static_cast<int>(p), w, n, m);
      }
    }
    for (const auto& [w, m] : g) {
      if (!want[p].count(w)) {
        ++d.extra;
        note(static_cast<int>(p), w, 0, m);
      }
    }
  }
  return d;
}

absl::StatusOr<PartitionCounts> StoreCounts(const Grid& g, const std::string& job, int partitions) {
  auto r = g.Eddy("state scan " + job + " wordcount-counts --limit 100000000");
  if (r.code != 0) return absl::UnavailableError("eddy state scan: " + r.err);
  if (r.err.find("not running") != std::string::npos) {
    return absl::UnavailableError("eddy state scan: " + r.err);
  }
  PartitionCounts out(partitions);
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    // "Partition N\tword\tcount"
    auto a = line.find('\t'), b = line.rfind('\t');
    if (a == std::string::npos || a == b || line.rfind("Partition ", 0) != 0) continue;
    int p = std::atoi(line.c_str() + 10);
    if (p < 0 || p >= partitions) return absl::DataLossError("eddy state scan: task " + line);
    out[p][line.substr(a + 1, b - a - 1)] = std::atoll(line.c_str() + b + 1);
  }
  return out;
}

absl::StatusOr<PartitionCounts> OutputCounts(const std::string& bootstrap, const std::string& topic,
                                             int partitions) {
  PartitionCounts out(partitions);
  auto s = ReadTopic(bootstrap, topic, partitions, [&](int p, const logstore::Record& r) {
    if (!r.key) return;
    if (r.value) {
      out[p][std::string(*r.key)] = std::atoll(std::string(*r.value).c_str());
    } else {
      out[p].erase(std::string(*r.key));
    }
  });
  if (!s.ok()) return s;
  return out;
}

CountDiff WaitExact(const PartitionCounts& want, int seconds,
                    const std::function<absl::StatusOr<PartitionCounts>()>& read,
                    std::string* last_error) {
  // A wrong view that has not changed for this long is final: the job is caught up (counts
  // only move while input is processed), so waiting longer proves nothing.
  constexpr auto kSettled = std::chrono::seconds(20);
  auto deadline = Clock::now() + std::chrono::seconds(seconds);
  CountDiff d;
  d.under = -1;  // nothing read yet
  PartitionCounts previous;
  auto same_since = Clock::now();
  for (;;) {
    auto got = read();
    if (got.ok()) {
      d = Compare(want, *got);
      last_error->clear();
      if (d.ok()) return d;
      if (*got != previous) {
        previous = std::move(*got);
        same_since = Clock::now();
      } else if (Clock::now() - same_since >= kSettled) {
        return d;
      }
    } else {
      *last_error = std::string(got.status().message());
    }
    if (Clock::now() >= deadline) return d;
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  }
}

std::string FencingFigures::Summary() const {
  if (!available) return "fencing figures pending: " + note;
  return absl::StrCat(transactional_ids, " transactional ids, ", commits, " commits, ", aborts,
                      " aborts (", timed_out_aborts,
                      " timed out); refused from fenced attempts: ", fenced_produce_refused,
                      " produce batches, ", fenced_end_txn_refused, " EndTxn, ", fenced_requests,
                      " requests in all");
}

FencingFigures DescribeFencing(const std::string& bootstrap) {
  FencingFigures f;
  auto stub = logstore::v1::LogStore::NewStub(
      grpc::CreateChannel(bootstrap, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  logstore::v1::DescribeTransactionsRequest req;
  logstore::v1::DescribeTransactionsResponse resp;
  auto s = stub->DescribeTransactions(&ctx, req, &resp);
  if (!s.ok()) {
    f.note = s.error_code() == grpc::StatusCode::UNIMPLEMENTED
                 ? "eddy-logd does not implement DescribeTransactions yet"
                 : "DescribeTransactions at " + bootstrap + ": " + s.error_message();
    return f;
  }
  f.available = true;
  f.transactional_ids = resp.transactions_size();
  f.fenced_produce_refused = resp.fenced_produce_refused();
  f.fenced_end_txn_refused = resp.fenced_end_txn_refused();
  f.timed_out_aborts = resp.timed_out_aborts();
  for (const auto& t : resp.transactions()) {
    f.fenced_requests += t.fenced_requests();
    f.commits += t.commits();
    f.aborts += t.aborts();
  }
  return f;
}

}  // namespace eddy::test
