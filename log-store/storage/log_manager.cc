// LogManager: topics under one data directory, topic metadata files, group offsets, long-poll
// wakeups and the cleaner thread. Layout: FORMAT.md.
#include "log-store/storage/log_manager.h"

#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "log-store/storage/fault_hooks.h"
#include "log-store/storage/file_io.h"
#include "log-store/storage/offsets_store.h"
#include "log-store/storage/partition_log_impl.h"
#include "log-store/storage/topic_id.h"

namespace eddy::logstore {
namespace fs = std::filesystem;

namespace {

// The metadata file's key for the topic id (not a topic setting: TopicConfig does not know it).
constexpr char kTopicIdKey[] = "topic.id";

// A segment holds its .log, .index and .timeindex open; a new partition has one segment.
constexpr int64_t kFdsPerPartition = 3;

int64_t OpenFdCount() {
  std::error_code ec;
  int64_t n = 0;
  for (fs::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) ++n;
  return n;
}

}  // namespace

struct LogManager::Impl {
  LogManagerOptions options;
  std::string topics_dir;

  // Serializes topic admin (create, delete, alter) so partitions can be opened without topics_mu.
  std::mutex admin_mu;
  mutable std::shared_mutex topics_mu;
  struct Topic {
    TopicConfig config;
    std::string id;  // 16 bytes, topic_id.h
    std::vector<std::shared_ptr<PartitionLogImpl>> partitions;
  };
  std::map<std::string, Topic> topics;
  std::map<std::string, std::string> topic_by_id;  // id -> name, under topics_mu

  std::unique_ptr<OffsetsStore> offsets;

  std::atomic<uint64_t> append_seq{0};
  std::atomic<int> waiters{0};
  mutable std::mutex wait_mu;
  mutable std::condition_variable wait_cv;

  std::mutex cleaner_mu;
  std::condition_variable cleaner_cv;
  bool stop = false;
  std::thread cleaner;

  void OnAppend() {
    append_seq.fetch_add(1);
    if (waiters.load() > 0) {
      std::lock_guard<std::mutex> l(wait_mu);
      wait_cv.notify_all();
    }
  }

  std::string PartitionDir(const std::string& topic, int32_t p) const {
    return absl::StrCat(options.data_dir, "/", topic, "-", p);
  }
  std::string MetaPath(const std::string& topic) const {
    return topics_dir + "/" + topic + ".properties";
  }

  absl::Status WriteMeta(const std::string& name, const std::string& id,
                         const TopicConfig& c) const {
    std::string text = absl::StrCat("# topic ", name, " (eddy log store)\n");
    absl::StrAppend(&text, kTopicIdKey, "=", TopicIdToText(id), "\n");
    for (const auto& [k, v] : c.ToMap()) absl::StrAppend(&text, k, "=", v, "\n");
    return fileio::WriteFileAtomic(MetaPath(name), text);
  }

  absl::StatusOr<std::shared_ptr<PartitionLogImpl>> OpenPartition(const std::string& topic,
                                                                  int32_t p, const TopicConfig& c,
                                                                  std::string* report) {
    PartitionOptions po;
    po.fsync_every_append = options.fsync_every_append;
    po.producer_id_expiration_ms = options.producer_id_expiration_ms;
    po.on_append = [this] { OnAppend(); };
    return PartitionLogImpl::Open(PartitionDir(topic, p), topic, p, c, std::move(po), report);
  }

  int64_t PartitionCountLocked() const {
    int64_t n = 0;
    for (const auto& [name, t] : topics) n += static_cast<int64_t>(t.partitions.size());
    return n;
  }

