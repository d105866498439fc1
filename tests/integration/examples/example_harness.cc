#include "tests/integration/examples/example_harness.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "log-store/client/admin_client.h"
#include "log-store/client/producer.h"

namespace eddy::examples_test {

absl::StatusOr<std::string> RunCommand(const std::vector<std::string>& argv) {
  int fds[2];
  if (::pipe(fds) != 0) return absl::InternalError("pipe failed");
  pid_t pid = ::fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    ::execvp(a[0], a.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string out;
  std::array<char, 65536> buf;
  for (;;) {
    ssize_t n = ::read(fds[0], buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf.data(), static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    return absl::InternalError(absl::StrCat("`", absl::StrJoin(argv, " "), "` failed (status ", st,
                                            "); its stderr is in the test log"));
  }
  return out;
}

std::string Canonical(std::string_view value) {
  auto j = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::string(value);
  return j.dump();
}

absl::Status ProducePhaseFile(const std::string& bootstrap, const std::string& path,
                              int64_t* produced) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(path + ": cannot open");
  logstore::ProducerOptions o;
  o.client.bootstrap = bootstrap;
  auto p = logstore::Producer::Create(o);
  if (!p.ok()) return p.status();
  std::string line;
  int64_t n = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto m = nlohmann::json::parse(line, nullptr, false);
    if (m.is_discarded() || !m.is_object()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": line ", n + 1, " is not JSON"));
    }
    std::optional<std::string> key, value;
    if (m["key"].is_string()) key = m["key"].get<std::string>();
    if (m["value"].is_string()) value = m["value"].get<std::string>();
    auto st = (*p)->Send(m["topic"].get<std::string>(), m["partition"].get<int32_t>(),
                         key ? std::optional<std::string_view>(*key) : std::nullopt,
                         value ? std::optional<std::string_view>(*value) : std::nullopt);
    if (!st.ok()) return st;
    ++n;
  }
  if (produced) *produced = n;
  return (*p)->Close();
}

absl::Status TopicTail::Update() {
  if (!consumer_) {
    logstore::ClientOptions co;
    co.bootstrap = bootstrap_;
    auto admin = logstore::AdminClient::Connect(co);
    if (!admin.ok()) return admin.status();
    auto n = (*admin)->PartitionCount(topic_);
    if (!n.ok()) return absl::OkStatus();  // not created yet
    logstore::ConsumerOptions o;
    o.client = co;
    o.fetch_max_wait = std::chrono::milliseconds(50);
    auto c = logstore::Consumer::Create(o);
    if (!c.ok()) return c.status();
    std::vector<logstore::TopicPartition> tps;
    for (int32_t p = 0; p < *n; ++p) tps.push_back({topic_, p});
    if (auto s = (*c)->Assign(tps); !s.ok()) return s;
    if (auto s = (*c)->SeekToBeginning(tps); !s.ok()) return s;
    consumer_ = std::move(*c);
  }
  int empty = 0;
  for (int i = 0; i < 100 && empty < 3; ++i) {
    auto f = consumer_->Poll(std::chrono::milliseconds(100));
    if (!f.ok()) return f.status();
    bool any = false;
    for (const auto& fp : *f) {
      if (!fp.error.ok()) return fp.error;
      auto cur = fp.Records();
      logstore::Record r;
      while (cur.Next(&r)) {
        any = true;
        Record rec{fp.tp.partition, std::nullopt, std::nullopt};
        if (r.key) rec.key = std::string(*r.key);
        if (r.value) rec.value = Canonical(*r.value);
        records_.push_back(std::move(rec));
      }
    }
    empty = any ? 0 : empty + 1;
  }
  return absl::OkStatus();
}

