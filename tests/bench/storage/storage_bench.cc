// Benchmarks of the storage engine's hot paths, with a plain-file write() append of the same
// bytes as the reference measured in the same run. Figures: docs/benchmarks/storage.md.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "log-store/storage/crc32c.h"
#include "log-store/storage/log_manager.h"
#include "log-store/storage/record_batch.h"
#include "log-store/storage/record_batch_builder.h"
#include "log-store/storage/segment.h"

using namespace eddy::logstore;

namespace {

constexpr size_t kValueSize = 100;
constexpr int64_t kResetBytes = 512LL << 20;  // start over past this much data (bounded disk use)

// A batch of about `bytes` bytes of 100-byte records with 8-byte keys.
std::string MakeBatch(size_t bytes, int* records) {
  RecordBatchBuilder b;
  std::string v(kValueSize, 'v');
  int n = 0;
  while (b.size_bytes() + kValueSize + 20 <= bytes) {
    char key[16];
    std::snprintf(key, sizeof key, "k%07d", n);
    b.Add(std::string_view(key, 8), v, 1700000000000 + n);
    ++n;
  }
  *records = n;
  return b.Finish();
}

std::string BenchDir() {
  const char* env = std::getenv("EDDY_BENCH_DIR");
  std::string base = env ? env : std::filesystem::temp_directory_path().string();
  std::string tmpl = base + "/eddy-storage-bench-XXXXXX";
  return ::mkdtemp(tmpl.data());
}

void BM_Crc32c(benchmark::State& state) {
  std::string data(static_cast<size_t>(state.range(0)), 'x');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31);
  uint32_t c = 0;
  for (auto _ : state) benchmark::DoNotOptimize(c = Crc32c(c, data.data(), data.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Crc32c)->Arg(4096)->Arg(1 << 20);

void BM_BuildBatch(benchmark::State& state) {
  RecordBatchBuilder b;
  std::string v(kValueSize, 'v');
  const int n = static_cast<int>(state.range(0));
  for (auto _ : state) {
    for (int i = 0; i < n; ++i) b.Add(std::string_view("key-0001"), v, 1700000000000 + i);
    benchmark::DoNotOptimize(b.Finish());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * n);
}
BENCHMARK(BM_BuildBatch)->Arg(140)->Arg(9000);

void BM_ValidateBatch(benchmark::State& state) {
  int records = 0;
  const std::string batch = MakeBatch(static_cast<size_t>(state.range(0)), &records);
  for (auto _ : state) benchmark::DoNotOptimize(ValidateBatch(batch));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * records);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * batch.size()));
}
BENCHMARK(BM_ValidateBatch)->Arg(16 << 10)->Arg(1 << 20);

struct Env {
  std::string dir = BenchDir();
  std::unique_ptr<LogManager> mgr;
  std::shared_ptr<PartitionLog> log;
  int gen = 0;
  CompressionType compression = CompressionType::kProducer;
  void Open() {
    LogManagerOptions o;
    o.data_dir = dir;
    o.start_cleaner = false;
    mgr = std::move(*LogManager::Open(o));
    NewTopic();
  }
  void NewTopic() {
    log.reset();
    if (gen > 0) (void)mgr->DeleteTopic("bench" + std::to_string(gen - 1));
    TopicConfig c;
    c.segment_bytes = 256 << 20;
    c.max_message_bytes = 2 << 20;
    c.compression_type = compression;
    (void)mgr->CreateTopic("bench" + std::to_string(gen), c);
    log = *mgr->GetPartition("bench" + std::to_string(gen), 0);
    ++gen;
  }
  ~Env() {
    log.reset();
    mgr.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

void BM_PartitionAppend(benchmark::State& state) {
  int records = 0;
  const std::string batch = MakeBatch(static_cast<size_t>(state.range(0)), &records);
  Env env;
  env.Open();
  int64_t written = 0;
  for (auto _ : state) {
    auto r = env.log->Append(batch);
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      break;
    }
    written += static_cast<int64_t>(batch.size());
    if (written > kResetBytes) {
      state.PauseTiming();
      env.NewTopic();
      written = 0;
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * records);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * batch.size()));
}
BENCHMARK(BM_PartitionAppend)->Arg(16 << 10)->Arg(1 << 20)->UseRealTime();

