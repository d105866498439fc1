// state_bench: put/get through the full store stack (object cache → changelog logging → RocksDB,
// WAL off) with 100-byte values, bulk restore into RocksDB through RestoreBatch, and the same
// restore done with raw rocksdb::WriteBatch as the reference.
//
//   build/bin/state_bench --benchmark_min_time=1
#include <benchmark/benchmark.h>
#include <rocksdb/db.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/write_batch.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>

#include "runtime/state/inmemory_store.h"
#include "runtime/state/restore_batch.h"
#include "runtime/state/rocksdb_store.h"
#include "runtime/state/store_factory.h"

namespace eddy::state {
namespace {

constexpr size_t kValueSize = 100;
constexpr int kKeySpace = 100000;
constexpr int kRestoreRecords = 1000000;
constexpr int kFetchBatch = 2000;  // records per fetched changelog batch handed to Apply()

std::string BenchDir(const std::string& name) {
  auto p = std::filesystem::temp_directory_path() /
           ("eddy_state_bench_" + std::to_string(::getpid()) + "_" + name);
  std::filesystem::remove_all(p);
  return p.string();
}

// Stands in for the changelog producer: copies each record into a batch buffer, as a producer
// appending to a record batch would, and recycles the buffer.
class BufferWriter : public ChangelogWriter {
 public:
  absl::Status Append(std::string_view key, std::optional<std::string_view> value) override {
    if (buf_.size() > (1 << 20)) buf_.clear();
    buf_.append(key);
    if (value) buf_.append(*value);
    ++records;
    return absl::OkStatus();
  }
  int64_t records = 0;

