// `eddy state get|scan|stats`: live reads of a running job's task stores, served by each
// container's state service (runtime/inspect) on its run loop, so writes still in the cache
// are seen. `get` goes first to the task that owns KEY (murmur2(key) like the producer's
// partitioner, task "Partition N"), then to every task when the owner does not hold it (a store
// keyed differently from the input).
#include <limits>
#include <map>

#include "absl/strings/str_cat.h"
#include "coordinator/cli/cluster_client.h"
#include "coordinator/cli/cluster_commands.h"
#include "coordinator/cli/output.h"
#include "log-store/client/producer.h"
#include "nlohmann/json.hpp"

namespace eddy::cli {
namespace {
namespace cv1 = coordinator::v1;
namespace rv1 = runtime::v1;

struct Target {
  std::string container, address;
  std::vector<std::string> tasks;
};

absl::StatusOr<std::vector<Target>> Targets(ClusterClient& cl, const std::string& job) {
  cv1::JobRequest r;
  r.set_job(job);
  cv1::JobStatus s;
  auto st = cl.coordinator().GetJob(cl.Context().get(), r, &s);
  if (!st.ok()) return FromGrpc(st, "job " + job);
  std::vector<Target> out;
  std::string not_running;
  for (const auto& c : s.containers()) {
    if (!c.standby_of().empty()) continue;  // a standby serves no store reads
    if (c.state() != "running" || c.inspect_address().empty()) {
      absl::StrAppend(&not_running, not_running.empty() ? "" : ", ", c.id(), " (", c.state(),
                      ")");
      continue;
    }
    out.push_back({c.id(), c.inspect_address(), {c.tasks().begin(), c.tasks().end()}});
  }
  if (out.empty()) {
    return absl::UnavailableError(absl::StrCat("job ", job, " (", s.state(),
                                               ") has no running container: ", not_running));
  }
  if (!not_running.empty()) {
    std::fprintf(stderr, "eddy state: containers not running (their tasks are not read): %s\n",
                 not_running.c_str());
  }
  return out;
}

// Entries as text lines (TASK<tab>KEY<tab>VALUE) at once, or collected for one JSON document.
class EntryPrinter {
 public:
  explicit EntryPrinter(bool json) : json_(json) {}
  void Print(const rv1::StateEntry& e) {
    if (json_) {
      entries_.push_back({{"task", e.task()}, {"key", e.key_text()}, {"value", e.value_text()}});
      return;
    }
    std::printf("%s\t%s\t%s\n", e.task().c_str(), e.key_text().c_str(), e.value_text().c_str());
  }
  // Prints {"entries": [...]} when the output is JSON.
  void Finish() {
    if (json_) PrintJson({{"entries", entries_}});
  }

