// EnrichJoin, on the high-level stream API: a stream-table join. The compacted stream
// app.enrich.profiles.stream (default profiles; key = memberId, value = JSON profile, null =
// deleted) is kept as a table in the changelogged store `profiles`; every click of
// app.enrich.clicks.stream (default clicks; key = memberId, value = JSON click) is sent to
// app.enrich.output (default eddy.enriched-clicks) as {"memberId", "click", "profile"} with the
// member's current profile (null when none; a click that is not JSON is kept as a string).
// Both inputs must be partitioned the same way (by memberId, same partition count), so the task
// of partition N holds the profiles of the members whose clicks it gets.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "eddy/eddy.h"
#include "eddy/stream/stream.h"

namespace {

using eddy::stream::KV;

class EnrichJoin : public eddy::stream::StreamApplication {
 public:
  absl::Status Describe(eddy::stream::StreamAppDescriptor& app) override {
    const eddy::Config& c = app.config();
    std::string system = c.GetOr("app.enrich.system", "eddy");
    auto out = eddy::SystemStream::Parse(c.GetOr("app.enrich.output", "eddy.enriched-clicks"));
    if (!out.ok()) return out.status();
    auto profiles = app.GetTable<std::string, std::string>(eddy::stream::TableDescriptor{
        eddy::stream::Input(system, c.GetOr("app.enrich.profiles.stream", "profiles"), "string",
                            "string"),
        "profiles"});
    auto clicks = app.GetInputStream<std::string, std::string>(eddy::stream::Input(
        system, c.GetOr("app.enrich.clicks.stream", "clicks"), "string", "string"));
    auto enriched = app.GetOutputStream<std::string, std::string>(
        eddy::stream::Output(out->system, out->stream, "string", "string"));
    clicks
        .Join(profiles,
              [](const KV<std::string, std::string>& click,
                 const std::optional<std::string>& profile) {
                nlohmann::json body = nlohmann::json::parse(click.value, nullptr, false);
                if (body.is_discarded()) body = click.value;
                nlohmann::json v = {
                    {"memberId", click.key}, {"click", body}, {"profile", nullptr}};
                if (profile) v["profile"] = nlohmann::json::parse(*profile, nullptr, false);
                return KV<std::string, std::string>{click.key, v.dump()};
              })
        .SendTo(enriched);
    return absl::OkStatus();
  }
};

}  // namespace

EDDY_REGISTER_APP(EnrichJoin);
