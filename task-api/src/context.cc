// Context: the non-template parts of the typed store lookup.
#include "eddy/context.h"

namespace eddy {

Context::~Context() = default;

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
