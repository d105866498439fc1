// PageViewCounter (Samza's classic example), on the high-level stream API: page views
// {"memberId": 1, "pageKey": "home", "timestamp": 1700000000000} from app.pageview.input
// (default eddy.pageviews), counted per memberId in tumbling event-time windows of
// app.pageview.window.ms (default 10000) with allowed lateness app.pageview.allowed.lateness.ms
// (default 5000). Event time = the view's "timestamp" (an extractor). Views are repartitioned
// by memberId (intermediate stream <job.name>-<job.id>-partition_by-member), so one task holds
// a member's windows.
//
// Output app.pageview.output (default eddy.pageview-counts): key "<memberId>@<windowStart>",
// value {"memberId", "windowStart", "windowEnd", "count"}, sent when the watermark reaches the
// window end and again, with the new count, for every late view within the allowed lateness:
// the last value per key is the window's final count. Views later than that go unchanged to
// app.pageview.late.output (default eddy.pageview-late; key = memberId) and are counted
// (metrics group stream.pageview-windows, late-events-dropped / late-events-accepted).
// A message that is not such JSON stops the task, naming its offset.
#include <nlohmann/json.hpp>
#include <string>

#include "eddy/eddy.h"
#include "eddy/stream/stream.h"

namespace {

using eddy::stream::KV;
using eddy::stream::WindowPane;

// The view's "timestamp", else the record's.
int64_t ViewTime(const eddy::IncomingMessageEnvelope& e) {
  if (!e.message()) return e.timestamp();
  auto j = nlohmann::json::parse(*e.message(), nullptr, false);
  if (j.is_object() && j.contains("timestamp") && j["timestamp"].is_number_integer()) {
    return j["timestamp"].get<int64_t>();
  }
  return e.timestamp();
}

class PageViewCounter : public eddy::stream::StreamApplication {
 public:
  absl::Status Describe(eddy::stream::StreamAppDescriptor& app) override {
    const eddy::Config& c = app.config();
    auto window = c.GetDurationMs("app.pageview.window.ms", 10000);
    if (!window.ok()) return window.status();
    if (*window <= 0) {
      return absl::InvalidArgumentError("config key app.pageview.window.ms: must be > 0, got " +
                                        std::to_string(*window));
    }
    auto lateness = c.GetDurationMs("app.pageview.allowed.lateness.ms", 5000);
    if (!lateness.ok()) return lateness.status();
    if (*lateness < 0) {
      return absl::InvalidArgumentError(
          "config key app.pageview.allowed.lateness.ms: must be >= 0, got " +
          std::to_string(*lateness));
    }
    auto in = eddy::SystemStream::Parse(c.GetOr("app.pageview.input", "eddy.pageviews"));
    if (!in.ok()) return in.status();
    auto out = eddy::SystemStream::Parse(c.GetOr("app.pageview.output", "eddy.pageview-counts"));
    if (!out.ok()) return out.status();
    auto late = eddy::SystemStream::Parse(c.GetOr("app.pageview.late.output", "eddy.pageview-late"));
    if (!late.ok()) return late.status();

    auto views = app.GetInputStream<std::string, std::string>(
        eddy::stream::Input(in->system, in->stream, "bytes", "string"), ViewTime);
    auto counts = app.GetOutputStream<std::string, std::string>(
        eddy::stream::Output(out->system, out->stream, "string", "string"));
    auto late_views = app.GetOutputStream<std::string, std::string>(
        eddy::stream::Output(late->system, late->stream, "string", "string"));

    auto windowed =
        views
            .Map([](const KV<std::string, std::string>& m) {
              auto j = nlohmann::json::parse(m.value);  // throws on bad JSON: the task fails
              return KV<int64_t, std::string>{j.at("memberId").get<int64_t>(), m.value};
            })
            .PartitionBy([](const KV<int64_t, std::string>& m) { return m.key; },
                         [](const KV<int64_t, std::string>& m) { return m.value; }, "member")
            .Window<int64_t>(
                "pageview-windows",
                eddy::stream::Tumbling(*window).AllowedLateness(*lateness), 0,
                [](int64_t n, const std::string&) { return n + 1; },
                [](int64_t a, int64_t b) { return a + b; });
    windowed.panes
        .Map([](const WindowPane<int64_t, int64_t>& p) {
          nlohmann::json v = {{"memberId", p.key},
                              {"windowStart", p.start},
                              {"windowEnd", p.end},
                              {"count", p.value}};
          return KV<std::string, std::string>{
              std::to_string(p.key) + "@" + std::to_string(p.start), v.dump()};
        })
        .SendTo(counts);
    windowed.late
        .Map([](const KV<int64_t, std::string>& m) {
          return KV<std::string, std::string>{std::to_string(m.key), m.value};
        })
        .SendTo(late_views);
    return absl::OkStatus();
  }
};

}  // namespace

EDDY_REGISTER_APP(PageViewCounter);