  // The limits of LogManagerOptions for `topic` going from `current` to `requested` partitions.
  absl::Status CheckPartitionBudget(const std::string& topic, int64_t current,
                                    int64_t requested) const {
    if (requested > options.max_partitions_per_topic) {
      return absl::OutOfRangeError(absl::StrCat(
          "topic ", topic, ": ", requested, " partitions requested, above the limit of ",
          options.max_partitions_per_topic, " per topic (eddy-logd --max-partitions-per-topic)"));
    }
    int64_t total = 0;
    {
      std::shared_lock<std::shared_mutex> l(topics_mu);
      total = PartitionCountLocked();
    }
    const int64_t added = requested - current;
    if (total + added > options.max_partitions) {
      return absl::OutOfRangeError(absl::StrCat(
          "topic ", topic, ": ", requested, " partitions requested, but the broker has ", total,
          " partitions and its limit is ", options.max_partitions,
          " in all (eddy-logd --max-partitions)"));
    }
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
      const int64_t limit = static_cast<int64_t>(lim.rlim_cur);
      const int64_t open = OpenFdCount();
      const int64_t needed = kFdsPerPartition * added;
      if (open + needed + options.reserved_fds > limit) {
        return absl::OutOfRangeError(
            absl::StrCat("topic ", topic, ": ", requested, " partitions requested; the ", added,
                         " new ones need about ", needed, " file descriptors, but ", open,
                         " of the limit of ", limit, " are open (", options.reserved_fds,
                         " kept free): raise the limit (ulimit -n) or ask for fewer partitions"));
      }
    }
    return absl::OkStatus();
  }

  // Closes `parts` and removes the directories of partitions [from, to) of `topic`.
  void RemovePartitions(const std::string& topic, int32_t from, int32_t to,
                        std::vector<std::shared_ptr<PartitionLogImpl>>* parts) {
    for (const auto& p : *parts) p->MarkDeleted();
    parts->clear();
    for (int32_t p = from; p < to; ++p) {
      std::error_code ec;
      fs::remove_all(PartitionDir(topic, p), ec);
    }
    (void)fileio::SyncDir(options.data_dir);
  }

  // Moves `name` from `current` to `next`: opens the added partitions (without topics_mu), writes
  // the metadata file, then swaps both in. Caller holds admin_mu.
  absl::Status ApplyConfig(const std::string& name, const TopicConfig& current,
                           const TopicConfig& next) {
    std::vector<std::shared_ptr<PartitionLogImpl>> added;
    std::string report;
    absl::Status st;
    for (int32_t p = current.partitions; p < next.partitions && st.ok(); ++p) {
      std::error_code ec;
      fs::remove_all(PartitionDir(name, p), ec);
      auto log = OpenPartition(name, p, next, &report);
      if (!log.ok()) {
        st = absl::Status(log.status().code(), absl::StrCat("topic ", name, ": add partition ", p,
                                                            ": ", log.status().message()));
      } else {
        added.push_back(*log);
      }
    }
    if (st.ok() && !added.empty()) st = fileio::SyncDir(options.data_dir);
    std::string id;
    {
      std::shared_lock<std::shared_mutex> l(topics_mu);
      id = topics.at(name).id;
    }
    if (st.ok()) st = WriteMeta(name, id, next);
    if (!st.ok()) {
      RemovePartitions(name, current.partitions, next.partitions, &added);
      return st;
    }
    std::unique_lock<std::shared_mutex> l(topics_mu);
    Topic& t = topics.at(name);
    t.partitions.insert(t.partitions.end(), added.begin(), added.end());
    t.config = next;
    for (const auto& p : t.partitions) p->SetConfig(next);
    return absl::OkStatus();
  }

  void CleanerLoop() {
    std::unique_lock<std::mutex> l(cleaner_mu);
    while (!stop) {
      cleaner_cv.wait_for(l, options.cleaner_interval, [this] { return stop; });
      if (stop) break;
      l.unlock();
      (void)RunCleaner();
      l.lock();
    }
  }

  absl::Status RunCleaner() {
    std::vector<std::shared_ptr<PartitionLogImpl>> all;
    {
      std::shared_lock<std::shared_mutex> l(topics_mu);
      for (const auto& [n, t] : topics)
        all.insert(all.end(), t.partitions.begin(), t.partitions.end());
    }
    absl::Status first;
    const int64_t now = NowMs();
    for (const auto& p : all) {
      CleanerStats stats;
      absl::Status st = p->ApplyRetention(now, &stats);
      if (st.ok()) st = p->Compact(now, &stats);
      if (!st.ok()) {
        std::fprintf(stderr, "eddy storage cleaner: %s\n", std::string(st.message()).c_str());
        if (first.ok()) first = st;
      }
    }
    return first;
  }
};

