// WindowedCountLowLevel: the low-level reference of examples_bench.py's windowed count, the
// pre-issue-10 jobs/pageview-counter kept unchanged but for its name. It reads JSON page views
// {"memberId": 1, "pageKey": "home", "timestamp": 1700000000000} and counts views per member per
// 10-second tumbling window of EVENT time (the message's timestamp). A window is emitted to
// app.pageview.output (default eddy.pageview-counts) as JSON
// {"memberId", "windowStart", "windowEnd", "count"} once the task has seen an event at or after
// the window's end (the watermark = the largest event time seen), then deleted. Counts and the
// watermark live in a logged RocksDB store, so a restart resumes exactly.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "eddy/eddy.h"

namespace {

constexpr int64_t kWindowMs = 10000;
constexpr char kWatermarkKey[] = "~watermark";

// Keys "<windowStart, 20 digits>|<memberId>" sort by window start.
std::string WindowKey(int64_t start, int64_t member) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%020lld|%lld", static_cast<long long>(start),
                static_cast<long long>(member));
  return buf;
}

class WindowedCountLowLevel : public eddy::StreamTask,
                              public eddy::InitableTask,
                              public eddy::WindowableTask,
                              public eddy::EndOfStreamListenerTask {
 public:
  absl::Status Init(eddy::Context& context) override {
    auto store = context.GetStore<std::string, int64_t>("pageview-windows");
    if (!store.ok()) return store.status();
    store_ = *store;
    auto out = eddy::SystemStream::Parse(
        context.config().GetOr("app.pageview.output", "eddy.pageview-counts"));
    if (!out.ok()) return out.status();
    output_ = *out;
    auto wm = store_->Get(kWatermarkKey);
    if (!wm.ok()) return wm.status();
    watermark_ = wm->value_or(-1);
    return absl::OkStatus();
  }

  absl::Status Process(const eddy::IncomingMessageEnvelope& envelope, eddy::MessageCollector&,
                       eddy::TaskCoordinator&) override {
    const nlohmann::json* view = envelope.MessageAs<nlohmann::json>();
    nlohmann::json parsed;
    if (view == nullptr) {
      if (!envelope.message()) return absl::OkStatus();
      parsed = nlohmann::json::parse(*envelope.message(), nullptr, false);
      view = &parsed;
    }
    // find(), not operator[]: on a const json, operator[] of a missing key is undefined
    // behaviour (AddressSanitizer caught it reading freed memory).
    if (!view->is_object()) {
      return absl::InvalidArgumentError("page view without integer memberId and timestamp");
    }
    auto member_it = view->find("memberId");
    auto ts_it = view->find("timestamp");
    if (member_it == view->end() || !member_it->is_number_integer() || ts_it == view->end() ||
        !ts_it->is_number_integer()) {
      return absl::InvalidArgumentError("page view without integer memberId and timestamp");
    }
    int64_t member = member_it->get<int64_t>();
    int64_t ts = ts_it->get<int64_t>();
    int64_t start = ts - ts % kWindowMs;
    if (start + kWindowMs <= watermark_) return absl::OkStatus();  // late: window closed
    std::string key = WindowKey(start, member);
    auto c = store_->Get(key);
    if (!c.ok()) return c.status();
    if (auto s = store_->Put(key, c->value_or(0) + 1); !s.ok()) return s;
    if (ts > watermark_) {
      watermark_ = ts;
      if (auto s = store_->Put(kWatermarkKey, watermark_); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  absl::Status Window(eddy::MessageCollector& collector, eddy::TaskCoordinator&) override {
    return Emit(collector, watermark_);
  }

  // Emits the windows event time has closed; later windows stay open (and in the store).
  absl::Status OnEndOfStream(eddy::MessageCollector& collector, eddy::TaskCoordinator&) override {
    return Emit(collector, watermark_);
  }

 private:
  // Emits and deletes every window with end <= `watermark`.
  absl::Status Emit(eddy::MessageCollector& collector, int64_t watermark) {
    if (watermark < 0) return absl::OkStatus();
    // Windows [s, s+10s) are closed when s + 10s <= watermark, i.e. s <= watermark - 10s.
    int64_t limit = watermark - kWindowMs;
    if (limit < 0) return absl::OkStatus();
    auto it = store_->Range(WindowKey(0, 0), WindowKey(limit + 1, 0));
    if (!it.ok()) return it.status();
    std::vector<std::string> done;
    absl::Status st;
    for (; it->Valid(); it->Next()) {
      std::string key(it->raw_key());
      auto count = it->value();
      if (!count.ok()) {
        st = count.status();
        break;
      }
      int64_t start = std::stoll(key.substr(0, 20));
      int64_t member = std::stoll(key.substr(21));
      nlohmann::json out = {{"memberId", member},
                            {"windowStart", start},
                            {"windowEnd", start + kWindowMs},
                            {"count", *count}};
      st = collector.Send(
          eddy::OutgoingMessageEnvelope(output_, std::to_string(member), out.dump()));
      if (!st.ok()) break;
      done.push_back(std::move(key));
    }
    it->Close();
    if (!st.ok()) return st;
    return store_->DeleteAll(done);
  }

  eddy::KeyValueStore<std::string, int64_t>* store_ = nullptr;
  eddy::SystemStream output_;
  int64_t watermark_ = -1;
};

}  // namespace

EDDY_REGISTER_TASK(WindowedCountLowLevel);
