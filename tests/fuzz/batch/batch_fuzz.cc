// Fuzz target: the record batch decoder over arbitrary bytes (ValidateBatch, RecordIterator
// with header walking, BatchIterator, CheckStoredBatch, ReencodeBatch). Must never crash or hang,
// and a batch ReencodeBatch accepts must come out valid.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "log-store/storage/batch_reencoder.h"
#include "log-store/storage/record_batch.h"
#include "log-store/storage/segment.h"

using namespace eddy::logstore;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)ValidateBatch(in);
  BatchHeader sh;
  (void)CheckStoredBatch(in, &sh);
  {
    RecordIterator it(in);
    Record r;
    int n = 0;
    while (it.Next(&r) && n < 1000000) {
      RecordHeaderIterator hi(r.headers_raw, r.header_count);
      RecordHeader h;
      while (hi.Next(&h)) {
      }
      ++n;
    }
  }
  BatchIterator bi(in);
  std::string_view batch;
  BatchHeader h;
  while (bi.Next(&batch, &h)) {
    if (ValidateBatch(batch).ok()) {
      // What Append does for a topic with compression.type=uncompressed or lz4.
      for (Compression c : {Compression::kNone, Compression::kLz4}) {
        auto re = ReencodeBatch(batch, c);
        if (re.ok() && !ValidateBatch(*re).ok()) std::abort();
      }
    }
    RecordIterator it(batch);
    Record r;
    while (it.Next(&r)) {
    }
  }
  return 0;
}
