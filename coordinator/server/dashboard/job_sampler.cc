#include "coordinator/server/dashboard/job_sampler.h"

#include <array>
#include <set>

#include "absl/strings/str_cat.h"

namespace eddy::dashboard {
namespace {

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// -1 means "not reported": JSON null, so a page shows a dash rather than a made-up figure.
nlohmann::json OrNull(double v) { return v < 0 ? nlohmann::json() : nlohmann::json(v); }

}  // namespace

JobSampler::JobSampler(JobSamplerOptions options, ListJobs list_jobs, Stats stats)
    : options_(options), list_jobs_(std::move(list_jobs)), stats_(std::move(stats)) {}

JobSampler::~JobSampler() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void JobSampler::Start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
}

void JobSampler::Run() {
  std::unique_lock<std::mutex> l(mu_);
  while (!stop_) {
    l.unlock();
    SampleOnce();
    l.lock();
    cv_.wait_for(l, options_.interval, [this] { return stop_; });
  }
}

void JobSampler::SampleOnce() {
  auto jobs = list_jobs_();
  std::set<std::string> listed;
  for (const auto& j : jobs) listed.insert(j.job());
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto it = jobs_.begin(); it != jobs_.end();) {
      it = listed.count(it->first) ? std::next(it) : jobs_.erase(it);
    }
  }
  size_t sampled = 0;
  for (const auto& j : jobs) {
    if (j.state() != "RUNNING" && j.state() != "SCALING") continue;
    if (sampled++ >= options_.max_jobs) break;
    // The RPCs run without the lock: a slow container does not hold up the pages.
    struct Got {
      std::string container;
      ContainerFigures figures;
      std::chrono::steady_clock::time_point at;
    };
    std::vector<Got> got;
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& c : j.containers()) {
      if (c.state() != "running" || c.inspect_address().empty()) continue;
      auto f = stats_(c.id(), c.inspect_address());
      if (!f.ok()) {
        errors.push_back(std::string(f.status().message()));
        continue;
      }
      got.push_back({c.id(), std::move(*f), std::chrono::steady_clock::now()});
    }
    nlohmann::json tasks = nlohmann::json::array(), stores = nlohmann::json::array();
    double rate_sum = 0, lag_sum = 0;
    bool any_rate = false;
    std::lock_guard<std::mutex> l(mu_);
    auto& js = jobs_[j.job()];
    std::map<TaskKey, Previous> previous;
    for (const auto& g : got) {
      for (const auto& t : g.figures.tasks) {
        TaskKey key{g.container, t.task};
        nlohmann::json rate;  // null until there are two samples of this task
        auto p = js.previous.find(key);
        if (p != js.previous.end() && t.processed >= p->second.processed) {
          double secs = std::chrono::duration<double>(g.at - p->second.at).count();
          if (secs > 0) {
            double r = static_cast<double>(t.processed - p->second.processed) / secs;
            rate = r;
            rate_sum += r;
            any_rate = true;
          }
        }
        previous[key] = {t.processed, g.at};
        lag_sum += t.lag;
        tasks.push_back({{"task", t.task},
                         {"container", g.container},
                         {"partitions", t.partitions},
                         {"processed", t.processed},
                         {"lag", t.has_lag ? nlohmann::json(t.lag) : nlohmann::json()},
                         {"messages_per_s", rate}});
      }
      for (const auto& s : g.figures.stores) {
        stores.push_back({{"task", s.task},
                          {"store", s.store},
                          {"container", g.container},
                          {"keys", s.keys},
                          {"bytes", s.bytes},
                          {"restore_records", OrNull(s.restore_records)},
                          {"restore_ms", OrNull(s.restore_ms)},
                          {"cache_hit_rate", OrNull(s.cache_hit_rate)},
                          {"restored_from", s.restored_from_checkpoint > 0    ? "checkpoint"
                                            : s.restored_from_checkpoint == 0 ? "changelog"
                                                                              : "-"},
                          {"restore_start_offset", OrNull(s.restore_start_offset)},
                          {"restore_end_offset", OrNull(s.restore_end_offset)}});
      }
    }
    js.previous = std::move(previous);
    int64_t now = WallMs();
    js.figures = {{"sampled_ms", now},
                  {"interval_ms", options_.interval.count()},
                  {"tasks", std::move(tasks)},
                  {"stores", std::move(stores)},
                  {"errors", std::move(errors)}};
    if (any_rate || !got.empty()) {
      js.points.push_back({static_cast<double>(now), any_rate ? rate_sum : 0.0, lag_sum});
      while (js.points.size() > options_.points) js.points.pop_front();
    }
  }
}

nlohmann::json JobSampler::Figures(const std::string& job) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = jobs_.find(job);
  if (it == jobs_.end()) {
    return {{"sampled_ms", 0},
            {"interval_ms", options_.interval.count()},
            {"tasks", nlohmann::json::array()},
            {"stores", nlohmann::json::array()},
            {"errors", nlohmann::json::array()}};
  }
  return it->second.figures;
}

nlohmann::json JobSampler::Series(const std::string& job) const {
  std::lock_guard<std::mutex> l(mu_);
  nlohmann::json points = nlohmann::json::array();
  auto it = jobs_.find(job);
  if (it != jobs_.end()) {
    for (const auto& p : it->second.points) {
      points.push_back({static_cast<int64_t>(p[0]), p[1], p[2]});
    }
  }
  return {{"interval_ms", options_.interval.count()},
          {"capacity", options_.points},
          {"points", std::move(points)}};
}

}  // namespace eddy::dashboard
