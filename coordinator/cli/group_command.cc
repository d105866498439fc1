// `eddy group list|describe`: see group_command.h.
#include "coordinator/cli/group_command.h"
#include "coordinator/cli/queue_command.h"

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "log-store/client/admin_client.h"
#include "log-store/client/consumer.h"
#include "runtime/checkpoint/checkpoint.h"

namespace eddy::cli {
namespace {

using logstore::AdminClient;
using logstore::TopicPartition;

constexpr char kCheckpointPrefix[] = "__eddy_checkpoint_";

struct GroupFlags {
  std::string bootstrap;
  std::string output = "text";
  std::string group;
};

// One partition of a group: committed (next) offset, high watermark (-1 when the topic is not
// on this broker) and lag = high watermark - committed (-1 when unknown).
struct PartitionLag {
  std::string topic;
  int32_t partition = 0;
  int64_t committed = -1;
  int64_t high_watermark = -1;
  int64_t lag = -1;
  std::string task;  // Eddy jobs: the task that reads it
};

struct GroupView {
  std::string group;
  std::string kind;  // "consumer" | "job"
  std::vector<PartitionLag> partitions;
  int64_t lag() const {
    int64_t sum = 0;
    for (const auto& p : partitions) sum += p.lag > 0 ? p.lag : 0;
    return sum;
  }
};

logstore::ClientOptions Options(const GroupFlags& f) {
  logstore::ClientOptions o;
  o.bootstrap = ResolveBootstrap(f.bootstrap);
  return o;
}

void Fill(AdminClient& admin, PartitionLag* p) {
  auto hw = admin.ListOffset({p->topic, p->partition}, logstore::kLatestOffset);
  if (!hw.ok()) return;
  p->high_watermark = *hw;
  if (p->committed >= 0) p->lag = std::max<int64_t>(0, *hw - p->committed);
}

// The newest checkpoint of every task in `topic`: read from the start to the end offsets seen
// now (read_committed: a transactional job's checkpoints count once committed). Gives up after
// 30 s rather than hanging on a broker that stops answering.
absl::StatusOr<std::map<std::string, runtime::Checkpoint>> ReadCheckpoints(
    const logstore::ClientOptions& co, AdminClient& admin, const std::string& topic) {
  auto count = admin.PartitionCount(topic);
  if (!count.ok()) return count.status();
  std::vector<TopicPartition> tps;
  std::map<TopicPartition, int64_t> end;
  for (int32_t p = 0; p < *count; ++p) {
    TopicPartition tp{topic, p};
    auto e = admin.ListOffset(tp, logstore::kLatestOffset);
    if (!e.ok()) return e.status();
    if (*e > 0) {
      tps.push_back(tp);
      end[tp] = *e;
    }
  }
  std::map<std::string, runtime::Checkpoint> out;
  if (tps.empty()) return out;
  logstore::ConsumerOptions opts;
  opts.client = co;
  opts.fetch_max_wait = std::chrono::milliseconds(100);
  auto consumer = logstore::Consumer::Create(opts);
  if (!consumer.ok()) return consumer.status();
  auto& c = **consumer;
  if (auto s = c.Assign(tps); !s.ok()) return s;
  if (auto s = c.SeekToBeginning(tps); !s.ok()) return s;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  auto done = [&] {
    for (const auto& [tp, e] : end) {
      auto pos = c.Position(tp);
      if (!pos.ok() || *pos < e) return false;
    }
    return true;
  };
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("reading checkpoints of ", topic, ": not at its end after 30 s"));
    }
    auto polled = c.Poll(std::chrono::milliseconds(200));
    if (!polled.ok()) return polled.status();
    for (auto& fp : *polled) {
      if (!fp.error.ok()) return fp.error;
      auto it = fp.Records();
      logstore::Record r;
      while (it.Next(&r)) {
        if (r.offset >= end[fp.tp] || !r.key) continue;
        std::string task(r.key->data(), r.key->size());
        if (!r.value) {
          out.erase(task);
          continue;
        }
        auto cp = runtime::CheckpointFromJson(std::string_view(r.value->data(), r.value->size()));
        if (cp.ok()) out[task] = std::move(*cp);
      }
      if (!it.status().ok()) return it.status();
    }
  }
  return out;
}

absl::StatusOr<GroupView> JobGroup(const logstore::ClientOptions& co, AdminClient& admin,
                                   const std::string& topic) {
  GroupView g;
  g.group = topic.substr(sizeof(kCheckpointPrefix) - 1);
  g.kind = "job";
  auto cps = ReadCheckpoints(co, admin, topic);
  if (!cps.ok()) return cps.status();
  for (const auto& [task, cp] : *cps) {
    for (const auto& [ssp, offset] : cp.inputs) {
      PartitionLag p;
      p.topic = ssp.stream;
      p.partition = ssp.partition;
      p.committed = offset;
      p.task = task;
      Fill(admin, &p);
      g.partitions.push_back(std::move(p));
    }
  }
  return g;
}

// Every group (or only `only`): consumer groups first, then jobs, each sorted by name.
absl::StatusOr<std::vector<GroupView>> Groups(const GroupFlags& f, const std::string& only) {
  const auto co = Options(f);
  auto admin = AdminClient::Connect(co);
  if (!admin.ok()) return admin.status();
  std::vector<GroupView> out;
  auto groups = (*admin)->ListGroups(only);
  if (!groups.ok()) return groups.status();
  for (const auto& [name, offsets] : *groups) {
    GroupView g;
    g.group = name;
    g.kind = "consumer";
    for (const auto& [tp, off] : offsets) {
      PartitionLag p;
      p.topic = tp.topic;
      p.partition = tp.partition;
      p.committed = off;
      Fill(**admin, &p);
      g.partitions.push_back(std::move(p));
    }
    out.push_back(std::move(g));
  }
  auto topics = (*admin)->ListTopics();
  if (!topics.ok()) return topics.status();
  for (const auto& t : *topics) {
    if (!absl::StartsWith(t, kCheckpointPrefix) || t.size() == sizeof(kCheckpointPrefix) - 1) {
      continue;
    }
    if (!only.empty() && t != kCheckpointPrefix + only) continue;
    auto g = JobGroup(co, **admin, t);
    if (!g.ok()) return g.status();
    out.push_back(std::move(*g));
  }
  return out;
}

