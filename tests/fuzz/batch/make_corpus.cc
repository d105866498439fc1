// Writes the seed corpus of the batch fuzz target: valid batches of every codec, with and
// without keys, values and headers, and a concatenation. Run once; the files are committed.
//   make_batch_corpus tests/fuzz/batch/corpus
#include <fstream>
#include <string>

#include "log-store/storage/record_batch_builder.h"

using namespace eddy::logstore;

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const std::string dir = argv[1];
  auto write = [&](const std::string& name, const std::string& data) {
    std::ofstream f(dir + "/" + name, std::ios::binary | std::ios::trunc);
    f.write(data.data(), static_cast<std::streamsize>(data.size()));
  };
  const char* names[] = {"none", "gzip", "snappy", "lz4", "zstd"};
  std::string all;
  for (int c = 0; c <= 4; ++c) {
    RecordBatchBuilder b(static_cast<Compression>(c));
    RecordHeader hs[2] = {{"trace", std::string_view("abc")}, {"nullv", std::nullopt}};
    b.Add("key-1", "value-1", 1700000000000);
    b.Add(std::nullopt, "value-without-key", 1700000000005, hs);
    b.Add("tombstone", std::nullopt, 1699999999999);
    b.Add("", "", 1700000000001);
    std::string batch = b.Finish();
    write(std::string("batch_") + names[c] + ".bin", batch);
    all += batch;
  }
  RecordBatchBuilder one;
  one.SetProducer(42, 1, 7);
  one.Add("k", std::string(300, 'v'), 5);
  write("batch_idempotent.bin", one.Finish());
  write("batches_concat.bin", all);
  return 0;
}
