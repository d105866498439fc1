// EnrichJoin: a stream-table join. `profiles` is a compacted topic (key = memberId, value = JSON
// profile, null = deleted) kept in the logged RocksDB store "profiles"; `clicks` (key = memberId,
// value = JSON click) are enriched with the member's current profile and sent to
// app.enrich.output (default eddy.enriched-clicks) as {"click": ..., "profile": ... | null}.
// Both inputs must be partitioned the same way (by memberId, same partition count), so the
// GroupByPartition task "Partition N" sees the profiles of the members whose clicks it gets.
#include <nlohmann/json.hpp>
#include <string>

#include "eddy/eddy.h"

namespace {

class EnrichJoin : public eddy::StreamTask, public eddy::InitableTask {
 public:
  absl::Status Init(eddy::Context& context) override {
    auto store = context.GetStore<std::string, std::string>("profiles");
    if (!store.ok()) return store.status();
    profiles_ = *store;
    profile_stream_ = context.config().GetOr("app.enrich.profiles.stream", "profiles");
    auto out = eddy::SystemStream::Parse(
        context.config().GetOr("app.enrich.output", "eddy.enriched-clicks"));
    if (!out.ok()) return out.status();
    output_ = *out;
    joined_ = &context.metrics().NewCounter("enrich-join", "clicks-with-profile");
    missing_ = &context.metrics().NewCounter("enrich-join", "clicks-without-profile");
    return absl::OkStatus();
  }

  absl::Status Process(const eddy::IncomingMessageEnvelope& envelope,
                       eddy::MessageCollector& collector, eddy::TaskCoordinator&) override {
    if (!envelope.key()) return absl::OkStatus();
    std::string member(*envelope.key());
    if (envelope.system_stream_partition().stream == profile_stream_) {
      if (!envelope.message()) return profiles_->Delete(member);
      return profiles_->Put(member, std::string(*envelope.message()));
    }
    nlohmann::json click = envelope.message()
                               ? nlohmann::json::parse(*envelope.message(), nullptr, false)
                               : nlohmann::json();
    if (click.is_discarded()) click = std::string(*envelope.message());
    auto profile = profiles_->Get(member);
    if (!profile.ok()) return profile.status();
    nlohmann::json out = {{"memberId", member}, {"click", click}, {"profile", nullptr}};
    if (profile->has_value()) {
      out["profile"] = nlohmann::json::parse(**profile, nullptr, false);
      joined_->Inc();
    } else {
      missing_->Inc();
    }
    return collector.Send(eddy::OutgoingMessageEnvelope(output_, member, out.dump()));
  }

 private:
  eddy::KeyValueStore<std::string, std::string>* profiles_ = nullptr;
  std::string profile_stream_;
  eddy::SystemStream output_;
  eddy::Counter* joined_ = nullptr;
  eddy::Counter* missing_ = nullptr;
};

}  // namespace

EDDY_REGISTER_TASK(EnrichJoin);
