//===- ScratchFile.cpp - Fuzz inputs as files -----------------------------===//
#include "test/fuzz/ScratchFile.h"

#include <cstdio>
#include <cstdlib>

namespace starch::fuzz {

const std::string &scratchFolder() {
  static const std::string folder = [] {
    const char *tmp = std::getenv("TMPDIR");
    std::string pattern =
        std::string(tmp && *tmp ? tmp : "/tmp") + "/starch-fuzz-XXXXXX";
    if (!mkdtemp(pattern.data())) {
      std::perror("starch-fuzz: mkdtemp");
      std::abort();
    }
    return pattern;
  }();
  return folder;
}

std::string writeScratchFile(const std::string &name, const uint8_t *data,
                             size_t size) {
  std::string path = scratchFolder() + "/" + name;
  std::FILE *file = std::fopen(path.c_str(), "wb");
  if (!file || (size && std::fwrite(data, 1, size, file) != size) ||
      std::fclose(file) != 0) {
    std::perror(("starch-fuzz: " + path).c_str());
    std::abort();
  }
  return path;
}

} // namespace starch::fuzz
