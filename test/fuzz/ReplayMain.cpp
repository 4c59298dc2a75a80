//===- ReplayMain.cpp - Fuzz targets without libFuzzer --------------------===//
//
// In builds without STARCH_FUZZ (g++, the sanitizer configuration) each
// target is linked with this main, which runs it once on every file named
// or found in the folders named: the committed corpus and crash inputs stay
// a test everywhere.
//
//===----------------------------------------------------------------------===//
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

namespace {

void replay(const std::filesystem::path &path) {
  std::ifstream file(path, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)),
                             std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
}

} // namespace

int main(int argc, char **argv) {
  size_t count = 0;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path path = argv[i];
    if (!std::filesystem::is_directory(path)) {
      replay(path);
      ++count;
      continue;
    }
    for (const auto &entry : std::filesystem::directory_iterator(path))
      if (entry.is_regular_file()) {
        replay(entry.path());
        ++count;
      }
  }
  if (count == 0) {
    std::fprintf(stderr, "%s: no inputs to replay\n", argv[0]);
    return 2;
  }
  std::printf("replayed %zu inputs\n", count);
  return 0;
}
