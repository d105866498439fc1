// Runs a libFuzzer-style target without libFuzzer: every file of the corpus directories given on
// the command line, then N seeded random mutations of them (N from EDDY_FUZZ_RUNS, default
// 20000). A crash or sanitizer report fails the test; the input is written to fuzz-crash.bin
// first so it can be replayed.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void RunOne(const std::string& input) {
  {
    std::ofstream out("fuzz-crash.bin", std::ios::binary | std::ios::trunc);
    out.write(input.data(), static_cast<std::streamsize>(input.size()));
  }
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

std::string Mutate(std::string s, std::mt19937_64& rng) {
  const int edits = 1 + static_cast<int>(rng() % 8);
  for (int i = 0; i < edits; ++i) {
    switch (rng() % 5) {
      case 0:  // flip a byte
        if (!s.empty()) s[rng() % s.size()] = static_cast<char>(rng());
        break;
      case 1:  // truncate
        if (!s.empty()) s.resize(rng() % s.size());
        break;
      case 2:  // insert random bytes
        s.insert(s.empty() ? 0 : rng() % s.size(), std::string(1 + rng() % 8, static_cast<char>(rng())));
        break;
      case 3:  // set a byte to an interesting value
        if (!s.empty()) {
          static const char kVals[] = {0, 1, 0x7f, static_cast<char>(0x80), static_cast<char>(0xff)};
          s[rng() % s.size()] = kVals[rng() % sizeof(kVals)];
        }
        break;
      default:  // duplicate a slice
        if (s.size() > 2) {
          size_t a = rng() % s.size(), n = rng() % (s.size() - a);
          s.insert(rng() % s.size(), s.substr(a, n));
        }
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> corpus;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path p(argv[i]);
    if (std::filesystem::is_directory(p)) {
      for (const auto& e : std::filesystem::directory_iterator(p)) {
        std::ifstream in(e.path(), std::ios::binary);
        corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      }
    } else if (std::filesystem::exists(p)) {
      std::ifstream in(p, std::ios::binary);
      corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  if (corpus.empty()) corpus.emplace_back();
  for (const auto& c : corpus) RunOne(c);
  const char* env = std::getenv("EDDY_FUZZ_RUNS");
  const long runs = env ? std::atol(env) : 20000;
  std::mt19937_64 rng(0xEDD1);
  for (long i = 0; i < runs; ++i) RunOne(Mutate(corpus[rng() % corpus.size()], rng));
  std::remove("fuzz-crash.bin");
  std::printf("fuzz: %zu corpus inputs, %ld mutations, no crash\n", corpus.size(), runs);
  return 0;
}
