#include "runtime/container/changelog_topics.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace eddy::runtime {
namespace {

std::string Setting(const StreamDescription& d, const std::string& key, const std::string& def) {
  auto it = d.config.find(key);
  return it == d.config.end() ? def : it->second;
}

// One store's changelog.
absl::Status EnsureOne(const StoreConfig& st, int32_t needed, SystemAdmin* admin,
                       std::vector<std::string>* notes) {
  const std::string& stream = st.changelog->stream;
  const std::string topic = st.changelog->system + "." + stream;
  const std::string key = "stores." + st.name + ".changelog";
  const std::string lag_key = key + ".min.compaction.lag.ms";
  const std::string lag = std::to_string(st.changelog_min_compaction_lag_ms);
  auto named = [&](const std::string& what) {
    return absl::FailedPreconditionError(absl::StrCat("changelog topic ", topic, " of store ",
                                                      st.name, " (config key ", key, "=", topic,
                                                      "): ", what));
  };
  auto d = admin->DescribeStream(stream);
  if (absl::IsNotFound(d.status())) {
    if (auto s = admin->CreateStream({stream, needed, true, {{"min.compaction.lag.ms", lag}}});
        !s.ok()) {
      return s;
    }
    if (notes) {
      notes->push_back(absl::StrCat("created changelog topic ", topic, " of store ", st.name, ": ",
                                    needed,
                                    " partitions, cleanup.policy=compact, "
                                    "min.compaction.lag.ms=",
                                    lag));
    }
    d = admin->DescribeStream(stream);  // what the broker made of it (another creator may win)
  }
  if (!d.ok()) return d.status();
  std::string policy = Setting(*d, "cleanup.policy", "delete");
  if (policy != "compact") {
    return named(absl::StrCat(
        "cleanup.policy is '", policy,
        "', a changelog needs 'compact' (with delete its records "
        "expire after retention.ms and a restore loses state); set cleanup.policy=compact on the "
        "topic or name another topic"));
  }
  int64_t have_lag = 0;
  if (!absl::SimpleAtoi(Setting(*d, "min.compaction.lag.ms", "0"), &have_lag)) have_lag = 0;
  if (have_lag < st.changelog_min_compaction_lag_ms) {
    return named(absl::StrCat(
        "min.compaction.lag.ms is ", have_lag, ", less than the ", lag, " of config key ", lag_key,
        " (compaction could drop records a restore after a crash still reads); raise "
        "the topic's min.compaction.lag.ms or lower the key"));
  }
  if (d->partitions < needed) {
    auto s = admin->AddPartitions(stream, needed);
    if (!s.ok()) {
      // Another container of the job may have grown it first.
      auto again = admin->DescribeStream(stream);
      if (!again.ok() || again->partitions < needed) {
        return named(absl::StrCat("partition count is ", d->partitions, ", the job model needs ",
                                  needed, " (its tasks use changelog partitions 0..", needed - 1,
                                  ") and it could not be grown: ", s.message()));
      }
    } else if (notes) {
      notes->push_back(absl::StrCat("grew changelog topic ", topic, " of store ", st.name, " from ",
                                    d->partitions, " to ", needed, " partitions"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

int32_t ChangelogPartitionsNeeded(const JobModel& model) {
  int32_t n = 1;
  for (const auto& c : model.containers) {
    for (const auto& t : c.tasks) n = std::max(n, t.changelog_partition + 1);
  }
  return n;
}

absl::Status EnsureChangelogTopics(const JobConfig& job, const JobModel& model, SystemsHub* hub,
                                   std::vector<std::string>* notes) {
  const int32_t needed = ChangelogPartitionsNeeded(model);
  for (const auto& st : job.stores) {
    if (!st.changelog) continue;
    auto admin = hub->Admin(st.changelog->system);
    if (!admin.ok()) return admin.status();
    if (auto s = EnsureOne(st, needed, *admin, notes); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace eddy::runtime
