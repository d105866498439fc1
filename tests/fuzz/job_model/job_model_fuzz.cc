// Fuzzes JobModelFromJson (runtime/job/job_model.h) and TaskPartitionsFromJson
// (runtime/job/task_partitions.h, the stored task → changelog-partition map): malformed JSON is
// an error, never a crash or an exception; what parses survives a round trip unchanged.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "runtime/job/job_model.h"
#include "runtime/job/task_partitions.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string json(reinterpret_cast<const char*>(data), size);
  if (auto map = eddy::runtime::TaskPartitionsFromJson(json); map.ok()) {
    auto back = eddy::runtime::TaskPartitionsFromJson(eddy::runtime::TaskPartitionsToJson(*map));
    if (!back.ok() || *back != *map) std::abort();
  }
  auto model = eddy::runtime::JobModelFromJson(json);
  if (!model.ok()) return 0;
  const std::string again = eddy::runtime::JobModelToJson(*model);
  auto reparsed = eddy::runtime::JobModelFromJson(again);
  if (!reparsed.ok()) std::abort();
  if (eddy::runtime::JobModelToJson(*reparsed) != again) std::abort();
  (void)model->TaskCount();
  return 0;
}
