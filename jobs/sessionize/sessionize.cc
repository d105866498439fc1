// Sessionize, on the high-level stream API: clicks {"user": "u1", "page": "/a", "timestamp": ms}
// from app.sessionize.input (default eddy.clicks) grouped per user into session windows with gap
// app.sessionize.gap.ms (default 30000) and allowed lateness app.sessionize.allowed.lateness.ms
// (default 0), in event time (the click's "timestamp", an extractor). Clicks are repartitioned
// by user (intermediate stream <job.name>-<job.id>-partition_by-user).
//
// Output app.sessionize.output (default eddy.sessions): key "<user>@<sessionStart>", value
// {"user", "sessionStart", "sessionEnd", "clicks"} (sessionStart/End = the first and last click's
// timestamps), sent when the watermark reaches the last click + gap (and again for a late click
// within the allowed lateness). Clicks too late for their session go unchanged to
// app.sessionize.late.output (default eddy.sessions-late; key = user) and are counted (metrics
// group stream.sessions).
#include <nlohmann/json.hpp>
#include <string>

#include "eddy/eddy.h"
#include "eddy/stream/stream.h"

namespace {

using eddy::stream::KV;
using eddy::stream::WindowPane;

int64_t ClickTime(const eddy::IncomingMessageEnvelope& e) {
  if (!e.message()) return e.timestamp();
  auto j = nlohmann::json::parse(*e.message(), nullptr, false);
  if (j.is_object() && j.contains("timestamp") && j["timestamp"].is_number_integer()) {
    return j["timestamp"].get<int64_t>();
  }
  return e.timestamp();
}

class Sessionize : public eddy::stream::StreamApplication {
 public:
  absl::Status Describe(eddy::stream::StreamAppDescriptor& app) override {
    const eddy::Config& c = app.config();
    auto gap = c.GetDurationMs("app.sessionize.gap.ms", 30000);
    if (!gap.ok()) return gap.status();
    if (*gap <= 0) {
      return absl::InvalidArgumentError("config key app.sessionize.gap.ms: must be > 0, got " +
                                        std::to_string(*gap));
    }
    auto lateness = c.GetDurationMs("app.sessionize.allowed.lateness.ms", 0);
    if (!lateness.ok()) return lateness.status();
    if (*lateness < 0) {
      return absl::InvalidArgumentError(
          "config key app.sessionize.allowed.lateness.ms: must be >= 0, got " +
          std::to_string(*lateness));
    }
    auto in = eddy::SystemStream::Parse(c.GetOr("app.sessionize.input", "eddy.clicks"));
    if (!in.ok()) return in.status();
    auto out = eddy::SystemStream::Parse(c.GetOr("app.sessionize.output", "eddy.sessions"));
    if (!out.ok()) return out.status();
    auto late =
        eddy::SystemStream::Parse(c.GetOr("app.sessionize.late.output", "eddy.sessions-late"));
    if (!late.ok()) return late.status();

    auto clicks = app.GetInputStream<std::string, std::string>(
        eddy::stream::Input(in->system, in->stream, "bytes", "string"), ClickTime);
    auto sessions = app.GetOutputStream<std::string, std::string>(
        eddy::stream::Output(out->system, out->stream, "string", "string"));
    auto late_clicks = app.GetOutputStream<std::string, std::string>(
        eddy::stream::Output(late->system, late->stream, "string", "string"));

    auto windowed =
        clicks
            .Map([](const KV<std::string, std::string>& m) {
              auto j = nlohmann::json::parse(m.value);  // throws on bad JSON: the task fails
              return KV<std::string, std::string>{j.at("user").get<std::string>(), m.value};
            })
            .PartitionBy([](const KV<std::string, std::string>& m) { return m.key; },
                         [](const KV<std::string, std::string>& m) { return m.value; }, "user")
            .Window<int64_t>(
                "sessions", eddy::stream::Session(*gap).AllowedLateness(*lateness), 0,
                [](int64_t n, const std::string&) { return n + 1; },
                [](int64_t a, int64_t b) { return a + b; });
    windowed.panes
        .Map([](const WindowPane<std::string, int64_t>& p) {
          nlohmann::json v = {{"user", p.key},
                              {"sessionStart", p.start},
                              {"sessionEnd", p.max_event_time},
                              {"clicks", p.value}};
          return KV<std::string, std::string>{p.key + "@" + std::to_string(p.start), v.dump()};
        })
        .SendTo(sessions);
    windowed.late.SendTo(late_clicks);
    return absl::OkStatus();
  }
};

}  // namespace

EDDY_REGISTER_APP(Sessionize);
