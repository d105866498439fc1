#include "coordinator/cli/topic_command.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "coordinator/cli/output.h"
#include "log-store/client/admin_client.h"
#include "log-store/client/consumer.h"
#include "log-store/client/producer.h"

namespace eddy::cli {
namespace {

using logstore::AdminClient;
using logstore::ClientOptions;
using logstore::TopicPartition;

struct TopicFlags {
  std::string bootstrap;
  std::string grid_dir;
  std::string name;
  int32_t partitions = 1;
  std::vector<std::string> configs;
  std::string key_separator;
  std::string acks = "all";
  int32_t partition = -1;
  int64_t offset = -1;
  int64_t count = -1;
  bool from_beginning = false;
  bool follow = false;
  bool print_key = false;
  std::string group;
  OutputFlags output;  // list, describe
};

ClientOptions Options(const TopicFlags& f) {
  ClientOptions o;
  o.bootstrap = ResolveBootstrap(f.bootstrap, f.grid_dir);
  return o;
}

absl::StatusOr<std::unique_ptr<AdminClient>> Admin(const TopicFlags& f) {
  return AdminClient::Connect(Options(f));
}

int Create(const TopicFlags& f) {
  std::map<std::string, std::string> kv;
  for (const auto& c : f.configs) {
    auto eq = c.find('=');
    kv[c.substr(0, eq)] = c.substr(eq + 1);
  }
  auto admin = Admin(f);
  if (!admin.ok()) return Fail("topic create", admin.status());
  auto st = (*admin)->CreateTopic(f.name, f.partitions, kv);
  if (!st.ok()) return Fail("topic create", st);
  std::printf("Created topic %s with %d partition(s).\n", f.name.c_str(), f.partitions);
  return kExitOk;
}

int List(const TopicFlags& f) {
  auto admin = Admin(f);
  if (!admin.ok()) return Fail("topic list", admin.status());
  auto names = (*admin)->ListTopics();
  if (!names.ok()) return Fail("topic list", names.status());
  if (f.output.json()) {
    PrintJson({{"topics", *names}});
    return kExitOk;
  }
  for (const auto& n : *names) std::printf("%s\n", n.c_str());
  return kExitOk;
}

int Describe(const TopicFlags& f) {
  auto admin = Admin(f);
  if (!admin.ok()) return Fail("topic describe", admin.status());
  auto d = (*admin)->DescribeTopic(f.name);
  if (!d.ok()) return Fail("topic describe", d.status());
  if (f.output.json()) {
    nlohmann::json parts = nlohmann::json::array();
    for (const auto& p : d->partitions) {
      parts.push_back({{"partition", p.partition},
                       {"start_offset", p.log_start_offset},
                       {"end_offset", p.log_end_offset},
                       {"size_bytes", p.size_bytes},
                       {"segments", p.segment_count}});
    }
    nlohmann::json config = nlohmann::json::object();
    for (const auto& [k, v] : d->config) config[k] = v;
    PrintJson({{"name", d->name}, {"partitions", parts}, {"config", config}});
    return kExitOk;
  }
  std::printf("Topic: %s\tPartitionCount: %zu\n", d->name.c_str(), d->partitions.size());
  std::string cfg;
  for (const auto& [k, v] : d->config) absl::StrAppend(&cfg, cfg.empty() ? "" : ",", k, "=", v);
  std::printf("Configs: %s\n", cfg.c_str());
  for (const auto& p : d->partitions) {
    std::printf("\tPartition: %d\tStartOffset: %lld\tEndOffset: %lld\tSize: %lld\tSegments: %d\n",
                p.partition, static_cast<long long>(p.log_start_offset),
                static_cast<long long>(p.log_end_offset), static_cast<long long>(p.size_bytes),
                p.segment_count);
  }
  return kExitOk;
}

int Delete(const TopicFlags& f) {
  auto admin = Admin(f);
  if (!admin.ok()) return Fail("topic delete", admin.status());
  auto st = (*admin)->DeleteTopic(f.name);
  if (!st.ok()) return Fail("topic delete", st);
  std::printf("Deleted topic %s.\n", f.name.c_str());
  return kExitOk;
}

int Produce(const TopicFlags& f) {
  logstore::ProducerOptions po;
  po.client = Options(f);
  po.acks = f.acks == "all" ? -1 : std::stoi(f.acks);
  po.linger = std::chrono::milliseconds(5);
  auto producer = logstore::Producer::Create(po);
  if (!producer.ok()) return Fail("topic produce", producer.status());
  auto count = (*producer)->PartitionCount(f.name);
  if (!count.ok()) return Fail("topic produce", count.status());
  if (f.partition >= *count) {
    return Fail("topic produce", absl::InvalidArgumentError(
                                     absl::StrCat("topic '", f.name, "' has ", *count,
                                                  " partitions; no partition ", f.partition)));
  }
  // Read stdin in large blocks and split lines in place.
  std::vector<char> buf(1 << 20);
  std::string carry;
  int64_t line_no = 0;
  auto send_line = [&](std::string_view line) -> absl::Status {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::optional<std::string_view> key;
    std::string_view value = line;
    if (!f.key_separator.empty()) {
      auto pos = line.find(f.key_separator);
      if (pos != std::string_view::npos) {
        key = line.substr(0, pos);
        value = line.substr(pos + f.key_separator.size());
      }
    }
    return (*producer)->Send(f.name, f.partition, key, value);
  };
  for (;;) {
    ssize_t n = ::read(STDIN_FILENO, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail("topic produce", absl::InternalError("cannot read stdin"));
    }
    if (n == 0) break;
    std::string_view chunk(buf.data(), static_cast<size_t>(n));
    size_t start = 0;
    for (;;) {
      auto nl = chunk.find('\n', start);
      if (nl == std::string_view::npos) break;
      absl::Status st;
      if (!carry.empty()) {
        carry.append(chunk.substr(start, nl - start));
        st = send_line(carry);
        carry.clear();
      } else {
        st = send_line(chunk.substr(start, nl - start));
      }
      if (!st.ok()) return Fail("topic produce", st);
      start = nl + 1;
    }
    carry.append(chunk.substr(start));
  }
  if (!carry.empty()) {
    auto st = send_line(carry);
    if (!st.ok()) return Fail("topic produce", st);
  }
  auto st = (*producer)->Close();
  if (!st.ok()) return Fail("topic produce", st);
  return kExitOk;
}

int Consume(const TopicFlags& f) {
  const ClientOptions co = Options(f);
  auto admin = AdminClient::Connect(co);
  if (!admin.ok()) return Fail("topic consume", admin.status());
  auto count = (*admin)->PartitionCount(f.name);
  if (!count.ok()) return Fail("topic consume", count.status());
  std::vector<TopicPartition> tps;
  if (f.partition >= 0) {
    if (f.partition >= *count) {
      return Fail("topic consume", absl::InvalidArgumentError(
                                       absl::StrCat("topic '", f.name, "' has ", *count,
                                                    " partitions; no partition ", f.partition)));
    }
    tps.push_back({f.name, f.partition});
  } else {
    for (int32_t p = 0; p < *count; ++p) tps.push_back({f.name, p});
  }
  logstore::ConsumerOptions opts;
  opts.client = co;
  opts.group = f.group;
  opts.fetch_max_wait = std::chrono::milliseconds(f.follow ? 500 : 100);
  auto consumer = logstore::Consumer::Create(opts);
  if (!consumer.ok()) return Fail("topic consume", consumer.status());
  auto& c = **consumer;
  auto st = c.Assign(tps);
  if (!st.ok()) return Fail("topic consume", st);
  if (f.offset >= 0) {
    for (const auto& tp : tps) {
      if (st = c.Seek(tp, f.offset); !st.ok()) return Fail("topic consume", st);
    }
  } else if (f.from_beginning) {
    st = c.SeekToBeginning(tps);
  } else if (f.group.empty()) {
    st = c.SeekToEnd(tps);
  }
  if (!st.ok()) return Fail("topic consume", st);
  // Without --follow, stop at the end offsets seen now (like kcat -e).
  std::map<TopicPartition, int64_t> end;
  if (!f.follow) {
    for (const auto& tp : tps) {
      auto e = (*admin)->ListOffset(tp, logstore::kLatestOffset);
      if (!e.ok()) return Fail("topic consume", e.status());
      end[tp] = *e;
    }
  }
  static char outbuf[1 << 20];
  std::setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
  int64_t printed = 0;
  std::map<TopicPartition, int64_t> consumed;  // next offset after the last printed record
  const std::string sep = f.key_separator.empty() ? "\t" : f.key_separator;
  auto done = [&] {
    if (f.count >= 0 && printed >= f.count) return true;
    if (f.follow) return false;
    for (const auto& [tp, e] : end) {
      auto pos = c.Position(tp);
      if (!pos.ok() || *pos < e) return false;
    }
    return true;
  };
  while (!done()) {
    auto polled = c.Poll(std::chrono::milliseconds(500));
    if (!polled.ok()) return Fail("topic consume", polled.status());
    for (auto& fp : *polled) {
      if (!fp.error.ok()) return Fail("topic consume", fp.error);
      auto it = fp.Records();
      logstore::Record r;
      const int64_t stop = f.follow ? INT64_MAX : end[fp.tp];
      while (it.Next(&r)) {
        if (r.offset >= stop) break;
        if (f.count >= 0 && printed >= f.count) break;
        if (f.print_key) {
          if (r.key)
            std::fwrite(r.key->data(), 1, r.key->size(), stdout);
          else
            std::fputs("null", stdout);
          std::fwrite(sep.data(), 1, sep.size(), stdout);
        }
        if (r.value) std::fwrite(r.value->data(), 1, r.value->size(), stdout);
        std::fputc('\n', stdout);
        ++printed;
        consumed[fp.tp] = r.offset + 1;
      }
      if (!it.status().ok()) {
        return Fail("topic consume", absl::DataLossError(absl::StrCat(
                                         "topic '", fp.tp.topic, "' partition ", fp.tp.partition,
                                         ": ", it.status().message())));
      }
    }
    if (f.follow) std::fflush(stdout);
  }
  std::fflush(stdout);
  if (!f.group.empty()) {
    if (!consumed.empty()) {
      if (st = c.CommitOffsets(consumed); !st.ok()) return Fail("topic consume", st);
    }
  }
  return kExitOk;
}

}  // namespace

void AddTopicCommand(CLI::App& app, Action* action) {
  auto flags = std::make_shared<TopicFlags>();
  CLI::App* topic = app.add_subcommand("topic", "create, list, describe, delete, produce, consume");
  topic->require_subcommand(1);
  topic->fallthrough();
  topic->add_option("--bootstrap", flags->bootstrap,
                    "broker HOST:PORT (default: $EDDY_BOOTSTRAP, else the log store of the grid "
                    "in --dir, else 127.0.0.1:9093)");
  topic->add_option("--dir,--grid-dir", flags->grid_dir,
                    "grid dir whose log store to use (default: $EDDY_GRID_DIR, else ~/.eddy/grid)");
  auto set = [action, flags](int (*fn)(const TopicFlags&)) {
    return [action, flags, fn] { *action = [flags, fn] { return fn(*flags); }; };
  };

  CLI::App* create = topic->add_subcommand("create", "create a topic");
  create->add_option("name", flags->name, "topic name")->required();
  create->add_option("--partitions", flags->partitions, "number of partitions")
      ->required()
      ->check(WholeNumber(1, 100000));
  create->add_option("--config", flags->configs, "topic setting key=value (Kafka names)")
      ->check([](const std::string& s) {
        return s.find('=') == std::string::npos || s.front() == '='
                   ? std::string("'") + s + "' is not key=value"
                   : std::string();
      });
  create->callback(set(&Create));

  CLI::App* list = topic->add_subcommand("list", "list topics");
  AddOutputFlag(list, &flags->output);
  list->callback(set(&List));
  CLI::App* describe = topic->add_subcommand("describe", "partitions, offsets, sizes, settings");
  describe->add_option("name", flags->name, "topic name")->required();
  AddOutputFlag(describe, &flags->output);
  describe->callback(set(&Describe));
  CLI::App* del = topic->add_subcommand("delete", "delete a topic and its data");
  del->add_option("name", flags->name, "topic name")->required();
  del->callback(set(&Delete));

  CLI::App* produce = topic->add_subcommand("produce", "send stdin lines, one message per line");
  produce->add_option("name", flags->name, "topic name")->required();
  produce->add_option("--key-separator", flags->key_separator,
                      "split each line into key and value at the first SEP");
  produce->add_option("--acks", flags->acks, "0, 1 or all")
      ->check(CLI::IsMember({"0", "1", "-1", "all"}));
  produce->add_option("--partition", flags->partition, "send every line to this partition")
      ->check(WholeNumber(0, 100000));
  produce->callback(set(&Produce));

  CLI::App* consume = topic->add_subcommand("consume", "print messages, one per line");
  consume->add_option("name", flags->name, "topic name")->required();
  auto* fb = consume->add_flag("--from-beginning", flags->from_beginning,
                               "start at the first offset (default: the end)");
  consume->add_option("--offset", flags->offset, "start at this offset")
      ->check(WholeNumber(0))
      ->excludes(fb);
  consume->add_option("--partition", flags->partition, "read only this partition")
      ->check(WholeNumber(0, 100000));
  consume->add_option("--count", flags->count, "stop after N messages")->check(WholeNumber(0));
  consume->add_flag("--follow", flags->follow, "keep waiting for new messages");
  consume->add_flag("--print-key", flags->print_key, "print KEY<sep>VALUE");
  consume->add_option("--key-separator", flags->key_separator, "separator for --print-key (tab)");
  consume->add_option("--group", flags->group, "consumer group: start at and commit its offsets");
  consume->callback(set(&Consume));
}

}  // namespace eddy::cli
