// Helpers for the runtime's integration tests: a temp dir, an eddy-logd child, a producer of
// generated lines and a reader of a topic's last value per key. Used by wordcount_*_test.cc.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "log-store/client/admin_client.h"
#include "log-store/client/consumer.h"
#include "log-store/client/producer.h"
#include "runtime/standalone/child_process.h"

namespace eddy::runtime::testing {

inline std::string MakeTempDir(const std::string& prefix) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "XXXXXX")).string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  char* d = mkdtemp(buf.data());
  return d ? std::string(d) : std::string();
}

struct Logd {
  ChildProcess proc;
  std::string native;  // HOST:PORT
  std::string kafka;   // HOST:PORT or "" when not asked for

  // `extra`: more eddy-logd flags ("--auto-create-topics", "true").
  absl::Status Start(const std::string& data_dir, bool with_kafka,
                     const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {std::string(EDDY_BIN_DIR) + "/eddy-logd", "--data-dir",
                                     data_dir, "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    if (with_kafka) {
      argv.push_back("--kafka-listen");
      argv.push_back("127.0.0.1:0");
    }
    if (auto s = proc.Start(argv, true); !s.ok()) return s;
    auto line = proc.ReadLineContaining("eddy-logd listening on", std::chrono::seconds(30));
    if (!line.ok()) return line.status();
    native = line->substr(line->rfind(' ') + 1);
    if (with_kafka) {
      auto k = proc.ReadLineContaining("kafka listening on", std::chrono::seconds(30));
      if (!k.ok()) return k.status();
      kafka = k->substr(k->rfind(' ') + 1);
    }
    return absl::OkStatus();
  }
};

// A corpus of `lines` lines of 1..4 words from a `vocabulary`-word vocabulary (skewed), fixed
// seed; `expected` gets the count of every word.
inline std::vector<std::string> MakeCorpus(int64_t lines, int vocabulary, uint64_t seed,
                                           std::map<std::string, int64_t>* expected) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> out;
  out.reserve(static_cast<size_t>(lines));
  std::uniform_int_distribution<int> nwords(1, 4);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int64_t i = 0; i < lines; ++i) {
    std::string line;
    int n = nwords(rng);
    for (int w = 0; w < n; ++w) {
      // Skewed: squares of uniform numbers favour small word ids.
      double x = u(rng);
      int id = static_cast<int>(x * x * vocabulary);
      std::string word = "w" + std::to_string(id);
      (*expected)[word]++;
      if (!line.empty()) line += ' ';
      line += word;
    }
    out.push_back(std::move(line));
  }
  return out;
}

inline absl::Status ProduceLines(const std::string& bootstrap, const std::string& topic,
                                 const std::vector<std::string>& lines) {
  logstore::ProducerOptions o;
  o.client.bootstrap = bootstrap;
  auto p = logstore::Producer::Create(o);
  if (!p.ok()) return p.status();
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string key = std::to_string(i);
    if (auto s = (*p)->Send(topic, -1, key, lines[i]); !s.ok()) return s;
  }
  return (*p)->Close();
}

// Last value per key of each partition of `topic` (a null value removes the key), read
// read_committed (the consumer's default): what a downstream reader of the job sees.
inline absl::StatusOr<std::vector<std::map<std::string, std::string>>> ReadLastValuesPerPartition(
    const std::string& bootstrap, const std::string& topic) {
  logstore::ClientOptions co;
  co.bootstrap = bootstrap;
  auto admin = logstore::AdminClient::Connect(co);
  if (!admin.ok()) return admin.status();
  auto n = (*admin)->PartitionCount(topic);
  if (!n.ok()) return n.status();
  std::vector<std::map<std::string, std::string>> all(static_cast<size_t>(*n));
  logstore::ConsumerOptions o;
  o.client = co;
  o.fetch_max_wait = std::chrono::milliseconds(50);
  for (int32_t p = 0; p < *n; ++p) {
    auto& out = all[static_cast<size_t>(p)];
    logstore::TopicPartition tp{topic, p};
    auto end = (*admin)->ListOffset(tp, logstore::kLatestOffset);
    if (!end.ok()) return end.status();
    auto c = logstore::Consumer::Create(o);
    if (!c.ok()) return c.status();
    if (auto s = (*c)->Assign({tp}); !s.ok()) return s;
    if (auto s = (*c)->SeekToBeginning({tp}); !s.ok()) return s;
    int64_t next = 0;
    auto start = (*admin)->ListOffset(tp, logstore::kEarliestOffset);
    if (start.ok()) next = *start;
    int idle = 0;
    while (next < *end && idle < 200) {
      auto f = (*c)->Poll(std::chrono::milliseconds(100));
      if (!f.ok()) return f.status();
      if (f->empty()) ++idle;
      for (const auto& fp : *f) {
        if (!fp.error.ok()) return fp.error;
        auto cur = fp.Records();
        logstore::Record r;
        while (cur.Next(&r)) {
          next = r.offset + 1;
          if (!r.key) continue;
          if (r.value) {
            out[std::string(*r.key)] = std::string(*r.value);
          } else {
            out.erase(std::string(*r.key));
          }
        }
        if (fp.next_offset > next) next = fp.next_offset;
      }
      // read_committed: a range of only transaction markers or aborted records may be skipped
      // without an answer for it.
      if (auto pos = (*c)->Position(tp); pos.ok() && *pos > next) next = *pos;
    }
    if (next < *end) {
      return absl::DeadlineExceededError(topic + ": could not read to the end offset");
    }
  }
  return all;
}

// Waits up to `timeout` for `child` to exit; its wait status, or nullopt while it still runs.
inline std::optional<int> WaitExit(ChildProcess& child, std::chrono::milliseconds timeout) {
  int st = 0;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (child.Poll(&st)) return st;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::nullopt;
}

// Waits up to `timeout` for `pred()` to hold (polling every 10 ms); its last answer.
template <class Pred>
bool WaitFor(Pred pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

inline int64_t DecodeInt64BE(const std::string& b) {
  uint64_t v = 0;
  for (unsigned char c : b) v = (v << 8) | c;
  return static_cast<int64_t>(v);
}

}  // namespace eddy::runtime::testing