namespace {

std::string Show(const std::optional<std::string>& v) { return v ? *v : "<null>"; }

void DiffLast(const nlohmann::json& want, const TopicTail* tail, int max_lines, std::string* out) {
  std::map<std::string, std::string> got;
  std::map<std::string, std::set<int32_t>> parts;
  if (tail) {
    for (const auto& r : tail->records()) {
      if (!r.key) continue;
      parts[*r.key].insert(r.partition);
      if (r.value) {
        got[*r.key] = *r.value;
      } else {
        got.erase(*r.key);
      }
    }
  }
  std::vector<std::string> lines;
  int64_t missing = 0, wrong = 0, extra = 0, split = 0;
  for (auto it = want.begin(); it != want.end(); ++it) {
    auto g = got.find(it.key());
    std::string w = it.value().get<std::string>();
    if (g == got.end()) {
      ++missing;
      if (static_cast<int>(lines.size()) < max_lines) {
        lines.push_back(absl::StrCat("  missing key ", it.key(), ": want ", w));
      }
    } else if (g->second != w) {
      ++wrong;
      if (static_cast<int>(lines.size()) < max_lines) {
        lines.push_back(absl::StrCat("  key ", it.key(), ": want ", w, ", got ", g->second));
      }
    }
  }
  for (const auto& [k, v] : got) {
    if (!want.contains(k)) {
      ++extra;
      if (static_cast<int>(lines.size()) < max_lines) {
        lines.push_back(absl::StrCat("  unexpected key ", k, ": ", v));
      }
    }
  }
  for (const auto& [k, ps] : parts) {
    if (ps.size() > 1) {
      ++split;
      if (static_cast<int>(lines.size()) < max_lines) {
        lines.push_back(absl::StrCat("  key ", k, " written to ", ps.size(), " partitions"));
      }
    }
  }
  if (missing + wrong + extra + split == 0) return;
  absl::StrAppend(out, "topic ", tail ? tail->topic() : "?", " (last value per key): ", want.size(),
                  " keys expected, ", got.size(), " read; ", missing, " missing, ", wrong,
                  " wrong, ", extra, " unexpected, ", split, " in several partitions\n",
                  absl::StrJoin(lines, "\n"), "\n");
}

void DiffAll(const nlohmann::json& want, const TopicTail* tail, const std::string& exclude,
             int max_lines, std::string* out) {
  std::multiset<std::string> w, g;
  for (const auto& v : want) w.insert(v.get<std::string>());
  if (tail) {
    for (const auto& r : tail->records()) {
      if (!exclude.empty() && r.key && r.key->rfind(exclude, 0) == 0) continue;
      g.insert(Show(r.value));
    }
  }
  if (w == g) return;
  std::vector<std::string> missing, extra;
  std::set_difference(w.begin(), w.end(), g.begin(), g.end(), std::back_inserter(missing));
  std::set_difference(g.begin(), g.end(), w.begin(), w.end(), std::back_inserter(extra));
  absl::StrAppend(out, "topic ", tail ? tail->topic() : "?", " (every record): ", w.size(),
                  " expected, ", g.size(), " read; ", missing.size(), " missing, ", extra.size(),
                  " unexpected (or duplicated)\n");
  for (size_t i = 0; i < missing.size() && static_cast<int>(i) < max_lines; ++i) {
    absl::StrAppend(out, "  missing: ", missing[i], "\n");
  }
  for (size_t i = 0; i < extra.size() && static_cast<int>(i) < max_lines; ++i) {
    absl::StrAppend(out, "  unexpected: ", extra[i], "\n");
  }
}

const TopicTail* Find(const std::map<std::string, std::unique_ptr<TopicTail>>& tails,
                      const std::string& topic) {
  auto it = tails.find(topic);
  return it == tails.end() ? nullptr : it->second.get();
}

}  // namespace

std::string Diff(const nlohmann::json& expected,
                 const std::map<std::string, std::unique_ptr<TopicTail>>& tails, int max_lines) {
  std::string out;
  if (expected.contains("last")) {
    for (auto it = expected["last"].begin(); it != expected["last"].end(); ++it) {
      DiffLast(it.value(), Find(tails, it.key()), max_lines, &out);
    }
  }
  if (expected.contains("all")) {
    for (auto it = expected["all"].begin(); it != expected["all"].end(); ++it) {
      std::string exclude;
      if (expected.contains("exclude_key_prefix") &&
          expected["exclude_key_prefix"].contains(it.key())) {
        exclude = expected["exclude_key_prefix"][it.key()].get<std::string>();
      }
      DiffAll(it.value(), Find(tails, it.key()), exclude, max_lines, &out);
    }
  }
  return out;
}

}  // namespace eddy::examples_test
