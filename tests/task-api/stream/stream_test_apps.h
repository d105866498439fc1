// Small applications for the stream API tests: an application whose Describe is a lambda.
#pragma once

#include <functional>
#include <string>
#include <utility>

#include "eddy/stream/stream.h"
#include "stream_harness.h"

namespace eddy::stream::testing {

using DescribeFn = std::function<absl::Status(StreamAppDescriptor&)>;

class LambdaApp final : public StreamApplication {
 public:
  explicit LambdaApp(DescribeFn fn) : fn_(std::move(fn)) {}
  absl::Status Describe(StreamAppDescriptor& app) override { return fn_(app); }

 private:
  DescribeFn fn_;
};

inline AppFactory Factory(DescribeFn fn) {
  return [fn]() { return std::make_unique<LambdaApp>(fn); };
}

inline std::map<std::string, std::string> BaseConfig() {
  return {{"job.name", "job"}, {"systems.eddy.factory", "eddy"}};
}

using SKV = KV<std::string, std::string>;

inline const char* KindName(PaneKind k) {
  switch (k) {
    case PaneKind::kUpdate:
      return "update";
    case PaneKind::kFinal:
      return "final";
    case PaneKind::kLateUpdate:
      return "late";
  }
  return "?";
}

// "key@start" → "count/end/max/kind" for int64 count panes.
inline SKV PaneText(const WindowPane<std::string, int64_t>& p) {
  return SKV{p.key + "@" + std::to_string(p.start),
             std::to_string(p.value) + "/" + std::to_string(p.end) + "/" +
                 std::to_string(p.max_event_time) + "/" + KindName(p.kind)};
}

inline std::vector<std::string> Lines(const std::vector<SentMessage>& ms) {
  std::vector<std::string> out;
  for (const auto& m : ms) out.push_back(m.key.value_or("<null>") + "=" + m.message.value_or("<null>"));
  return out;
}

}  // namespace eddy::stream::testing
