// Helpers for the storage tests: temp dirs, batch building, reading records back.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "log-store/storage/log_manager.h"
#include "log-store/storage/record_batch.h"
#include "log-store/storage/record_batch_builder.h"

namespace eddy::logstore::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "eddy-storage-XXXXXX").string();
    char* p = ::mkdtemp(tmpl.data());
    path_ = p ? p : "";
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A batch of n records "k<first+i>" -> value of `value_size` bytes, timestamps ts.
inline std::string MakeBatch(int first, int n, int64_t ts, size_t value_size = 100,
                             Compression c = Compression::kNone) {
  RecordBatchBuilder b(c);
  for (int i = 0; i < n; ++i) {
    std::string k = "k" + std::to_string(first + i);
    std::string v(value_size, static_cast<char>('a' + (first + i) % 26));
    b.Add(k, v, ts);
  }
  return b.Finish();
}

struct Rec {
  int64_t offset;
  int64_t timestamp;
  std::string key;
  std::optional<std::string> value;
};

// Reads the whole partition from `from` with records past `from` only.
inline absl::StatusOr<std::vector<Rec>> ReadAll(const PartitionLog& log, int64_t from = -1) {
  std::vector<Rec> out;
  int64_t next = from < 0 ? log.LogStartOffset() : from;
  while (next < log.LogEndOffset()) {
    auto r = log.Read(next, 1 << 20);
    if (!r.ok()) return r.status();
    if (r->batches.empty()) break;
    BatchIterator bi(r->batches);
    std::string_view batch;
    BatchHeader h;
    while (bi.Next(&batch, &h)) {
      RecordIterator it(batch);
      Record rec;
      while (it.Next(&rec)) {
        if (rec.offset < next) continue;
        out.push_back(
            Rec{rec.offset, rec.timestamp, rec.key ? std::string(*rec.key) : "",
                rec.value ? std::optional<std::string>(std::string(*rec.value)) : std::nullopt});
      }
      if (!it.status().ok()) return it.status();
      next = h.last_offset() + 1;
    }
    if (!bi.status().ok()) return bi.status();
  }
  return out;
}

}  // namespace eddy::logstore::testing
