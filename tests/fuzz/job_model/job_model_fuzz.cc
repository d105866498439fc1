// Fuzzes JobModelFromJson (runtime/job/job_model.h): malformed JSON is an error, never a crash or
// an exception; a model that parses survives a round trip through JobModelToJson unchanged.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "runtime/job/job_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string json(reinterpret_cast<const char*>(data), size);
  auto model = eddy::runtime::JobModelFromJson(json);
  if (!model.ok()) return 0;
  const std::string again = eddy::runtime::JobModelToJson(*model);
  auto reparsed = eddy::runtime::JobModelFromJson(again);
  if (!reparsed.ok()) std::abort();
  if (eddy::runtime::JobModelToJson(*reparsed) != again) std::abort();
  (void)model->TaskCount();
  return 0;
}