 private:
  bool json_;
  nlohmann::json entries_ = nlohmann::json::array();
};

}  // namespace

void AddStateCommand(CLI::App& app, Action* action) {
  auto* state = app.add_subcommand("state", "read a running job's task stores");
  state->require_subcommand(1);
  auto flags = std::make_shared<ClusterFlags>();
  auto job = std::make_shared<std::string>();
  auto store = std::make_shared<std::string>();
  {
    auto* c = state->add_subcommand("get", "the value of KEY (routed to the owning task)");
    AddClusterFlags(c, flags.get());
    auto key = std::make_shared<std::string>();
    c->add_option("job", *job)->required();
    c->add_option("store", *store)->required();
    c->add_option("key", *key)->required();
    auto out = std::make_shared<OutputFlags>();
    AddOutputFlag(c, out.get());
    c->callback([=] {
      *action = [=]() -> int {
        auto cl = ClusterClient::Connect(*flags);
        if (!cl.ok()) return Fail("state get", cl.status());
        auto ts = Targets(*cl, *job);
        if (!ts.ok()) return Fail("state get", ts.status());
        EntryPrinter printer(out->json());
        int32_t tasks = 0;
        for (auto& t : *ts) tasks += static_cast<int32_t>(t.tasks.size());
        std::string owner =
            absl::StrCat("Partition ", logstore::PartitionForKey(*key, std::max(tasks, 1)));
        auto ask = [&](const Target& t, const std::string& task) -> absl::StatusOr<bool> {
          rv1::StateGetRequest r;
          r.set_task(task);
          r.set_store(*store);
          r.set_key(*key);
          rv1::StateGetResponse resp;
          auto st = cl->Container(t.address)->Get(cl->Context().get(), r, &resp);
          if (!st.ok()) return FromGrpc(st, "container " + t.container);
          for (const auto& e : resp.entries()) printer.Print(e);
          return resp.entries_size() > 0;
        };
        for (auto& t : *ts) {
          if (std::find(t.tasks.begin(), t.tasks.end(), owner) == t.tasks.end()) continue;
          auto found = ask(t, owner);
          if (!found.ok()) return Fail("state get", found.status());
          if (*found) {
            printer.Finish();
            return kExitOk;
          }
        }
        bool any = false;
        for (auto& t : *ts) {
          auto found = ask(t, "");
          if (!found.ok()) return Fail("state get", found.status());
          any = any || *found;
        }
        if (!any) {
          return Fail("state get", absl::NotFoundError(absl::StrCat("key '", *key,
                                                                    "' is not in store ", *store,
                                                                    " of job ", *job)));
        }
        printer.Finish();
        return kExitOk;
      };
    });
  }
  {
    auto* c = state->add_subcommand("scan", "entries of a store (every task, or --task)");
    AddClusterFlags(c, flags.get());
    auto task = std::make_shared<std::string>();
    auto prefix = std::make_shared<std::string>();
    auto limit = std::make_shared<int>(100);
    c->add_option("job", *job)->required();
    c->add_option("store", *store)->required();
    c->add_option("--task", *task, "only this task (\"Partition 0\")");
    c->add_option("--prefix", *prefix, "key prefix");
    c->add_option("--limit", *limit, "at most this many entries (default 100)")
        ->check(WholeNumber(1, std::numeric_limits<int>::max()));
    auto out = std::make_shared<OutputFlags>();
    AddOutputFlag(c, out.get());
    c->callback([=] {
      *action = [=]() -> int {
        auto cl = ClusterClient::Connect(*flags);
        if (!cl.ok()) return Fail("state scan", cl.status());
        auto ts = Targets(*cl, *job);
        if (!ts.ok()) return Fail("state scan", ts.status());
        EntryPrinter printer(out->json());
        int left = *limit;
        bool matched = false;
        for (auto& t : *ts) {
          if (!task->empty() &&
              std::find(t.tasks.begin(), t.tasks.end(), *task) == t.tasks.end()) {
            continue;
          }
          matched = true;
          if (left <= 0) break;
          rv1::StateScanRequest r;
          r.set_task(*task);
          r.set_store(*store);
          r.set_prefix(*prefix);
          r.set_limit(left);
          rv1::StateScanResponse resp;
          auto st = cl->Container(t.address)->Scan(cl->Context().get(), r, &resp);
          if (!st.ok()) return Fail("state scan", FromGrpc(st, "container " + t.container));
          for (const auto& e : resp.entries()) printer.Print(e);
          left -= resp.entries_size();
        }
        if (!matched) {
          return Fail("state scan", absl::NotFoundError(absl::StrCat(
                                        "task '", *task, "' is in no running container")));
        }
        printer.Finish();
        return kExitOk;
      };
    });
  }
  {
    auto* c = state->add_subcommand("stats", "keys, bytes, restore and cache figures per task");
    AddClusterFlags(c, flags.get());
    c->add_option("job", *job)->required();
    c->add_option("store", *store, "only this store");
    // JSON: {"stores": [one object per row of the table], "metrics": {container: its raw
    // metrics JSON}}.
    auto out = std::make_shared<OutputFlags>();
    AddOutputFlag(c, out.get());
    c->callback([=] {
      *action = [=]() -> int {
        auto cl = ClusterClient::Connect(*flags);
        if (!cl.ok()) return Fail("state stats", cl.status());
        auto ts = Targets(*cl, *job);
        if (!ts.ok()) return Fail("state stats", ts.status());
        // RESTORED-FROM: where the last restore started (runtime/STATE_FORMAT.md): a local
        // checkpoint, the changelog start, or "-" (no restore); then its changelog range.
        nlohmann::json rows = nlohmann::json::array();
        nlohmann::json metrics = nlohmann::json::object();
        if (!out->json()) {
          std::printf("%-10s %-26s %-24s %10s %12s %12s %10s %8s %-13s %12s %12s\n", "CONTAINER",
                      "TASK", "STORE", "KEYS", "BYTES", "RESTORED", "RESTORE-MS", "HIT-RATE",
                      "RESTORED-FROM", "FROM-OFFSET", "TO-OFFSET");
        }
        for (auto& t : *ts) {
          rv1::StateStatsRequest r;
          r.set_store(*store);
          rv1::StateStatsResponse resp;
          auto st = cl->Container(t.address)->Stats(cl->Context(120).get(), r, &resp);
          if (!st.ok()) return Fail("state stats", FromGrpc(st, "container " + t.container));
          nlohmann::json m = nlohmann::json::object();
          try {
            m = nlohmann::json::parse(resp.metrics_json());
          } catch (...) {
          }
          for (const auto& s : resp.stores()) {
            std::string g = "store." + s.task() + "." + s.store();
            double restored = 0, restore_ms = 0, hit = 0, mode = -1, from = -1, to = -1;
            if (m.contains(g)) {
              const auto& gm = m[g];
              restored = gm.value("restore-records", 0.0);
              // The whole restore (checkpoint copy, replay, SST builds): restore-wall-ms. The
              // restore-time timer only covers the engine's apply/ingest calls.
              if (gm.contains("restore-wall-ms")) {
                restore_ms = gm.value("restore-wall-ms", 0.0);
              } else if (gm.contains("restore-time") && gm["restore-time"].is_object()) {
                const auto& rt = gm["restore-time"];
                restore_ms = rt.value("mean_ns", 0.0) * rt.value("count", 0.0) / 1e6;
              }
              hit = gm.value("cache-hit-rate", 0.0);
              mode = gm.value("restore-from-local-checkpoint", -1.0);
              from = gm.value("restore-start-offset", -1.0);
              to = gm.value("restore-end-offset", -1.0);
            }
            const char* mode_name = mode > 0 ? "checkpoint" : mode == 0 ? "changelog" : "-";
            if (out->json()) {
              rows.push_back({{"container", t.container},
                              {"task", s.task()},
                              {"store", s.store()},
                              {"keys", s.keys()},
                              {"bytes", s.bytes()},
                              {"restored_records", restored},
                              {"restore_ms", restore_ms},
                              {"cache_hit_rate", hit},
                              {"restored_from", mode_name},
                              {"restore_start_offset", from},
                              {"restore_end_offset", to}});
              continue;
            }
            std::printf("%-10s %-26s %-24s %10lld %12lld %12.0f %10.1f %8.3f %-13s %12.0f %12.0f\n",
                        t.container.c_str(), s.task().c_str(), s.store().c_str(),
                        static_cast<long long>(s.keys()), static_cast<long long>(s.bytes()),
                        restored, restore_ms, hit, mode_name, from, to);
          }
          if (out->json()) metrics[t.container] = m;
        }
        if (out->json()) PrintJson({{"stores", rows}, {"metrics", metrics}});
        return kExitOk;
      };
    });
  }
}

}  // namespace eddy::cli