// Uncompressed producer batches appended to a compression.type=lz4 topic: every batch is
// compressed by the broker before it is stored (bytes/s counts the batches as sent).
void BM_PartitionAppendReencodedToLz4(benchmark::State& state) {
  int records = 0;
  const std::string batch = MakeBatch(static_cast<size_t>(state.range(0)), &records);
  Env env;
  env.compression = CompressionType::kLz4;
  env.Open();
  int64_t written = 0;
  for (auto _ : state) {
    auto r = env.log->Append(batch);
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      break;
    }
    written += static_cast<int64_t>(batch.size());
    if (written > kResetBytes) {
      state.PauseTiming();
      env.NewTopic();
      written = 0;
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * records);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * batch.size()));
}
BENCHMARK(BM_PartitionAppendReencodedToLz4)->Arg(1 << 20)->UseRealTime();

// Reference: the same bytes appended with write() to a plain file.
void BM_PlainFileWrite(benchmark::State& state) {
  int records = 0;
  const std::string batch = MakeBatch(static_cast<size_t>(state.range(0)), &records);
  const std::string dir = BenchDir();
  const std::string path = dir + "/plain.log";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
  int64_t written = 0;
  for (auto _ : state) {
    if (::write(fd, batch.data(), batch.size()) != static_cast<ssize_t>(batch.size())) {
      state.SkipWithError("write failed");
      break;
    }
    written += static_cast<int64_t>(batch.size());
    if (written > kResetBytes) {
      state.PauseTiming();
      ::close(fd);
      ::unlink(path.c_str());
      fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
      written = 0;
      state.ResumeTiming();
    }
  }
  ::close(fd);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * records);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * batch.size()));
}
BENCHMARK(BM_PlainFileWrite)->Arg(16 << 10)->Arg(1 << 20)->UseRealTime();

// Sequential consume of 256 MiB in 16 KiB batches with 1 MiB fetches (CRC-checked reads).
void BM_PartitionRead(benchmark::State& state) {
  int records = 0;
  const std::string batch = MakeBatch(16 << 10, &records);
  Env env;
  env.Open();
  const int batches = (256 << 20) / static_cast<int>(batch.size());
  for (int i = 0; i < batches; ++i) (void)env.log->Append(batch);
  const int32_t max_bytes = static_cast<int32_t>(state.range(0));
  int64_t offset = 0, bytes = 0, msgs = 0;
  const int64_t end = env.log->LogEndOffset();
  for (auto _ : state) {
    if (offset >= end) offset = 0;
    auto r = env.log->Read(offset, max_bytes);
    if (!r.ok() || r->batches.empty()) {
      state.SkipWithError("read failed");
      break;
    }
    // Next offset from the last batch header only (no per-record work).
    BatchIterator it(r->batches);
    std::string_view b;
    BatchHeader h;
    while (it.Next(&b, &h)) {
      offset = h.last_offset() + 1;
      msgs += h.records_count;
    }
    bytes += static_cast<int64_t>(r->batches.size());
  }
  state.SetItemsProcessed(msgs);
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_PartitionRead)->Arg(1 << 20)->UseRealTime();

}  // namespace

// BENCHMARK_MAIN, with a --help that names this tool before Google Benchmark's own flags.
int main(int argc, char** argv) {
  static char help[] = "--help";  // Google Benchmark knows --help only
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "-h") == 0) argv[i] = help;
  }
  benchmark::Initialize(&argc, argv, [] {
    std::printf(
        "usage: storage_bench [--benchmark_filter=REGEX] [Google Benchmark "
        "flags]\nMicro-benchmarks of the storage engine (append, read, index) against plain "
        "write().\n");
    benchmark::PrintDefaultHelp();
  });
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
