// Runs a libFuzzer-style target without libFuzzer: every file of the corpus directories given on
// the command line, then N seeded random mutations of them (N from EDDY_FUZZ_RUNS, default
// 20000). A crash fails the test; the crashing input is written to fuzz-crash.bin by a signal
// handler so it can be replayed.
#include <fcntl.h>
#include <unistd.h>

#include <csignal>
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

// The input being run, for the crash handler (only async-signal-safe calls there).
const std::string* g_current = nullptr;

void OnCrash(int sig) {
  if (g_current != nullptr) {
    int fd = ::open("fuzz-crash.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ssize_t ignored = ::write(fd, g_current->data(), g_current->size());
      (void)ignored;
      ::close(fd);
    }
  }
  static const char kMsg[] = "fuzz: crash; input written to fuzz-crash.bin\n";
  ssize_t ignored = ::write(2, kMsg, sizeof(kMsg) - 1);
  (void)ignored;
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void RunOne(const std::string& input) {
  g_current = &input;
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  g_current = nullptr;
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
  for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL}) std::signal(sig, OnCrash);
  for (const auto& c : corpus) RunOne(c);
  const char* env = std::getenv("EDDY_FUZZ_RUNS");
  const long runs = env ? std::atol(env) : 20000;
  std::mt19937_64 rng(0xEDD1);
  for (long i = 0; i < runs; ++i) RunOne(Mutate(corpus[rng() % corpus.size()], rng));
  std::printf("fuzz: %zu corpus inputs, %ld mutations, no crash\n", corpus.size(), runs);
  return 0;
}
