// Context: the non-template parts of the typed store lookup.
#include "eddy/context.h"

namespace eddy {

Context::~Context() = default;

namespace {

// The timers of a context without timer support.
class NoTimers final : public TimerService {
 public:
  absl::Status Register(TimeDomain, std::string_view, int64_t) override { return Refuse(); }
  absl::Status Delete(TimeDomain, std::string_view, int64_t) override { return Refuse(); }
  int64_t CurrentWatermark() const override { return kNoWatermark; }
  int64_t CurrentProcessingTime() const override { return 0; }
  void SetEventTimeExtractor(const SystemStream&, EventTimeExtractor) override {}

 private:
  static absl::Status Refuse() {
    return absl::FailedPreconditionError("this task context has no timer support");
  }
};

}  // namespace

TimerService& Context::timers() {
  static NoTimers* none = new NoTimers();
  return *none;
}

const Serde<std::string>* Context::DefaultBytesSerde() {
  static const BytesSerde* serde = new BytesSerde();
  return serde;
}

absl::Status Context::SerdeError(std::string_view store, const char* which, const SerdeBase* serde,
                                 const std::string& serde_name, const std::type_info& wanted) {
  std::string key = "stores." + std::string(store) + "." + which;
  if (serde == nullptr) {
    return absl::InvalidArgumentError("store " + std::string(store) + ": " + key +
                                      " is not set, so the store holds raw bytes "
                                      "(std::string), but GetStore asked for " +
                                      TypeName(wanted) + "; set " + key);
  }
  return absl::InvalidArgumentError("store " + std::string(store) + ": " + key + " is '" +
                                    serde_name + "', a serde for " + TypeName(serde->value_type()) +
                                    ", but GetStore asked for " + TypeName(wanted));
}

}  // namespace eddy