namespace {

absl::Status CheckTopicName(const std::string& name) {
  if (name.empty() || name.size() > 249 || name == "." || name == "..") {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid topic name \"", name, "\": 1..249 characters, not . or .."));
  }
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
          c == '_' || c == '-')) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid topic name \"", name, "\": only [a-zA-Z0-9._-] are allowed"));
    }
  }
  return absl::OkStatus();
}

void PrintReport(const std::string& report) {
  if (!report.empty()) std::fprintf(stderr, "eddy storage recovery:\n%s", report.c_str());
}

}  // namespace

absl::StatusOr<std::unique_ptr<LogManager>> LogManager::Open(const LogManagerOptions& options) {
  if (options.data_dir.empty()) return absl::InvalidArgumentError("LogManager: data_dir is empty");
  std::unique_ptr<LogManager> m(new LogManager());
  m->impl_ = std::make_unique<Impl>();
  Impl& im = *m->impl_;
  im.options = options;
  im.topics_dir = options.data_dir + "/topics";
  std::error_code ec;
  fs::create_directories(im.topics_dir, ec);
  if (ec)
    return absl::InternalError(
        absl::StrCat("create data directory ", im.topics_dir, ": ", ec.message()));

  // Finish deletions interrupted by a crash.
  for (fs::directory_iterator it(options.data_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string n = it->path().filename().string();
    std::error_code remove_ec;
    if (n.size() > 8 && n.compare(n.size() - 8, 8, ".deleted") == 0) {
      fs::remove_all(it->path(), remove_ec);
    }
  }
  if (ec) {
    return absl::InternalError(
        absl::StrCat("list data directory ", options.data_dir, ": ", ec.message()));
  }
  std::string report;
  for (fs::directory_iterator it(im.topics_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::directory_entry& e = *it;
    if (e.path().extension() != ".properties") continue;
    const std::string name = e.path().stem().string();
    if (absl::Status st = CheckTopicName(name); !st.ok()) {
      absl::StrAppend(&report, "  skipped topic metadata ", e.path().string(), ": ", st.message(),
                      "\n");
      continue;
    }
    auto text = fileio::ReadWholeFile(e.path().string());
    if (!text.ok()) return text.status();
    std::map<std::string, std::string> kv;
    for (absl::string_view line : absl::StrSplit(*text, '\n')) {
      if (line.empty() || line[0] == '#') continue;
      std::pair<std::string, std::string> p = absl::StrSplit(line, absl::MaxSplits('=', 1));
      kv[p.first] = p.second;
    }
    std::optional<std::string> id;
    bool new_id = false;
    if (auto node = kv.extract(kTopicIdKey); !node.empty()) {
      id = TopicIdFromText(node.mapped());
      if (!id) {
        return absl::DataLossError(absl::StrCat("topic metadata ", e.path().string(), ": ",
                                                kTopicIdKey, " \"", node.mapped(),
                                                "\" is not a topic id (22 characters of base64)"));
      }
    }
    auto cfg = TopicConfig::FromMap(kv, TopicConfig{});
    if (!cfg.ok()) {
      return absl::DataLossError(
          absl::StrCat("topic metadata ", e.path().string(), ": ", cfg.status().message()));
    }
    if (!id || im.topic_by_id.count(*id)) {
      // Written before topics had ids (or a copied file): give it one now and keep it.
      do {
        id = NewTopicId();
      } while (im.topic_by_id.count(*id));
      new_id = true;
    }
    if (new_id) {
      if (absl::Status st = im.WriteMeta(name, *id, *cfg); !st.ok()) return st;
      absl::StrAppend(&report, "  topic ", name, ": gave it topic id ", TopicIdToText(*id), "\n");
    }
    Impl::Topic t;
    t.config = *cfg;
    t.id = *id;
    for (int32_t p = 0; p < cfg->partitions; ++p) {
      auto log = im.OpenPartition(name, p, *cfg, &report);
      if (!log.ok()) return log.status();
      t.partitions.push_back(*log);
    }
    im.topic_by_id[t.id] = name;
    im.topics[name] = std::move(t);
  }
  if (ec) return absl::InternalError(absl::StrCat("list ", im.topics_dir, ": ", ec.message()));
  auto offsets = OffsetsStore::Open(options.data_dir + "/consumer-offsets.log", &report);
  if (!offsets.ok()) return offsets.status();
  im.offsets = std::move(*offsets);
  PrintReport(report);
  if (options.start_cleaner) im.cleaner = std::thread([&im] { im.CleanerLoop(); });
  return m;
}

LogManager::~LogManager() {
  if (!impl_) return;
  {
    std::lock_guard<std::mutex> l(impl_->cleaner_mu);
    impl_->stop = true;
  }
  impl_->cleaner_cv.notify_all();
  if (impl_->cleaner.joinable()) impl_->cleaner.join();
  std::shared_lock<std::shared_mutex> l(impl_->topics_mu);
  for (const auto& [n, t] : impl_->topics) {
    for (const auto& p : t.partitions) (void)p->Flush();
  }
}

absl::Status LogManager::ValidateCreateTopic(const std::string& name,
                                             const TopicConfig& config) const {
  if (absl::Status st = CheckTopicName(name); !st.ok()) return st;
  if (config.partitions < 1) {
    return absl::InvalidArgumentError(absl::StrCat("topic ", name, ": partitions must be >= 1"));
  }
  {
    std::shared_lock<std::shared_mutex> l(impl_->topics_mu);
    if (impl_->topics.count(name))
      return absl::AlreadyExistsError(absl::StrCat("topic ", name, " already exists"));
  }
  return impl_->CheckPartitionBudget(name, 0, config.partitions);
}

absl::Status LogManager::CreateTopic(const std::string& name, const TopicConfig& config) {
  Impl& im = *impl_;
  std::lock_guard<std::mutex> admin(im.admin_mu);
  if (absl::Status st = ValidateCreateTopic(name, config); !st.ok()) return st;
  // Opened without topics_mu: Produce, Fetch and Metadata of other topics go on meanwhile.
  Impl::Topic t;
  t.config = config;
  {
    std::shared_lock<std::shared_mutex> l(im.topics_mu);
    do {
      t.id = NewTopicId();
    } while (im.topic_by_id.count(t.id));
  }
  std::string report;
  absl::Status st;
  for (int32_t p = 0; p < config.partitions && st.ok(); ++p) {
    std::error_code ec;
    fs::remove_all(im.PartitionDir(name, p), ec);  // leftovers of a crashed create
    if (p == config.partitions - 1 && FaultHooks::Fire("log_manager.create.last_partition")) {
      st = absl::InternalError(
          absl::StrCat("topic ", name, ": fault hook ", "log_manager.create.last_partition fired"));
      break;
    }
    auto log = im.OpenPartition(name, p, config, &report);
    if (!log.ok()) {
      st = absl::Status(log.status().code(), absl::StrCat("create topic ", name, ": partition ", p,
                                                          ": ", log.status().message()));
    } else {
      t.partitions.push_back(*log);
    }
  }
  if (st.ok()) st = fileio::SyncDir(im.options.data_dir);
  if (st.ok()) st = im.WriteMeta(name, t.id, config);
  if (!st.ok()) {
    im.RemovePartitions(name, 0, config.partitions, &t.partitions);
    return st;
  }
  std::unique_lock<std::shared_mutex> l(im.topics_mu);
  im.topic_by_id[t.id] = name;
  im.topics[name] = std::move(t);
  return absl::OkStatus();
}

absl::Status LogManager::DeleteTopic(const std::string& name) {
  Impl& im = *impl_;
  std::lock_guard<std::mutex> admin(im.admin_mu);
  std::vector<std::shared_ptr<PartitionLogImpl>> parts;
  {
    std::unique_lock<std::shared_mutex> l(im.topics_mu);
    auto it = im.topics.find(name);
    if (it == im.topics.end())
      return absl::NotFoundError(absl::StrCat("topic ", name, " does not exist"));
    parts = std::move(it->second.partitions);
    im.topic_by_id.erase(it->second.id);
    im.topics.erase(it);
    for (const auto& p : parts) {
      p->MarkDeleted();
      std::error_code ec;
      fs::rename(p->dir(), p->dir() + ".deleted", ec);
    }
    std::error_code ec;
    fs::remove(im.MetaPath(name), ec);
    if (ec)
      return absl::InternalError(
          absl::StrCat("delete topic ", name, ": remove ", im.MetaPath(name), ": ", ec.message()));
  }
  for (const auto& p : parts) {
    std::error_code ec;
    fs::remove_all(p->dir() + ".deleted", ec);
  }
  // As Kafka does: a topic created again under this name starts without committed offsets.
  return im.offsets->DeleteTopic(name);
}

std::vector<std::string> LogManager::ListTopics() const {
  std::shared_lock<std::shared_mutex> l(impl_->topics_mu);
  std::vector<std::string> v;
  for (const auto& [n, t] : impl_->topics) v.push_back(n);
  return v;
}

absl::StatusOr<TopicInfo> LogManager::DescribeTopic(const std::string& name) const {
  std::shared_lock<std::shared_mutex> l(impl_->topics_mu);
  auto it = impl_->topics.find(name);
  if (it == impl_->topics.end())
    return absl::NotFoundError(absl::StrCat("topic ", name, " does not exist"));
  TopicInfo info;
  info.name = name;
  info.config = it->second.config;
  info.id = it->second.id;
  for (const auto& p : it->second.partitions) info.partitions.push_back(p->Stats());
  return info;
}

absl::StatusOr<std::string> LogManager::TopicId(const std::string& topic) const {
  std::shared_lock<std::shared_mutex> l(impl_->topics_mu);
  auto it = impl_->topics.find(topic);
  if (it == impl_->topics.end())
    return absl::NotFoundError(absl::StrCat("topic ", topic, " does not exist"));
  return it->second.id;
}

std::string LogManager::TopicById(std::string_view id) const {
  std::shared_lock<std::shared_mutex> l(impl_->topics_mu);
  auto it = impl_->topic_by_id.find(std::string(id));
  return it == impl_->topic_by_id.end() ? std::string() : it->second;
}

absl::Status LogManager::ValidateAlterTopic(const std::string& name,
                                            const std::map<std::string, std::string>& kv) const {
  TopicConfig current;
  {
    std::shared_lock<std::shared_mutex> l(impl_->topics_mu);
    auto it = impl_->topics.find(name);
    if (it == impl_->topics.end())
      return absl::NotFoundError(absl::StrCat("topic ", name, " does not exist"));
    current = it->second.config;
  }
  auto cfg = TopicConfig::FromMap(kv, current);
  if (!cfg.ok()) return cfg.status();
  if (cfg->partitions < current.partitions) {
    return absl::InvalidArgumentError(absl::StrCat("topic ", name,
                                                   ": partitions cannot shrink from ",
                                                   current.partitions, " to ", cfg->partitions));
  }
  if (cfg->partitions == current.partitions) return absl::OkStatus();
  return impl_->CheckPartitionBudget(name, current.partitions, cfg->partitions);
}

absl::Status LogManager::AlterTopic(const std::string& name,
                                    const std::map<std::string, std::string>& kv) {
  Impl& im = *impl_;
  std::lock_guard<std::mutex> admin(im.admin_mu);
  if (absl::Status st = ValidateAlterTopic(name, kv); !st.ok()) return st;
  TopicConfig current;
  {
    std::shared_lock<std::shared_mutex> l(im.topics_mu);
    current = im.topics.at(name).config;  // admin_mu: nobody deleted it since
  }
  auto cfg = TopicConfig::FromMap(kv, current);
  if (!cfg.ok()) return cfg.status();
  return im.ApplyConfig(name, current, *cfg);
}

absl::Status LogManager::ReplaceTopicConfig(const std::string& name, const TopicConfig& config) {
  Impl& im = *impl_;
  std::lock_guard<std::mutex> admin(im.admin_mu);
  TopicConfig current;
  {
    std::shared_lock<std::shared_mutex> l(im.topics_mu);
    auto it = im.topics.find(name);
    if (it == im.topics.end())
      return absl::NotFoundError(absl::StrCat("topic ", name, " does not exist"));
    current = it->second.config;
  }
  TopicConfig next = config;
  next.partitions = current.partitions;
  return im.ApplyConfig(name, current, next);
}

int64_t LogManager::PartitionCount() const {
  std::shared_lock<std::shared_mutex> l(impl_->topics_mu);
  return impl_->PartitionCountLocked();
}

absl::StatusOr<std::shared_ptr<PartitionLog>> LogManager::GetPartition(const std::string& topic,
                                                                       int32_t partition) const {
  std::shared_lock<std::shared_mutex> l(impl_->topics_mu);
  auto it = impl_->topics.find(topic);
  if (it == impl_->topics.end()) {
    return absl::NotFoundError(
        absl::StrCat("UNKNOWN_TOPIC_OR_PARTITION: topic ", topic, " does not exist"));
  }
  if (partition < 0 || static_cast<size_t>(partition) >= it->second.partitions.size()) {
    return absl::NotFoundError(absl::StrCat("UNKNOWN_TOPIC_OR_PARTITION: topic ", topic,
                                            " has no partition ", partition, " (it has ",
                                            it->second.partitions.size(), ")"));
  }
  return std::shared_ptr<PartitionLog>(it->second.partitions[static_cast<size_t>(partition)]);
}

uint64_t LogManager::AppendSequence() const { return impl_->append_seq.load(); }

uint64_t LogManager::WaitForAppend(uint64_t seen,
                                   std::chrono::steady_clock::time_point deadline) const {
  Impl& im = *impl_;
  uint64_t cur = im.append_seq.load();
  if (cur > seen) return cur;
  std::unique_lock<std::mutex> l(im.wait_mu);
  im.waiters.fetch_add(1);
  im.wait_cv.wait_until(l, deadline, [&] { return im.append_seq.load() > seen; });
  im.waiters.fetch_sub(1);
  return im.append_seq.load();
}

absl::Status LogManager::CommitOffset(const std::string& group, const std::string& topic,
                                      int32_t partition, int64_t offset,
                                      const std::string& metadata) {
  return impl_->offsets->Commit(group, topic, partition, offset, metadata);
}

std::optional<LogManager::CommittedOffset> LogManager::FetchOffset(const std::string& group,
                                                                   const std::string& topic,
                                                                   int32_t partition) const {
  auto e = impl_->offsets->Fetch(group, topic, partition);
  if (!e) return std::nullopt;
  return CommittedOffset{e->offset, e->metadata};
}

std::vector<std::pair<std::pair<std::string, int32_t>, LogManager::CommittedOffset>>
LogManager::GroupOffsets(const std::string& group) const {
  std::vector<std::pair<std::pair<std::string, int32_t>, CommittedOffset>> out;
  for (auto& [tp, e] : impl_->offsets->OffsetsOf(group)) {
    out.push_back({tp, CommittedOffset{e.offset, e.metadata}});
  }
  return out;
}

std::vector<std::string> LogManager::ListGroupsWithOffsets() const {
  return impl_->offsets->Groups();
}

absl::Status LogManager::DeleteGroupOffsets(
    const std::string& group,
    const std::optional<std::vector<std::pair<std::string, int32_t>>>& partitions) {
  return impl_->offsets->Delete(group, partitions);
}

absl::Status LogManager::RunCleanerOnce() { return impl_->RunCleaner(); }

const LogManagerOptions& LogManager::options() const { return impl_->options; }

}  // namespace eddy::logstore