nlohmann::json ToJson(const GroupView& g) {
  nlohmann::json parts = nlohmann::json::array();
  for (const auto& p : g.partitions) {
    nlohmann::json j = {{"topic", p.topic},
                        {"partition", p.partition},
                        {"committed", p.committed},
                        {"high_watermark", p.high_watermark},
                        {"lag", p.lag}};
    if (!p.task.empty()) j["task"] = p.task;
    parts.push_back(std::move(j));
  }
  return {{"group", g.group}, {"kind", g.kind}, {"lag", g.lag()}, {"partitions", parts}};
}

int List(const GroupFlags& f) {
  auto groups = Groups(f, "");
  if (!groups.ok()) return Fail("group list", groups.status());
  if (f.output == "json") {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& g : *groups) arr.push_back(ToJson(g));
    std::printf("%s\n", nlohmann::json{{"groups", arr}}.dump().c_str());
    return kExitOk;
  }
  std::printf("%-32s %-9s %10s %12s\n", "GROUP", "KIND", "PARTITIONS", "LAG");
  for (const auto& g : *groups) {
    std::printf("%-32s %-9s %10zu %12lld\n", g.group.c_str(), g.kind.c_str(), g.partitions.size(),
                static_cast<long long>(g.lag()));
  }
  // Share groups: their "lag" is what is in flight or not yet fetched; see `eddy group describe`.
  if (auto admin = logstore::ShareGroupAdmin::Connect(Options(f)); admin.ok()) {
    if (auto names = (*admin)->List(); names.ok()) {
      for (const auto& n : *names) {
        auto d = (*admin)->Describe(n);
        size_t parts = d.ok() ? d->partitions.size() : 0;
        std::printf("%-32s %-9s %10zu %12s\n", n.c_str(), "share", parts, "-");
      }
    }
  }
  return kExitOk;
}

// The share group `group` (a topic read as a queue), or NotFound.
absl::StatusOr<logstore::ShareGroupDescription> ShareGroup(const GroupFlags& f,
                                                           const std::string& group) {
  auto admin = logstore::ShareGroupAdmin::Connect(Options(f));
  if (!admin.ok()) return admin.status();
  return (*admin)->Describe(group);
}

int Describe(const GroupFlags& f) {
  auto groups = Groups(f, f.group);
  if (!groups.ok()) return Fail("group describe", groups.status());
  if (groups->empty()) {
    if (auto share = ShareGroup(f, f.group); share.ok()) {
      PrintShareGroupDescription(*share, f.output == "json");
      return kExitOk;
    }
    return Fail("group describe",
                absl::NotFoundError(absl::StrCat(
                    "group '", f.group, "' has no committed offsets and no checkpoint topic ",
                    kCheckpointPrefix, f.group, " on ", ResolveBootstrap(f.bootstrap))));
  }
  if (f.output == "json") {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& g : *groups) arr.push_back(ToJson(g));
    std::printf("%s\n",
                (arr.size() == 1 ? arr[0] : nlohmann::json{{"groups", arr}}).dump().c_str());
    return kExitOk;
  }
  auto num = [](int64_t v) { return v < 0 ? std::string("-") : std::to_string(v); };
  for (const auto& g : *groups) {
    std::printf("group %s (%s): lag %lld\n", g.group.c_str(), g.kind.c_str(),
                static_cast<long long>(g.lag()));
    std::printf("%-32s %9s %14s %14s %10s %s\n", "TOPIC", "PARTITION", "COMMITTED",
                "HIGH-WATERMARK", "LAG", g.kind == "job" ? "TASK" : "");
    for (const auto& p : g.partitions) {
      std::printf("%-32s %9d %14s %14s %10s %s\n", p.topic.c_str(), p.partition,
                  num(p.committed).c_str(), num(p.high_watermark).c_str(), num(p.lag).c_str(),
                  p.task.c_str());
    }
  }
  return kExitOk;
}

}  // namespace

void AddGroupCommand(CLI::App& app, Action* action) {
  auto flags = std::make_shared<GroupFlags>();
  CLI::App* group = app.add_subcommand(
      "group", "consumer groups, share groups and Eddy jobs: committed offsets, high watermarks, lag");
  group->require_subcommand(1);
  group->fallthrough();
  group->add_option("--bootstrap", flags->bootstrap,
                    "broker HOST:PORT (default: $EDDY_BOOTSTRAP, else 127.0.0.1:9093)");
  group->add_option("--output", flags->output, "text | json")
      ->check(CLI::IsMember({"text", "json"}));
  auto set = [action, flags](int (*fn)(const GroupFlags&)) {
    return [action, flags, fn] { *action = [flags, fn] { return fn(*flags); }; };
  };
  group->add_subcommand("list", "every group with its partitions and total lag")
      ->callback(set(&List));
  CLI::App* describe =
      group->add_subcommand("describe", "committed offset, high watermark and lag per partition");
  describe->add_option("group", flags->group, "group (or job) name")->required();
  describe->callback(set(&Describe));
}

}  // namespace eddy::cli
