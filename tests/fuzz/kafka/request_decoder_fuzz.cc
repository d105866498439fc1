// Fuzz target for the Kafka request decoder: any bytes as one request payload (the frame after
// its size prefix). The decoder must return an error, never crash, read out of bounds or loop.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "log-store/kafka/request_dispatcher.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)eddy::kafka::DecodeRequest(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
