//===- ScratchFile.cpp - Fuzz inputs as files -----------------------------===//
#include "test/fuzz/ScratchFile.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <unistd.h>

namespace starch::fuzz {

const std::string &scratchFolder() {
  static const std::string folder = [] {
    // In memory when possible: rewriting a file per input on a disk costs
    // more than most inputs take to read.
    const char *tmp = std::getenv("TMPDIR");
    std::string base = tmp && *tmp                     ? tmp
                       : access("/dev/shm", W_OK) == 0 ? "/dev/shm"
                                                       : "/tmp";
    std::string pattern = base + "/starch-fuzz-XXXXXX";
    if (!mkdtemp(pattern.data())) {
      std::perror("starch-fuzz: mkdtemp");
      std::abort();
    }
    return pattern;
  }();
  static const bool removedAtExit = [] {
    std::atexit([] { std::filesystem::remove_all(scratchFolder()); });
    return true;
  }();
  (void)removedAtExit;
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
