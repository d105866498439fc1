// Fuzzes ParseProperties (task-api/include/eddy/config.h): any input either parses or is an
// InvalidArgument naming "<source>:<line>"; a parsed config never has an empty key, and typed
// getters on any value answer a status instead of throwing or crashing.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "eddy/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = eddy::ParseProperties(text, "fuzz.properties");
  if (!config.ok()) {
    if (config.status().message().find("fuzz.properties") == std::string_view::npos) std::abort();
    return 0;
  }
  for (const auto& [key, value] : config->entries()) {
    if (key.empty()) std::abort();
    (void)config->GetInt(key);
    (void)config->GetLong(key);
    (void)config->GetBool(key);
  }
  return 0;
}