 private:
  std::string buf_;
};

// CPU seconds of the whole process (all threads, including RocksDB's flush threads). On a shared
// machine wall time mostly measures the neighbours; records per CPU-second does not.
double ProcessCpuSeconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

void SetCpuCounters(benchmark::State& state, double cpu_seconds, int64_t items) {
  state.counters["process_cpu_s"] = cpu_seconds;
  state.counters["items_per_cpu_s"] =
      cpu_seconds > 0 ? static_cast<double>(items) / cpu_seconds : 0;
}

std::string Key(int i) {
  char buf[16];
  snprintf(buf, sizeof(buf), "key%08d", i);
  return buf;
}

struct Stack {
  explicit Stack(const std::string& name, const std::string& cache_size) : dir(BenchDir(name)) {
    const char* wb = getenv("STATE_BENCH_WRITE_BUFFER");
    Config c(Config::Map{{"stores.s.factory", "rocksdb"},
                         {"stores.s.rocksdb.write.buffer.size", wb ? wb : "33554432"},
                         {"stores.s.changelog", "eddy.s-changelog"},
                         {"stores.s.object.cache.size", cache_size},
                         {"stores.s.rocksdb.compression", "snappy"}});
    stack = *StoreFactory::Build(*StoreFactory::ParseSpec(c, "s"), dir, &writer, nullptr, "");
  }
  ~Stack() {
    stack.top.reset();
    std::filesystem::remove_all(dir);
  }
  std::string dir;
  BufferWriter writer;
  StoreStack stack;
};

// Random keys over 100k: Samza's "count into RocksDB with changelog" store pattern.
void BM_PutCachedLoggedRocks(benchmark::State& state) {
  Stack s("put", std::to_string(state.range(0)));
  std::mt19937 rng(42);
  std::vector<std::string> keys;
  for (int i = 0; i < kKeySpace; ++i) keys.push_back(Key(i));
  std::string value(kValueSize, 'v');
  const double cpu_start = ProcessCpuSeconds();
  for (auto _ : state) {
    const std::string& k = keys[rng() % kKeySpace];
    value[0] = static_cast<char>(rng());
    if (!s.stack.top->Put(k, value).ok()) state.SkipWithError("put failed");
  }
  (void)s.stack.FlushCache();
  state.SetItemsProcessed(state.iterations());
  SetCpuCounters(state, ProcessCpuSeconds() - cpu_start, state.iterations());
  state.counters["changelog_records"] = static_cast<double>(s.writer.records);
}
BENCHMARK(BM_PutCachedLoggedRocks)->Arg(1000)->Arg(100000);

// Read-modify-write of a counter, the word-count inner loop.
void BM_IncrementCachedLoggedRocks(benchmark::State& state) {
  Stack s("incr", std::to_string(state.range(0)));
  std::mt19937 rng(7);
  std::vector<std::string> keys;
  for (int i = 0; i < kKeySpace; ++i) keys.push_back(Key(i));
  std::string value(kValueSize, '0');
  const double cpu_start = ProcessCpuSeconds();
  for (auto _ : state) {
    const std::string& k = keys[rng() % kKeySpace];
    auto v = s.stack.top->Get(k);
    if (v.ok() && v->has_value()) value[0] = static_cast<char>((**v)[0] + 1);
    if (!s.stack.top->Put(k, value).ok()) state.SkipWithError("put failed");
  }
  (void)s.stack.FlushCache();
  state.SetItemsProcessed(state.iterations());
  SetCpuCounters(state, ProcessCpuSeconds() - cpu_start, state.iterations());
}
BENCHMARK(BM_IncrementCachedLoggedRocks)->Arg(1000)->Arg(100000);

// Word-count pattern with a working set that fits the cache (5000 hot keys, cache 10000): reads
// hit the cache, rewrites of a dirty key coalesce, and RocksDB + changelog see one write per
// distinct key per write.batch.size.
void BM_IncrementHotKeys(benchmark::State& state) {
  Stack s("hot", "10000");
  std::mt19937 rng(9);
  std::vector<std::string> keys;
  for (int i = 0; i < 5000; ++i) keys.push_back(Key(i));
  std::string value(kValueSize, '0');
  const double cpu_start = ProcessCpuSeconds();
  for (auto _ : state) {
    const std::string& k = keys[rng() % keys.size()];
    auto v = s.stack.top->Get(k);
    if (v.ok() && v->has_value()) value[0] = static_cast<char>((**v)[0] + 1);
    if (!s.stack.top->Put(k, value).ok()) state.SkipWithError("put failed");
  }
  (void)s.stack.FlushCache();
  state.SetItemsProcessed(state.iterations());
  SetCpuCounters(state, ProcessCpuSeconds() - cpu_start, state.iterations());
  state.counters["changelog_records"] = static_cast<double>(s.writer.records);
}
BENCHMARK(BM_IncrementHotKeys);

void BM_GetCachedRocks(benchmark::State& state) {
  Stack s("get", "1000");
  std::vector<std::string> keys;
  for (int i = 0; i < kKeySpace; ++i) keys.push_back(Key(i));
  std::string value(kValueSize, 'v');
  for (const auto& k : keys) (void)s.stack.top->Put(k, value);
  (void)s.stack.FlushCache();
  (void)s.stack.FlushEngine();
  std::mt19937 rng(1);
  const double cpu_start = ProcessCpuSeconds();
  for (auto _ : state) {
    auto v = s.stack.top->Get(keys[rng() % kKeySpace]);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
  SetCpuCounters(state, ProcessCpuSeconds() - cpu_start, state.iterations());
}
BENCHMARK(BM_GetCachedRocks);

// The changelog as restore sees it: 1M records of 100 bytes over 1M distinct keys, in fetch-sized
// batches of views (the runtime walks fetched record batches in place).
struct ChangelogData {
  ChangelogData() {
    std::mt19937 rng(3);
    keys.reserve(kRestoreRecords);
    for (int i = 0; i < kRestoreRecords; ++i)
      keys.push_back(Key(static_cast<int>(rng() % 10000000)));
    value.assign(kValueSize, 'r');
    for (int i = 0; i < kRestoreRecords; ++i) records.push_back(KeyValueWrite{keys[i], value});
  }
  std::vector<std::string> keys;
  std::string value;
  std::vector<KeyValueWrite> records;
};
const ChangelogData& Data() {
  static ChangelogData* d = new ChangelogData();
  return *d;
}

void BM_RestoreBatchRocks(benchmark::State& state) {
  const ChangelogData& data = Data();
  int64_t total = 0;
  const double cpu_start = ProcessCpuSeconds();
  for (auto _ : state) {
    state.PauseTiming();
    std::string dir = BenchDir("restore");
    Config c(Config::Map{{"rocksdb.write.buffer.size", std::to_string(state.range(0) << 20)}});
    auto store = RocksDbStore::Open("s", dir, c);
    RestoreBatch restore(store->get());
    state.ResumeTiming();
    std::span<const KeyValueWrite> all(data.records);
    for (size_t i = 0; i < all.size(); i += kFetchBatch) {
      if (!restore.Apply(all.subspan(i, std::min<size_t>(kFetchBatch, all.size() - i))).ok()) {
        state.SkipWithError("restore failed");
      }
    }
    if (!restore.Finish().ok()) state.SkipWithError("finish failed");
    if (!(*store)->Flush().ok()) state.SkipWithError("flush failed");
    total += restore.records();
    state.PauseTiming();
    store->reset();
    std::filesystem::remove_all(dir);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(total);
  SetCpuCounters(state, ProcessCpuSeconds() - cpu_start, total);
  state.SetBytesProcessed(total * static_cast<int64_t>(kValueSize + 11));
}
BENCHMARK(BM_RestoreBatchRocks)->Arg(32)->Arg(128)->Unit(benchmark::kMillisecond)->UseRealTime();

// Reference: the same records written with raw rocksdb::WriteBatch, WAL off, same options.
void BM_RawRocksWriteBatch(benchmark::State& state) {
  const ChangelogData& data = Data();
  int64_t total = 0;
  const double cpu_start = ProcessCpuSeconds();
  for (auto _ : state) {
    state.PauseTiming();
    std::string dir = BenchDir("raw");
    Config c(Config::Map{{"rocksdb.write.buffer.size", std::to_string(state.range(0) << 20)}});
    auto store = RocksDbStore::Open("s", dir, c);
    rocksdb::DB* db = (*store)->db();
    rocksdb::WriteOptions wo;
    wo.disableWAL = true;
    state.ResumeTiming();
    for (size_t i = 0; i < data.records.size(); i += kFetchBatch) {
      rocksdb::WriteBatch batch;
      size_t end = std::min<size_t>(i + kFetchBatch, data.records.size());
      for (size_t j = i; j < end; ++j) {
        const KeyValueWrite& r = data.records[j];
        (void)batch.Put(rocksdb::Slice(r.key.data(), r.key.size()),
                        rocksdb::Slice(r.value->data(), r.value->size()));
      }
      if (!db->Write(wo, &batch).ok()) state.SkipWithError("write failed");
    }
    if (!(*store)->Flush().ok()) state.SkipWithError("flush failed");
    total += static_cast<int64_t>(data.records.size());
    state.PauseTiming();
    store->reset();
    std::filesystem::remove_all(dir);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(total);
  SetCpuCounters(state, ProcessCpuSeconds() - cpu_start, total);
}
BENCHMARK(BM_RawRocksWriteBatch)->Arg(32)->Arg(128)->Unit(benchmark::kMillisecond)->UseRealTime();

// Experiment: RocksDB's vector memtable (append, sort at flush), the bulk-load memtable.
void BM_RawRocksVectorMemtable(benchmark::State& state) {
  const ChangelogData& data = Data();
  int64_t total = 0;
  const double cpu_start = ProcessCpuSeconds();
  for (auto _ : state) {
    state.PauseTiming();
    std::string dir = BenchDir("vec");
    rocksdb::Options o;
    o.create_if_missing = true;
    o.write_buffer_size = 256 << 20;
    o.memtable_factory.reset(new rocksdb::VectorRepFactory());
    o.allow_concurrent_memtable_write = false;
    o.compaction_style = rocksdb::kCompactionStyleUniversal;
    rocksdb::DB* db;
    (void)rocksdb::DB::Open(o, dir, &db);
    rocksdb::WriteOptions wo;
    wo.disableWAL = true;
    state.ResumeTiming();
    for (size_t i = 0; i < data.records.size(); i += kFetchBatch) {
      rocksdb::WriteBatch batch;
      size_t end = std::min<size_t>(i + kFetchBatch, data.records.size());
      for (size_t j = i; j < end; ++j) {
        const KeyValueWrite& r = data.records[j];
        (void)batch.Put(rocksdb::Slice(r.key.data(), r.key.size()),
                        rocksdb::Slice(r.value->data(), r.value->size()));
      }
      if (!db->Write(wo, &batch).ok()) state.SkipWithError("write failed");
    }
    (void)db->Flush(rocksdb::FlushOptions());
    total += static_cast<int64_t>(data.records.size());
    state.PauseTiming();
    delete db;
    std::filesystem::remove_all(dir);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(total);
  SetCpuCounters(state, ProcessCpuSeconds() - cpu_start, total);
}
BENCHMARK(BM_RawRocksVectorMemtable)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_RestoreBatchInMemory(benchmark::State& state) {
  const ChangelogData& data = Data();
  int64_t total = 0;
  const double cpu_start = ProcessCpuSeconds();
  for (auto _ : state) {
    InMemoryStore mem("s");
    RestoreBatch restore(&mem);
    std::span<const KeyValueWrite> all(data.records);
    for (size_t i = 0; i < all.size(); i += kFetchBatch) {
      (void)restore.Apply(all.subspan(i, std::min<size_t>(kFetchBatch, all.size() - i)));
    }
    total += restore.records();
    state.PauseTiming();
    { InMemoryStore drop = std::move(mem); }
    state.ResumeTiming();
  }
  state.SetItemsProcessed(total);
  SetCpuCounters(state, ProcessCpuSeconds() - cpu_start, total);
}
BENCHMARK(BM_RestoreBatchInMemory)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace eddy::state

// BENCHMARK_MAIN, with a --help that names this tool before Google Benchmark's own flags.
int main(int argc, char** argv) {
  static char help[] = "--help";  // Google Benchmark knows --help only
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "-h") == 0) argv[i] = help;
  }
  benchmark::Initialize(&argc, argv, [] {
    std::printf(
        "usage: state_bench [--benchmark_filter=REGEX] [Google Benchmark flags]\nMicro-benchmarks "
        "of the task store stack (cache, changelog, RocksDB) and restore.\n");
    benchmark::PrintDefaultHelp();
  });
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
